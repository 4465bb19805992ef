"""Property: re-analysing a notebook after random edits gives exactly the analysis of the
edited notebook made from scratch, and planning it again from what the last plan noted gives
exactly the plan made from scratch.

The notebooks are the golden cases' and the examples' (parameters, merged functions, tests,
exports, magics, plots, MLflow, data files, nbformat 4.0 without ids), and all the examples'
cells in one notebook. Each example applies a sequence of edits: a digit typed, a comment, a
new name bound (read later or not), a name no longer bound, a name read that another cell
binds (earlier or later) or no cell binds yet, a name bound again or changed in place, an
import added or removed, a line removed, a syntax error, a magic, a plot, a star import, an
MLflow call, a data file read, a figure saved or read back, a skipped cell that seeds the
random generator, tags added, removed or renamed, explicit outputs, execution counts, a
markdown heading, a code cell given another id or made markdown, cells inserted, deleted,
copied or moved. After each one it compares ``api.analyze_notebook`` (which may
reuse the previous analysis and plan) with an analysis made with no record, and
``replan_notebook`` given the memory of the last plan with ``plan_notebook``.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.builder.environment import InstalledEnvironment
from nb2pkg.builder.planning import RecentPlans
from nb2pkg.frontends import api
from nb2pkg.frontends.analysis_result import NotebookAnalysis
from nb2pkg.frontends.reanalysis import RecentAnalyses
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.plan.fixed_facts import FixedFacts
from nb2pkg.plan.notebook_plan import NotebookPlan, Planner, plan_notebook
from nb2pkg.plan.plan_facts import PlanFacts
from nb2pkg.plan.replanning import PlanMemory, replan_notebook
from nb2pkg.roles.resolve import tag_cells

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(
    [
        *(REPO / "tests" / "functional" / "cases").glob("*/input.ipynb"),
        *(REPO / "example_notebooks").glob("*.ipynb"),
    ]
)

COMBINED = REPO / "example_notebooks" / "all_examples.ipynb"
"""Not a file: every example's cells in one notebook (beside the examples' data folder)."""

EDITS = (
    "digit",
    "comment",
    "unread_name",
    "read_later",
    "drop_line",
    "syntax_error",
    "magic",
    "add_tag",
    "drop_tags",
    "markdown",
)
STRUCTURE_EDITS = (
    "drop_binding",
    "read_other",
    "rebind_other",
    "mutate_other",
    "add_import",
    "drop_imports",
    "plot",
    "star_import",
    "mlflow",
    "data_file",
    "read_undefined",
    "bind_undefined",
    "seeding_skipped_cell",
    "rename_function",
    "retag",
    "outputs",
    "execution_count",
    "insert_cell",
    "delete_cell",
    "copy_cell",
    "move_cell",
    "save_figure",
    "read_figure",
    "new_id",
    "to_markdown",
)
TAGS = (
    "skip",
    "test",
    "metrics",
    "parameters",
    "export",
    "module:extra",
    "function:load_data",
    "function:train",
    "test:checks",
    "step:extra_step",
)
BINDING = re.compile(r"^([A-Za-z_]\w*)\s*=[^=]", re.MULTILINE)


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _bound_names(cells: list[dict[str, Any]]) -> list[str]:
    return sorted({name for c in cells for name in BINDING.findall(_source(c))})


def edit(notebook: dict[str, Any], kind: str, index: int, number: int) -> None:
    """Apply one edit of ``kind`` to the cell at ``index`` (of the kind's cells, wrapped)."""
    if kind in STRUCTURE_EDITS:
        edit_structure(notebook, kind, index, number)
        return
    cells = notebook["cells"]
    wanted = "markdown" if kind == "markdown" else "code"
    candidates = [c for c in cells if c.get("cell_type") == wanted]
    if not candidates:
        return
    cell = candidates[index % len(candidates)]
    text = _source(cell)
    if kind == "digit":
        digits = [m.start() for m in re.finditer(r"\d", text)]
        if digits:
            at = digits[number % len(digits)]
            text = text[:at] + str(number % 10) + text[at + 1 :]
        else:
            text += f"\nvalue_{number} = {number}\n"
    elif kind == "comment":
        text += f"\n# a note {number}\n"
    elif kind == "unread_name":
        text += f"\nunread_{number} = {number}\n"
    elif kind == "read_later":
        text += f"\nshared_{number} = {number}\n"
        later = candidates[(index + 1) % len(candidates)]
        later["source"] = _source(later) + f"\nseen_{number} = shared_{number} + 1\n"
    elif kind == "drop_line":
        lines = text.splitlines()
        if lines:
            del lines[number % len(lines)]
        text = "\n".join(lines)
    elif kind == "syntax_error":
        text += "\nbroken = (\n"
    elif kind == "magic":
        text = f"%time marker_{number} = 1\n" + text
    elif kind == "add_tag":
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        tags.append(["skip", f"function:step_{number}", "test", "metrics"][number % 4])
    elif kind == "drop_tags":
        cell.setdefault("metadata", {})["tags"] = []
    elif kind == "markdown":
        text += f"\n# Heading {number}\n"
    cell["source"] = text


def edit_structure(notebook: dict[str, Any], kind: str, index: int, number: int) -> None:
    """Edits of what a cell reads, binds and imports, of tags and of the cells' order."""
    cells = notebook["cells"]
    code = [c for c in cells if c.get("cell_type") == "code"]
    if not code:
        return
    cell = code[index % len(code)]
    text = _source(cell)
    names = _bound_names(code) or ["x"]
    other = names[number % len(names)]
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if kind == "drop_binding":
        lines = text.splitlines()
        bound = [i for i, line in enumerate(lines) if BINDING.match(line)]
        if bound:
            del lines[bound[number % len(bound)]]
        text = "\n".join(lines)
    elif kind == "read_other":
        text += f"\nseen_{number} = {other}\n"
    elif kind == "read_undefined":
        text += f"\nseen_{number} = later_{number % 3} + 1\n"
    elif kind == "bind_undefined":
        text += f"\nlater_{number % 3} = {number}\n"
    elif kind == "seeding_skipped_cell":
        tags[:] = ["skip"]
        text += "\nimport numpy as np\nnp.random.seed(0)\n"
    elif kind == "rebind_other":
        text += f"\n{other} = {number}\n"
    elif kind == "mutate_other":
        text += f"\n{other}.append({number})\n" if number % 2 else f"\n{other}[0] = {number}\n"
    elif kind == "add_import":
        line = ["import os", "from math import sqrt", "import numpy as np", "import json"][
            number % 4
        ]
        text = f"{line}\n{text}"
    elif kind == "drop_imports":
        text = "\n".join(
            line for line in text.splitlines() if not line.startswith(("import ", "from "))
        )
    elif kind == "plot":
        text += f"\nimport matplotlib.pyplot as plt\nplt.plot({other})\nplt.show()\n"
    elif kind == "save_figure":
        text += '\nimport matplotlib.pyplot as plt\nplt.savefig("figures/shown.png")\n'
    elif kind == "read_figure":
        text += '\nimport matplotlib.pyplot as plt\npicture = plt.imread("figures/shown.png")\n'
    elif kind == "new_id":
        cell["id"] = f"renamed-{number}"
    elif kind == "to_markdown":
        cell["cell_type"] = "markdown"
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
        return
    elif kind == "star_import":
        text = f"from math import *\n{text}"
    elif kind == "mlflow":
        text += f'\nimport mlflow\nmlflow.log_metric("m_{number}", 1)\n'
    elif kind == "data_file":
        text += '\nimport pandas as pd\nframe = pd.read_csv("data/store_sales.csv")\n'
    elif kind == "rename_function":
        tags[:] = [t for t in tags if not t.startswith("function:")]
        tags.append(f"function:{['load_data', 'train', f'step_{number}'][number % 3]}")
    elif kind == "retag":
        tags[:] = [TAGS[number % len(TAGS)]]
    elif kind == "outputs":
        cell["metadata"]["nb2pkg"] = {"outputs": [other]}
    elif kind == "execution_count":
        cell["execution_count"] = number % 7 or None
    elif kind == "insert_cell":
        new = {
            "cell_type": "code",
            "metadata": {"tags": [TAGS[number % len(TAGS)]] if number % 3 else []},
            "source": f"inserted_{number} = {other}\n{other} = inserted_{number}\n",
            "outputs": [],
            "execution_count": None,
        }
        if "id" in cell:
            new["id"] = f"inserted-{number}"
        cells.insert(cells.index(cell), new)
        return
    elif kind == "delete_cell":
        cells.remove(cell)
        return
    elif kind == "copy_cell":
        cells.insert((number * 7) % (len(cells) + 1), copy.deepcopy(cell))
        return
    elif kind == "move_cell":
        cells.remove(cell)
        cells.insert((number * 7) % (len(cells) + 1), cell)
        return
    cell["source"] = text


def _load(path: Path) -> dict[str, Any]:
    if path == COMBINED:
        notebooks = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
        return dict(notebooks[0], cells=[c for nb in notebooks for c in nb["cells"]])
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


EXAMPLES = sorted((REPO / "example_notebooks").glob("*.ipynb"))


def _analysis(notebook: dict[str, Any], path: Path) -> NotebookAnalysis:
    return api.analyze_notebook(notebook, path.name, path=str(path))


def _from_scratch(notebook: dict[str, Any], path: Path) -> NotebookAnalysis:
    saved = api.RECENT, api.PLANS
    api.RECENT, api.PLANS = RecentAnalyses(), RecentPlans()
    try:
        return _analysis(copy.deepcopy(notebook), path)
    finally:
        api.RECENT, api.PLANS = saved


ALL_NOTEBOOKS = [*NOTEBOOKS, COMBINED]
ALL_EDITS = (*EDITS, *STRUCTURE_EDITS)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(ALL_EDITS), st.integers(0, 50), st.integers(0, 999)),
        min_size=1,
        max_size=4,
    )
)
def test_reanalysis_after_edits_equals_analysis_from_scratch(
    path: Path, edits: list[tuple[str, int, int]]
) -> None:
    notebook = _load(path)
    api.RECENT.clear()
    assert _analysis(notebook, path) == _from_scratch(notebook, path)
    for kind, index, number in edits:
        edit(notebook, kind, index, number)
        # the editor sends a new copy of its notebook with each request
        again = _analysis(copy.deepcopy(notebook), path)
        assert again == _from_scratch(notebook, path), (kind, index, number)


