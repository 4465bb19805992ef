"""``nb2pkg export airflow|kfp``: the package's pipeline for an orchestrator.

    nb2pkg export airflow [NOTEBOOK...] [-o DIR] [--schedule @daily] [--retries 2] ...
    nb2pkg export kfp [NOTEBOOK...] [-o DIR] [--base-image IMAGE] [--no-install]

Records the target and its options in ``.nb2pkg/exports.json`` of the package, then builds:
the export is written under ``orchestrators/`` and every later ``nb2pkg build`` regenerates
it, ``nb2pkg check`` compares it like any generated file. For KFP, build also compiles the
pipeline module to its IR YAML and check compares that, when kfp is importable here or
``NB2PKG_KFP_PYTHON`` names a Python that has it.

The arguments only, kept apart and light: building the CLI's parser imports nothing the
command needs to run (that is in ``nb2pkg.frontends.cli.export_command``).
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (mypy reads it so)
if TYPE_CHECKING:
    from typing import Any

DESCRIPTION = __doc__.split("\n\n")[2] if __doc__ else None

TARGETS = ("airflow", "kfp")
"""As ``nb2pkg.emit.export_settings.TARGETS``; that module (dataclasses, URL parsing) is not
imported here. An option left out stays None, and the command uses ``ExportSettings``' default."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="write the pipeline as an Airflow DAG or a Kubeflow pipeline (kept up to date by build)",
        description=DESCRIPTION,
    )
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    parser.add_argument("-o", "--out", help="output directory of the package")
    parser.add_argument("--name", help="the package's import name")
    parser.add_argument(
        "--schedule", help="Airflow schedule: cron or preset such as @daily (default: none)"
    )
    parser.add_argument("--retries", type=int, help="retries per task")
    parser.add_argument(
        "--retry-delay",
        type=float,
        metavar="MINUTES",
        help="minutes between retries",
    )
    parser.add_argument(
        "--artifacts",
        metavar="URL",
        help="default base URL of the artifact store (else NB2PKG_ARTIFACTS on the workers)",
    )
    parser.add_argument("--start-date", metavar="YYYY-MM-DD")
    parser.add_argument(
        "--no-track", action="store_true", help="do not log DAG runs to MLflow by default"
    )
    parser.add_argument("--base-image", help="KFP: the components' container image")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="KFP: the image already has the package; do not pip-install it at task start",
    )
    return parser
