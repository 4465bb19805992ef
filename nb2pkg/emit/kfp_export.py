"""``nb2pkg export kfp``: the pipeline as a Kubeflow Pipelines v2 module."""

from __future__ import annotations

from nb2pkg.emit.export_settings import ORCHESTRATORS_DIR, ExportSettings
from nb2pkg.plan.package_plan import PackagePlan


def kfp_module_path(package: str) -> str:
    return f"{ORCHESTRATORS_DIR}/kfp/{package}_kfp.py"


def render_kfp_pipeline(plan: PackagePlan, version: str, settings: ExportSettings) -> str:
    raise NotImplementedError
