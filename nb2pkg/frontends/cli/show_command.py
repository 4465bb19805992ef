"""``nb2pkg show``: the plan of one notebook — each cell's role and signature, and diagnostics;
for a notebook without tags, what ``--auto`` would propose."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence

from nb2pkg.frontends.analysis_result import CellSummary, NotebookAnalysis


def run(args: argparse.Namespace) -> int:
    from nb2pkg.frontends.api import analyze_path
    from nb2pkg.frontends.report import (
        EXIT_INPUT_ERROR,
        EXIT_OK,
        print_diagnostics,
        summary,
        to_json,
    )

    plan = analyze_path(args.notebook)
    untagged = bool(plan.cells) and all(c.role == "exploration" for c in plan.cells)
    proposal = analyze_path(args.notebook, auto=True) if untagged else None
    if args.format == "json":
        shown = plan.to_json()
        print(to_json({**shown, "auto_proposal": proposal.to_json()} if proposal else shown))
    else:
        print(f"{plan.notebook} -> module {plan.module or '?'}")
        if proposal is not None:
            _print_auto_proposal(args.notebook, proposal)
        _print_cells(plan.cells)
        if plan.diagnostics:
            print()
            print_diagnostics(plan.diagnostics, sys.stdout)
            print(summary(plan.diagnostics))
    return EXIT_INPUT_ERROR if plan.has_errors else EXIT_OK


def _print_cells(cells: Sequence[CellSummary]) -> None:
    for cell in cells:
        if cell.role == "exploration":
            continue
        text = cell.signature or (
            "no function of its own: only imports, settings or seeds (run() seeds)"
            if cell.role == "function"
            else cell.role
        )
        flags = " [metrics]" if cell.metrics else ""
        if cell.model is not None:
            flags += f" [model{':' + cell.model if cell.model else ''}]"
        flags += " [predict]" if cell.predict else ""
        print(f"  cell {cell.number:>3}  {cell.role:<10} {text}{flags}")


def _print_auto_proposal(notebook: str, proposal: NotebookAnalysis) -> None:
    """What ``--auto`` would make of a notebook without tags, and how to accept it."""
    print("  No cell is tagged yet. nb2pkg tag --auto proposes:")
    _print_cells(proposal.cells)
    shown = shlex.quote(notebook)
    print(f"  Save these tags: nb2pkg tag {shown} --auto --write")
    print(f"  or build with them as they are: nb2pkg build {shown} --auto")
