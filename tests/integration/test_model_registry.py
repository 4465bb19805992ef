"""The pipeline's model in MLflow, end to end: logged, registered, loaded, promoted, compared.

Two small notebooks are built with ``nb2pkg build`` and pip-installed into the session's
fresh virtualenv (which gets only what the packages declare):

- ``pricefit``: a scikit-learn regressor fitted on engineered features, no ``predict`` cell:
  logged with MLflow's sklearn flavor, its signature and input example taken from the
  frame it was fitted on;
- ``pricecall``: the same pipeline with a ``predict`` cell that turns raw rows into prices
  (the feature engineering, then the model): logged as a pyfunc model, raw rows in.

Runs go to a real ``mlflow server`` on 127.0.0.1 (SQLite backend) or to the embedded
default store in the working directory, and are read back with ``MlflowClient``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from tests.helpers import code_cell, commit_all, write_notebook
from tests.mlflow_server import run_in, tracking_server_at

if TYPE_CHECKING:
    from conftest import BuildOutcome, FreshVenv

Explain = Callable[[subprocess.CompletedProcess[str]], str]

RAW_COLUMNS = ["size", "color"]


def price_cells(*, with_predict: bool) -> list[dict[str, Any]]:
    """Prices from a size and a colour; the model sees `size` and an `is_red` feature."""
    cells = [
        code_cell("alpha = 1.0\nn_rows = 200\n", ["parameters"], cell_id="params"),
        code_cell(
            "import numpy as np\nimport pandas as pd\nfrom sklearn.linear_model import Ridge\n",
            cell_id="imports",
        ),
        code_cell(
            "rng = np.random.default_rng(0)\n"
            "raw = pd.DataFrame(\n"
            '    {"size": rng.uniform(1.0, 10.0, n_rows), "color": rng.choice(["red", "blue"], n_rows)}\n'
            ")\n"
            'raw["price"] = 3.0 * raw["size"] + np.where(raw["color"] == "red", 5.0, 0.0)\n'
            'raw["price"] += rng.normal(0.0, 0.5, n_rows)\n',
            ["function:load_rows"],
            cell_id="load",
        ),
        code_cell(
            "def features(frame):\n"
            '    """The model\'s inputs from raw rows."""\n'
            "    return pd.DataFrame(\n"
            '        {"size": frame["size"], "is_red": (frame["color"] == "red").astype(float)}\n'
            "    )\n",
            ["export"],
            cell_id="features",
        ),
        code_cell(
            "X_train = features(raw)\n"
            "model = Ridge(alpha=alpha)\n"
            'model.fit(X_train, raw["price"])\n',
            ["function:train"],
            cell_id="train",
        ),
        code_cell(
            'r2 = model.score(X_train, raw["price"])\n',
            ["function:evaluate", "metrics"],
            cell_id="evaluate",
        ),
    ]
    if with_predict:
        cells += [
            code_cell(
                'new_rows = raw[["size", "color"]].tail(20)\n',
                ["function:holdout"],
                cell_id="holdout",
            ),
            code_cell(
                "prices = model.predict(features(new_rows))\n",
                ["predict"],
                cell_id="predict",
            ),
        ]
    return cells


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Both notebooks, committed to one git repository: (folder, commit id)."""
    repo = tmp_path_factory.mktemp("price-project")
    write_notebook(repo / "pricefit.ipynb", price_cells(with_predict=False))
    write_notebook(repo / "pricecall.ipynb", price_cells(with_predict=True))
    return repo, commit_all(repo)


@pytest.fixture(scope="module")
def built(
    projects: tuple[Path, str],
    build_package: Callable[..., BuildOutcome],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    """Each package's output folder."""
    repo, _ = projects
    folders: dict[str, Path] = {}
    for name in ("pricefit", "pricecall"):
        outcome = build_package(
            [repo / f"{name}.ipynb"], tmp_path_factory.mktemp(name) / name, "--name", name
        )
        assert outcome.ok, outcome.explain()
        folders[name] = outcome.out_dir
    return folders


@pytest.fixture(scope="module")
def venv(built: dict[str, Path], fresh_venv: FreshVenv, explain_process: Explain) -> FreshVenv:
    for folder in built.values():
        installed = fresh_venv.install(folder)
        assert installed.returncode == 0, explain_process(installed)
    return fresh_venv


