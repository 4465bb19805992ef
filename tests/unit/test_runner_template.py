"""``run()``'s fixed part (``templates/runner.py``, copied into every package as ``_runner.py``),
run against a real embedded MLflow store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow import MlflowClient

from nb2pkg.emit.templates import tracking
from nb2pkg.emit.templates.runner import run_steps

STEP_CELLS = {
    "load": "demo.ipynb [id cell-load]",
    "train": "demo.ipynb [id cell-train]",
    "evaluate": "demo.ipynb [id cell-evaluate]",
}


def steps(*, rows: int, fail_in: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Shaped like a generated ``steps()``."""
    yield "load", {"data": list(range(rows))}
    if fail_in == "train":
        raise ValueError("cannot train on so few rows")
    yield "train", {"weights": [0.5, 0.25], "rows": rows * 2}
    yield "evaluate", {"accuracy": 0.875, "report": "fine"}


def run(
    params: dict[str, Any], *, track: bool, fail_in: str | None = None, log_model: bool = False
) -> dict[str, Any]:
    return run_steps(
        steps(**params, fail_in=fail_in),
        params=params,
        track=track,
        package="demo",
        version="1.2.3",
        tags={"nb2pkg.package": "demo"},
        autolog=False,
        step_cells=STEP_CELLS,
        metric_steps=frozenset({"evaluate"}),
        log_model=log_model,
    )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.chdir(tmp_path)  # a SQLite store keeps artifacts under ./mlruns
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "runner")
    yield uri
    while mlflow.active_run() is not None:
        mlflow.end_run()


def test_every_step_s_outputs_are_returned_later_ones_winning() -> None:
    outputs = run({"rows": 3}, track=False, log_model=True)  # untracked: no model is logged
    assert outputs == {
        "data": [0, 1, 2],
        "weights": [0.5, 0.25],
        "rows": 6,  # a step's output replaces the parameter of the same name
        "accuracy": 0.875,
        "report": "fine",
    }
    assert tracking.describe_last_run() is None


def test_a_tracked_run_logs_the_params_durations_and_the_metric_steps_metrics(
    store: str,
) -> None:
    run({"rows": 3}, track=True)
    client = MlflowClient(store)
    experiment = client.get_experiment_by_name("runner")
    assert experiment is not None
    [logged] = client.search_runs([experiment.experiment_id])
    assert logged.info.status == "FINISHED"
    assert logged.data.params == {"rows": "3"}
    metrics = logged.data.metrics
    assert metrics["accuracy"] == 0.875
    assert "rows" not in metrics  # `train` is not a metric step
    assert {f"step_seconds.{name}" for name in STEP_CELLS} <= set(metrics)


def test_a_failing_step_raises_and_is_described_with_its_cell() -> None:
    with pytest.raises(ValueError, match="so few rows") as raised:
        run({"rows": 3}, track=False, fail_in="train")
    described = tracking.describe_failure(raised.value)
    assert described.startswith("Step `train` (demo.ipynb [id cell-train]) failed:")
