"""The Package panel and badges in a real JupyterLab (issue 13's defects and additions).

Badges come from the server's plan (a `function:` + `skip` cell shows skip, as the build
does; a continuation cell names its function); a tag added with JupyterLab's own tag editor
shows at once; the keyboard stays with the notebook after the context menu; the panel is
labelled, in the View menu, open with the notebook, and fits long names; a fixed build
error clears the old failure; the preview shows the version on disk in one tab that follows
the edits, unsaved ones too; an unmarked notebook gets a proposed marking, accepted cell by
cell or at once.
"""

from __future__ import annotations

import re
from typing import Any

from lab_process import Lab
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from test_lab import NOTEBOOK_JS, cell, select_cell, tags_in_browser
from test_lab import open_notebook as open_in_lab
from ui_panel_notebooks import (
    LONG_TEST_NAME,
    duplicate_names_notebook,
    inverting_notebook,
    plan_notebook,
    untagged_notebook,
    versioned_notebook,
)

from nb2pkg.plan.automark import propose

PANEL = "#nb2pkg-package-panel"


def open_notebook(page: Any, lab: Lab, name: str, content: dict[str, Any]) -> None:
    """Open the notebook alone: `reset` drops the tabs an earlier test left in the workspace."""
    open_in_lab(page, Lab(lab.url, lab.token, lab.root, query="reset"), name, content)


def settled_badge(page: Any, index: int) -> Any:
    """The cell's badge once the analysis has seen the cell's current tags."""
    return cell(page, index).locator('.nb2pkg-Badge[data-pending="false"]')


def add_with_tag_editor(page: Any, cell_id: str, tag: str) -> None:
    """Type a tag into JupyterLab's tag editor (Property Inspector) as a user does.

    The editor keeps whether it is editing in its own state and forgets it, with the typed
    text, whenever the inspector re-renders (the active cell settling, the form refreshing):
    what was typed then never reaches the cell. A user types it again; so does this, at most
    three times, and the test fails if the cell's tags still lack the tag.
    """
    inspector = page.locator("#jp-property-inspector")
    add_tag = inspector.locator("input.jp-CellTags-Add")
    if not add_tag.is_visible():
        inspector.locator(".jp-Collapse-header", has_text="Common Tools").click()
    written = f"""() => {{
        const cell = {NOTEBOOK_JS}.widgets.find(c => c.model.id === '{cell_id}');
        return (cell.model.getMetadata('tags') || []).includes('{tag}');
    }}"""
    for _attempt in range(3):
        add_tag.click()
        page.keyboard.press("Control+A")  # what an earlier attempt left is typed over
        page.keyboard.type(tag)
        page.keyboard.press("Enter")
        try:
            page.wait_for_function(written, timeout=5_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"JupyterLab's tag editor did not add {tag!r} to cell {cell_id!r}")


def notebook_js(path: str) -> str:
    """The notebook widget of an open notebook, whatever has the focus."""
    return (
        "[...window.jupyterapp.shell.widgets('main')]"
        f".find(w => w.context && w.context.path === '{path}').content"
    )


def set_tags(page: Any, path: str, cell_id: str, tags: list[str]) -> None:
    page.evaluate(
        f"""() => {{
            const cell = {notebook_js(path)}.widgets.find(c => c.model.id === '{cell_id}');
            cell.model.setMetadata('tags', {tags!r});
        }}"""
    )


