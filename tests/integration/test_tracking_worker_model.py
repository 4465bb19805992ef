"""What the tracking worker logs is what in-process logging logs: params, metrics, tags, the
model (its MLmodel, requirements, input example, predictions), its registered version and the
drift profile.

The classification example is built with ``nb2pkg build`` and run from its source folder in
this test environment (which has the full ``mlflow`` and skops, so the model is saved in
skops' format, with the trusted types its logging computes), against a real ``mlflow server``:
once as ``python -m classification run`` (the tracking worker, which prepares the model's
logging while the steps run), once with mlflow imported before the package (logging in the
pipeline's own process). Both runs are read back with ``MlflowClient`` and compared.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlflow
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient
from mlflow.entities import Run

from tests.mlflow_server import MLFLOW_SETTINGS, RUN_TIMEOUT_SECONDS, tracking_server_at

if TYPE_CHECKING:
    from conftest import BuildOutcome

Explain = Callable[[subprocess.CompletedProcess[str]], str]

PACKAGE = "classification"
OPTIONS = ["run", "--n-estimators", "20"]
IN_PROCESS = (
    "import runpy, sys, mlflow; sys.argv = [{package!r}, *{options!r}]; "
    "runpy.run_module({package!r}, run_name='__main__', alter_sys=True)"
)
RUN_SPECIFIC_TAGS = {"mlflow.runName", "nb2pkg.model_version"}
"""Tags that name the run itself (MLflow's random run name, the version registered by it)."""
MODEL_SPECIFIC_KEYS = {"model_uuid", "model_id", "run_id", "utc_time_created", "artifact_path"}
"""MLmodel entries that identify the logged model itself."""
MODEL_RUN_TAGS = {"nb2pkg.task", "nb2pkg.label", "nb2pkg.model_flavor"}
"""Tags the model's logging sets on the run (the label: the target's name, when it has one)."""
TIMING_METRICS = ("pipeline_seconds", "step_seconds.")
"""Metrics that time the run (``pipeline_seconds``, ``step_seconds.<step>``): never equal."""


@pytest.fixture(scope="module")
def package_src(
    copy_examples: Callable[[Path], Path],
    build_package: Callable[..., BuildOutcome],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    examples = copy_examples(tmp_path_factory.mktemp("examples") / "example_notebooks")
    outcome = build_package(
        [examples / "classification.ipynb"], tmp_path_factory.mktemp("built") / PACKAGE
    )
    assert outcome.ok, outcome.explain()
    return outcome.out_dir / "src"


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server on 127.0.0.1 (SQLite backend) that keeps the artifacts
    (the model registry needs that); yields its URL."""
    with tracking_server_at(
        tmp_path_factory.mktemp("mlflow-server"), artifacts_option="--artifacts-destination"
    ) as url:
        yield url


def package_environment(src: Path, server: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (*MLFLOW_SETTINGS, "PYTHONPATH")}
    env.update(PYTHONPATH=str(src), MLFLOW_TRACKING_URI=server, **settings)
    return env


def run_package(
    args: list[str], *, src: Path, cwd: Path, server: str
) -> subprocess.CompletedProcess[str]:
    env = package_environment(src, server)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


def the_run_of(version: str, server: str) -> Run:
    client = MlflowClient(server)
    registered = client.get_model_version(PACKAGE, version)
    return client.get_run(registered.run_id)


def model_files(version: str, server: str, into: Path) -> dict[str, Any]:
    """The registered version's model files, minus what identifies that model."""
    mlflow.set_tracking_uri(server)
    try:
        local = Path(
            mlflow.artifacts.download_artifacts(f"models:/{PACKAGE}/{version}", dst_path=str(into))
        )
    finally:
        mlflow.set_tracking_uri(None)
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    return {
        "MLmodel": {k: v for k, v in mlmodel.items() if k not in MODEL_SPECIFIC_KEYS},
        "files": sorted(path.name for path in local.iterdir()),
        "requirements.txt": (local / "requirements.txt").read_text(),
        "python_env.yaml": (local / "python_env.yaml").read_text(),
        "input_example.json": json.loads((local / "input_example.json").read_text()),
    }


def drift_profile(run: Run, server: str, into: Path) -> Any:
    mlflow.set_tracking_uri(server)
    try:
        local = mlflow.artifacts.download_artifacts(
            run_id=run.info.run_id, artifact_path="drift", dst_path=str(into)
        )
    finally:
        mlflow.set_tracking_uri(None)
    return {path.name: json.loads(path.read_text()) for path in Path(local).iterdir()}


def test_the_tracking_worker_logs_what_in_process_logging_logs(
    package_src: Path, tracking_server: str, tmp_path: Path, explain_process: Explain
) -> None:
    worker = run_package(
        ["-m", PACKAGE, *OPTIONS], src=package_src, cwd=tmp_path, server=tracking_server
    )
    assert worker.returncode == 0, explain_process(worker)
    in_process = run_package(
        ["-c", IN_PROCESS.format(package=PACKAGE, options=OPTIONS)],
        src=package_src,
        cwd=tmp_path,
        server=tracking_server,
    )
    assert in_process.returncode == 0, explain_process(in_process)

    client = MlflowClient(tracking_server)
    versions = sorted(client.search_model_versions(f"name = '{PACKAGE}'"), key=lambda v: v.version)
    assert [str(v.version) for v in versions] == ["1", "2"]
    by_worker, by_process = (the_run_of(str(v.version), tracking_server) for v in versions)
    assert by_worker.info.status == by_process.info.status == "FINISHED"
    assert by_worker.data.params == by_process.data.params
    assert by_worker.data.params["n_estimators"] == "20"
    assert by_worker.data.tags["nb2pkg.model_version"] == "1"

    def same_tags(run: Run) -> dict[str, str]:
        return {k: v for k, v in run.data.tags.items() if k not in RUN_SPECIFIC_TAGS}

    assert same_tags(by_worker) == same_tags(by_process)
    model_tags = {k: v for k, v in by_worker.data.tags.items() if k in MODEL_RUN_TAGS}
    assert model_tags == {
        "nb2pkg.task": "classification",
        "nb2pkg.label": "target",  # wine.target
        "nb2pkg.model_flavor": "sklearn",
    }

    def scores(run: Run) -> dict[str, float]:
        return {k: v for k, v in run.data.metrics.items() if not k.startswith(TIMING_METRICS)}

    assert set(by_worker.data.metrics) == set(by_process.data.metrics)
    assert {"pipeline_seconds", "step_seconds.train"} <= set(by_worker.data.metrics)
    assert scores(by_worker) == scores(by_process)
    assert scores(by_worker).keys() == {"accuracy", "f1"}

    worker_version, process_version = versions
    assert worker_version.tags == process_version.tags
    assert worker_version.tags["nb2pkg.model_flavor"] == "sklearn"

    worker_model = model_files("1", tracking_server, tmp_path / "worker-model")
    process_model = model_files("2", tracking_server, tmp_path / "process-model")
    assert worker_model == process_model
    flavor = worker_model["MLmodel"]["flavors"]["sklearn"]
    assert flavor["serialization_format"] == "skops"
    assert flavor["skops_trusted_types"], "the trusted types its logging computes"

    assert drift_profile(by_worker, tracking_server, tmp_path / "worker-drift") == (
        drift_profile(by_process, tracking_server, tmp_path / "process-drift")
    )

    mlflow.set_tracking_uri(tracking_server)
    try:
        rows = pd.DataFrame(worker_model["input_example.json"]["data"])
        rows.columns = worker_model["input_example.json"]["columns"]
        predicted = [
            list(mlflow.pyfunc.load_model(f"models:/{PACKAGE}/{v}").predict(rows)) for v in "12"
        ]
    finally:
        mlflow.set_tracking_uri(None)
    assert predicted[0] == predicted[1]


def test_a_killed_pipeline_process_leaves_a_killed_run_on_the_server_and_no_worker(
    package_src: Path, tracking_server: str, tmp_path: Path
) -> None:
    """SIGKILL while the model trains: the tracking worker reads the end of its input, ends
    the run KILLED on the server (the steps done so far recorded), registers no model, and
    exits; the pipeline's stderr, which the worker shares, then ends."""
    experiment = "classification-killed"
    client = MlflowClient(tracking_server)
    pipeline = subprocess.Popen(
        # Enough trees that the training step is still running when the process is killed.
        [sys.executable, "-m", PACKAGE, "run", "--n-estimators", "1000000"],
        cwd=tmp_path,
        env=package_environment(package_src, tracking_server, MLFLOW_EXPERIMENT_NAME=experiment),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while not runs_in(client, experiment):  # the worker has started the run
            assert pipeline.poll() is None, pipeline.communicate()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.2)
        pipeline.kill()
        # Returns once every holder of the pipeline's stdout and stderr (the worker too) exited.
        _, stderr = pipeline.communicate(timeout=RUN_TIMEOUT_SECONDS)
    finally:
        if pipeline.poll() is None:
            pipeline.kill()
            pipeline.wait()

    assert pipeline.returncode == -signal.SIGKILL
    [run] = runs_in(client, experiment)
    assert run.info.status == "KILLED", stderr
    assert run.data.tags["nb2pkg.error"] == (
        "the pipeline's process ended before the run did (killed or crashed)"
    )
    assert run.data.params["n_estimators"] == "1000000"
    done = [s for s in ("load_data", "split") if f"step_seconds.{s}" in run.data.metrics]
    assert run.data.tags.get("nb2pkg.last_completed_step") == (done[-1] if done else None)
    assert "step_seconds.train" not in run.data.metrics
    assert "nb2pkg.model_version" not in run.data.tags
    assert [v.run_id for v in client.search_model_versions(f"name = '{PACKAGE}'")].count(
        run.info.run_id
    ) == 0


def runs_in(client: MlflowClient, experiment: str) -> list[Run]:
    found = client.get_experiment_by_name(experiment)
    return [] if found is None else list(client.search_runs([found.experiment_id]))
