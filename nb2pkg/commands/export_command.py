"""``nb2pkg export airflow|kfp``: the package's pipeline for an orchestrator.

    nb2pkg export airflow [NOTEBOOK...] [-o DIR] [--schedule @daily] [--retries 2] ...
    nb2pkg export kfp [NOTEBOOK...] [-o DIR] [--base-image IMAGE] [--no-install]

Records the target and its options in ``.nb2pkg/exports.json`` of the package, then builds:
the export is written under ``orchestrators/`` and every later ``nb2pkg build`` regenerates
it, ``nb2pkg check`` compares it like any generated file. For KFP, build also compiles the
pipeline module to its IR YAML and check compares that, when kfp is importable here or
``NB2PKG_KFP_PYTHON`` names a Python that has it (``nb2pkg.emit.kfp_compile``; NB702, NB703).

Diagnostic codes:
  NB701 an export option is invalid (or would write a secret into the files)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nb2pkg.emit.export_settings import (
    TARGETS,
    ExportSettings,
    ExportSettingsError,
    save_export,
    validate,
)
from nb2pkg.model import Diagnostic, Location, Severity
from nb2pkg.report import EXIT_INPUT_ERROR, EXIT_OK, print_diagnostics


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="write the pipeline as an Airflow DAG or a Kubeflow pipeline (kept up to date by build)",
        description=__doc__.split("\n\n")[2] if __doc__ else None,
    )
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    parser.add_argument("-o", "--out", help="output directory of the package")
    parser.add_argument("--name", help="the package's import name")
    defaults = ExportSettings(target="airflow")
    parser.add_argument(
        "--schedule", help="Airflow schedule: cron or preset such as @daily (default: none)"
    )
    parser.add_argument("--retries", type=int, default=defaults.retries, help="retries per task")
    parser.add_argument(
        "--retry-delay",
        type=float,
        default=defaults.retry_delay_minutes,
        metavar="MINUTES",
        help="minutes between retries",
    )
    parser.add_argument(
        "--artifacts",
        default="",
        metavar="URL",
        help="default base URL of the artifact store (else NB2PKG_ARTIFACTS on the workers)",
    )
    parser.add_argument("--start-date", default=defaults.start_date, metavar="YYYY-MM-DD")
    parser.add_argument(
        "--no-track", action="store_true", help="do not log DAG runs to MLflow by default"
    )
    parser.add_argument(
        "--base-image", default=defaults.base_image, help="KFP: the components' container image"
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="KFP: the image already has the package; do not pip-install it at task start",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from nb2pkg.api import build
    from nb2pkg.config import resolve_config

    settings = ExportSettings(
        target=args.target,
        schedule=args.schedule,
        retries=args.retries,
        retry_delay_minutes=args.retry_delay,
        artifacts=args.artifacts,
        start_date=args.start_date,
        track=not args.no_track,
        base_image=args.base_image,
        install=not args.no_install,
    )
    try:
        validate(settings)
    except ExportSettingsError as error:
        return _fail(Diagnostic("NB701", Severity.ERROR, str(error), Location("command line")))
    config, problems = resolve_config(args.notebooks, out_dir=args.out, name=args.name)
    if config is None:
        print_diagnostics(problems, sys.stderr, color=sys.stderr.isatty())
        return EXIT_INPUT_ERROR
    save_export(config.out_dir, settings)
    result = build(list(config.notebooks), config.out_dir, name=config.package)
    print_diagnostics(result.diagnostics, sys.stderr, color=sys.stderr.isatty())
    if not result.ok:
        print("export failed: the package could not be built", file=sys.stderr)
        return EXIT_INPUT_ERROR
    if settings.target == "airflow":
        from nb2pkg.emit.airflow_export import airflow_dag_path

        written = config.out_dir / airflow_dag_path(config.package)
        print(f"Airflow DAG of {config.package} {result.version}: {written}")
        print(
            f"  copy it into the DAGs folder; workers need pip install {config.package}=={result.version}"
        )
        return EXIT_OK
    from nb2pkg.emit.kfp_compile import kfp_yaml_path
    from nb2pkg.emit.kfp_export import kfp_module_path

    module = config.out_dir / kfp_module_path(config.package)
    print(f"Kubeflow pipeline of {config.package} {result.version}: {module}")
    compiled = config.out_dir / kfp_yaml_path(config.package)
    if compiled.is_file():
        print(f"  compiled (submit this one): {compiled}")
    return EXIT_OK


def _fail(diagnostic: Diagnostic) -> int:
    print_diagnostics([diagnostic], sys.stderr, color=sys.stderr.isatty())
    return EXIT_INPUT_ERROR