def test_badges_come_from_the_plan_and_follow_the_tag_editor(page: Any, lab: Lab) -> None:
    open_notebook(page, lab, "plan.ipynb", plan_notebook())
    # The panel opened with the notebook, under its label; the View menu lists it.
    panel = page.locator(PANEL)
    expect(panel).to_be_visible(timeout=30_000)
    expect(panel.locator(".nb2pkg-Panel-function")).to_have_count(2, timeout=30_000)
    tab = page.locator('.lm-TabBar-tab[data-id="nb2pkg-package-panel"]')
    expect(tab).to_have_attribute("title", "Package (nb2pkg): what this notebook builds")
    page.locator('.lm-MenuBar-item:has-text("View")').click()
    expect(page.locator('.lm-Menu-item[data-command="nb2pkg:open-panel"]')).to_be_visible()
    page.keyboard.press("Escape")

    # function:load + skip: the build skips it, and so does the badge.
    skipped = settled_badge(page, 1)
    expect(skipped).to_have_attribute("data-role", "skip", timeout=30_000)
    expect(skipped.locator(".nb2pkg-Badge-signature")).to_have_count(0)
    # A function over two cells: the second says whose part it is, with no "(…)".
    expect(settled_badge(page, 2).locator(".nb2pkg-Badge-signature")).to_have_text(
        "load_two(factor) -> data, doubled"
    )
    expect(settled_badge(page, 3).locator(".nb2pkg-Badge-signature")).to_have_text(
        "continues load_two (part 2 of 2)"
    )
    # A badge cut off by the cell's width has its whole text as a tooltip.
    wide = settled_badge(page, 6)
    expect(wide).to_have_attribute(
        "title",
        "function: compute_every_coefficient_of_the_model(total) -> alpha_coefficient_value, "
        "beta_coefficient_value, gamma_coefficient_value, delta_coefficient_value",
    )

    # A tag added with JupyterLab's own tag editor (Property Inspector) shows at once.
    select_cell(page, 4)
    expect(cell(page, 4).locator(".nb2pkg-Badge")).to_have_count(0)
    page.locator('.jp-SideBar .lm-TabBar-tab[data-id="jp-property-inspector"]').click()
    add_with_tag_editor(page, "plain", "function:add_up")
    assert tags_in_browser(page, "plain") == ["function:add_up"]
    expect(settled_badge(page, 4).locator(".nb2pkg-Badge-signature")).to_have_text(
        "add_up(doubled) -> total", timeout=15_000
    )

    # The panel wraps a long test name instead of running off its edge.
    page.evaluate("() => window.jupyterapp.commands.execute('nb2pkg:open-panel')")
    test_item = panel.locator(".nb2pkg-Panel-test")
    expect(test_item).to_contain_text(LONG_TEST_NAME)
    overflow = page.evaluate(
        f"""() => {{
            const panel = document.querySelector('{PANEL}');
            const item = panel.querySelector('.nb2pkg-Panel-test');
            return [panel.scrollWidth - panel.clientWidth,
                    item.getBoundingClientRect().right - panel.getBoundingClientRect().right];
        }}"""
    )
    assert overflow[0] <= 0 and overflow[1] <= 1, overflow

    # After the context menu, the keyboard still drives the notebook.
    select_cell(page, 5)
    cell(page, 5).locator(".jp-InputArea-editor").click(button="right")
    page.locator('.lm-Menu-item:has-text("nb2pkg")').first.hover()
    page.locator('.lm-Menu-item[data-command="nb2pkg:mark-export"]').click()
    assert tags_in_browser(page, "long-test") == ["export"]
    focused_in_notebook = page.evaluate(
        f"() => {NOTEBOOK_JS}.node.contains(document.activeElement)"
    )
    assert focused_in_notebook
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"() => {NOTEBOOK_JS}.activeCellIndex === 6", timeout=5_000)

    # The palette shows the marking shortcuts.
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:activate-command-palette')")
    page.locator(".lm-CommandPalette-input").fill("Mark as test")
    item = page.locator('.lm-CommandPalette-item[data-command="nb2pkg:mark-test"]').first
    expect(item.locator(".lm-CommandPalette-itemShortcut")).to_contain_text("T")
    page.keyboard.press("Escape")
    assert page.errors == [], "\n\n".join(page.errors)


