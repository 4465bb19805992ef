"""What a tracked run logs as the model, whatever it was fitted on.

A model fitted on data a notebook function makes (``model.fit(scale(X_train), y)``, with
``scale`` defined in the fitting cell and used by a later step) is logged by a tracked run: the tracking worker gets
the data the model was fitted on, worked out in the pipeline's process, not the function,
which cannot be pickled. A model fitted on one column (a pandas Series of texts, for a
vectorizer) is logged as a model taking a one-column table, and gets that column back.

Each package is built with ``nb2pkg build`` and run as ``python -m PKG run`` (the tracking
worker logs the model) against a real MLflow store (SQLite); the registered model is read
back with ``MlflowClient`` and MLflow's pyfunc loader.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient

from nb2pkg.frontends.api import build
from tests.helpers import code_cell, write_notebook
from tests.mlflow_server import MLFLOW_SETTINGS, RUN_TIMEOUT_SECONDS

PACKAGE = "scaled_fit"
CELLS = [
    code_cell(
        "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n", ["imports"]
    ),
    code_cell("C = 1.0\n", ["parameters"]),
    code_cell(
        "frame = pd.DataFrame({'a': [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],"
        " 'b': [0.5, 0.1, 0.9, 0.3, 0.8, 0.2], 'y': [0, 0, 0, 1, 1, 1]})\n"
        "X_train = frame[['a', 'b']]\ny_train = frame['y']\n",
        ["function:load"],
    ),
    code_cell(
        "def scale(rows):\n"
        "    # standardise with the training statistics\n"
        "    return (rows - X_train.mean()) / X_train.std()\n\n"
        "model = LogisticRegression(C=C)\nmodel.fit(scale(X_train), y_train)\n",
        ["function:fit", "model"],
    ),
    code_cell("proba = model.predict_proba(scale(X_train))[:, 1]\n", ["function:score"]),
]


def tracked_run(tmp_path: Path, package: str, cells: list[dict[str, object]]) -> str:
    """Build ``cells`` as ``package``, run it tracked with the tracking worker; the store."""
    notebook = write_notebook(tmp_path / f"{package}.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {k: v for k, v in os.environ.items() if k not in (*MLFLOW_SETTINGS, "PYTHONPATH")}
    env.update(PYTHONPATH=str(tmp_path / "out" / "src"), MLFLOW_TRACKING_URI=store)
    workdir = tmp_path / "work"
    workdir.mkdir()
    ran = subprocess.run(
        [sys.executable, "-m", package, "run"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "(FINISHED)" in ran.stdout
    return store


def test_a_model_fitted_on_what_a_notebook_function_makes_is_logged(tmp_path: Path) -> None:
    store = tracked_run(tmp_path, PACKAGE, CELLS)
    client = MlflowClient(store)
    [version] = client.search_model_versions(f"name='{PACKAGE}'")
    mlflow.set_tracking_uri(store)
    try:
        local = Path(
            mlflow.artifacts.download_artifacts(
                f"models:/{PACKAGE}/{version.version}", dst_path=str(tmp_path / "model")
            )
        )
        loaded = mlflow.pyfunc.load_model(f"models:/{PACKAGE}/{version.version}")
    finally:
        mlflow.set_tracking_uri(None)
    # The input example is the scaled training data: the rows the model was fitted on.
    example = json.loads((local / "input_example.json").read_text())
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "b": [0.5, 0.1, 0.9, 0.3, 0.8, 0.2]})
    scaled = (frame - frame.mean()) / frame.std()
    assert example["columns"] == ["a", "b"]
    first = zip(example["data"][0], scaled.iloc[0], strict=True)
    assert all(abs(got - want) < 1e-9 for got, want in first)
    assert list(loaded.predict(scaled)) == [0, 0, 0, 1, 1, 1]


TEXT_CELLS = [
    code_cell(
        "import pandas as pd\nfrom sklearn.pipeline import make_pipeline\n"
        "from sklearn.feature_extraction.text import CountVectorizer\n"
        "from sklearn.naive_bayes import MultinomialNB\n",
        ["imports"],
    ),
    code_cell("ALPHA = 1.0\n", ["parameters"]),
    code_cell(
        "mails = pd.DataFrame({'Message': ['free money now', 'lunch at noon', 'win a cash prize',"
        " 'see you at the meeting'], 'spam': [1, 0, 1, 0]})\n",
        ["function:load"],
    ),
    code_cell(
        "clf = make_pipeline(CountVectorizer(), MultinomialNB(alpha=ALPHA))\n"
        "clf.fit(mails.Message, mails.spam)\n",
        ["function:fit"],
    ),
]


def test_a_model_fitted_on_a_column_of_texts_is_logged_and_predicts_from_a_table(
    tmp_path: Path,
) -> None:
    store = tracked_run(tmp_path, "spam_filter", TEXT_CELLS)
    mlflow.set_tracking_uri(store)
    try:
        loaded = mlflow.pyfunc.load_model("models:/spam_filter/1")
    finally:
        mlflow.set_tracking_uri(None)
    assert [spec.name for spec in loaded.metadata.get_input_schema().inputs] == ["Message"]
    texts = pd.DataFrame({"Message": ["free cash prize", "meeting at noon"]})
    assert list(loaded.predict(texts)) == [1, 0]
