"""A build that exits 0 gives a package whose every name is bound: no NameError at run time."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import code_cell, run_outputs, write_notebook


def test_a_def_in_an_export_cell_reading_a_parameter_gets_its_value(tmp_path: Path) -> None:
    cells = [
        code_cell("CALLS_THRESHOLD = 3\n", ["parameters"]),
        code_cell("def busy(calls):\n    return calls > CALLS_THRESHOLD\n", ["export"]),
        code_cell("flags = [busy(n) for n in [1, 5, 3, 4]]\n", ["function:flag"]),
    ]
    notebook = write_notebook(tmp_path / "calls.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    assert "NB304" in {d.code for d in result.diagnostics}
    module = (tmp_path / "out" / "src" / "calls" / "calls.py").read_text()
    assert "\nCALLS_THRESHOLD = 3\n" in module
    assert run_outputs(tmp_path / "out", "calls")["flags"] == [False, True, False, True]


def test_a_def_reading_a_value_a_step_computes_is_an_error_naming_the_cell(
    tmp_path: Path,
) -> None:
    cells = [
        code_cell("limit = sum([1, 2])\n", ["function:compute"]),
        code_cell("import math\n\ndef over(x):\n    return math.fabs(x) > limit\n", ["export"]),
        code_cell("flags = [over(v) for v in [1, 5]]\n", ["function:flag"]),
    ]
    notebook = write_notebook(tmp_path / "limits.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert not result.ok
    [error] = [d for d in result.diagnostics if d.code == "NB313"]
    assert error.is_error and "`limit`" in error.message
    assert error.location is not None
    assert (error.location.cell_number, error.location.line) == (2, 4)
    assert error.source_line == "    return math.fabs(x) > limit"
    assert not (tmp_path / "out").exists()
