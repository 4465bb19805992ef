"""Cells that only show (plots, styles, imports that set a style) leave no step behind:
an automatic build gives no function that computes for nothing, and the package stays
ruff-clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import markdown_cell, write_notebook

RUFF = Path(sys.executable).with_name("ruff")


def _auto_build(tmp_path: Path, cells: list[str]) -> tuple[Path, ast.Module]:
    """An automatic build of code cells (``## …``: a markdown heading)."""
    specs = [markdown_cell(s) if s.startswith("## ") else (s, []) for s in cells]
    notebook = write_notebook(tmp_path / "shown.ipynb", specs)
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    module = tmp_path / "out" / "src" / "shown" / "shown.py"
    return tmp_path / "out", ast.parse(module.read_text(encoding="utf-8"))


def _steps(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _returns_value(function: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(function))


def _ruff_check(package: Path) -> str:
    checked = subprocess.run(
        [str(RUFF), "check", "--isolated", "--no-cache", "--output-format", "concise", "."],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if checked.returncode == 0 else checked.stdout


def test_a_line_of_plot_calls_leaves_no_step_and_no_input_behind(tmp_path: Path) -> None:
    # `ax.set_xlim(…); ax.set_ylim(…)` on one line is a plot like the others: the step does
    # not read `ax`, so the cells that only made a figure are not kept as empty steps.
    package, tree = _auto_build(
        tmp_path,
        [
            "import numpy as np\nimport matplotlib.pyplot as plt",
            "fig = plt.figure()\nax = plt.axes(projection='3d')",
            "w = np.linspace(-1, 1, 8)",
            "scaled = np.ravel(w) * 2\n"
            "ax = plt.axes(projection='3d')\n"
            "ax.plot(scaled)\n"
            "ax.set_xlim(-1, 1); ax.set_ylim(-1, 1); ax.set_zlim(-1, 1)\n"
            "ax.axis('off');",
        ],
    )

    steps = _steps(tree)
    assert steps and all(_returns_value(f) for f in steps.values()), ast.unparse(tree)
    assert not any("ax" in [a.arg for a in f.args.args] for f in steps.values())
    assert _ruff_check(package) == ""


def test_an_import_that_sets_a_style_on_its_line_leaves_the_step(tmp_path: Path) -> None:
    package, tree = _auto_build(
        tmp_path,
        [
            "import numpy as np",
            "X = np.arange(12).reshape(6, 2)",
            "import matplotlib.pyplot as plt\n"
            "import seaborn; seaborn.set()  # for plot styling\n\n"
            "selection = X[[0, 2]]\n"
            "plt.scatter(X[:, 0], X[:, 1]);",
            "total = selection.sum()",
        ],
    )

    assert "seaborn" not in ast.unparse(tree)
    assert _ruff_check(package) == ""


def test_cells_that_only_plot_in_a_style_block_are_left_out(tmp_path: Path) -> None:
    _, tree = _auto_build(
        tmp_path,
        [
            "import numpy as np\nimport seaborn as sns",
            "data = np.arange(10)",
            "## Histograms",
            "with sns.axes_style('white'):\n    sns.histplot(data)",
            "## Totals",
            "total = data.sum()",
        ],
    )

    steps = _steps(tree)
    assert steps and all(_returns_value(f) for f in steps.values()), ast.unparse(tree)
    assert "axes_style" not in ast.unparse(tree)
