"""``nb2pkg build``: build the package and say what changed (or why nothing was written)."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    from nb2pkg.frontends.building import build
    from nb2pkg.frontends.report import (
        EXIT_INPUT_ERROR,
        EXIT_OK,
        print_diagnostics,
        summary,
        to_json,
    )

    result = build(
        args.notebooks,
        args.out,
        name=args.name,
        bump=args.bump,
        version=args.set_version,
        force=args.force,
        auto=args.auto,
    )
    if args.format == "json":
        print(to_json(result.to_json()))
        return EXIT_OK if result.ok else EXIT_INPUT_ERROR
    print_diagnostics(result.diagnostics, sys.stderr, color=sys.stderr.isatty())
    if not result.ok:
        print(f"build failed: {summary(result.diagnostics)}; nothing was written", file=sys.stderr)
        return EXIT_INPUT_ERROR
    if result.up_to_date:
        print(f"{result.package} {result.version} is up to date ({result.out_dir})")
        return EXIT_OK
    moved = (
        f"{result.previous_version} -> {result.version} ({result.bump})"
        if result.previous_version
        else f"{result.version} (first build)"
    )
    print(f"built {result.package} {moved} in {result.out_dir}")
    for change in result.changes:
        print(f"  - {change}")
    if result.changed_files:
        print(f"  {len(result.changed_files)} file(s) written: " + ", ".join(result.changed_files))
    return EXIT_OK
