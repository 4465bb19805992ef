"""The tracking worker: a process that has not imported mlflow hands its run to a worker process.

Each pipeline runs in a fresh interpreter where ``tracking`` is the template loaded from its
file, as a generated package carries it, and logs into an embedded SQLite store in a temporary
directory; runs are read back with ``MlflowClient``. The same pipeline run in this process
(which has imported mlflow, so it logs in-process) is the reference for what must be logged.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Run

from nb2pkg.emit.templates import tracking

# Guards against a hung process; never used to judge speed.
PROCESS_TIMEOUT_SECONDS = 180

BUILD_TAGS = {
    "nb2pkg.package": "demo",
    "nb2pkg.version": "1.2.3",
    "nb2pkg.git_commit": "0123456789abcdef0123456789abcdef01234567",
    "nb2pkg.notebook": "notebooks/demo.ipynb",
    "nb2pkg.notebook_sha256": "ab" * 32,
    "nb2pkg.cell_ids": "cell-load,cell-train,cell-evaluate",
}

PIPELINE = f"""
import json, sys, time

BUILD_TAGS = {BUILD_TAGS!r}
CELLS = {{"load": "demo.ipynb [id cell-load]", "train": "demo.ipynb [id cell-train]",
          "evaluate": "demo.ipynb [id cell-evaluate]"}}


def steps(fail_in=None, marker=None):
    yield "load", {{"rows": list(range(10))}}
    if fail_in == "train":
        raise ValueError("cannot train on ten rows")
    if marker:
        open(marker, "w").close()
        time.sleep(600)
    yield "train", {{"weights": [0.5, 0.25]}}
    yield "evaluate", {{"accuracy": 0.875, "n_errors": 3, "report": "fine", "passed": True}}


def run_pipeline(fail_in=None, marker=None):
    with tracking.pipeline_run(
        package="demo", version="1.2.3", params={{"alpha": 0.5, "data_path": "data/train.csv"}},
        tags=BUILD_TAGS,
    ) as recorder:
        for name, values in recorder.timed(steps(fail_in, marker), CELLS):
            if name == "evaluate":
                recorder.log_metrics(values)
"""

LOADER = (
    "import importlib.util, sys\n"
    f"spec = importlib.util.spec_from_file_location('tracking', {tracking.__file__!r})\n"
    "tracking = importlib.util.module_from_spec(spec)\n"
    "sys.modules['tracking'] = tracking\n"
    "spec.loader.exec_module(tracking)\n"
)

REPORT = (
    "print(json.dumps({'mlflow_imported': 'mlflow' in sys.modules,"
    " 'described': tracking.describe_last_run()}))\n"
)


@pytest.fixture
def store_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An embedded store of this test's own, selected the way users select one."""
    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    (tmp_path / "store").mkdir()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "worker")
    yield uri
    while mlflow.active_run() is not None:
        mlflow.end_run()