def test_a_fixed_build_error_clears_and_the_preview_follows_the_package(
    page: Any, lab: Lab
) -> None:
    open_notebook(page, lab, "dup.ipynb", duplicate_names_notebook())
    page.evaluate("() => window.jupyterapp.commands.execute('nb2pkg:open-panel')")
    panel = page.locator(PANEL)
    outcome = panel.locator(".nb2pkg-Panel-build")
    panel.get_by_role("button", name="Build").click()
    expect(outcome).to_have_attribute("data-status", "failed", timeout=90_000)
    expect(outcome).to_contain_text("NB104")
    # Renaming the second function fixes it: the old failure goes once that is analysed.
    set_tags(page, "dup.ipynb", "b", ["function:step_two"])
    expect(outcome).to_have_attribute("data-status", "idle", timeout=15_000)

    # A package built twice is at 0.2.0; the preview says so, in one tab whatever the clicks.
    open_notebook(page, lab, "versions.ipynb", versioned_notebook())
    page.evaluate("() => window.jupyterapp.commands.execute('nb2pkg:open-panel')")
    panel.get_by_role("button", name="Build").click()
    expect(outcome.locator(".nb2pkg-Panel-summary")).to_contain_text("0.1.0", timeout=90_000)
    page.evaluate(
        f"""() => {{
            const nb = {notebook_js("versions.ipynb")};
            nb.model.sharedModel.insertCell(3, {{
                cell_type: 'code', source: 'total = sum(scaled)',
                metadata: {{ tags: ['function:total'] }}
            }});
        }}"""
    )
    panel.get_by_role("button", name="Build").click()
    expect(outcome.locator(".nb2pkg-Panel-summary")).to_contain_text("0.2.0", timeout=90_000)
    preview_button = panel.get_by_role("button", name="Preview module")
    preview_button.click()
    preview = page.locator(".nb2pkg-Preview")
    expect(preview).to_contain_text('__version__ = "0.2.0"', timeout=60_000)
    preview_button.click()
    page.wait_for_timeout(1000)
    expect(preview).to_have_count(1)
    saved = (lab.root / "versions.ipynb").read_bytes()
    # An edit, not saved, shows in the open preview: a renamed function breaks the API → 0.3.0.
    page.evaluate(
        f"""() => {{
            const nb = {notebook_js("versions.ipynb")};
            const cell = nb.widgets.find(
                c => JSON.stringify(c.model.getMetadata('tags')) === '["function:total"]');
            cell.model.setMetadata('tags', ['function:grand_total']);
        }}"""
    )
    expect(preview).to_contain_text("def grand_total(", timeout=60_000)
    expect(preview).to_contain_text('__version__ = "0.3.0"')
    # A code edit follows too, in the same tab; the notebook stays unsaved.
    page.evaluate(
        f"""() => {{
            const nb = {notebook_js("versions.ipynb")};
            const cell = nb.widgets.find(
                c => JSON.stringify(c.model.getMetadata('tags')) === '["function:grand_total"]');
            cell.model.sharedModel.setSource('total = sum(scaled) * 2');
        }}"""
    )
    expect(preview).to_contain_text("sum(scaled) * 2", timeout=60_000)
    expect(preview).to_have_count(1)
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="(preview)")).to_have_count(
        1
    )
    assert page.evaluate(
        """() => [...window.jupyterapp.shell.widgets('main')]
            .find(w => w.context && w.context.path === 'versions.ipynb').context.model.dirty"""
    )
    assert (lab.root / "versions.ipynb").read_bytes() == saved
    assert page.errors == [], "\n\n".join(page.errors)


def test_propose_marking_then_accept_cell_by_cell_or_at_once_and_undo(page: Any, lab: Lab) -> None:
    open_notebook(page, lab, "raw.ipynb", untagged_notebook())
    page.evaluate("() => window.jupyterapp.commands.execute('nb2pkg:open-panel')")
    panel = page.locator(PANEL)
    panel.get_by_role("button", name="Propose marking").click()
    proposed = panel.locator(".nb2pkg-Panel-proposed")
    expect(proposed.first).to_be_visible(timeout=30_000)
    count = proposed.count()
    assert count >= 2
    expect(proposed.filter(has_text="function:load_numbers")).to_have_count(1)
    # The proposal shows on the cells, nothing is tagged yet.
    load_index = 3
    expect(cell(page, load_index).locator('.nb2pkg-Badge[data-role="proposed"]')).to_contain_text(
        "function:load_numbers"
    )
    assert tags_in_browser(page, "load") == []

    # Accept one cell: only that cell is tagged.
    proposed.filter(has_text="function:load_numbers").get_by_role("button", name="Accept").click()
    assert tags_in_browser(page, "load") == ["function:load_numbers"]
    expect(proposed).to_have_count(count - 1)
    expect(settled_badge(page, load_index)).to_have_attribute(
        "data-role", "function", timeout=15_000
    )

    # Accept the rest at once: the tags `nb2pkg tag --auto` gives; then undo it in one step.
    expected = {p.cell_id: list(p.tags) for p in propose(untagged_notebook()["cells"])}
    others = [cid for cid in expected if cid != "load"]
    before = {cid: tags_in_browser(page, cid) for cid in others}
    panel.get_by_role("button", name="Accept all").click()
    assert {cid: tags_in_browser(page, cid) for cid in others} == {
        cid: expected[cid] for cid in others
    }
    expect(proposed).to_have_count(0)
    panel.locator(".nb2pkg-Panel-accepted").get_by_role("button", name="Undo").click()
    assert {cid: tags_in_browser(page, cid) for cid in before} == before
    assert tags_in_browser(page, "load") == ["function:load_numbers"]
    assert page.errors == [], "\n\n".join(page.errors)


