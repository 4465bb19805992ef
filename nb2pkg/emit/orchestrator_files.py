"""The export files of the orchestrators a package is exported to (``nb2pkg export``)."""

from __future__ import annotations

from nb2pkg.emit.airflow_export import airflow_dag_path, render_airflow_dag
from nb2pkg.emit.export_settings import ORCHESTRATORS_DIR
from nb2pkg.emit.kfp_export import kfp_module_path, render_kfp_pipeline
from nb2pkg.plan.package_plan import PackagePlan


def render_exports(plan: PackagePlan, version: str) -> dict[str, str]:
    files: dict[str, str] = {}
    for settings in plan.exports:
        if settings.target == "airflow":
            files[airflow_dag_path(plan.package)] = render_airflow_dag(plan, version, settings)
        elif settings.target == "kfp":
            files[kfp_module_path(plan.package)] = render_kfp_pipeline(plan, version, settings)
    return files


def is_export_file(path: str) -> bool:
    """Export files follow the package's version; they never decide that a build changed it."""
    return path.startswith(f"{ORCHESTRATORS_DIR}/")
