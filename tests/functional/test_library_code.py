"""What goes inside generated step functions: library code a reviewer would accept.

A notebook of the usual kind (display options, a seed, plots, prints, values computed only to
be shown, markdown with HTML above the cells) is built, and the generated package is read and
run: steps compute and return, nothing else; the seed runs in ``run()``; the numbers are the
notebook's.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nb2pkg.frontends.api import build
from tests.helpers import (
    code_cell,
    markdown_cell,
    notebook_state,
    run_generated,
    run_outputs,
    run_tracked,
    write_notebook,
)

IMPORTS = (
    "import warnings\nimport numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
)
SETUP = (
    "pd.set_option('display.max_columns', 60)\n"
    "np.set_printoptions(precision=3)\n"
    "plt.rcParams['figure.figsize'] = (15, 5)\n"
    "plt.style.use('ggplot')\n"
    "warnings.filterwarnings('ignore')\n"
    "np.random.seed(42)\n"
    "values = np.random.rand(20)\n"
)
SUMMARY = (
    "total = values.sum()\n"
    "print('total', total)\n"
    "shown = values.mean()\n"
    "print(shown)\n"
    "fig, ax = plt.subplots()\n"
    "ax.plot(values)\n"
    "ax.set_title('values')\n"
    "plt.show()\n"
    "values.round(2)\n"
    "doubled = values * 2\n"
)
MARKDOWN = (
    "## Summing up\n"
    "<p>We add the <b>values</b> with the loss $\\alpha x$, see "
    "[the docs](https://example.org/docs). <img src='figure.png'/> Then we plot them. "
    "A third sentence nobody needs in a docstring.</p>\n\n"
    "![a picture](picture.png)\n"
)


def _notebook(folder: Path, *, keep: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_notebook(
        folder / "analysis.ipynb",
        [
            code_cell(IMPORTS),
            code_cell(SETUP, ["function:make_values"]),
            markdown_cell(MARKDOWN),
            code_cell(SUMMARY, ["function:summarise", *(["keep"] if keep else [])]),
            # Unmarked: the notebook ends with this value of `shown`, not the step's.
            code_cell("shown = 'see the printout above'"),
        ],
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("library_code")
    notebook = _notebook(folder / "nb")
    out = folder / "out"
    result = build([notebook], out, name="libcode", root=folder)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    return out


def _module(out: Path) -> str:
    return (out / "src" / "libcode" / "analysis.py").read_text(encoding="utf-8")


def _functions(out: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(_module(out))
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _calls(function: ast.FunctionDef) -> set[str]:
    return {ast.unparse(n.func) for n in ast.walk(function) if isinstance(n, ast.Call)}


def test_steps_hold_no_settings_seeds_plots_or_prints(built: Path) -> None:
    functions = _functions(built)
    calls = _calls(functions["make_values"]) | _calls(functions["summarise"])

    assert calls == {"np.random.rand", "values.sum"}
    module = _module(built)
    for gone in ("set_option", "rcParams", "style.use", "filterwarnings", "seed", "plt"):
        assert gone not in module, gone


def test_values_only_shown_are_not_bound_and_used_ones_are_returned(built: Path) -> None:
    summarise = ast.unparse(_functions(built)["summarise"])

    assert "shown" not in summarise  # printed only: nothing left reads it
    assert "return (total, doubled)" in summarise


def test_the_seed_runs_in_run_before_the_step_that_set_it(built: Path) -> None:
    pipeline = (built / "src" / "libcode" / "pipeline.py").read_text(encoding="utf-8")
    steps = pipeline[pipeline.index("def steps(") :]

    assert steps.index("np.random.seed(42)") < steps.index("make_values()")
    assert "import numpy as np" in pipeline
    assert "right before `make_values`" in pipeline  # run()'s docstring says so


def test_the_package_computes_the_notebooks_numbers(built: Path, tmp_path: Path) -> None:
    expected = notebook_state([IMPORTS, SETUP, SUMMARY.replace("plt.show()", "")], tmp_path)
    outputs = run_outputs(built, "libcode")

    assert np.array_equal(outputs["values"], expected["values"])
    assert outputs["total"] == expected["total"]
    assert np.array_equal(outputs["doubled"], expected["doubled"])


def test_importing_and_running_the_package_loads_no_plotting_library(built: Path) -> None:
    loaded = run_generated(
        built,
        "import sys, libcode\nlibcode.run(track=False)\nprint('matplotlib' in sys.modules)",
    )

    assert loaded == "False"


def test_matplotlib_is_a_dependency_because_the_figures_module_draws(built: Path) -> None:
    pyproject = (built / "pyproject.toml").read_text(encoding="utf-8")
    figures = (built / "src" / "libcode" / "figures.py").read_text(encoding="utf-8")

    assert "import matplotlib.pyplot as plt" in figures
    assert '"matplotlib>=' in pyproject
    assert "numpy" in pyproject


def test_the_docstring_is_a_plain_text_summary_of_the_markdown(built: Path) -> None:
    docstring = ast.get_docstring(_functions(built)["summarise"]) or ""
    summary = docstring.split("\n\nArgs:")[0]

    # The heading and the first sentence: no HTML, image or link target; the link's text.
    assert summary == "Summing up.\n\nWe add the values with the loss $\\alpha x$, see the docs."
    # One backslash in the source, as in the markdown: a raw docstring, not `\\alpha`.
    assert 'r"""Summing up.\n' in _module(built)
    assert "\\\\alpha" not in _module(built)


