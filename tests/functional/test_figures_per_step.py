"""Each step draws on a figure of its own, as each notebook cell does under Jupyter's inline
backend: the package closes the figures a step leaves open before the next step runs."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import run_outputs, write_notebook

# A plotting helper that keeps state per figure (like a colour cycle that runs out).
DRAWING = """import matplotlib.pyplot as plt


def add_line(ys):
    axes = plt.gca()
    if len(axes.lines) >= 2:
        raise RuntimeError("out of colours")
    axes.plot(ys)
    return len(axes.lines)
"""


def test_a_helper_drawing_in_every_step_finds_a_fresh_figure_each_time(tmp_path: Path) -> None:
    (tmp_path / "drawing.py").write_text(DRAWING, "utf-8")
    notebook = write_notebook(
        tmp_path / "lines.ipynb",
        [
            ("from drawing import add_line", []),
            ("first = add_line([1, 2])", ["function:draw_first"]),
            ("second = add_line([2, 3])", ["function:draw_second"]),
            ("third = add_line([3, 1])", ["function:draw_third"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # In the notebook each cell drew on a new figure: one line each.
    assert run_outputs(tmp_path / "out", "lines", cwd=elsewhere) == {
        "first": 1,
        "second": 1,
        "third": 1,
    }
