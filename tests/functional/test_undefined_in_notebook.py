"""A name the notebook itself never defines, read in code the notebook never reached: the
package does what the notebook does, so the build warns once (NB303) and succeeds; a name
the build lost stays error NB313 (tests/functional/test_dataflow_names.py and the golden
cases)."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import run_outputs, write_notebook

BASE = """class Test:
    def __init__(self, data):
        self.data = data

    def statistic(self):
        raise UnimplementedMethodException()
"""
SUBCLASS = """class MeanTest(Test):
    def statistic(self):
        return sum(self.data) / len(self.data)
"""


def test_an_undefined_name_in_a_method_never_called_warns_once_and_builds(
    tmp_path: Path,
) -> None:
    notebook = write_notebook(
        tmp_path / "tests_of_means.ipynb",
        [
            (BASE, ["export"]),
            (SUBCLASS, ["export"]),
            ("mean = MeanTest([1, 2, 6]).statistic()", ["function:compute_mean"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    said = [d for d in result.diagnostics if "UnimplementedMethodException" in d.message]
    assert [(d.code, d.severity.value) for d in said] == [("NB303", "warning")]
    assert said[0].location is not None and said[0].location.cell_number == 1
    assert run_outputs(tmp_path / "out", "tests_of_means", cwd=tmp_path) == {"mean": 3.0}


def test_a_name_only_a_skipped_cell_binds_is_still_an_error(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "skipped.ipynb",
        [
            ("class Missing(Exception):\n    pass", ["skip"]),
            (BASE.replace("UnimplementedMethodException", "Missing"), ["export"]),
            ("answer = 42", ["function:compute_answer"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert not result.ok
    assert "NB313" in [d.code for d in result.diagnostics if "Missing" in d.message]
