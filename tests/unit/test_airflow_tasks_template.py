"""The fixed helpers of a generated Airflow DAG (``templates/airflow_tasks.py``), run here
without Airflow against a small installed package, and their inlining into the DAG."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from nb2pkg.emit.airflow_export import DAG_CONSTANTS, TASKS_TEMPLATE, tasks_template
from nb2pkg.emit.inlined_template import inlined_template
from nb2pkg.emit.templates import airflow_tasks

STEPS_IO = """
calls = []


def run_step(name, **kwargs):
    calls.append(("run_step", name, kwargs))


def start_pipeline_run(params):
    calls.append(("start_pipeline_run", params))
    return "run-1"


def finish_pipeline_run(run_id, failed=None):
    calls.append(("finish_pipeline_run", run_id, failed))


def log_stored_model(store, *, params, run_id):
    calls.append(("log_stored_model", store, params, run_id))
"""


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``tasks_pkg`` 1.2.0, installed on sys.path, whose ``steps_io`` records each call."""
    (tmp_path / "tasks_pkg").mkdir()
    (tmp_path / "tasks_pkg" / "__init__.py").write_text("")
    (tmp_path / "tasks_pkg" / "steps_io.py").write_text(STEPS_IO)
    info = tmp_path / "tasks_pkg-1.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tasks_pkg\nVersion: 1.2.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.setattr(airflow_tasks, "PACKAGE", "tasks_pkg")
    monkeypatch.setattr(airflow_tasks, "VERSION", "1.2.0")
    monkeypatch.setattr(airflow_tasks, "PIPELINE_PARAMS", ["rows_path", "scale"])
    monkeypatch.setattr(airflow_tasks, "DATA_FILE_PARAMS", ["rows_path"])
    yield importlib.import_module("tasks_pkg.steps_io")
    for name in ("tasks_pkg.steps_io", "tasks_pkg"):
        sys.modules.pop(name, None)


def context(**params: Any) -> dict[str, Any]:
    ti = SimpleNamespace(task_id="double", xcom_pull=lambda task_ids: f"pulled {task_ids}")
    defaults = {"rows_path": "data/rows.csv", "scale": 2, "nb2pkg_artifacts": "s3://b/runs/"}
    return {
        "params": {**defaults, **params},
        "run_id": "manual__2024-01-01T00:00:00+00:00",
        "dag": SimpleNamespace(dag_id="tasks_pkg"),
        "ti": ti,
    }


def test_a_step_runs_from_and_into_the_dag_run_s_folder_of_the_store(package: Any) -> None:
    store = airflow_tasks._run_step("double", "run-1", context(nb2pkg_data="/srv/in"))
    assert store == "s3://b/runs/tasks_pkg/manual__2024-01-01T00_00_00_00_00"
    [(kind, name, kwargs)] = package.calls
    assert (kind, name) == ("run_step", "double")
    assert kwargs == {
        "inputs": store,
        "outputs": store,
        "params": {"rows_path": "/srv/in/data/rows.csv", "scale": 2},
        "track": True,
        "parent_run_id": "run-1",
    }


def test_a_worker_with_another_version_refuses_to_run_a_step(
    package: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(airflow_tasks, "VERSION", "1.3.0")
    with pytest.raises(RuntimeError, match=r"tasks_pkg==1.3.0, the worker has 1.2.0"):
        airflow_tasks._run_step("double", None, context())
    monkeypatch.setattr(airflow_tasks, "PACKAGE", "not_installed_here")
    with pytest.raises(RuntimeError, match="the worker has not installed"):
        airflow_tasks._log_model("run-1", context())
    assert package.calls == []


def test_no_artifact_store_is_an_error_that_names_the_param(package: Any) -> None:
    with pytest.raises(RuntimeError, match="set the DAG param nb2pkg_artifacts"):
        airflow_tasks._run_step("double", None, context(nb2pkg_artifacts=""))


def test_data_files_move_under_the_data_folder_only_when_relative(package: Any) -> None:
    for given, folder, expected in [
        ("data/rows.csv", "s3://bucket/in", "s3://bucket/in/data/rows.csv"),
        ("data/rows.csv", "", "data/rows.csv"),
        ("/abs/rows.csv", "/srv/shared", "/abs/rows.csv"),
        ("gs://b/rows.csv", "/srv/shared", "gs://b/rows.csv"),
    ]:
        params = airflow_tasks._pipeline_params(context(rows_path=given, nb2pkg_data=folder))
        assert params["rows_path"] == expected
    # A DAG without data files declares no data folder param.
    assert airflow_tasks._pipeline_params(context())["rows_path"] == "data/rows.csv"


def test_tracking_opens_marks_failed_logs_the_model_and_closes_the_run(package: Any) -> None:
    assert airflow_tasks._start_tracking(context(nb2pkg_track=False)) is None
    assert package.calls == []
    assert airflow_tasks._start_tracking(context(nb2pkg_track=True)) == "run-1"
    airflow_tasks._step_failed(context())
    airflow_tasks._log_model(None, context())  # tracking off: nothing to log into
    airflow_tasks._log_model("run-1", context())
    airflow_tasks._finish_tracking(None)
    airflow_tasks._finish_tracking("run-1")
    store = "s3://b/runs/tasks_pkg/manual__2024-01-01T00_00_00_00_00"
    params = {"rows_path": "data/rows.csv", "scale": 2}
    assert package.calls == [
        ("start_pipeline_run", params),
        ("finish_pipeline_run", "pulled mlflow_run", "double"),
        ("log_stored_model", store, params, "run-1"),
        ("finish_pipeline_run", "run-1", None),
    ]


def test_the_dag_inlines_every_helper_but_not_the_placeholders() -> None:
    template = tasks_template()
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(template.imports) + "\n" + template.body, "dag", "exec"), namespace)
    helpers = {name for name in vars(airflow_tasks) if name.startswith("_") and name[1] != "_"}
    assert helpers <= set(namespace)
    assert "def _run_step(" in template.body
    assert not DAG_CONSTANTS & set(namespace)  # the DAG writes its own values for these


def test_a_template_with_code_above_its_placeholders_is_refused(tmp_path: Path) -> None:
    good = TASKS_TEMPLATE.read_text(encoding="utf-8")
    assert inlined_template(TASKS_TEMPLATE, DAG_CONSTANTS).body in good
    moved = tmp_path / "moved.py"
    moved.write_text(good.replace('PACKAGE = "package"\n', "") + 'PACKAGE = "package"\n')
    with pytest.raises(ValueError, match="placeholders"):
        inlined_template(moved, DAG_CONSTANTS)
    late_import = tmp_path / "late_import.py"
    late_import.write_text(good + "import json\n")
    with pytest.raises(ValueError, match="import below the placeholders"):
        inlined_template(late_import, DAG_CONSTANTS)