def _tagged(notebook: dict[str, Any], path: Path) -> tuple[Any, Any]:
    read, problems = notebook_from_json(
        copy.deepcopy(notebook), str(path), path.name, "", full_schema=False
    )
    assert read is not None, problems
    tagged, _ = tag_cells(read)
    return read, tagged


def _replanned(
    notebook: dict[str, Any], path: Path, memory: PlanMemory | None
) -> tuple[NotebookPlan, PlanMemory | None]:
    read, tagged = _tagged(notebook, path)
    plan, memory = replan_notebook(read, tagged, files=InstalledEnvironment(), memory=memory)
    assert plan == plan_notebook(read, tagged, files=InstalledEnvironment())
    return plan, memory


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(ALL_EDITS), st.integers(0, 80), st.integers(0, 999)),
        min_size=1,
        max_size=6,
    )
)
def test_planning_again_after_edits_equals_planning_from_scratch(
    path: Path, edits: list[tuple[str, int, int]]
) -> None:
    notebook = _load(path)
    _, memory = _replanned(notebook, path, None)
    assert memory is not None  # the planner's state is all followed
    for kind, index, number in edits:
        edit(notebook, kind, index, number)
        if not any(c.get("cell_type") == "code" and _source(c).strip() for c in notebook["cells"]):
            return  # no code left: nothing to plan
        _, memory = _replanned(notebook, path, memory)
        # a saved figure a later cell reads back (or saves again) is planned the plain way
        assert memory is not None or "savefig" in json.dumps(notebook)
        if memory is None:
            _, memory = _replanned(notebook, path, None)


