"""``nb2pkg tag``: mark cells from a terminal, one at a time or all at once with ``--auto``.

    nb2pkg tag NOTEBOOK --cell N|ID --as ROLE[:NAME]   give one cell a role
    nb2pkg tag NOTEBOOK --cell N|ID --clear            remove its nb2pkg tags
    nb2pkg tag NOTEBOOK --auto [--write]               propose a marking (and save it)

Only the cells' ``metadata.tags`` change; every other byte of the file stays as it was.

Its diagnostic codes, NB601-NB605, are described in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import argparse
import builtins
import json
import keyword
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nb2pkg.frontends.cli.tag_parser import ROLES, add_parser
from nb2pkg.frontends.name_suggestion import suggested_function_name
from nb2pkg.ir import Cell, Diagnostic, Location, Notebook, Role, Severity
from nb2pkg.notebook.reader import read_notebook
from nb2pkg.notebook.tag_edits import NotebookTextError, read_notebook_text, update_cell_tags
from nb2pkg.plan import automark
from nb2pkg.roles.resolve import role_of_cell
from nb2pkg.roles.vocabulary import (
    KEEP_PREFIX,
    METRICS_PREFIXES,
    MODEL_PREFIX,
    MODULE_PREFIX,
    OUR_TAGS,
    PREDICT_PREFIX,
    ROLE_OF_PREFIX,
    is_our_tag,
    name_problem,
    nbdev_directives,
    prefix_of,
    role_of_tag,
)

# ``--as`` replaces the cell's role tags (ours and the aliases, nbdev's ``hide`` too);
# ``--clear`` removes them with ``metrics`` and ``module:``. Tags of other tools
# (``nbval-skip``…) are never touched.


def run(args: argparse.Namespace) -> int:
    """Exit status: 0 done, 1 a diagnostic stopped it, 2 the arguments do not fit together."""
    path = Path(args.notebook)
    if args.auto:
        if args.cell:
            return _usage("--auto marks the whole notebook: leave out --cell")
        return _run_auto(path, write=args.write, output_format=args.format)
    if args.write:
        return _usage("--write goes with --auto (--as and --clear always write)")
    if not args.cell:
        return _usage("say which cell with --cell N or --cell ID")
    return _run_single(path, args.cell, args.role, args.format)


# --------------------------------------------------------------------------- one cell


@dataclass(frozen=True)
class _Outcome:
    cell: Cell
    before: tuple[str, ...]
    after: tuple[str, ...]
    changed: bool


def _run_single(path: Path, selector: str, role: str | None, output_format: str) -> int:
    notebook, problems = _read(path)
    if notebook is None:
        return _fail(problems, output_format)
    cell = _find_cell(notebook, selector)
    if cell is None:
        return _fail([_cell_not_found(notebook, selector)], output_format)
    if role is None:
        tags = _without_our_tags(cell.tags)
    else:
        new_tags, problem = _with_role(cell, notebook, role)
        if problem is None:
            problem = _role_kept_by_directive(notebook, replace(cell, tags=new_tags))
        if problem is not None:
            return _fail([problem], output_format)
        tags = new_tags
    problem = _save(path, notebook, {cell.number - 1: tags})
    if problem is not None:
        return _fail([problem], output_format)
    outcome = _Outcome(cell, cell.tags, tags, tags != cell.tags)
    if output_format == "json":
        print(json.dumps(_outcome_json(notebook, outcome), indent=2))
    else:
        shown = ", ".join(tags) if tags else "no tags"
        verb = "now has" if outcome.changed else "already had"
        print(f"{notebook.display_path}: cell {cell.number} [id {cell.cell_id}] {verb}: {shown}")
    return 0


def _outcome_json(notebook: Notebook, outcome: _Outcome) -> dict[str, Any]:
    return {
        "notebook": notebook.display_path,
        "cell_number": outcome.cell.number,
        "cell_id": outcome.cell.cell_id,
        "tags_before": list(outcome.before),
        "tags": list(outcome.after),
        "changed": outcome.changed,
        "diagnostics": [],
    }


def _find_cell(notebook: Notebook, selector: str) -> Cell | None:
    for cell in notebook.cells:
        if cell.cell_id == selector:
            return cell
    if selector.isdigit() and 1 <= int(selector) <= len(notebook.cells):
        return notebook.cells[int(selector) - 1]
    return None


def _cell_not_found(notebook: Notebook, selector: str) -> Diagnostic:
    return Diagnostic(
        "NB601",
        Severity.ERROR,
        f"no cell {selector!r}: the notebook has {len(notebook.cells)} cells",
        Location(notebook.display_path),
        f"give a number from 1 to {len(notebook.cells)} (as the cells are shown) or a cell id; "
        "`nb2pkg show` lists both",
    )


def _without_our_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in tags if not is_our_tag(t))


def _role_kept_by_directive(notebook: Notebook, tagged: Cell) -> Diagnostic | None:
    """NB605 when the build would not give the cell the role of its new (last) tag.

    Only the tags are edited, so the one thing that can still decide otherwise is an nbdev
    directive (``#| hide``, ``#| export``) at the top of the cell's code.
    """
    new_tag = tagged.tags[-1]
    wanted = role_of_tag(new_tag)
    if wanted is None or role_of_cell(tagged) is wanted:
        return None
    directive = next(
        (line for line, tag in nbdev_directives(tagged.source) if role_of_tag(tag) is not wanted),
        "#| hide",
    )
    return Diagnostic(
        "NB605",
        Severity.ERROR,
        f"cell {tagged.number} would not become a {wanted.value} cell: its code starts with "
        f"`{directive}`, which the build reads as a role too, so {new_tag!r} would not take effect",
        Location(notebook.display_path, tagged.number, tagged.cell_id),
        f"remove the line `{directive}` from the cell, then mark it again; the file was left as it was",
    )


def _with_role(
    cell: Cell, notebook: Notebook, role: str
) -> tuple[tuple[str, ...], Diagnostic | None]:
    prefix, _, name = role.strip().partition(":")
    prefix, name = prefix.strip().lower(), name.strip()
    location = Location(notebook.display_path, cell.number, cell.cell_id)

    def problem(code: str, message: str, hint: str) -> tuple[tuple[str, ...], Diagnostic]:
        return cell.tags, Diagnostic(code, Severity.ERROR, message, location, hint)

    if prefix not in OUR_TAGS:
        return problem(
            "NB602", f"unknown role {role!r}", "Please choose one of: " + ", ".join(ROLES)
        )
    if prefix in {"parameters", "export", "skip", "metrics", KEEP_PREFIX, PREDICT_PREFIX} and name:
        return problem("NB602", f"the role {prefix!r} takes no name", f"write --as {prefix}")
    if prefix in {"function", "module"} and not name:
        suggestion = suggested_function_name(notebook, cell) if prefix == "function" else "helpers"
        return problem("NB603", f"`{prefix}` needs a name", f"write --as {prefix}:{suggestion}")
    if name:
        reason = _name_problem(name, allow_builtin=prefix != "function")
        if reason:
            return problem("NB603", f"{prefix} name {name!r} {reason}", _name_hint(name))
    new_tag = f"{prefix}:{name}" if name else prefix
    if prefix in (MODEL_PREFIX, PREDICT_PREFIX):
        return _with_model_tag(cell, notebook, new_tag), None
    if prefix == MODULE_PREFIX:
        kept = tuple(t for t in cell.tags if prefix_of(t) != MODULE_PREFIX)
    elif prefix in METRICS_PREFIXES:
        kept = tuple(t for t in cell.tags if prefix_of(t) not in METRICS_PREFIXES)
    elif prefix == KEEP_PREFIX:
        kept = tuple(t for t in cell.tags if prefix_of(t) != KEEP_PREFIX)
    else:
        kept = tuple(t for t in cell.tags if prefix_of(t) not in ROLE_OF_PREFIX)
    return (*kept, new_tag), None


def _with_model_tag(cell: Cell, notebook: Notebook, new_tag: str) -> tuple[str, ...]:
    """``model[:NAME]`` marks the value a function cell fits, so a cell that is no function
    also gets ``function:NAME`` (named as ``--auto`` would); ``predict`` is a function of its
    own. Either replaces the cell's other role tags (but its function tag) and the other one
    of the two."""
    model_tags = (MODEL_PREFIX, PREDICT_PREFIX)
    kept = tuple(t for t in cell.tags if prefix_of(t) not in model_tags)
    if any(role_of_tag(t) is Role.FUNCTION for t in kept):
        return (*kept, new_tag)
    kept = tuple(t for t in kept if prefix_of(t) not in ROLE_OF_PREFIX)
    if prefix_of(new_tag) == MODEL_PREFIX:
        kept = (*kept, f"function:{suggested_function_name(notebook, cell)}")
    return (*kept, new_tag)


def _name_problem(name: str, *, allow_builtin: bool) -> str | None:
    problem = name_problem(name, allow_builtin=allow_builtin)
    return problem[1] if problem else None


def _name_hint(name: str) -> str:
    suggestion = automark.snake_case(name) or "step"
    if (
        not suggestion.isidentifier()
        or keyword.iskeyword(suggestion)
        or hasattr(builtins, suggestion)
    ):
        suggestion = f"compute_{suggestion}"
    return f"use letters, digits and underscores, not a keyword or builtin, e.g. {suggestion}"


# --------------------------------------------------------------------------- --auto


def _run_auto(path: Path, *, write: bool, output_format: str) -> int:
    notebook, problems = _read(path)
    if notebook is None:
        return _fail(problems, output_format)
    try:
        raw = json.loads(read_notebook_text(path))
    except (OSError, ValueError) as error:
        return _fail([_edit_problem(notebook, str(error))], output_format)
    proposals = automark.propose(raw.get("cells", []))
    added = [p for p in proposals if p.role_tag is not None]
    if write and added:
        problem = _save(path, notebook, {p.index: p.tags for p in added})
        if problem is not None:
            return _fail([problem], output_format)
    if output_format == "json":
        print(json.dumps(_auto_json(notebook, proposals, written=write and bool(added)), indent=2))
        return 0
    _print_auto_plan(notebook, proposals)
    if not added:
        print("Nothing to mark: every code cell already has a role or stays exploration.")
    elif write:
        print(f"Tagged {len(added)} cells in {notebook.display_path}.")
    else:
        print(f"{len(added)} cells would be tagged; run again with --write to save.")
    return 0


def _first_line(cell: Cell) -> str:
    line = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
    return line if len(line) <= 40 else line[:39] + "…"


def _print_auto_plan(notebook: Notebook, proposals: list[automark.Proposal]) -> None:
    rows = [("cell", "proposed", "why", "code")]
    for proposal in proposals:
        cell = notebook.cells[proposal.index]
        proposed = ", ".join(proposal.added) or (
            "(kept)" if proposal.reason == "already marked" else "-"
        )
        rows.append((str(cell.number), proposed, proposal.reason, _first_line(cell)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print(f"Proposed marking for {notebook.display_path}:")
    for row in rows:
        print("  " + "  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3])


def _auto_json(
    notebook: Notebook, proposals: list[automark.Proposal], *, written: bool
) -> dict[str, Any]:
    return {
        "notebook": notebook.display_path,
        "written": written,
        "cells": [
            {
                "cell_number": p.index + 1,
                "cell_id": notebook.cells[p.index].cell_id,
                "proposed": p.role_tag,
                "added": list(p.added),
                "tags": list(p.tags),
                "reason": p.reason,
            }
            for p in proposals
        ],
        "diagnostics": [],
    }


# --------------------------------------------------------------------------- shared


def _read(path: Path) -> tuple[Notebook | None, list[Diagnostic]]:
    notebook, problems = read_notebook(path)
    return notebook, [p for p in problems if p.is_error]


def _save(path: Path, notebook: Notebook, edits: dict[int, tuple[str, ...]]) -> Diagnostic | None:
    try:
        update_cell_tags(path, edits)
    except (NotebookTextError, OSError, UnicodeDecodeError) as error:
        return _edit_problem(notebook, str(error))
    return None


def _edit_problem(notebook: Notebook, reason: str) -> Diagnostic:
    return Diagnostic(
        "NB604",
        Severity.ERROR,
        f"could not edit the notebook: {reason}",
        Location(notebook.display_path),
        "the file was left as it was; check that it is a notebook you can write to",
    )


def _fail(problems: list[Diagnostic], output_format: str) -> int:
    if output_format == "json":
        print(json.dumps({"diagnostics": [p.to_json() for p in problems]}, indent=2))
        return 1
    for problem in problems:
        where = f"{problem.location}: " if problem.location else ""
        print(f"{where}{problem.severity.value} {problem.code}: {problem.message}", file=sys.stderr)
        if problem.source_line:
            print(f"    {problem.source_line}", file=sys.stderr)
        if problem.hint:
            print(f"  hint: {problem.hint}", file=sys.stderr)
    return 1


def _usage(message: str) -> int:
    print(f"nb2pkg tag: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run ``nb2pkg tag`` on its own (the main CLI registers it with ``add_parser``)."""
    parser = argparse.ArgumentParser(prog="nb2pkg")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