def raw_rows(count: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"size": rng.uniform(1.0, 10.0, count), "color": rng.choice(["red", "blue"], count)}
    )


def engineered(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"size": frame["size"], "is_red": (frame["color"] == "red").astype(float)})


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server on 127.0.0.1 (SQLite backend); yields its URL."""
    with tracking_server_at(
        tmp_path_factory.mktemp("mlflow-server"), artifacts_option="--artifacts-destination"
    ) as url:
        yield url


# --------------------------------------------------------------------------- tests


def test_a_tracked_run_logs_the_fitted_model_with_its_signature_and_registers_it(
    venv: FreshVenv,
    built: dict[str, Path],
    projects: tuple[Path, str],
    tracking_server: str,
    tmp_path: Path,
    explain_process: Explain,
) -> None:
    _, commit = projects

    result = run_in(
        venv, ["-m", "pricefit", "run"], cwd=tmp_path, MLFLOW_TRACKING_URI=tracking_server
    )

    assert result.returncode == 0, explain_process(result)
    client = MlflowClient(tracking_server)
    versions = client.search_model_versions("name = 'pricefit'")
    assert [str(v.version) for v in versions] == ["1"], explain_process(result)
    version = versions[0]
    assert version.tags["nb2pkg.version"] == "0.1.0"
    assert version.tags["nb2pkg.git_commit"] == commit
    manifest = json.loads((built["pricefit"] / ".nb2pkg" / "manifest.json").read_text())
    assert version.tags["nb2pkg.notebook_sha256"] == manifest["sources"][0]["sha256"]
    run = client.get_run(version.run_id)
    assert run.data.tags["nb2pkg.model_version"] == "1"
    assert version.tags["nb2pkg.task"] == "regression"
    assert version.tags["nb2pkg.model_flavor"] == "sklearn"

    import mlflow

    mlflow.set_tracking_uri(tracking_server)
    try:
        info = mlflow.models.get_model_info(f"models:/pricefit/{version.version}")
    finally:
        mlflow.set_tracking_uri(None)
    assert info.flavors.keys() >= {"sklearn", "python_function"}
    assert info.run_id == run.info.run_id
    signature_inputs = [column["name"] for column in info.signature.inputs.to_dict()]
    assert signature_inputs == ["size", "is_red"]
    assert info.signature.outputs is not None
    assert info.saved_input_example_info is not None


def test_the_registered_model_predicts_what_the_pipeline_model_predicts(
    venv: FreshVenv, tmp_path: Path, explain_process: Explain
) -> None:
    rows = raw_rows(12, seed=3)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    script = (
        "import json, sys\n"
        "import pandas as pd\n"
        "import pricefit\n"
        "outputs = pricefit.run()\n"
        "features = pricefit.pricefit.features(pd.read_csv('rows.csv'))\n"
        "expected = outputs['model'].predict(features).tolist()\n"
        "by_latest = pricefit.predict(features).tolist()\n"
        "by_version = pricefit.load_model(version='1').predict(features).tolist()\n"
        "print(json.dumps([expected, by_latest, by_version]))\n"
    )

    result = run_in(venv, ["-c", script], cwd=tmp_path)

    assert result.returncode == 0, explain_process(result)
    expected, by_latest, by_version = json.loads(result.stdout.strip().splitlines()[-1])
    assert by_latest == pytest.approx(expected, rel=1e-12)
    assert by_version == pytest.approx(expected, rel=1e-12)
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert [str(v.version) for v in client.search_model_versions("name = 'pricefit'")] == ["1"]


def test_with_a_predict_cell_the_logged_model_takes_raw_rows(
    venv: FreshVenv, tmp_path: Path, explain_process: Explain
) -> None:
    rows = raw_rows(15, seed=5)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    script = (
        "import json, sys\n"
        "import pandas as pd\n"
        "import pricecall\n"
        "outputs = pricecall.run()\n"
        "rows = pd.read_csv('rows.csv')\n"
        "model = outputs['model']\n"
        "expected = model.predict(pricecall.pricecall.features(rows)).tolist()\n"
        "served = pricecall.predict(rows).tolist()\n"
        "by_run = pricecall.load_model(run_id=pricecall.load_model().metadata.run_id)\n"
        "print(json.dumps([expected, served, by_run.predict(rows).tolist(),\n"
        "                  outputs['prices'].tolist()]))\n"
    )

    result = run_in(venv, ["-c", script], cwd=tmp_path)

    assert result.returncode == 0, explain_process(result)
    expected, served, by_run, notebook_prices = json.loads(result.stdout.strip().splitlines()[-1])
    assert served == pytest.approx(expected, rel=1e-12)
    assert by_run == pytest.approx(expected, rel=1e-12)
    assert len(notebook_prices) == 20
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    (version,) = client.search_model_versions("name = 'pricecall'")
    assert version.tags["nb2pkg.model_flavor"] == "pyfunc"
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        info = mlflow.models.get_model_info("models:/pricecall/1")
    finally:
        mlflow.set_tracking_uri(None)
    assert [c["name"] for c in info.signature.inputs.to_dict()] == RAW_COLUMNS


def test_promote_moves_the_alias_and_compare_scores_two_versions_side_by_side(
    venv: FreshVenv, tmp_path: Path, explain_process: Explain
) -> None:
    for alpha in ("1.0", "500.0"):
        result = run_in(venv, ["-m", "pricefit", "run", "--alpha", alpha], cwd=tmp_path)
        assert result.returncode == 0, explain_process(result)
    labelled = raw_rows(40, seed=11)
    labelled["price"] = 3.0 * labelled["size"] + np.where(labelled["color"] == "red", 5.0, 0.0)
    data = engineered(labelled).assign(price=labelled["price"])
    data.to_csv(tmp_path / "labelled.csv", index=False)

    promoted = run_in(venv, ["-m", "pricefit", "promote", "2", "--alias", "champion"], cwd=tmp_path)
    compared = run_in(
        venv, ["-m", "pricefit", "compare", "1", "champion", "labelled.csv"], cwd=tmp_path
    )
    missing = run_in(venv, ["-m", "pricefit", "promote", "9"], cwd=tmp_path)

    assert promoted.returncode == 0, explain_process(promoted)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    aliases = client.get_registered_model("pricefit").aliases
    assert {name: str(version) for name, version in aliases.items()} == {"champion": "2"}
    assert compared.returncode == 0, explain_process(compared)
    import mlflow

    mlflow.set_tracking_uri(uri)
    try:
        expected: dict[str, dict[str, float]] = {}
        for version in ("1", "2"):
            predicted = mlflow.pyfunc.load_model(f"models:/pricefit/{version}").predict(
                data.drop(columns="price")
            )
            expected[version] = {
                "rmse": float(np.sqrt(mean_squared_error(data["price"], predicted))),
                "mae": float(mean_absolute_error(data["price"], predicted)),
                "r2": float(r2_score(data["price"], predicted)),
            }
    finally:
        mlflow.set_tracking_uri(None)
    table = {
        line.split()[0]: [float(value) for value in line.split()[1:]]
        for line in compared.stdout.splitlines()[2:]
    }
    assert table.keys() == {"rmse", "mae", "r2"}
    for metric, (first, second) in table.items():
        assert first == pytest.approx(expected["1"][metric], abs=1e-4)
        assert second == pytest.approx(expected["2"][metric], abs=1e-4)
    assert table["rmse"][0] < table["rmse"][1]  # the heavily regularised model is worse
    assert missing.returncode == 1
    assert "registered versions of 'pricefit': 1, 2" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_importing_a_package_with_a_model_or_running_it_untracked_does_not_import_mlflow(
    venv: FreshVenv, tmp_path: Path, explain_process: Explain
) -> None:
    script = (
        "import json, sys\n"
        "import pricecall\n"
        "imported = 'mlflow' in sys.modules\n"
        "outputs = pricecall.run(track=False)\n"
        "print(json.dumps([imported, 'mlflow' in sys.modules, type(outputs['model']).__name__]))\n"
    )

    result = run_in(venv, ["-c", script], cwd=tmp_path)

    assert result.returncode == 0, explain_process(result)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, False, "Ridge"]
    assert list(tmp_path.iterdir()) == []
