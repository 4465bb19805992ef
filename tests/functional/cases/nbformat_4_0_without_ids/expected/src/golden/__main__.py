"""Command line of `golden`: python -m golden run [--option VALUE ...]."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m golden", description="Run the golden pipeline."
    )
    parser.add_argument("--version", action="version", version="golden 0.1.0")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser(
        "run", help="run the pipeline and log it to MLflow"
    )
    run_parser.add_argument(
        "--base",
        dest="base",
        type=int,
        default=2,
        help="pipeline parameter (default: %(default)s)",
    )
    run_parser.add_argument(
        "--no-track", action="store_true", help="do not log the run to MLflow"
    )
    run_parser.add_argument(
        "--debug",
        dest="nb2pkg:debug",
        action="store_true",
        help="on failure, show the traceback",
    )
    commands.add_parser(
        "graph",
        add_help=False,
        help="print the step graph: graph [--format text|dot|mermaid]",
    )
    commands.add_parser(
        "run-step",
        add_help=False,
        help="run one step from stored inputs: run-step NAME --inputs URL --outputs URL",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["graph"], ["run-step"]):
        from .steps_io import main as steps_main

        return steps_main(argv)
    args = build_parser().parse_args(argv)
    from ._command_line import run_command
    from .pipeline import run

    return run_command(run, args, debug_flag="--debug")


def command() -> None:
    """`python -m` and the console script: `main`, then the process ends (`end_process`)."""
    from ._command_line import end_process

    end_process(main())


if __name__ == "__main__":
    command()
