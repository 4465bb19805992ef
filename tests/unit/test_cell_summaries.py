"""The summaries of an analysis after an edit: made again only for the cells planned again
(nb2pkg.frontends.cell_summaries), and equal to those made from scratch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nb2pkg.builder.environment import InstalledEnvironment
from nb2pkg.frontends import api
from nb2pkg.frontends.cell_summaries import RecentSummaries, cell_summary, function_summary
from nb2pkg.ir import Role
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.plan.notebook_plan import plan_notebook
from nb2pkg.roles.resolve import tag_cells
from tests.helpers import make_notebook


def _notebook(steps: int) -> dict[str, Any]:
    sources = [("rate = 2\n", ["parameters"]), ("values = [1, 2, 3]\n", ["function:load"])]
    sources += [
        (f"values = [v * rate for v in values]\ntotal_{i} = sum(values)\n", [f"function:s{i}"])
        for i in range(steps)
    ]
    return make_notebook(sources)


def test_an_edit_makes_again_only_the_summaries_of_the_cells_it_reaches(tmp_path: Path) -> None:
    data, path = _notebook(20), str(tmp_path / "nb.ipynb")
    before = api.analyze_notebook(data, "nb.ipynb", path=path)
    made = api.SUMMARIES.made
    data["cells"][0]["source"] += "unread = 1\n"

    after = api.analyze_notebook(data, "nb.ipynb", path=path)

    assert api.SUMMARIES.made == made + 1  # the parameters cell's
    assert after.cells[0] != before.cells[0]
    assert all(a is b for a, b in zip(after.cells[1:], before.cells[1:], strict=True))
    assert all(a is b for a, b in zip(after.functions, before.functions, strict=True))


def test_summaries_kept_are_those_made_from_scratch(tmp_path: Path) -> None:
    data, path = _notebook(6), str(tmp_path / "nb.ipynb")
    api.analyze_notebook(data, "nb.ipynb", path=path)
    data["cells"][3]["source"] = "values = [v + rate for v in values]\nextra = 1\n"

    after = api.analyze_notebook(data, "nb.ipynb", path=path)

    notebook, _ = notebook_from_json(data, path, "nb.ipynb", "", full_schema=False)
    assert notebook is not None
    tagged, _ = tag_cells(notebook)
    plan = plan_notebook(notebook, tagged, files=InstalledEnvironment())
    assert after.cells == tuple(cell_summary(c) for c in plan.cells)
    assert after.functions == tuple(function_summary(s) for s in plan.steps)


def test_a_summary_planned_again_as_it_was_is_the_same_object(tmp_path: Path) -> None:
    data, path = _notebook(3), str(tmp_path / "nb.ipynb")
    notebook, _ = notebook_from_json(data, path, "nb.ipynb", "", full_schema=False)
    assert notebook is not None
    tagged, _ = tag_cells(notebook)
    summaries = RecentSummaries()
    first, _ = summaries.of("nb", plan_notebook(notebook, tagged, files=InstalledEnvironment()))
    # planned from scratch: other plan objects, equal summaries
    again, _ = summaries.of("nb", plan_notebook(notebook, tagged, files=InstalledEnvironment()))

    assert all(a is b for a, b in zip(first, again, strict=True))
    assert summaries.made == 2 * len(first)
    assert {c.role for c in first} == {Role.PARAMETERS.value, Role.FUNCTION.value}
