"""``nb2pkg export airflow|kfp``: the package's pipeline for an orchestrator.

The command's arguments, and what it records, are described in
``nb2pkg.frontends.cli.export_parser``. For KFP, build also compiles the pipeline module to its IR YAML and check compares that,
when kfp is importable here or ``NB2PKG_KFP_PYTHON`` names a Python that has it
(``nb2pkg.emit.kfp_compile``; NB702, NB703).

Its diagnostic code, NB701, is described in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nb2pkg.emit.export_settings import (
    ExportSettings,
    ExportSettingsError,
    save_export,
    validate,
)
from nb2pkg.frontends.report import EXIT_INPUT_ERROR, EXIT_OK, print_diagnostics
from nb2pkg.ir import Diagnostic, Location, Severity


def settings_from(args: argparse.Namespace) -> ExportSettings:
    """The export's settings: the options given, ``ExportSettings``' defaults for the rest."""
    given: dict[str, Any] = {
        "schedule": args.schedule,
        "retries": args.retries,
        "retry_delay_minutes": args.retry_delay,
        "artifacts": args.artifacts,
        "start_date": args.start_date,
        "base_image": args.base_image,
    }
    return ExportSettings(
        target=args.target,
        track=not args.no_track,
        install=not args.no_install,
        **{option: value for option, value in given.items() if value is not None},
    )


def run(args: argparse.Namespace) -> int:
    from nb2pkg.builder.config import resolve_config
    from nb2pkg.frontends.building import build

    settings = settings_from(args)
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