def test_a_cell_tagged_keep_keeps_its_prints(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "nb", keep=True)
    result = build([notebook], tmp_path / "out", name="libcode", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]

    calls = _calls(_functions(tmp_path / "out")["summarise"])

    assert "print" in calls
    assert not any(c.startswith(("plt.", "ax.")) for c in calls)


@pytest.mark.parametrize(
    "imports", ["import sys, mlflow, libcode\n", "import sys, libcode\n"], ids=["here", "worker"]
)
def test_a_tracked_run_logs_each_steps_figures_as_artifacts(
    built: Path, tmp_path: Path, imports: str
) -> None:
    # With mlflow imported first the package logs from its own process; else its tracking
    # worker logs the figures, drawn and saved in the pipeline's process.
    script = imports + (
        "from libcode import tracking\n"
        "libcode.run()\n"
        "import mlflow\n"
        "run = tracking.describe_last_run() and tracking._last_run\n"
        "client = mlflow.MlflowClient()\n"
        "paths = [a.path for a in client.list_artifacts(run.run_id, 'figures')]\n"
        "print(paths, 'matplotlib.pyplot' in sys.modules, len(__import__('matplotlib.pyplot')"
        ".pyplot.get_fignums()), __import__('matplotlib').get_backend().lower())\n"
    )
    # The step's figure, drawn with Agg and closed after logging.
    shown = run_tracked(built, script, tmp_path)
    assert shown == "['figures/summarise.png'] True 0 agg"


SEEDED_CELLS = [
    "import numpy as np\nnp.random.seed(7)",
    "SIZE = 5",
    "draws = np.random.rand(SIZE)",
    "total = draws.sum()",
]


def test_a_cell_that_only_seeds_is_no_step_its_seed_runs_before_the_next(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "seeded.ipynb", [(s, []) for s in SEEDED_CELLS])
    result = build([notebook], tmp_path / "out", root=tmp_path, auto=True)
    assert result.ok, [d.message for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.code == "NB308"]  # nothing is left empty
    src = tmp_path / "out" / "src" / "seeded"
    module = ast.parse((src / "seeded.py").read_text(encoding="utf-8"))
    functions = [f for f in module.body if isinstance(f, ast.FunctionDef)]
    assert functions and all(
        any(isinstance(n, ast.Return) for n in ast.walk(f)) for f in functions
    ), [f.name for f in functions]
    pipeline = (src / "pipeline.py").read_text(encoding="utf-8")
    steps = pipeline[pipeline.index("def steps(") :]
    first_step = functions[0].name
    assert steps.index("np.random.seed(7)") < steps.index(f"{first_step}(")

    expected = notebook_state(SEEDED_CELLS, tmp_path)
    outputs = run_outputs(tmp_path / "out", "seeded")
    assert np.array_equal(outputs["draws"], expected["draws"])
    assert outputs["total"] == expected["total"]


