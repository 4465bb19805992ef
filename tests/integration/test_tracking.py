"""MLflow tracking of a generated package, end to end.

A small tagged notebook (a ``parameters`` cell and three ``function:`` cells, two of them
``metrics``) is committed to a git repository, built with ``nb2pkg build``, pip-installed
into the session's fresh virtualenv (which gets only what the package declares, so the
lightest MLflow distribution is what runs), and run as a user runs it:
``python -m linefit run``. Runs are read back with ``MlflowClient`` from the test process.

A real ``mlflow server`` runs on 127.0.0.1 (a free port, SQLite backend and artifacts in a
temporary directory) for the tests that track over HTTP; it is stopped with its whole
process group.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from mlflow import MlflowClient
from mlflow.entities import Run

from tests.helpers import code_cell, commit_all, markdown_cell, write_notebook
from tests.mlflow_server import run_in, tracking_server_at

if TYPE_CHECKING:
    from conftest import BuildOutcome, FreshVenv

PACKAGE = "linefit"
Explain = Callable[[subprocess.CompletedProcess[str]], str]

# The tracking settings a child process must not inherit from whoever runs the tests.


# --------------------------------------------------------------------------- the package


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The notebook, committed to a git repository: (notebook path, commit id)."""
    repo = tmp_path_factory.mktemp("linefit-project")
    notebook = repo / f"{PACKAGE}.ipynb"
    write_notebook(
        notebook,
        [
            markdown_cell("# Fit a line", cell_id="title"),
            code_cell("n_points = 40\nslope_true = 2.5\n", ["parameters"], cell_id="params"),
            markdown_cell("Points on a line.", cell_id="points-doc"),
            code_cell(
                "if n_points < 2:\n"
                '    raise ValueError(f"need at least 2 points, got {n_points}")\n'
                "xs = [float(i) for i in range(n_points)]\n"
                "ys = [slope_true * x + 1.0 for x in xs]\n",
                ["function:make_points"],
                cell_id="points",
            ),
            code_cell(
                "mean_x = sum(xs) / len(xs)\n"
                "mean_y = sum(ys) / len(ys)\n"
                "slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum(\n"
                "    (x - mean_x) ** 2 for x in xs\n"
                ")\n"
                "intercept = mean_y - slope * mean_x\n",
                ["function:fit_line", "metrics"],
                cell_id="fit",
            ),
            code_cell(
                "residual = max(abs(y - (slope * x + intercept)) for x, y in zip(xs, ys))\n",
                ["function:evaluate", "metrics"],
                cell_id="evaluate",
            ),
        ],
    )
    return notebook, commit_all(repo)


@pytest.fixture(scope="module")
def built(
    project: tuple[Path, str],
    build_package: Callable[..., BuildOutcome],
    tmp_path_factory: pytest.TempPathFactory,
) -> BuildOutcome:
    notebook, _ = project
    outcome = build_package([notebook], tmp_path_factory.mktemp("linefit-build") / PACKAGE)
    assert outcome.ok, outcome.explain()
    return outcome


