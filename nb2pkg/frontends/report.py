"""Diagnostics → text with a code frame, or JSON; and the CLI's exit codes.

Exit codes of ``nb2pkg``:
  0  success (warnings may have been printed); ``check``: the package is up to date
  1  the input has errors: nothing was written
  2  usage error (unknown option, missing argument)
  3  ``check``: the package differs from what a build would write
  4  internal error in nb2pkg (a bug: please report it)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from nb2pkg.ir import Diagnostic, Severity

EXIT_OK = 0
EXIT_INPUT_ERROR = 1
EXIT_USAGE = 2
EXIT_STALE = 3
EXIT_INTERNAL = 4

_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    def key(d: Diagnostic) -> tuple[str, int, int, int]:
        loc = d.location
        return (
            loc.notebook if loc else "",
            loc.cell_number or 0 if loc else 0,
            loc.line or 0 if loc else 0,
            _ORDER[d.severity],
        )

    return sorted(diagnostics, key=key)


def format_diagnostic(diagnostic: Diagnostic, *, color: bool = False) -> str:
    label = f"{diagnostic.severity.value}[{diagnostic.code}]"
    if color:
        shade = {"error": "31", "warning": "33", "info": "36"}[diagnostic.severity.value]
        label = f"\033[1;{shade}m{label}\033[0m"
    lines = [f"{label}: {diagnostic.message}"]
    if diagnostic.location is not None:
        lines.append(f"  --> {diagnostic.location}")
    if diagnostic.source_line is not None and diagnostic.location is not None:
        number = str(diagnostic.location.line or "")
        gutter = " " * len(number)
        col = diagnostic.location.col or (
            len(diagnostic.source_line) - len(diagnostic.source_line.lstrip()) + 1
        )
        lines += [
            f"  {gutter} |",
            f"  {number} | {diagnostic.source_line}",
            f"  {gutter} | {' ' * (col - 1)}^",
        ]
    if diagnostic.hint:
        lines.append(f"  = hint: {diagnostic.hint}")
    return "\n".join(lines)


def print_diagnostics(
    diagnostics: Sequence[Diagnostic], stream: TextIO, *, color: bool = False
) -> None:
    for diagnostic in sorted_diagnostics(diagnostics):
        print(format_diagnostic(diagnostic, color=color), file=stream)
        print(file=stream)


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def to_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False)
