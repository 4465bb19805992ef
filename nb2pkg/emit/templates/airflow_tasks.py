"""The fixed helpers of a generated Airflow DAG: what each task does, apart from its wiring.

``nb2pkg export airflow`` inlines this module into the DAG file (everything below the
placeholders, see ``nb2pkg.emit.airflow_export``), so that the DAG stays one file a scheduler
parses without the package installed; the DAG defines the placeholders for its pipeline.
Each helper takes the task's context (``get_current_context()`` in the DAG) and imports the
package only when a worker runs it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
from types import ModuleType
from typing import Any

PACKAGE = "package"
VERSION = "0.0.0"
PIPELINE_PARAMS: list[str] = []
DATA_FILE_PARAMS: list[str] = []
"""Placeholders: the DAG's own values are written above the inlined helpers instead."""

ARTIFACTS_PARAM = "nb2pkg_artifacts"
"""The DAG param holding the artifact store's base URL."""
TRACK_PARAM = "nb2pkg_track"
"""The DAG param that turns MLflow tracking on."""
DATA_PARAM = "nb2pkg_data"
"""The DAG param of the folder that relative data-file paths are read from."""


def _package_at_version() -> None:
    """Refuse to run a step of any other version than the one this DAG was made for."""
    try:
        installed = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        installed = "not installed"
    if installed != VERSION:
        raise RuntimeError(
            f"this DAG runs {PACKAGE}=={VERSION}, the worker has {installed}: "
            f"pip install {PACKAGE}=={VERSION}"
        )


def _steps_io() -> ModuleType:
    """The package's ``steps_io`` module (tasks that run a step check the version first)."""
    return importlib.import_module(f"{PACKAGE}.steps_io")


def _store(context: Any) -> str:
    """The artifact folder of this DAG run."""
    base = str(context["params"][ARTIFACTS_PARAM] or "").rstrip("/")
    if not base:
        raise RuntimeError(
            f"no artifact store: set the DAG param {ARTIFACTS_PARAM} or NB2PKG_ARTIFACTS"
        )
    run = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(context["run_id"]))
    return f"{base}/{context['dag'].dag_id}/{run}"


def _pipeline_params(context: Any) -> dict[str, Any]:
    """The DAG run's ``run()`` parameters; a relative data-file path is read from under the
    DAG param ``nb2pkg_data`` when it is set, an absolute path or URL as is."""
    params = {name: context["params"][name] for name in PIPELINE_PARAMS}
    base = str(context["params"].get(DATA_PARAM) or "").rstrip("/")
    for name in DATA_FILE_PARAMS if base else ():
        path = params[name]
        if isinstance(path, str) and "://" not in path and not os.path.isabs(path):
            params[name] = f"{base}/{path}"
    return params


def _run_step(name: str, mlflow_run: str | None, context: Any) -> str:
    """Run step ``name`` on the values stored by earlier tasks; its folder in the store."""
    _package_at_version()
    steps_io = _steps_io()
    store = _store(context)
    steps_io.run_step(
        name,
        inputs=store,
        outputs=store,
        params=_pipeline_params(context),
        track=mlflow_run is not None,
        parent_run_id=mlflow_run,
    )
    return store


def _step_failed(context: Any) -> None:
    """A step failed for good (no retry left): the DAG run's MLflow run is FAILED."""
    mlflow_run = context["ti"].xcom_pull(task_ids="mlflow_run")
    if mlflow_run:
        _steps_io().finish_pipeline_run(mlflow_run, failed=context["ti"].task_id)


def _start_tracking(context: Any) -> str | None:
    """Open the MLflow run of this DAG run; None when tracking is off."""
    if not context["params"][TRACK_PARAM]:
        return None
    _package_at_version()
    run_id: str = _steps_io().start_pipeline_run(_pipeline_params(context))
    return run_id


def _finish_tracking(mlflow_run: str | None) -> None:
    """Close the MLflow run: FINISHED, unless a step marked it FAILED."""
    if mlflow_run:
        _steps_io().finish_pipeline_run(mlflow_run)


def _log_model(mlflow_run: str | None, context: Any) -> None:
    """Log and register the pipeline's model in the DAG run's MLflow run."""
    if not mlflow_run:
        return
    _package_at_version()
    _steps_io().log_stored_model(
        _store(context), params=_pipeline_params(context), run_id=mlflow_run
    )
