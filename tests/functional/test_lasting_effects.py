"""Files a notebook writes are results; skipped cells must not change what steps compute."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nb2pkg.frontends.api import analyze_path, build
from tests.helpers import code_cell, markdown_cell, notebook_state, run_outputs, write_notebook

WRITING = [
    "import numpy as np\nimport pandas as pd\nimport matplotlib\nmatplotlib.use('Agg')\n"
    "import matplotlib.pyplot as plt\n",
    "df = pd.DataFrame({'a': [1, 2, 3]})\n",
    "df.to_csv('clean.csv', index=False)\n",
    "plt.plot(df['a'])\nplt.savefig('figure.png')\n",
    "np.save('values.npy', df['a'].to_numpy())\n",
    "back = pd.read_csv('clean.csv')\n",
]


def test_the_package_writes_the_files_the_notebook_writes(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "files.ipynb", [(s, []) for s in WRITING])
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    clean = tmp_path / "clean_run"
    clean.mkdir()
    outputs = run_outputs(tmp_path / "out", "files", clean)
    written = sorted(p.name for p in clean.iterdir())
    # The saved figure is a figure of the run: a tracked run logs it (test_saved_figures).
    assert written == ["clean.csv", "values.npy"]
    expected = notebook_state(WRITING, tmp_path)
    pd.testing.assert_frame_equal(outputs["back"], expected["back"])
    assert np.load(clean / "values.npy").tolist() == [1, 2, 3]


def test_a_skipped_cell_drawing_from_the_global_generator_is_named(tmp_path: Path) -> None:
    cells = [
        code_cell("import numpy as np\nnp.random.seed(0)\n", ["function:seed"]),
        markdown_cell("A quick look"),
        code_cell("print(np.random.rand(3))\n", ["skip"]),
        code_cell("import pandas as pd\npd.set_option('mode.copy_on_write', True)\n", ["skip"]),
        code_cell("draws = np.random.rand(2)\n", ["function:draw"]),
    ]
    notebook = write_notebook(tmp_path / "rng.ipynb", cells)
    warnings = [d for d in analyze_path(notebook).diagnostics if d.code == "NB314"]
    locations = [w.location for w in warnings]
    assert [(at.cell_number, at.line) for at in locations if at is not None] == [
        (3, 1),
        (4, 2),
    ]
    assert "np.random.rand" in warnings[0].message
    assert "pd.set_option" in warnings[1].message


def test_an_automatic_marking_keeps_the_random_draws_of_a_plot(tmp_path: Path) -> None:
    sources = [
        "import numpy as np\nimport matplotlib\nmatplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\nnp.random.seed(1)\n",
        "plt.hist(np.random.normal(size=50))\n",
        "sample = np.random.rand(3)\n",
    ]
    notebook = write_notebook(tmp_path / "draws.ipynb", [(s, []) for s in sources])
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    outputs = run_outputs(tmp_path / "out", "draws", tmp_path)
    expected = notebook_state(sources, tmp_path)["sample"]
    assert outputs["sample"].tolist() == expected.tolist()


def test_a_draw_for_a_plot_that_nothing_after_depends_on_leaves_the_package(
    tmp_path: Path,
) -> None:
    sources = [
        "import numpy as np\nimport matplotlib\nmatplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\nnp.random.seed(1)\n",
        "sample = np.random.rand(3)\n",
        "plt.hist(np.random.normal(size=50))\n",
        "print(np.random.uniform(size=20).mean())\n",
        "total = sample.sum() * 2\n",
    ]
    notebook = write_notebook(tmp_path / "shown.ipynb", [(s, []) for s in sources])
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "shown" / "shown.py").read_text(encoding="utf-8")
    assert "np.random.normal" not in module and "np.random.uniform" not in module
    outputs = run_outputs(tmp_path / "out", "shown", tmp_path)
    expected = notebook_state(sources, tmp_path)
    assert outputs["total"] == expected["total"]
    assert outputs["sample"].tolist() == expected["sample"].tolist()


def test_a_draw_before_a_split_without_random_state_stays(tmp_path: Path) -> None:
    # train_test_split draws from numpy's global generator when given no random_state
    sources = [
        "import numpy as np\nimport matplotlib\nmatplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\nfrom sklearn.model_selection import train_test_split"
        "\nnp.random.seed(1)\n",
        "plt.hist(np.random.normal(size=50))\n",
        "train, test = train_test_split(np.arange(10))\n",
    ]
    notebook = write_notebook(tmp_path / "split.ipynb", [(s, []) for s in sources])
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    outputs = run_outputs(tmp_path / "out", "split", tmp_path)
    expected = notebook_state(sources, tmp_path)
    assert outputs["train"].tolist() == expected["train"].tolist()


def test_a_skipped_draw_nothing_after_depends_on_is_not_named(tmp_path: Path) -> None:
    cells = [
        code_cell(
            "import numpy as np\nnp.random.seed(0)\ndraws = np.random.rand(2)\n", ["function:draw"]
        ),
        code_cell("print(np.random.rand(3))\n", ["skip"]),
        code_cell("total = draws.sum()\n", ["function:add"]),
    ]
    notebook = write_notebook(tmp_path / "rng.ipynb", cells)
    assert not [d for d in analyze_path(notebook).diagnostics if d.code == "NB314"]
