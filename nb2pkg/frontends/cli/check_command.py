"""``nb2pkg check``: exit 3 when the package differs from what a build would write."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from nb2pkg.builder.config import resolve_config
    from nb2pkg.builder.staleness import stale_files
    from nb2pkg.frontends.report import (
        EXIT_INPUT_ERROR,
        EXIT_OK,
        EXIT_STALE,
        print_diagnostics,
        to_json,
    )

    config, problems = resolve_config(
        args.notebooks, out_dir=args.out, name=args.name, command="check"
    )
    if config is None:
        print_diagnostics(problems, sys.stderr)
        return EXIT_INPUT_ERROR
    if args.auto:
        config = replace(config, auto=True)
    found, diagnostics = stale_files(config)
    errors = [d for d in diagnostics if d.is_error]
    payload: dict[str, Any] = {
        "ok": not found and not errors,
        "out_dir": str(config.out_dir),
        "differences": found,
        "diagnostics": [d.to_json() for d in diagnostics],
    }
    if args.format == "json":
        print(to_json(payload))
    else:
        from nb2pkg.emit.kfp_compile import YAML_NOT_COMPILED

        # Besides errors, what check could not compare (the KFP YAML where kfp is missing).
        unverified = [d for d in diagnostics if d.code == YAML_NOT_COMPILED]
        print_diagnostics(errors + unverified, sys.stderr)
        if found:
            print(f"{config.out_dir} is out of date with its notebooks:")
            for line in found:
                print(f"  {line}")
            if any("hand-edited" in line for line in found):
                print(
                    "move hand edits into the notebooks (a build keeps them and stops), "
                    "or rebuild with `nb2pkg build --force` (keeps a backup)"
                )
            elif not any("no package built here yet" in line for line in found):
                again = " ".join(
                    a for a in [*args.notebooks, *(["-o", args.out] if args.out else [])]
                )
                print(f"run `nb2pkg build{' ' + again if again else ''}` to update it")
        elif not errors:
            print(f"{config.out_dir} is up to date")
    if errors:
        return EXIT_INPUT_ERROR
    return EXIT_STALE if found else EXIT_OK
