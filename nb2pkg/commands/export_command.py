"""``nb2pkg export airflow|kfp``: the package's pipeline for an orchestrator.

The command's arguments, and what it records, are described in
``nb2pkg.commands.export_parser``.

Diagnostic codes:
  NB701 an export option is invalid (or would write a secret into the files)
  NB702 the KFP pipeline could not be compiled to YAML
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from nb2pkg.emit.export_settings import (
    ExportSettings,
    ExportSettingsError,
    save_export,
    validate,
)
from nb2pkg.model import Diagnostic, Location, Severity
from nb2pkg.report import EXIT_INPUT_ERROR, EXIT_OK, print_diagnostics


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
    from nb2pkg.api import build
    from nb2pkg.config import resolve_config

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
    from nb2pkg.emit.kfp_export import kfp_module_path

    module = config.out_dir / kfp_module_path(config.package)
    print(f"Kubeflow pipeline of {config.package} {result.version}: {module}")
    return _compile_kfp(module)


def _compile_kfp(module: Path) -> int:
    """Compile the module to its IR YAML with the kfp installed here, if any."""
    import importlib.util

    if importlib.util.find_spec("kfp") is None:
        print(
            f"  kfp is not installed here: compile it with `python {module}` where kfp is",
            file=sys.stderr,
        )
        return EXIT_OK
    done = subprocess.run(
        [sys.executable, str(module)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return _fail(
            Diagnostic(
                "NB702",
                Severity.ERROR,
                f"the KFP pipeline did not compile: {done.stderr.strip().splitlines()[-1:]}",
                Location(str(module)),
                "this is a bug in nb2pkg; please report it with the notebook",
            )
        )
    print(f"  compiled: {module.with_suffix('.yaml')}")
    return EXIT_OK


def _fail(diagnostic: Diagnostic) -> int:
    print_diagnostics([diagnostic], sys.stderr, color=sys.stderr.isatty())
    return EXIT_INPUT_ERROR