def test_run_the_built_pipeline_step_by_step_and_reach_the_failing_cell(
    page: Any, lab: Lab
) -> None:
    open_notebook(page, lab, "inv.ipynb", inverting_notebook())
    page.evaluate("() => window.jupyterapp.commands.execute('nb2pkg:open-panel')")
    panel = page.locator(PANEL)
    panel.get_by_role("button", name="Build").click()
    expect(panel.locator(".nb2pkg-Panel-build")).to_have_attribute(
        "data-status", "done", timeout=90_000
    )
    # The step graph: load → invert → total; a step's box leads to its cell.
    graph = panel.locator(".nb2pkg-Panel-graph")
    graph.locator("summary").click()
    expect(graph.locator(".nb2pkg-Graph-node")).to_have_count(3)
    expect(graph.locator(".nb2pkg-Graph-edge")).to_have_count(2)
    expect(graph.locator('.nb2pkg-Graph-edge[data-from="invert"][data-to="total"]')).to_have_count(
        1
    )
    graph.locator('.nb2pkg-Graph-node[data-step="total"]').click()
    page.wait_for_function(
        f"() => {notebook_js('inv.ipynb')}.activeCellIndex === 3", timeout=10_000
    )

    # Run: every step done, the outputs and the metrics at the end.
    panel.get_by_role("button", name="Run pipeline").click()
    run = panel.locator(".nb2pkg-Panel-run")
    expect(run).to_have_attribute("data-status", "done", timeout=120_000)
    expect(run.locator(".nb2pkg-Panel-step")).to_have_count(3)
    expect(run.locator('.nb2pkg-Panel-step[data-status="done"]')).to_have_count(3)
    expect(run).to_contain_text("inverted = [0.5, 0.25, 0.125]")
    expect(run).to_contain_text("total = 0.875")

    # A value that breaks a step: rebuild, run; the error leads to the step's cell.
    page.evaluate(
        """async () => {
            const panel = [...window.jupyterapp.shell.widgets('main')]
                .find(w => w.context && w.context.path === 'inv.ipynb');
            const cell = panel.content.widgets.find(c => c.model.id === 'load');
            cell.model.sharedModel.setSource('data = [v * scale for v in [1, 0, 4]]');
        }"""
    )
    panel.get_by_role("button", name="Build").click()
    expect(panel.locator(".nb2pkg-Panel-summary").first).to_contain_text("0.1.0", timeout=90_000)
    panel.get_by_role("button", name="Run pipeline").click()
    expect(run).to_have_attribute("data-status", "failed", timeout=120_000)
    expect(run.locator('.nb2pkg-Panel-step[data-status="failed"]')).to_contain_text("invert")
    error = run.locator(".nb2pkg-Panel-runError")
    expect(error).to_contain_text("ZeroDivisionError")
    select_cell(page, 0)
    error.click()
    page.wait_for_function(
        f"() => {notebook_js('inv.ipynb')}.activeCellIndex === 2", timeout=10_000
    )

    # Both runs were tracked: the runs view lists them, and shows two side by side.
    runs = panel.locator(".nb2pkg-Panel-runs")
    runs.get_by_role("button", name="Show last runs").click()
    rows = runs.locator(".nb2pkg-Panel-trackedRun")
    expect(rows).to_have_count(2, timeout=60_000)
    expect(rows.nth(0)).to_have_attribute("data-status", "FAILED")
    expect(rows.nth(1)).to_have_attribute("data-status", "FINISHED")
    expect(rows.nth(1)).to_contain_text("0.1.0")
    expect(rows.nth(1)).to_contain_text("total=0.875")
    rows.nth(0).locator("input[type=checkbox]").check()
    rows.nth(1).locator("input[type=checkbox]").check()
    side = runs.locator(".nb2pkg-Panel-compare")
    expect(side.locator('.nb2pkg-Panel-compareRow[data-kind="status"] td')).to_have_text(
        ["FAILED", "FINISHED"]
    )
    expect(side.locator('.nb2pkg-Panel-compareRow[data-kind="version"]')).to_have_attribute(
        "data-differs", "true"
    )
    expect(side.locator('.nb2pkg-Panel-compareRow[data-kind="param"]')).to_contain_text("scale")
    # MLflow is installed in the server's environment: the command that opens its UI on the
    # package's store, to copy, and the address it answers at.
    ui = runs.locator('.nb2pkg-Panel-mlflowUi[data-installed="true"]')
    expect(ui.locator(".nb2pkg-Panel-command")).to_have_text(
        re.compile(
            r"^cd \S+ && python -m mlflow ui --backend-store-uri sqlite:///mlflow\.db --port 5000$"
        )
    )
    expect(ui.get_by_role("button", name="Copy MLflow UI command")).to_be_visible()
    expect(ui.locator("a")).to_have_attribute("href", "http://127.0.0.1:5000")
    assert page.errors == [], "\n\n".join(page.errors)
