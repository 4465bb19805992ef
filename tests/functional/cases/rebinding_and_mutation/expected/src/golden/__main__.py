"""Command line of `golden`: python -m golden run [--option VALUE ...]."""

from __future__ import annotations

import argparse
import ast
import sys
import traceback
from collections.abc import Callable
from typing import Any


def _value(text: str) -> Any:
    """A Python literal (number, list, dict...) if the text is one, else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text


def _literal(kind: type | None) -> Callable[[str], Any]:
    """An option type: a Python literal, of the type of the default when there is one."""

    def parse(text: str) -> Any:
        try:
            value = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a Python literal such as 3, 'text' or [1, 2]"
            ) from None
        if kind is not None and not isinstance(value, kind):
            raise argparse.ArgumentTypeError(
                f"expected a {kind.__name__} like the default, got {type(value).__name__} {text!r}"
            )
        return value

    parse.__name__ = kind.__name__ if kind is not None else "literal"
    return parse


def _summary(value: Any) -> str:
    shape = getattr(value, "shape", None)
    kind = type(value).__name__
    if shape is not None:
        return f"{kind} of shape {tuple(shape)}"
    text = repr(value)
    return text if len(text) <= 60 else f"{kind} ({text[:57]}...)"


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
        "--threshold",
        dest="threshold",
        type=int,
        default=3,
        help="pipeline parameter (default: %(default)s)",
    )
    run_parser.add_argument(
        "--offset",
        dest="offset",
        type=_value,
        required=True,
        help="defined only by unmarked cell 4",
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
    commands.add_parser(
        "serve",
        add_help=False,
        help="serve the model over HTTP: serve [--alias NAME] [--port N]",
    )
    commands.add_parser(
        "predict",
        add_help=False,
        help="score a CSV or Parquet file: predict IN -o OUT [--alias NAME]",
    )
    commands.add_parser(
        "drift",
        add_help=False,
        help="compare new data with the training data: drift NEW.csv [--threshold 0.2]",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["graph"], ["run-step"]):
        from .steps_io import main as steps_main

        return steps_main(argv)
    if argv[:1] in (["serve"], ["predict"], ["drift"]):
        from ._scoring import main as scoring_main

        return scoring_main(argv)
    args = build_parser().parse_args(argv)
    from . import tracking
    from .pipeline import run

    debug = getattr(args, "nb2pkg:debug")
    params = {
        k: v
        for k, v in vars(args).items()
        if k not in ("command", "no_track", "nb2pkg:debug")
    }
    try:
        outputs = run(**params, track=not args.no_track)
    except Exception as error:  # noqa: BLE001 - every failure gets a readable report
        if debug:
            traceback.print_exc()
        print(tracking.describe_failure(error, debug_flag="--debug"), file=sys.stderr)
        failed = tracking.describe_last_run() if not args.no_track else None
        if failed:
            print(failed, file=sys.stderr)
        return 1
    for name, value in outputs.items():
        print(f"{name}: {_summary(value)}")
    where = tracking.describe_last_run() if not args.no_track else None
    if where:
        print(where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