FACT_EDITS = ("pip_install", "clashing_step", "unused_import", "exported_name", "seed_only_step")
"""Edits of what the whole-notebook facts kept by planning again index: a requirement, a step
named as an imported (used or not) or exported name (NB311), an export cell, a step that only
seeds."""


def edit_facts(notebook: dict[str, Any], kind: str, index: int, number: int) -> None:
    code = [c for c in notebook["cells"] if c.get("cell_type") == "code"]
    if not code:
        return
    cell = code[index % len(code)]
    text = _source(cell)
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if kind == "pip_install":
        text = f"%pip install package_{number % 3}\n{text}"
    elif kind == "clashing_step":
        tags[:] = [f"function:{('np', 'json', 'value_0', 'sqrt')[number % 4]}"]
    elif kind == "unused_import":
        text = f"import json\n{text}"
    elif kind == "exported_name":
        tags[:] = ["export"]
        text += f"\nvalue_{number % 2} = {number}\n"
    elif kind == "seed_only_step":
        tags[:] = [f"function:seed_{number % 2}"]
        text = "import numpy as np\nnp.random.seed(0)\n"
    cell["source"] = text


def _facts_are_fresh(plan: NotebookPlan, memory: PlanMemory, scratch: NotebookPlan) -> None:
    """The facts kept up to date are those made from scratch, dicts in the same order."""
    facts = memory.facts
    fresh = FixedFacts(facts.tagged, facts.parsed, analyze_cell)
    planner = Planner(scratch.notebook, facts.tagged, InstalledEnvironment(), None)
    assert facts.parsed == planner.parsed
    assert list(facts.imported_anywhere.items()) == list(planner.imported_anywhere.items())
    assert facts.final_binder == planner.final_binder == fresh.final_binder
    assert facts.mlflow_names == planner.mlflow_names
    assert facts.star_imported_anywhere == planner.star_imported_anywhere
    assert facts.requirements == fresh.requirements == scratch.requirements
    assert memory.plan_facts is not None
    checks = memory.plan_facts
    again = PlanFacts(checks.cells, checks.context)
    assert checks.clashing_steps() == again.clashing_steps()
    assert list(checks.imports_by_module().items()) == list(again.imports_by_module().items())
    assert list(plan.imports.items()) == list(scratch.imports.items())
    assert list(plan.markdown_above.items()) == list(scratch.markdown_above.items())


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from((*ALL_EDITS, *FACT_EDITS)), st.integers(0, 80), st.integers(0, 999)
        ),
        min_size=1,
        max_size=6,
    )
)
def test_facts_kept_by_planning_again_equal_facts_made_from_scratch(
    path: Path, edits: list[tuple[str, int, int]]
) -> None:
    notebook = _load(path)
    _, memory = _replanned(notebook, path, None)
    for kind, index, number in edits:
        if kind in FACT_EDITS:
            edit_facts(notebook, kind, index, number)
        else:
            edit(notebook, kind, index, number)
        if not any(c.get("cell_type") == "code" and _source(c).strip() for c in notebook["cells"]):
            return
        read, tagged = _tagged(notebook, path)
        plan, memory = replan_notebook(read, tagged, files=InstalledEnvironment(), memory=memory)
        scratch = plan_notebook(read, tagged, files=InstalledEnvironment())
        assert plan == scratch, (kind, index, number)
        assert memory is not None
        _facts_are_fresh(plan, memory, scratch)