def start_child(code: str, cwd: Path) -> subprocess.Popen[str]:
    """A fresh interpreter running ``code`` after loading the template as ``tracking``."""
    return subprocess.Popen(
        [sys.executable, "-c", LOADER + PIPELINE + code],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_child(code: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    child = start_child(code + REPORT, cwd)
    stdout, stderr = child.communicate(timeout=PROCESS_TIMEOUT_SECONDS)
    done = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    report = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() else {}
    return done, report


def runs_of(store_uri: str, experiment_name: str = "worker") -> list[Run]:
    client = MlflowClient(store_uri)
    found = client.get_experiment_by_name(experiment_name)
    return [] if found is None else list(client.search_runs([found.experiment_id]))


def ended_run(store_uri: str) -> Run:
    """The store's one run, once it has ended."""
    deadline = time.monotonic() + PROCESS_TIMEOUT_SECONDS
    while True:
        runs = runs_of(store_uri)
        if runs and runs[0].info.status != "RUNNING":
            [run] = runs
            return run
        assert time.monotonic() < deadline, [r.info.status for r in runs]
        time.sleep(0.2)


def logged(run: Run) -> dict[str, Any]:
    """What a run records, without what differs from run to run (durations, names, ids)."""
    varying = ("mlflow.runName", "mlflow.user")
    return {
        "status": run.info.status,
        "params": run.data.params,
        "metrics": {
            name: value
            for name, value in run.data.metrics.items()
            if not name.startswith("step_seconds.") and name != "pipeline_seconds"
        },
        "metric_names": sorted(run.data.metrics),
        "tags": {name: value for name, value in run.data.tags.items() if name not in varying},
    }


def run_in_this_process(fail_in: str | None = None) -> None:
    namespace: dict[str, Any] = {"tracking": tracking}
    exec(PIPELINE, namespace)  # the same pipeline the children run
    namespace["run_pipeline"](fail_in=fail_in)


# --------------------------------------------------------------------------- tests


def test_a_worker_logs_what_an_in_process_run_logs(store_uri: str, tmp_path: Path) -> None:
    done, report = run_child("run_pipeline()\n", tmp_path)
    assert done.returncode == 0, done.stderr
    [by_worker] = runs_of(store_uri)
    client = MlflowClient(store_uri)
    client.rename_experiment(by_worker.info.experiment_id, "worker-done")

    run_in_this_process()

    [here] = runs_of(store_uri)
    assert report["mlflow_imported"] is False
    assert logged(by_worker) == logged(here)
    assert logged(by_worker)["status"] == "FINISHED"
    assert logged(by_worker)["metrics"] == {"accuracy": 0.875, "n_errors": 3.0}
    assert (
        by_worker.data.metrics["pipeline_seconds"]
        >= by_worker.data.metrics["step_seconds.evaluate"]
    )
    assert by_worker.info.run_id in report["described"]
    assert "(FINISHED)" in report["described"]
    assert f"mlflow ui --backend-store-uri {store_uri}" in report["described"]


def test_later_runs_of_a_process_reuse_its_worker(store_uri: str, tmp_path: Path) -> None:
    code = (
        "pids = []\n"
        "for _ in range(3):\n"
        "    run_pipeline()\n"
        "    pids.append(tracking._spare_worker._process.pid)\n"
        "print(json.dumps(pids))\n"
    )

    done, report = run_child(code, tmp_path)

    assert done.returncode == 0, done.stderr
    pids = json.loads(done.stdout.strip().splitlines()[-2])
    assert len(set(pids)) == 1, pids
    runs = runs_of(store_uri)
    assert [run.info.status for run in runs] == ["FINISHED"] * 3
    assert len({run.info.run_id for run in runs}) == 3
    assert all(run.data.metrics["accuracy"] == 0.875 for run in runs)
    assert report["mlflow_imported"] is False


def test_a_failing_step_fails_the_workers_run_with_the_steps_error(
    store_uri: str, tmp_path: Path
) -> None:
    code = (
        "try:\n"
        "    run_pipeline(fail_in='train')\n"
        "except ValueError as error:\n"
        "    print(tracking.describe_failure(error))\n"
    )
    done, report = run_child(code, tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Step `train` (demo.ipynb [id cell-train]) failed: ValueError: cannot train" in (
        done.stdout
    )
    run = ended_run(store_uri)
    assert run.info.status == "FAILED"
    assert run.data.tags["nb2pkg.error"] == "ValueError: cannot train on ten rows"
    assert run.data.tags["nb2pkg.failed_step"] == "train"
    assert run.data.tags["nb2pkg.last_completed_step"] == "load"
    assert "step_seconds.load" in run.data.metrics
    assert "step_seconds.train" not in run.data.metrics
    assert report["mlflow_imported"] is False
    assert "(FAILED)" in report["described"]


@pytest.mark.parametrize(
    ("stop", "error"),
    [
        (signal.SIGINT, "KeyboardInterrupt: "),
        (signal.SIGTERM, tracking.KILLED_ERROR),
        (signal.SIGKILL, tracking.KILLED_ERROR),
    ],
    ids=["ctrl-c", "sigterm", "sigkill"],
)
def test_a_stopped_pipeline_process_leaves_a_killed_run(
    store_uri: str, tmp_path: Path, stop: signal.Signals, error: str
) -> None:
    marker = tmp_path / "in-the-second-step"
    child = start_child(f"run_pipeline(marker={str(marker)!r})\n", tmp_path)
    try:
        deadline = time.monotonic() + PROCESS_TIMEOUT_SECONDS
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the pipeline never reached its second step"
            time.sleep(0.05)

        os.kill(child.pid, stop)
        _, stderr = child.communicate(timeout=PROCESS_TIMEOUT_SECONDS)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    assert child.returncode != 0
    run = ended_run(store_uri)
    assert run.info.status == "KILLED", stderr
    assert run.data.tags["nb2pkg.error"] == error
    assert run.data.tags["nb2pkg.last_completed_step"] == "load"
    assert run.data.params == {"alpha": "0.5", "data_path": "data/train.csv"}
    assert "step_seconds.load" in run.data.metrics


@pytest.mark.parametrize(
    ("argv", "starts"),
    [
        (["-m", "run"], True),
        (["-m", "run", "--alpha", "2"], True),
        (["-m", "run", "--no-track"], False),
        (["-m", "run", "--help"], False),
        (["-m", "graph"], False),
        (["script.py", "run"], False),
        (["-c"], False),
    ],
)
def test_the_worker_starts_early_only_for_a_tracked_run_command(
    argv: list[str], starts: bool, tmp_path: Path
) -> None:
    code = (
        f"sys.argv = {argv!r}\n"
        "tracking.start_early_worker('demo')\n"
        "started = tracking._spare_worker is not None\n"
        "if started:\n"
        "    tracking._spare_worker.abandon()\n"
        "print(json.dumps({'started': started, 'mlflow_imported': 'mlflow' in sys.modules}))\n"
    )
    child = start_child(code, tmp_path)
    stdout, stderr = child.communicate(timeout=PROCESS_TIMEOUT_SECONDS)

    assert child.returncode == 0, stderr
    assert json.loads(stdout.strip().splitlines()[-1]) == {
        "started": starts,
        "mlflow_imported": False,
    }
    assert list(tmp_path.iterdir()) == [], "an abandoned worker creates no store"


def test_a_refused_server_fails_before_any_step_without_importing_mlflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    code = (
        "ran = []\n"
        "try:\n"
        "    with tracking.pipeline_run(package='demo', version='1', params={}, tags={}):\n"
        "        ran.append('a step')\n"
        "except tracking.TrackingUnavailable as error:\n"
        "    print(error)\n"
        "print(json.dumps(ran))\n"
    )

    done, report = run_child(code, tmp_path)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "connection refused" in lines[0] and "No step has run" in lines[0]
    assert json.loads(lines[1]) == []
    assert report["mlflow_imported"] is False
