"""A cell that only draws a figure of the step before it: ``--auto`` joins it to that step, so
a tracked run logs its figure (it is not left out with its figure lost); each of the
notebook's figures is one artifact, as Jupyter showed them (a new cell, or ``plt.show()``,
starts a new figure)."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.frontends.api import build
from nb2pkg.plan.automark import propose
from tests.helpers import (
    CellSpec,
    markdown_cell,
    notebook_state,
    run_generated,
    run_outputs,
    run_tracked,
    write_notebook,
)

SOURCES = [
    "import matplotlib.pyplot as plt\nimport numpy as np",
    "x = np.linspace(0, 1, 50)\ny = 3 * x + 1",
    "plt.plot(x, y)\nplt.title('line')\nplt.show()\nplt.hist(y)",
    "plt.scatter(x, y)",
    "slope = float(np.polyfit(x, y, 1)[0])",
]
LOGGED = (
    "import mlflow, drawn\n"
    "from drawn import tracking\n"
    "drawn.run()\n"
    "run = tracking.describe_last_run() and tracking._last_run\n"
    "client = mlflow.MlflowClient()\n"
    "print(sorted(a.path for a in client.list_artifacts(run.run_id, 'figures')))\n"
)


def test_cells_that_draw_join_the_step_before_and_their_figures_are_logged(
    tmp_path: Path,
) -> None:
    notebook = write_notebook(tmp_path / "drawn.ipynb", [(s, []) for s in SOURCES])
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": []} for s in SOURCES]
    tags = [p.role_tag for p in propose(cells)]
    assert tags[1] is not None and tags[1].startswith("function:")
    assert tags[2] == tags[3] == tags[1]

    result = build([notebook], tmp_path / "out", root=tmp_path, auto=True)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    figures = (tmp_path / "out" / "src" / "drawn" / "figures.py").read_text(encoding="utf-8")
    assert figures.count("plt.figure()") == 2  # after plt.show(), and for the next cell

    run_in = tmp_path / "run"
    run_in.mkdir()
    step = tags[1].split(":", 1)[1]
    # line, histogram, scatter: three figures, as the notebook showed three
    assert run_tracked(tmp_path / "out", LOGGED, run_in) == str(
        [f"figures/{step}.png", f"figures/{step}_2.png", f"figures/{step}_3.png"]
    )
    outputs = run_outputs(tmp_path / "out", "drawn", cwd=run_in)
    assert outputs["slope"] == notebook_state(SOURCES, tmp_path)["slope"]


def test_a_step_joined_by_a_drawing_still_returns_the_value_its_cell_shows(
    tmp_path: Path,
) -> None:
    sources = [
        "import matplotlib.pyplot as plt\nimport numpy as np",
        "def summary(values):\n    return {'mean': float(np.mean(values)), 'n': len(values)}",
        "x = np.arange(10.0)\nsquares = x**2",
        "summary(squares)",
        "plt.plot(x, squares)",
    ]
    cells: list[CellSpec] = [(s, []) for s in sources]
    cells.insert(3, markdown_cell("## Summary"))
    notebook = write_notebook(tmp_path / "shown.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path, auto=True)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "shown" / "shown.py").read_text(encoding="utf-8")
    assert "return summary(squares)" in module
    assert "plt.plot" in (tmp_path / "out" / "src" / "shown" / "figures.py").read_text("utf-8")
    script = (
        "from shown.shown import compute_squares, run_summary\n"
        "x, squares = compute_squares()\n"
        "print(run_summary(squares))\n"
    )
    assert run_generated(tmp_path / "out", script) == str({"mean": 28.5, "n": 10})
