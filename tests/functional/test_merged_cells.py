"""Consecutive cells with the same function:NAME form one function."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.frontends.api import analyze_path, build
from tests.helpers import code_cell, markdown_cell, write_notebook


def test_consecutive_cells_become_one_function(tmp_path: Path) -> None:
    cells = [
        code_cell("raw = [3, 1, 2]\n", ["function:load"]),
        markdown_cell("Sort it, then scale it."),
        code_cell("ordered = sorted(raw)\n", ["function:prepare"]),
        code_cell("scaled = [x * 10 for x in ordered]\n", ["function:prepare"]),
        code_cell("total = sum(scaled)\n", ["function:summarise"]),
    ]
    notebook = write_notebook(tmp_path / "merge.ipynb", cells)
    plan = analyze_path(notebook)
    assert [f.signature for f in plan.functions] == [
        "load() -> raw",
        "prepare(raw) -> ordered, scaled",
        "summarise(scaled) -> total",
    ]
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "merge" / "merge.py").read_text()
    assert "    ordered = sorted(raw)\n    scaled = [x * 10 for x in ordered]\n" in module


def test_a_problem_in_a_later_merged_cell_points_at_that_cell(tmp_path: Path) -> None:
    cells = [
        code_cell("a = 1\n", ["function:step"]),
        code_cell("b = a\nc = (\n", ["function:step"]),
    ]
    notebook = write_notebook(tmp_path / "broken.ipynb", cells)
    plan = analyze_path(notebook)
    [syntax] = [d for d in plan.diagnostics if d.code == "NB201"]
    assert syntax.location is not None
    assert syntax.location.cell_number == 2
    assert syntax.location.line == 2


def test_a_cell_with_ipython_syntax_does_not_merge(tmp_path: Path) -> None:
    cells = [
        code_cell("a = 1\n", ["function:step"]),
        code_cell("%%time\nb = a\n", ["function:step"]),
    ]
    notebook = write_notebook(tmp_path / "magic.ipynb", cells)
    codes = [d.code for d in analyze_path(notebook).diagnostics]
    assert "NB104" in codes
