"""What ``predict(data)`` of a generated package computes, with and without a ``predict`` cell.

- Without one (``tests/scoring_package.py``'s pricing pipeline): the logged model is the
  fitted estimator itself (MLflow's sklearn flavor), and ``predict(data)`` is its own
  ``predict`` on the feature columns, whatever other columns the rows carry.
- With one (a notebook marked by the auto-marker alone): the logged model is a pyfunc that
  replays the preprocessing the pipeline applied before fitting (with the values it fitted
  then: a category code table, a mean) and then the model, so raw rows in, answers out, in
  a process that never ran the pipeline.

Each package runs in processes of its own, tracked to a SQLite store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nb2pkg.frontends.api import build
from tests.helpers import code_cell, markdown_cell, write_notebook
from tests.scoring_package import ScoringPackage, package_fixture

__all__ = ["package_fixture"]  # the `package` fixture


def test_without_a_predict_cell_predict_is_the_model_s_own_predict_on_its_features(
    package: ScoringPackage,
) -> None:
    script = (
        "import json, sys\n"
        "import numpy as np, pandas as pd\n"
        "import pricing\n"
        "from pricing import pipeline\n"
        "from pricing._model import load_model\n"
        "rows = pd.read_csv('train.csv').sample(40, random_state=3)\n"
        "fitted = pricing.run(track=False)['model']\n"
        "expected = fitted.predict(rows[['x', 'n', 'c']])\n"
        "shuffled = rows[['c', 'y', 'n', 'x']]  # other order, and the answers as well\n"
        "print(json.dumps({\n"
        "    'predict_step': pipeline.PREDICT_STEP,\n"
        "    'flavor': sorted(load_model().metadata.flavors),\n"
        "    'loaded': type(load_model().get_raw_model()).__name__,\n"
        "    'same': bool(np.array_equal(pricing.predict(rows[['x', 'n', 'c']]), expected)),\n"
        "    'shuffled': bool(np.array_equal(pricing.predict(shuffled), expected)),\n"
        "}))\n"
    )
    done = package.run_python(script)
    assert done.returncode == 0, done.stderr[-4000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts == {
        "predict_step": None,
        "flavor": ["python_function", "sklearn"],
        "loaded": "Pipeline",  # the fitted scikit-learn pipeline itself
        "same": True,
        "shuffled": True,
    }


def _raw_rows(count: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "size": rng.uniform(1.0, 10.0, count),
            "color": rng.choice(["red", "blue", "green"], count),
        }
    )


def _untagged_notebook(path: Path) -> Path:
    """Raw rows → codes and centred sizes (fitted on the training rows) → a ridge model;
    then new rows, and the model's answers for them through the same preprocessing."""
    cells: list[Any] = [
        code_cell(
            "import numpy as np\nimport pandas as pd\nfrom sklearn.linear_model import Ridge\n"
        ),
        code_cell("alpha = 0.5\n"),
        markdown_cell("## Load the rows"),
        code_cell("raw = pd.read_csv('raw.csv')\n"),
        markdown_cell("## Prepare the features"),
        code_cell(
            "codes = {color: code for code, color in enumerate(sorted(raw['color'].unique()))}\n"
            "mean_size = raw['size'].mean()\n"
            "features = pd.DataFrame(\n"
            "    {'size': raw['size'] - mean_size, 'color': raw['color'].map(codes)}\n"
            ")\n"
        ),
        markdown_cell("## Train"),
        code_cell("model = Ridge(alpha=alpha)\nmodel.fit(features, raw['price'])\n"),
        markdown_cell("## New rows"),
        code_cell("new_rows = pd.read_csv('new.csv')\n"),
        markdown_cell("## Their prices"),
        code_cell(
            "new_features = pd.DataFrame(\n"
            "    {'size': new_rows['size'] - mean_size, 'color': new_rows['color'].map(codes)}\n"
            ")\n"
            "prices = model.predict(new_features)\n"
        ),
    ]
    return write_notebook(path, cells)


def test_with_a_predict_cell_the_logged_model_replays_the_preprocessing_on_raw_rows(
    tmp_path: Path,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    train = _raw_rows(300, seed=1)
    train["price"] = 3.0 * train["size"] + train["color"].map(
        {"red": 5.0, "blue": 0.0, "green": 2.0}
    )
    train.to_csv(work / "raw.csv", index=False)
    _raw_rows(25, seed=2).to_csv(work / "new.csv", index=False)
    notebook = _untagged_notebook(work / "prices.ipynb")
    result = build([notebook], tmp_path / "out", root=work, name="prices", auto=True)
    assert result.ok, [d.message for d in result.diagnostics]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")},
        "PYTHONPATH": str(tmp_path / "out" / "src"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}",
    }

    def python(script: str, cwd: Path) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
            check=False, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-4000:]
        found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return found

    trained = python(
        "import json\n"
        "import prices\n"
        "from prices import pipeline\n"
        "outputs = prices.run()\n"
        "print(json.dumps({'predict_step': pipeline.PREDICT_STEP, 'model': pipeline.MODEL,\n"
        "    'codes': outputs['codes'], 'mean_size': outputs['mean_size'],\n"
        "    'coef': outputs['model'].coef_.tolist(), 'intercept': outputs['model'].intercept_,\n"
        "    'prices': outputs['prices'].tolist()}))\n",
        work,
    )
    # The auto-marker tagged the fit `model` and the last cell `predict`.
    assert trained["model"] == "model" and trained["predict_step"] is not None

    fresh = tmp_path / "elsewhere"  # no raw.csv here: nothing of the pipeline can run again
    fresh.mkdir()
    rows = _raw_rows(30, seed=3)
    rows.assign(price=0.0).to_csv(fresh / "rows.csv", index=False)  # a column it ignores
    served = python(
        "import json\n"
        "import pandas as pd\n"
        "from prices._model import load_model, predict\n"
        "rows = pd.read_csv('rows.csv')\n"
        "model = load_model()\n"
        "print(json.dumps({'answers': predict(rows).tolist(),\n"
        "    'new_rows': predict(pd.read_csv(" + repr(str(work / "new.csv")) + ")).tolist(),\n"
        "    'flavors': sorted(model.metadata.flavors),\n"
        "    'inputs': [c['name'] for c in model.metadata.get_input_schema().to_dict()]}))\n",
        fresh,
    )
    assert served["flavors"] == ["python_function"]
    assert served["inputs"] == ["size", "color"]  # raw rows, not the model's features
    codes, mean_size = trained["codes"], trained["mean_size"]
    by_hand = np.column_stack([rows["size"] - mean_size, rows["color"].map(codes)])
    expected = by_hand @ np.asarray(trained["coef"]) + trained["intercept"]
    np.testing.assert_allclose(served["answers"], expected, rtol=1e-12)
    # On the notebook's own new rows, the answers its predict cell computed.
    np.testing.assert_allclose(served["new_rows"], trained["prices"], rtol=1e-12)
