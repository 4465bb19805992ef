"""Plotting leaves a step even where it sits among work: in a loop that fits, in a branch.

A cell that fits in a loop and draws each fit keeps the fitting in its step and loses the
drawing (its figure cannot be drawn apart from the fitting); a loop that only walks values and
draws moves whole to ``figures.py``. The package computes what the notebook computed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from nb2pkg.analysis.plot_calls import is_plot_call_of
from nb2pkg.frontends.api import build
from tests.helpers import (
    code_cell,
    notebook_state,
    run_outputs,
    top_level_functions,
    write_notebook,
)

IMPORTS = "import numpy as np\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
DATA = "x = np.arange(8.0)\ny = x**2 - 3 * x + (x % 2)\n"
FITS = (
    "fig, axes = plt.subplots(1, 2)\n"
    "fits = []\n"
    "for degree in [1, 2]:\n"
    "    ax = axes[degree - 1]\n"
    "    ax.set_xticks([]); ax.set_yticks([])\n"
    "    coefs = np.polyfit(x, y, degree)\n"
    "    fits.append(coefs)\n"
    "    ax.plot(x, np.polyval(coefs, x))\n"
    "    if degree == 1:\n"
    "        ax.set_title('linear')\n"
)
BEST = "best = float(fits[-1].sum() + coefs[0])\n"
SCATTER = (
    "for label, colour in zip(np.unique(x % 2), ['r', 'b']):\n"
    "    plt.scatter(x[x % 2 == label], y[x % 2 == label], c=colour)\n"
    "spread = float(y.std())\n"
)
SOURCES = [IMPORTS, DATA, FITS, BEST, SCATTER]
TAGS = [[], ["function:load"], ["function:fit_curves"], ["function:pick"], ["function:spread"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plots_among_work")
    notebook = write_notebook(
        folder / "curves.ipynb", [code_cell(s, t) for s, t in zip(SOURCES, TAGS, strict=True)]
    )
    result = build([notebook], folder / "out", root=folder)
    assert result.ok, [d.message for d in result.diagnostics]
    return folder / "out"


def test_no_step_draws(built: Path) -> None:
    steps = top_level_functions(built / "src" / "curves" / "curves.py")
    figures = {"fig", "axes", "ax"}

    drawing = [
        (name, ast.unparse(node))
        for name, function in steps.items()
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and is_plot_call_of(node, figures)
    ]

    assert set(steps) >= {"load", "fit_curves", "pick", "spread"}
    assert drawing == []
    fit_curves = ast.unparse(steps["fit_curves"])
    assert "np.polyfit(x, y, degree)" in fit_curves and "fits.append(coefs)" in fit_curves


def test_the_package_computes_what_the_notebook_computed(built: Path, tmp_path: Path) -> None:
    expected = notebook_state(SOURCES, tmp_path)

    outputs = run_outputs(built, "curves")

    assert outputs["best"] == pytest.approx(expected["best"])
    assert outputs["spread"] == pytest.approx(expected["spread"])
    for got, want in zip(outputs["fits"], expected["fits"], strict=True):
        np.testing.assert_allclose(got, want)


def test_a_loop_that_only_draws_becomes_a_figure_and_a_tangled_one_none(built: Path) -> None:
    figures = top_level_functions(built / "src" / "curves" / "figures.py")

    assert list(figures) == ["spread"]
    assert "plt.scatter" in ast.unparse(figures["spread"])
