"""A value a step's last line shows, which the step neither returns nor needs, is left out
(nb2pkg.emit.unread_results); the package still returns what the notebook computed."""

from __future__ import annotations

import ast
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import notebook_state, run_outputs, top_level_functions, write_notebook

DATA = "X = [[0.0], [1.0], [2.0], [3.0]]\ny = [0, 0, 1, 1]"
FIT = (
    "from sklearn.neighbors import KNeighborsClassifier\n"
    "knn = KNeighborsClassifier(n_neighbors=1)\n"
    "knn.fit(X, y)\n"
    "knn.predict([[2.5]])"
)
SHOWN_TABLE = "import pandas as pd\npd.DataFrame(knn.classes_)[[0]]"
USE = "labels = list(knn.predict([[0.2], [2.8]]))"


def _calls(function: ast.FunctionDef) -> list[str]:
    return [
        ast.unparse(node.func)
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and not isinstance(node.func, ast.Name)
    ]


def test_a_shown_prediction_after_the_fit_is_left_out(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "knn.ipynb",
        [
            (DATA, ["function:load_data"]),
            (FIT, ["function:fit_model"]),
            (USE, ["function:label_points"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    functions = top_level_functions(tmp_path / "out" / "src" / "knn" / "knn.py")
    fit = functions["fit_model"]
    assert _calls(fit) == ["knn.fit"]
    assert isinstance(fit.body[-1], ast.Return)
    assert ast.unparse(fit.body[-1]) == "return knn"
    outputs = run_outputs(tmp_path / "out", "knn", cwd=tmp_path)
    expected = notebook_state([DATA, FIT, USE], tmp_path)
    assert outputs["labels"] == expected["labels"] == [0, 1]


def test_a_table_of_an_attribute_between_two_cells_of_a_step_is_left_out(
    tmp_path: Path,
) -> None:
    """Cells merged into one step: the table the first one showed is no longer on its last
    line, and ``pd.DataFrame(knn.classes_)`` only views the fitted model."""
    notebook = write_notebook(
        tmp_path / "merged.ipynb",
        [
            (DATA, ["function:load_data"]),
            (FIT.replace("\nknn.predict([[2.5]])", ""), ["function:fit_model"]),
            (SHOWN_TABLE, ["function:fit_model"]),
            ("knn.fit(X, y)", ["function:fit_model"]),
            (USE, ["function:label_points"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    functions = top_level_functions(tmp_path / "out" / "src" / "merged" / "merged.py")
    assert _calls(functions["fit_model"]) == ["knn.fit", "knn.fit"]


def test_a_shown_value_that_alone_reads_an_input_stays(tmp_path: Path) -> None:
    """Leaving it out would leave ``X_test`` an input nothing reads: the line stays."""
    notebook = write_notebook(
        tmp_path / "scored.ipynb",
        [
            (DATA + "\nX_test = [[2.5]]", ["function:load_data"]),
            (FIT.replace("knn.predict([[2.5]])", "knn.predict(X_test)"), ["function:fit_model"]),
            (USE, ["function:label_points"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    functions = top_level_functions(tmp_path / "out" / "src" / "scored" / "scored.py")
    assert _calls(functions["fit_model"]) == ["knn.fit", "knn.predict"]
