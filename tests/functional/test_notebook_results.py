"""The package's run() returns what the notebook ends with: results, final values, mutations."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nb2pkg.frontends.api import analyze_path, build
from tests.helpers import code_cell, notebook_state, run_outputs, write_notebook

CELLS = [
    code_cell(
        "import pandas as pd\n"
        "from sklearn.neighbors import KNeighborsClassifier\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
    ),
    code_cell(
        "df = pd.DataFrame({'a': [5, 1, 4, 2, 3, 6], 'y': [1, 0, 1, 0, 0, 1]})\n",
        ["function:load"],
    ),
    # Changes its input in place and binds nothing: it must hand the frame on.
    code_cell("df['b'] = df['a'] * 2\ndf.pop('y')\ndf['y'] = df['a'] % 2\n", ["function:clean"]),
    code_cell(
        "model = KNeighborsClassifier(n_neighbors=1)\nmodel.fit(df[['a', 'b']], df['y'])\n",
        ["function:first_model"],
    ),
    # Rebinds names an earlier step returned; nothing later reads them.
    code_cell(
        "df = df[df['a'] > 1]\n"
        "model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=1))\n"
        "model.fit(df[['a', 'b']], df['y'])\n"
        "accuracy = model.score(df[['a', 'b']], df['y'])\n"
        "for i in range(3):\n"
        "    last = i\n",
        ["function:train"],
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("results")
    notebook = write_notebook(folder / "results.ipynb", CELLS)
    result = build([notebook], folder / "out", root=folder)
    assert result.ok, [d.message for d in result.diagnostics]
    return folder, run_outputs(folder / "out", "results", folder)


def test_run_returns_the_values_the_notebook_ends_with(
    built: tuple[Path, dict[str, object]],
) -> None:
    folder, outputs = built
    expected = notebook_state([c["source"] for c in CELLS], folder)
    for name in ("df", "accuracy", "last"):
        assert name in outputs, sorted(outputs)
    pd.testing.assert_frame_equal(outputs["df"], expected["df"])  # type: ignore[arg-type]
    assert len(outputs["df"]) == 5  # type: ignore[arg-type]
    assert outputs["accuracy"] == expected["accuracy"]
    assert type(outputs["model"]).__name__ == "Pipeline"
    assert outputs["model"].predict(expected["df"][["a", "b"]]).tolist() == (  # type: ignore[attr-defined]
        expected["model"].predict(expected["df"][["a", "b"]]).tolist()
    )


def test_a_step_that_changes_its_input_returns_it_and_later_steps_read_that(
    built: tuple[Path, dict[str, object]],
) -> None:
    folder, _ = built
    plan = analyze_path(folder / "results.ipynb")
    signatures = {f.name: f.signature for f in plan.functions}
    assert signatures["clean"] == "clean(df) -> df  [mutates: df]"
    first = next(c for c in plan.cells if c.name == "first_model")
    assert first.params[0].name == "df"
    module = (folder / "out" / "src" / "results" / "pipeline.py").read_text()
    assert "    df = clean(df)\n" in module


def test_a_metrics_step_returns_every_value_it_binds(tmp_path: Path) -> None:
    cells = [
        code_cell("values = [1.0, 2.0, 4.0]\n", ["function:load"]),
        code_cell(
            "mean = sum(values) / len(values)\nspread = max(values) - min(values)\n"
            "total = sum(values)\n",
            ["function:evaluate", "metrics"],
        ),
        code_cell("total = 0\n", ["function:reset"]),
    ]
    notebook = write_notebook(tmp_path / "scores.ipynb", cells)
    assert build([notebook], tmp_path / "out", root=tmp_path).ok
    [evaluate] = [f for f in analyze_path(notebook).functions if f.name == "evaluate"]
    assert evaluate.signature == "evaluate(values) -> mean, spread, total"
    outputs = run_outputs(tmp_path / "out", "scores", tmp_path)
    assert outputs == {"values": [1.0, 2.0, 4.0], "mean": 7 / 3, "spread": 3.0, "total": 0}
