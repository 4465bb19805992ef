"""A notebook whose pipeline has two independent branches, for graph and orchestrator tests.

    load ──► double ─────┐
      ├────► summarise ──┼──► combine
      └────► tag_rows ───┘        (tag_rows changes `frame` in place)

Every value kind of the artifact contract appears: a DataFrame and a Series (Parquet), a numpy
array (.npy), JSON values, a fitted model (joblib) and a complex number (pickled, with a
warning). ``pause`` seconds of sleep in each branch let a parallel run show overlap.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import code_cell, write_notebook

BRANCH_STEPS = ("double", "summarise")


def write_branching_notebook(path: Path, *, fail_in: str | None = None) -> Path:
    """``fail_in``: a step that raises, to see how orchestrators report a failure."""

    def failing(step: str) -> str:
        return f"raise RuntimeError('{step} failed on purpose')\n" if step == fail_in else ""

    cells = [
        code_cell("scale = 2\npause = 0.0\n", ["parameters"]),
        code_cell("import time\n\nimport numpy as np\nimport pandas as pd\n"),
        code_cell(
            'frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": ["x", "y", "x", "z"]})\n'
            + failing("load"),
            ["function:load"],
        ),
        code_cell(
            f"time.sleep(pause)\n{failing('double')}doubled = frame['a'] * scale\n",
            ["function:double"],
        ),
        code_cell(
            f"time.sleep(pause)\n{failing('summarise')}"
            "counts = np.array([len(frame), frame['b'].nunique()])\n"
            "labels = {'first': str(frame['b'].iloc[0]), 'sizes': [1, 2]}\n",
            ["function:summarise"],
        ),
        code_cell("frame['c'] = frame['a'] + 1\n", ["function:tag_rows"]),
        code_cell(
            "from sklearn.linear_model import LinearRegression\n\n"
            f"{failing('combine')}"
            "total = float(doubled.sum()) + int(counts.sum()) + len(labels)\n"
            "model = LinearRegression().fit(frame[['a']], frame['c'])\n"
            "shifted = complex(total, scale)\n",
            ["function:combine", "metrics"],
            settings={"outputs": ["total", "model", "shifted"]},
        ),
    ]
    return write_notebook(path, cells)