def test_a_reseed_after_draws_in_a_step_stays_in_its_place(tmp_path: Path) -> None:
    # run() seeds a step's seeds before it: a seed below the step's draws would reseed
    # before them, and every draw of the notebook from there on would differ
    cells = [
        ("import numpy as np", []),
        (
            "np.random.seed(1)\nfirst = np.random.rand(3)\nnp.random.seed(2)",
            ["function:draw_first"],
        ),
        ("second = np.random.rand(3)", ["function:draw_second"]),
    ]
    notebook = write_notebook(tmp_path / "reseeded.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]

    expected = notebook_state([source for source, _ in cells], tmp_path)
    outputs = run_outputs(tmp_path / "out", "reseeded")
    assert np.array_equal(outputs["first"], expected["first"])
    assert np.array_equal(outputs["second"], expected["second"])


def test_a_seed_only_cell_tagged_as_a_function_says_why_no_function_is_made(
    tmp_path: Path,
) -> None:
    cells = [
        ("import numpy as np", []),
        ("np.random.seed(3)", ["function:set_seed"]),
        ("draws = np.random.rand(4)", ["function:draw"]),
    ]
    notebook = write_notebook(tmp_path / "seeded.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    said = [d for d in result.diagnostics if d.code == "NB315"]
    assert len(said) == 1 and "`set_seed`" in said[0].message
    outputs = run_outputs(tmp_path / "out", "seeded")
    assert np.array_equal(outputs["draws"], np.random.RandomState(3).rand(4))


@pytest.mark.parametrize("keep", [False, True], ids=["prints-dropped", "keep"])
def test_a_value_only_prints_read_is_no_input_of_a_step_that_drops_them(
    tmp_path: Path, keep: bool
) -> None:
    notebook = write_notebook(
        tmp_path / "shown.ipynb",
        [
            ("import numpy as np", []),
            ("X = np.arange(10)\nW = np.ones(3)", ["function:load"]),
            (
                "total = int(X.sum())\nprint(W.shape)\nfor w in W:\n    print(w)",
                ["function:score", *(["keep"] if keep else [])],
            ),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]

    module = (tmp_path / "out" / "src" / "shown" / "shown.py").read_text("utf-8")
    score = next(
        n for n in ast.parse(module).body if isinstance(n, ast.FunctionDef) and n.name == "score"
    )
    params = [a.arg for a in score.args.args]
    assert params == (["X", "W"] if keep else ["X"])
    script = "from shown import run; print(run(track=False)['total'])"
    assert run_generated(tmp_path / "out", script) == "45"


def test_a_plot_reading_a_name_a_later_plot_rebinds_takes_it_as_an_input(tmp_path: Path) -> None:
    # The legend loop rebinds `area` after the scatter read the step's `area`: the figure
    # function must take it as a parameter, or drawing it raises UnboundLocalError.
    cells = [
        code_cell("import matplotlib.pyplot as plt\n", ["imports"]),
        code_cell(
            "x, y, area = [1, 2, 3], [3, 1, 2], [40, 90, 160]\n"
            "plt.scatter(x, y, s=area)\n"
            "for area in [100, 300]:\n"
            "    plt.scatter([], [], s=area, label=str(area))\n"
            "plt.legend()\n",
            ["function:cities"],
        ),
    ]
    write_notebook(tmp_path / "legend.ipynb", cells)
    result = build([tmp_path / "legend.ipynb"], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    figures = tmp_path / "out" / "src" / "legend" / "figures.py"
    [function] = [n for n in ast.parse(figures.read_text()).body if isinstance(n, ast.FunctionDef)]
    assert [a.arg for a in function.args.args] == ["x", "y", "area"]
    drawn = subprocess.run(
        [
            sys.executable,
            "-c",
            "import matplotlib; matplotlib.use('Agg')\n"
            "from legend import figures, run\n"
            "out = run(track=False)\n"
            f"figures.{function.name}(out['x'], out['y'], out['area'])\n"
            "import matplotlib.pyplot as plt\n"
            "print(len(plt.gca().collections))\n",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "out" / "src")},
    )
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stdout.strip() == "3"


def test_a_plotting_library_only_settings_and_nested_plots_use_is_no_dependency(
    tmp_path: Path,
) -> None:
    """``sns`` is read by a setting and by a plot inside a loop that does work: both leave
    the step, the module drops the import, and seaborn is no requirement."""
    (tmp_path / "nb").mkdir()
    notebook = write_notebook(
        tmp_path / "nb" / "analysis.ipynb",
        [
            code_cell("import numpy as np\nimport seaborn as sns\nsns.set_context('talk')"),
            code_cell(
                "values = np.arange(5)\ntotals = []\nfor v in values:\n"
                "    totals.append(v * 2)\n    sns.histplot(values)\n",
                ["function:make_totals"],
            ),
        ],
    )
    out = tmp_path / "out"
    result = build([notebook], out, name="plotdeps", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    pyproject = (out / "pyproject.toml").read_text(encoding="utf-8")
    sources = "".join(p.read_text(encoding="utf-8") for p in (out / "src").rglob("*.py"))

    assert "import seaborn" not in sources
    assert '"seaborn' not in pyproject
    assert '"numpy' in pyproject


OUT_OF_ORDER_PLOTS = [
    ("import matplotlib.pyplot as plt", []),
    # drawn on data no cell defines (the notebook ran its cells out of order)
    ("fig, axes = plt.subplots()\naxes.plot(x, y)\naxes.set_title('title');", []),
    markdown_cell("### Saving figures"),
    ("fig.savefig('figure.png', dpi=200)", []),
    ("fig, ax = plt.subplots()\nax.plot(x, x**2)\nax.set_title('title');", []),
]


def test_a_step_of_plots_alone_is_reported_not_a_crash(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "plots.ipynb", OUT_OF_ORDER_PLOTS)
    result = build([notebook], tmp_path / "out", root=tmp_path, auto=True)
    emptied = [d for d in result.diagnostics if d.code == "NB308"]
    assert [d.location.cell_number for d in emptied if d.location] == [2]
