"""A step with more than three outputs returns a named result, never a long bare tuple."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.frontends.api import build
from tests.functional.test_generated_step_code import _ruff_findings
from tests.helpers import run_generated, run_outputs, write_notebook

SPLIT = (
    "from sklearn.model_selection import train_test_split\n"
    "X = [[i] for i in range(20)]\n"
    "y = [i % 2 for i in range(20)]\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)"
)
FIT = "n_train, n_test, rate, ratio = len(X_train), len(X_test), len(y_train) / 20, 3.0"
USE = "summary = (n_train, n_test, rate, ratio, len(y_test))"


def _built(tmp_path: Path, cells: list[tuple[str, list[str]]]) -> str:
    notebook = write_notebook(tmp_path / "shown.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    return (tmp_path / "out" / "src" / "shown" / "shown.py").read_text(encoding="utf-8")


def test_four_outputs_are_a_named_result_that_still_unpacks(tmp_path: Path) -> None:
    module = _built(
        tmp_path,
        [
            (SPLIT, ["function:split_data"]),
            (FIT, ["function:count_rows"]),
            (USE, ["function:summarise"]),
        ],
    )
    assert "class SplitDataResult(NamedTuple):" in module
    assert "    X_train: Any\n" in module
    assert "def split_data() -> SplitDataResult:" in module
    assert "return SplitDataResult(X, y, X_train, X_test, y_train, y_test)" in module
    assert "from typing import Any, NamedTuple" in module
    assert _ruff_findings(tmp_path / "out") == ""
    # the pipeline unpacks it as before, and a caller may read a field by name
    outputs = run_outputs(tmp_path / "out", "shown")
    assert outputs["summary"] == (15, 5, 0.75, 3.0, 5)
    shown = run_generated(
        tmp_path / "out",
        "from shown.shown import split_data; r = split_data(); print(len(r.X_test), r.y_test is r[5])",
    )
    assert shown == "5 True"


def test_three_outputs_stay_a_plain_tuple(tmp_path: Path) -> None:
    module = _built(
        tmp_path,
        [
            ("a, b, c = 1, 2, 3", ["function:load"]),
            ("total = a + b + c", ["function:add"]),
        ],
    )
    assert "    return a, b, c\n" in module
    assert "NamedTuple" not in module


def test_a_name_the_notebook_binds_keeps_the_bare_tuple(tmp_path: Path) -> None:
    # The notebook has its own `Any`: the module cannot import typing's under that name.
    module = _built(
        tmp_path,
        [
            ("Any = 'any'", ["export"]),
            ("a, b, c, d = 1, 2, 3, Any", ["function:load"]),
            ("total = a + b + c + len(d)", ["function:add"]),
        ],
    )
    assert "    return a, b, c, d\n" in module
    assert "NamedTuple" not in module
