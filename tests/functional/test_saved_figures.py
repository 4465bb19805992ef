"""A figure the notebook saves to a file is a figure of the run.

The step keeps the work of a cell that ends with ``plt.savefig(…)``; ``figures.py`` draws
the figure and a tracked run logs it under the notebook's file name. Only when a later
packaged cell reads the file back does the step keep drawing and writing it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nb2pkg.frontends.api import build
from tests.helpers import (
    code_cell,
    notebook_state,
    run_outputs,
    run_tracked,
    top_level_functions,
    write_notebook,
)

IMPORTS = "import numpy as np\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
DATA = "x = np.arange(6.0)\n"
SAVED = (
    "loadings = x * 2\n"
    "fig, ax = plt.subplots()\n"
    "ax.bar(range(6), loadings)\n"
    "ax.set_ylabel('Loadings')\n"
    "plt.tight_layout()\n"
    "plt.savefig('figures/loadings.png', dpi=50)\n"
    "plt.show()\n"
)
LOOPED = (
    "total = float(loadings.sum())\n"
    "for power in [1, 2]:\n"
    "    plt.figure()\n"
    "    plt.plot(x, x**power)\n"
    "    plt.savefig(f'power_{power}.png')\n"
)
SOURCES = [IMPORTS, DATA, SAVED, LOOPED]
TAGS = [[], ["function:load"], ["function:weigh"], ["function:add_up"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("saved_figures")
    (folder / "figures").mkdir()
    (folder / "figures" / "loadings.png").write_bytes(b"an older picture")
    notebook = write_notebook(
        folder / "saving.ipynb", [code_cell(s, t) for s, t in zip(SOURCES, TAGS, strict=True)]
    )
    result = build([notebook], folder / "out", root=folder)
    assert result.ok, [d.message for d in result.diagnostics]
    return folder / "out"


def _calls(function: ast.FunctionDef) -> list[str]:
    return [ast.unparse(n.func) for n in ast.walk(function) if isinstance(n, ast.Call)]


def test_the_step_keeps_the_work_and_no_file_path_parameter(built: Path) -> None:
    step = top_level_functions(built / "src" / "saving" / "saving.py")["weigh"]

    assert _calls(step) == []  # `x * 2` only: no plotting, no savefig
    assert [a.arg for a in step.args.args] == ["x"]  # no `loadings_path` parameter


def test_figures_draw_without_saving(built: Path) -> None:
    figures = top_level_functions(built / "src" / "saving" / "figures.py")

    drawn = sorted(_calls(figures["weigh"]))
    assert drawn == ["ax.bar", "ax.set_ylabel", "plt.subplots", "plt.tight_layout", "range"]
    looped = ast.unparse(figures["add_up"])
    assert "plt.plot(x, x ** power)" in looped and "savefig" not in looped


def test_the_pipeline_names_the_saved_files(built: Path) -> None:
    pipeline = (built / "src" / "saving" / "pipeline.py").read_text(encoding="utf-8")

    assert 'saved_as=("loadings.png",)' in pipeline
    # A file name computed in the cell: the figures keep the step's names.
    assert "saved_as" not in pipeline.split('"add_up"')[1].split("yield")[0]


def test_an_untracked_run_computes_the_same_and_writes_no_figure(
    built: Path, tmp_path: Path
) -> None:
    run_in = tmp_path / "run"
    run_in.mkdir()
    outputs = run_outputs(built, "saving", run_in)

    unsaved = [s.replace("plt.savefig(", "dict(f=") for s in SOURCES]  # the same values
    expected = notebook_state(unsaved, tmp_path)
    assert np.array_equal(outputs["loadings"], expected["loadings"])
    assert outputs["total"] == expected["total"]
    assert list(run_in.iterdir()) == []


def test_a_tracked_run_logs_the_saved_figure_under_its_file_name(
    built: Path, tmp_path: Path
) -> None:
    script = (
        "import mlflow, saving\n"
        "from saving import tracking\n"
        "saving.run()\n"
        "run = tracking.describe_last_run() and tracking._last_run\n"
        "client = mlflow.MlflowClient()\n"
        "print(sorted(a.path for a in client.list_artifacts(run.run_id, 'figures')))\n"
    )
    assert run_tracked(built, script, tmp_path) == str(
        ["figures/add_up.png", "figures/add_up_2.png", "figures/loadings.png"]
    )
    assert not (tmp_path / "figures").exists() and not list(tmp_path.glob("*.png"))


def test_a_figure_a_later_step_reads_back_is_still_written(tmp_path: Path) -> None:
    reread = "pixels = plt.imread('figures/loadings.png').shape[:2]\n"
    sources = [*SOURCES[:3], reread]
    tags = [*TAGS[:3], ["function:reread"]]
    (tmp_path / "figures").mkdir()
    notebook = write_notebook(
        tmp_path / "saving.ipynb", [code_cell(s, t) for s, t in zip(sources, tags, strict=True)]
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    step = top_level_functions(tmp_path / "out" / "src" / "saving" / "saving.py")["weigh"]
    assert "plt.savefig" in _calls(step)

    run_in = tmp_path / "run"
    (run_in / "figures").mkdir(parents=True)
    outputs = run_outputs(tmp_path / "out", "saving", run_in)
    written = run_in / "figures" / "loadings.png"
    # the later step read the file the package wrote, at the notebook's dpi
    assert written.read_bytes().startswith(b"\x89PNG")
    assert outputs["pixels"] == tuple(round(50 * inches) for inches in _figure_size())[::-1]


def _figure_size() -> tuple[float, float]:
    """matplotlib's default figure size, in inches (read in a fresh process)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import matplotlib; print(*matplotlib.rcParamsDefault['figure.figsize'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    width, height = done.stdout.split()
    return float(width), float(height)
