"""The generated package's tracking module, exercised against a real embedded MLflow store.

Each test logs into its own experiment of one SQLite store in a temporary directory, and reads
back with ``MlflowClient``. Whole-package behaviour (``python -m PKG run``, a tracking server,
imports) is in tests/integration/test_tracking.py.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.entities import Run

from nb2pkg.emit.templates import tracking

BUILD_TAGS = {
    "nb2pkg.package": "demo",
    "nb2pkg.version": "1.2.3",
    "nb2pkg.git_commit": "0123456789abcdef0123456789abcdef01234567",
    "nb2pkg.notebook": "notebooks/demo.ipynb",
    "nb2pkg.notebook_sha256": "ab" * 32,
    "nb2pkg.cell_ids": "cell-a,cell-b",
}


@pytest.fixture(scope="module")
def store_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"


@pytest.fixture
def experiment(
    store_uri: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[str]:
    """A fresh experiment name for this test, selected the way users select one (in a folder
    of the test's own: a SQLite store keeps artifacts under ``./mlruns``)."""
    name = f"exp-{request.node.name}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store_uri)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", name)
    yield name
    while mlflow.active_run() is not None:
        mlflow.end_run()


def runs_of(store_uri: str, experiment_name: str) -> list[Run]:
    client = MlflowClient(store_uri)
    found = client.get_experiment_by_name(experiment_name)
    assert found is not None, f"no experiment {experiment_name!r}"
    return list(client.search_runs([found.experiment_id]))


def steps(fail_in: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """A small pipeline shaped like the generated ``steps()``."""
    rows = list(range(10))
    yield "load", {"rows": rows}
    if fail_in == "train":
        raise ValueError("cannot train on ten rows")
    yield "train", {"weights": [0.5, 0.25]}
    yield "evaluate", {"accuracy": 0.875, "n_errors": 3, "report": "fine", "passed": True}


STEP_CELLS = {
    "load": "demo.ipynb [id cell-load]",
    "train": "demo.ipynb [id cell-train]",
    "evaluate": "demo.ipynb [id cell-evaluate]",
}


def run_pipeline(fail_in: str | None = None, **options: Any) -> dict[str, Any]:
    outputs: dict[str, Any] = {}
    with tracking.pipeline_run(
        package="demo",
        version="1.2.3",
        params={"alpha": 0.5, "data_path": "data/train.csv"},
        tags=BUILD_TAGS,
        **options,
    ) as recorder:
        for step_name, values in recorder.timed(steps(fail_in), STEP_CELLS):
            outputs.update(values)
            if step_name == "evaluate":
                recorder.log_metrics(values)
    return outputs


# ------------------------------------------------------------------ Recorder


def test_log_metrics_keeps_finite_numeric_scalars_only() -> None:
    logged: list[dict[str, float]] = []
    recorder = tracking.Recorder(logged.append)

    kept = recorder.log_metrics(
        {
            "int": 3,
            "float": 0.25,
            "fraction": Fraction(1, 4),
            "np_float": np.float32(1.5),
            "np_int": np.int64(7),
            "bool": True,
            "np_bool": np.bool_(True),
            "nan": math.nan,
            "inf": math.inf,
            "np_nan": np.float64("nan"),
            "text": "0.5",
            "array": np.array([1.0, 2.0]),
            "zero_d_array": np.array(2.0),
            "none": None,
        }
    )

    assert kept == {"int": 3.0, "float": 0.25, "fraction": 0.25, "np_float": 1.5, "np_int": 7.0}
    assert all(type(value) is float for value in kept.values())
    assert logged == [kept]


def test_log_metrics_with_nothing_numeric_logs_nothing() -> None:
    logged: list[dict[str, float]] = []

    assert tracking.Recorder(logged.append).log_metrics({"label": "x", "ok": False}) == {}
    assert logged == []


def test_timed_yields_every_step_unchanged_and_logs_its_duration() -> None:
    logged: list[dict[str, float]] = []
    items = [("load", {"a": 1}), ("train", {"b": [2]})]

    seen = list(tracking.Recorder(logged.append).timed(iter(items)))

    assert seen == items
    assert [list(metrics) for metrics in logged] == [["step_seconds.load"], ["step_seconds.train"]]
    assert all(value >= 0.0 for metrics in logged for value in metrics.values())


def test_timed_without_tracking_passes_steps_through() -> None:
    recorder = tracking.Recorder(None)
    items = [("load", {"a": 1})]

    assert list(recorder.timed(items)) == items
    assert recorder.last_completed_step == "load"


# ------------------------------------------------------------------ runs


def test_tracked_run_logs_params_tags_metrics_and_durations(
    store_uri: str, experiment: str
) -> None:
    outputs = run_pipeline()

    assert outputs["accuracy"] == 0.875
    [run] = runs_of(store_uri, experiment)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"alpha": "0.5", "data_path": "data/train.csv"}
    metrics = run.data.metrics
    assert metrics["accuracy"] == 0.875
    assert metrics["n_errors"] == 3.0
    assert "report" not in metrics
    assert "passed" not in metrics
    assert {"step_seconds.load", "step_seconds.train", "step_seconds.evaluate"} <= set(metrics)
    assert metrics["pipeline_seconds"] >= metrics["step_seconds.evaluate"]
    tags = run.data.tags
    for name, value in BUILD_TAGS.items():
        assert tags[name] == value
    assert tags["mlflow.source.git.commit"] == BUILD_TAGS["nb2pkg.git_commit"]
    assert tags["mlflow.source.type"] == "LOCAL"
    assert tags["mlflow.source.name"] == "demo.pipeline"
    assert "nb2pkg.error" not in tags