@pytest.fixture(scope="module")
def venv(built: BuildOutcome, fresh_venv: FreshVenv, explain_process: Explain) -> FreshVenv:
    installed = fresh_venv.install(built.out_dir)
    assert installed.returncode == 0, explain_process(installed)
    return fresh_venv


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server on 127.0.0.1; yields its URL."""
    with tracking_server_at(
        tmp_path_factory.mktemp("mlflow-server"), artifacts_option="--default-artifact-root"
    ) as url:
        yield url


def only_run(client: MlflowClient, experiment_name: str) -> Run:
    experiment = client.get_experiment_by_name(experiment_name)
    assert experiment is not None, f"no experiment {experiment_name!r}"
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1, [run.info.run_id for run in runs]
    return runs[0]


# --------------------------------------------------------------------------- tests


def test_a_run_on_a_tracking_server_records_params_metrics_tags_and_step_durations(
    venv: FreshVenv,
    built: BuildOutcome,
    project: tuple[Path, str],
    tracking_server: str,
    tmp_path: Path,
    explain_process: Explain,
) -> None:
    notebook, commit = project

    result = run_in(
        venv,
        ["-m", PACKAGE, "run", "--n-points", "30"],
        cwd=tmp_path,
        MLFLOW_TRACKING_URI=tracking_server,
    )

    assert result.returncode == 0, explain_process(result)
    run = only_run(MlflowClient(tracking_server), PACKAGE)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"n_points": "30", "slope_true": "2.5"}
    metrics = run.data.metrics
    assert metrics["slope"] == pytest.approx(2.5)
    assert metrics["intercept"] == pytest.approx(1.0)
    assert metrics["residual"] == pytest.approx(0.0, abs=1e-9)
    for step in ("make_points", "fit_line", "evaluate"):
        assert metrics[f"step_seconds.{step}"] >= 0.0
    assert "xs" not in metrics, "lists are not metrics"
    tags = run.data.tags
    assert tags["nb2pkg.package"] == PACKAGE
    assert built.report is not None
    assert tags["nb2pkg.version"] == built.report["version"]
    assert tags["nb2pkg.notebook_sha256"] == hashlib.sha256(notebook.read_bytes()).hexdigest()
    assert tags["nb2pkg.git_commit"] == commit
    assert tags["mlflow.source.git.commit"] == commit
    assert tags["nb2pkg.cell_ids"] == "points,fit,evaluate"
    assert tags["mlflow.source.type"] == "LOCAL"
    # Where the run is and how to open it, and nothing written locally.
    assert f"{tracking_server}/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}" in (
        result.stdout
    )
    assert list(tmp_path.iterdir()) == []


def test_a_failing_step_makes_a_failed_run_and_the_error_reaches_the_caller(
    venv: FreshVenv, tracking_server: str, tmp_path: Path, explain_process: Explain
) -> None:
    experiment = f"{PACKAGE}-failures"

    result = run_in(
        venv,
        ["-m", PACKAGE, "run", "--n-points", "1"],
        cwd=tmp_path,
        MLFLOW_TRACKING_URI=tracking_server,
        MLFLOW_EXPERIMENT_NAME=experiment,
    )

    assert result.returncode != 0, explain_process(result)
    assert "ValueError: need at least 2 points, got 1" in result.stderr
    run = only_run(MlflowClient(tracking_server), experiment)
    assert run.info.status == "FAILED"
    assert run.data.tags["nb2pkg.error"] == "ValueError: need at least 2 points, got 1"
    assert run.data.params["n_points"] == "1"
    assert "step_seconds.make_points" not in run.data.metrics


def test_a_pipeline_inside_an_active_run_logs_a_nested_run(
    venv: FreshVenv, tracking_server: str, tmp_path: Path, explain_process: Explain
) -> None:
    script = (
        "import mlflow, linefit\n"
        "mlflow.set_experiment('linefit-nested')\n"
        "with mlflow.start_run() as parent:\n"
        "    linefit.run(n_points=5)\n"
        "print(parent.info.run_id)\n"
    )

    result = run_in(venv, ["-c", script], cwd=tmp_path, MLFLOW_TRACKING_URI=tracking_server)

    assert result.returncode == 0, explain_process(result)
    parent_id = result.stdout.strip().splitlines()[-1]
    client = MlflowClient(tracking_server)
    experiment = client.get_experiment_by_name("linefit-nested")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    children = [run for run in runs if run.info.run_id != parent_id]
    assert len(runs) == 2, "the parent and one pipeline run"
    assert len(children) == 1
    assert children[0].data.tags["mlflow.parentRunId"] == parent_id
    assert children[0].data.params["n_points"] == "5"


def test_without_a_tracking_uri_the_run_lands_in_the_working_directory(
    venv: FreshVenv, tmp_path: Path, explain_process: Explain
) -> None:
    result = run_in(venv, ["-m", PACKAGE, "run"], cwd=tmp_path)

    assert result.returncode == 0, explain_process(result)
    store = tmp_path / "mlflow.db"
    assert store.is_file()
    store_uri = f"sqlite:///{store}"
    assert f"mlflow ui --backend-store-uri {store_uri}" in result.stdout
    run = only_run(MlflowClient(store_uri), PACKAGE)
    assert run.info.status == "FINISHED"
    assert run.info.run_id in result.stdout
    assert run.data.metrics["slope"] == pytest.approx(2.5)


def test_no_track_logs_nothing_anywhere(
    venv: FreshVenv, tracking_server: str, tmp_path: Path, explain_process: Explain
) -> None:
    local = run_in(venv, ["-m", PACKAGE, "run", "--no-track"], cwd=tmp_path)
    remote = run_in(
        venv,
        ["-m", PACKAGE, "run", "--no-track"],
        cwd=tmp_path,
        MLFLOW_TRACKING_URI=tracking_server,
        MLFLOW_EXPERIMENT_NAME="linefit-untracked",
    )

    assert local.returncode == 0, explain_process(local)
    assert remote.returncode == 0, explain_process(remote)
    assert "slope: 2.5" in local.stdout
    assert "mlflow" not in local.stdout.lower()
    assert list(tmp_path.iterdir()) == []
    assert MlflowClient(tracking_server).get_experiment_by_name("linefit-untracked") is None


def test_importing_the_package_or_running_untracked_does_not_import_mlflow(
    venv: FreshVenv, tmp_path: Path, explain_process: Explain
) -> None:
    script = (
        "import json, sys\n"
        "import linefit\n"
        "imported = 'mlflow' in sys.modules\n"
        "linefit.run(track=False)\n"
        "print(json.dumps([imported, 'mlflow' in sys.modules]))\n"
    )

    result = run_in(venv, ["-c", script], cwd=tmp_path)

    assert result.returncode == 0, explain_process(result)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, False]


def test_autolog_from_the_project_config_logs_what_the_framework_trains(
    build_package: Callable[..., BuildOutcome],
    fresh_venv: FreshVenv,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    explain_process: Explain,
) -> None:
    project = tmp_path_factory.mktemp("autofit-project")
    (project / "pyproject.toml").write_text("[tool.nb2pkg]\nautolog = true\n", encoding="utf-8")
    write_notebook(
        project / "autofit.ipynb",
        [
            code_cell("c_value = 0.5\n", ["parameters"], cell_id="params"),
            code_cell(
                "from sklearn.linear_model import LogisticRegression\n"
                "model = LogisticRegression(C=c_value, max_iter=100)\n"
                "model.fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])\n",
                ["function:train"],
                cell_id="train",
            ),
        ],
    )
    built = build_package([project / "autofit.ipynb"], project / "autofit-pkg", cwd=project)
    assert built.ok, built.explain()
    installed = fresh_venv.install(built.out_dir)
    assert installed.returncode == 0, explain_process(installed)

    result = run_in(fresh_venv, ["-m", "autofit", "run"], cwd=tmp_path)

    assert result.returncode == 0, explain_process(result)
    run = only_run(MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}"), "autofit")
    assert run.data.params["c_value"] == "0.5", "the pipeline's own parameter"
    assert run.data.params["C"] == "0.5", "logged by scikit-learn autologging"
    assert "training_score" in run.data.metrics


def test_a_cells_own_mlflow_calls_are_left_to_the_pipeline(
    build_package: Callable[..., BuildOutcome], tmp_path: Path
) -> None:
    write_notebook(
        tmp_path / "logged.ipynb",
        [
            code_cell("n_points = 4\n", ["parameters"], cell_id="params"),
            code_cell(
                "import mlflow\n"
                "xs = list(range(n_points))\n"
                "total = sum(xs)\n"
                "mlflow.log_metric('total', total)\n",
                ["function:add_up", "metrics"],
                cell_id="add",
            ),
        ],
    )

    built = build_package([tmp_path / "logged.ipynb"], tmp_path / "logged-pkg")

    assert built.ok, built.explain()
    assert built.report is not None
    warnings = [d for d in built.report["diagnostics"] if d["code"] == "NB309"]
    assert len(warnings) == 1, built.report["diagnostics"]
    assert "mlflow.log_metric" in warnings[0]["message"]
    assert warnings[0]["location"]["line"] == 4
    module = (tmp_path / "logged-pkg" / "src" / "logged" / "logged.py").read_text()
    assert "total = sum(xs)" in module
    assert "mlflow" not in module
