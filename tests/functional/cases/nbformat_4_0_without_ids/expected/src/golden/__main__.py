"""Command line of `golden`: python -m golden run [--option VALUE ...]."""

from __future__ import annotations

import argparse
import ast
import sys
from typing import Any


def _value(text: str) -> Any:
    """A Python literal (number, list, dict...) if the text is one, else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _summary(value: Any) -> str:
    shape = getattr(value, "shape", None)
    kind = type(value).__name__
    if shape is not None:
        return f"{kind} of shape {tuple(shape)}"
    text = repr(value)
    return text if len(text) <= 60 else f"{kind} ({text[:57]}...)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m golden", description="Run the golden pipeline.")
    parser.add_argument("--version", action="version", version="golden 0.1.0")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the pipeline and log it to MLflow")
    run_parser.add_argument("--base", dest="base", type=int, default=2, help="pipeline parameter (default: %(default)s)")
    run_parser.add_argument("--no-track", action="store_true", help="do not log the run to MLflow")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from . import tracking
    from .pipeline import run

    params = {k: v for k, v in vars(args).items() if k not in ("command", "no_track")}
    try:
        outputs = run(**params, track=not args.no_track)
    except Exception:
        failed = tracking.describe_last_run() if not args.no_track else None
        if failed:
            print(failed, file=sys.stderr)
        raise
    for name, value in outputs.items():
        print(f"{name}: {_summary(value)}")
    where = tracking.describe_last_run() if not args.no_track else None
    if where:
        print(where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