def test_experiment_defaults_to_the_package_name(
    store_uri: str, experiment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME")
    before = len(runs_of(store_uri, "demo")) if _experiment_exists(store_uri, "demo") else 0

    run_pipeline()

    assert len(runs_of(store_uri, "demo")) == before + 1


def test_an_empty_git_commit_sets_no_source_commit(store_uri: str, experiment: str) -> None:
    tags = {**BUILD_TAGS, "nb2pkg.git_commit": ""}
    with tracking.pipeline_run(package="demo", version="1", params={}, tags=tags):
        pass

    [run] = runs_of(store_uri, experiment)
    assert run.data.tags["nb2pkg.git_commit"] == ""
    # MLflow may still record a checkout it finds around the test runner, never the build's.
    assert run.data.tags.get("mlflow.source.git.commit") != BUILD_TAGS["nb2pkg.git_commit"]


def test_failing_step_fails_the_run_and_still_raises(store_uri: str, experiment: str) -> None:
    with pytest.raises(ValueError, match="cannot train on ten rows") as raised:
        run_pipeline(fail_in="train")

    [run] = runs_of(store_uri, experiment)
    assert run.info.status == "FAILED"
    assert run.data.tags["nb2pkg.error"] == "ValueError: cannot train on ten rows"
    assert run.data.tags["nb2pkg.last_completed_step"] == "load"
    assert run.data.tags["nb2pkg.failed_step"] == "train"
    assert tracking.describe_failure(raised.value).startswith(
        "Step `train` (demo.ipynb [id cell-train]) failed: ValueError: cannot train on ten "
        "rows. Fix the cell in the notebook"
    )
    assert "step_seconds.load" in run.data.metrics
    assert "step_seconds.train" not in run.data.metrics
    assert mlflow.active_run() is None
    described = tracking.describe_last_run()
    assert described is not None
    assert run.info.run_id in described
    assert "FAILED" in described


def test_more_params_and_metrics_than_one_batch_takes_are_all_logged(
    store_uri: str, experiment: str
) -> None:
    params = {f"p{index}": index for index in range(250)}
    metrics = {f"m{index}": float(index) for index in range(1500)}
    with tracking.pipeline_run(package="demo", version="1", params=params, tags={}) as recorder:
        recorder.log_metrics(metrics)

    [run] = runs_of(store_uri, experiment)
    assert run.data.params == {name: str(value) for name, value in params.items()}
    assert {name: run.data.metrics[name] for name in metrics} == metrics


def test_a_long_pipeline_shows_progress_before_it_ends(
    store_uri: str, experiment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every step counts as long: the batch goes out as soon as the step completes.
    monkeypatch.setattr(tracking, "FLUSH_SECONDS", 0.0)
    client = MlflowClient(store_uri)
    seen_during_run: list[str] = []
    with tracking.pipeline_run(
        package="demo", version="1", params={"alpha": 1}, tags={}
    ) as recorder:
        for _ in recorder.timed(steps()):
            [run] = runs_of(store_uri, experiment)
            seen_during_run = sorted(client.get_run(run.info.run_id).data.metrics)
            break

    assert seen_during_run == ["step_seconds.load"]


def test_ctrl_c_in_a_step_ends_the_run_killed(store_uri: str, experiment: str) -> None:
    def interrupted() -> Iterator[tuple[str, dict[str, Any]]]:
        yield "load", {}
        raise KeyboardInterrupt

    with (
        pytest.raises(KeyboardInterrupt),
        tracking.pipeline_run(package="demo", version="1", params={}, tags={}) as recorder,
    ):
        for _ in recorder.timed(interrupted()):
            pass

    [run] = runs_of(store_uri, experiment)
    assert run.info.status == "KILLED"
    assert run.data.tags["nb2pkg.last_completed_step"] == "load"


def test_a_deleted_experiment_is_named_with_how_to_restore_it(
    store_uri: str, experiment: str
) -> None:
    client = MlflowClient(store_uri)
    client.delete_experiment(_create_experiment(store_uri, experiment))

    with (
        pytest.raises(RuntimeError, match=f"'{experiment}' is deleted.*mlflow experiments restore"),
        tracking.pipeline_run(package="demo", version="1", params={}, tags={}),
    ):
        pass


def test_an_active_run_gets_a_nested_pipeline_run(store_uri: str, experiment: str) -> None:
    with mlflow.start_run(experiment_id=_create_experiment(store_uri, experiment)) as parent:
        run_pipeline()
        still_active = mlflow.active_run()
        assert still_active is not None
        assert still_active.info.run_id == parent.info.run_id

    runs = {run.info.run_id: run for run in runs_of(store_uri, experiment)}
    assert len(runs) == 2
    [child] = [run for run_id, run in runs.items() if run_id != parent.info.run_id]
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert child.info.status == "FINISHED"
    assert runs[parent.info.run_id].info.status == "FINISHED"


def test_the_callers_active_experiment_is_left_alone(store_uri: str, experiment: str) -> None:
    # In a child process: mlflow.set_experiment changes process-wide state.
    output = run_with_template(
        "import mlflow\n"
        f"chosen = mlflow.set_experiment({experiment + '-chosen'!r})\n"
        "with tracking.pipeline_run(package='demo', version='1', params={}, tags={}):\n"
        "    pass\n"
        "with mlflow.start_run() as after:\n"
        "    pass\n"
        "print(after.info.experiment_id == chosen.experiment_id)\n"
    )

    assert output == "True"
    assert len(runs_of(store_uri, experiment)) == 1


def test_track_false_logs_nothing_and_describes_nothing(store_uri: str, experiment: str) -> None:
    outputs = run_pipeline(track=False)

    assert outputs["n_errors"] == 3
    assert not _experiment_exists(store_uri, experiment)
    assert tracking.describe_last_run() is None


def test_describe_last_run_names_the_store_and_how_to_open_it(
    store_uri: str, experiment: str
) -> None:
    run_pipeline()

    [run] = runs_of(store_uri, experiment)
    described = tracking.describe_last_run()
    assert described is not None
    assert run.info.run_id in described
    assert f"'{experiment}'" in described
    assert f"mlflow ui --backend-store-uri {store_uri}" in described


def test_autolog_logs_what_the_framework_trains(store_uri: str, experiment: str) -> None:
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    def train() -> Iterator[tuple[str, dict[str, Any]]]:
        model = LogisticRegression(C=0.5, max_iter=50).fit(
            [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
        )
        yield "train", {"model": model}

    try:
        with tracking.pipeline_run(
            package="demo", version="1", params={}, tags={}, autolog=True
        ) as recorder:
            for _ in recorder.timed(train()):
                pass
    finally:
        mlflow.autolog(disable=True)

    [run] = runs_of(store_uri, experiment)
    assert run.data.params["C"] == "0.5"
    assert "training_score" in run.data.metrics


# ------------------------------------------------------------------ RunLocation


def test_a_server_run_is_described_by_its_address() -> None:
    location = tracking.RunLocation("abc", "7", "churn", "http://127.0.0.1:5000/", "FINISHED")

    text = location.describe()

    assert "http://127.0.0.1:5000/#/experiments/7/runs/abc" in text
    assert "mlflow ui" not in text


def test_a_password_in_the_tracking_uri_is_never_shown() -> None:
    uri = "postgresql://ml:s3cret@db.example:5432/mlflow"
    text = tracking.RunLocation("abc", "1", "churn", uri, "FINISHED").describe()

    assert "s3cret" not in text
    assert "postgresql://ml:***@db.example:5432/mlflow" in text


def test_a_path_with_spaces_is_quoted_for_the_shell() -> None:
    uri = "sqlite:////tmp/my runs/mlflow.db"
    text = tracking.RunLocation("abc", "1", "churn", uri, "FINISHED").describe()

    assert "mlflow ui --backend-store-uri 'sqlite:////tmp/my runs/mlflow.db'" in text


def test_importing_the_template_does_not_import_mlflow() -> None:
    output = run_with_template(
        "import sys\n"
        "with tracking.pipeline_run(package='p', version='1', params={'a': 1}, tags={}, track=False) as r:\n"
        "    list(r.timed([('s', {'x': 1.0})]))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mlflow', 'nb2pkg')))\n"
    )

    assert output == "[]"


def run_with_template(code: str) -> str:
    """Run ``code`` in a fresh interpreter where ``tracking`` is the template, loaded from
    its file as a generated package would carry it; return what it printed."""
    loader = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('tracking', {tracking.__file__!r})\n"
        "tracking = importlib.util.module_from_spec(spec)\n"
        "sys.modules['tracking'] = tracking\n"
        "spec.loader.exec_module(tracking)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", loader + code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _experiment_exists(store_uri: str, name: str) -> bool:
    return MlflowClient(store_uri).get_experiment_by_name(name) is not None


def _create_experiment(store_uri: str, name: str) -> str:
    return MlflowClient(store_uri).create_experiment(name)


# ------------------------------------------------------------------ failing fast


def test_an_untracked_failing_step_is_described_with_its_cell() -> None:
    with pytest.raises(ValueError) as raised:
        run_pipeline(fail_in="train", track=False)

    described = tracking.describe_failure(raised.value)

    assert described.startswith("Step `train` (demo.ipynb [id cell-train]) failed:")
    assert described.endswith("To see the traceback, run again with --debug.")
    assert "\n" not in described


def test_a_failure_outside_the_steps_names_no_step() -> None:
    assert run_pipeline(track=False)["accuracy"] == 0.875
    described = tracking.describe_failure(KeyError("model"))
    assert described == (
        "The pipeline failed: KeyError: 'model'. To see the traceback, run again with --debug."
    )


def test_an_unwritable_embedded_store_fails_before_any_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file where the store's folder would be\n")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{not_a_folder}/mlflow.db")
    ran: list[str] = []

    with (
        pytest.raises(tracking.TrackingUnavailable) as raised,
        tracking.pipeline_run(package="demo", version="1", params={}, tags={}),
    ):
        ran.append("a step")

    assert ran == []
    message = tracking.describe_failure(raised.value)
    assert message.startswith(f"Cannot write the MLflow store sqlite:///{not_a_folder}/mlflow.db:")
    assert f"{not_a_folder} is not a folder" in message
    assert "--no-track" in message and "MLFLOW_TRACKING_URI" in message


def test_a_refused_server_fails_at_once_and_leaves_mlflows_request_settings_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)

    with (
        pytest.raises(tracking.TrackingUnavailable, match="connection refused"),
        tracking.pipeline_run(package="demo", version="1", params={}, tags={}),
    ):
        pass

    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in os.environ
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in os.environ


def test_a_silent_server_is_given_the_users_own_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")

        with (
            pytest.raises(tracking.TrackingUnavailable, match="did not answer within 1 s"),
            tracking.pipeline_run(package="demo", version="1", params={}, tags={}),
        ):
            pass

    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "1"
