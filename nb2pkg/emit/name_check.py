"""After emission: every name a generated module reads must be bound when it runs.

A name read inside a function, a class or at module level that is neither local, a parameter,
a module-level binding (import, ``def``, class, constant), a builtin nor provided by a star
import would stop the package with ``NameError``. The check reads the generated source with
the standard library's ``symtable`` (Python's own scope rules) and points at the notebook cell
the code came from.

Its diagnostics (NB313) are described once, in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import _symtable  # type: ignore[import-not-found]  # the tables the symtable module reads
import ast
import builtins
import re
from collections.abc import Mapping, Sequence
from typing import Any

from nb2pkg.emit.source_chunks import pieces
from nb2pkg.ir import Cell, Diagnostic, Location, Severity

_BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__"}

_STAR_IMPORT = re.compile(r"\bimport[\s\\]*\*")
"""Every star import holds a match (a cheap test before parsing for one)."""

_ASSIGNED, _IMPORTED, _REFERENCED = _symtable.DEF_LOCAL, _symtable.DEF_IMPORT, _symtable.USE
_SCOPE_OFF, _SCOPE_MASK = _symtable.SCOPE_OFF, _symtable.SCOPE_MASK
_DECLARED_GLOBAL = _symtable.GLOBAL_EXPLICIT
_GLOBAL = (_symtable.GLOBAL_IMPLICIT, _symtable.GLOBAL_EXPLICIT)

Span = tuple[int, int, str, str, int]
"""(first line, last line, notebook, cell id, cell number) of generated code from one cell."""


def unbound_reads(source: str) -> list[tuple[str, int]]:
    """(name, line) of each name the module reads that nothing binds; [] with a star import.

    A large module is read a piece at a time (``nb2pkg.emit.source_chunks``): what the pieces
    bind at module level binds for all of them."""
    if _STAR_IMPORT.search(source) and any(
        isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        for tree in pieces(source, ast.parse)
        for node in tree.body
    ):
        return []  # a star import is assumed to provide every other name (NB306)
    bound: set[str] = set()
    at_top: dict[str, int] = {}
    """Names read at module level and not bound there, by the line of that table."""
    inside: dict[str, int] = {}
    """Global names read inside a function or class, by the line of the first such table."""
    for top in pieces(source, lambda text: _symtable.symtable(text, "<generated>", "exec")):
        _read_table(top, bound, at_top, inside)
    after = {**inside, **at_top}  # a read at module level comes first, as Python walks it
    missing = [name for name in after if name not in bound]
    lines = _first_reads(source, {name: after[name] for name in missing}) if missing else {}
    return sorted(lines.items(), key=lambda item: (item[1], item[0]))


def _read_table(top: Any, bound: set[str], at_top: dict[str, int], inside: dict[str, int]) -> None:
    """Add what the module-level table ``top`` and the tables in it (in order, each before
    those inside it) bind and read.

    The tables' flags are read as ``symtable.Symbol`` reads them (its ``is_assigned``,
    ``is_imported``, ``is_referenced``, ``is_global``, ``is_declared_global``), without making
    a ``Symbol`` for each name: a 3,000-cell module has tens of thousands."""
    for name, flags in top.symbols.items():
        if flags & (_ASSIGNED | _IMPORTED):
            bound.add(name)
        if flags & _REFERENCED and not flags & _ASSIGNED and name not in _BUILTINS:
            at_top.setdefault(name, top.lineno)
    tables = list(reversed(top.children))
    while tables:
        table = tables.pop()
        for name, flags in table.symbols.items():
            scope = (flags >> _SCOPE_OFF) & _SCOPE_MASK
            # `global x` then `x = ...` in a function binds a module global.
            if scope == _DECLARED_GLOBAL and flags & _ASSIGNED:
                bound.add(name)
            if flags & _REFERENCED and scope in _GLOBAL and name not in _BUILTINS:
                inside.setdefault(name, table.lineno)
        tables.extend(reversed(table.children))


def _first_reads(source: str, after: Mapping[str, int]) -> dict[str, int]:
    """For each name, the first line reading it at or after ``after[name]`` (else the first)."""
    lines: dict[str, list[int]] = {name: [] for name in after}
    for tree in pieces(source, ast.parse):
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in lines and isinstance(node.ctx, ast.Load):
                lines[node.id].append(node.lineno)
    first: dict[str, int] = {}
    for name, found in lines.items():
        later = [line for line in found if line >= after[name]]
        first[name] = min(later or found or [after[name]])
    return first


def check_modules(
    files: Mapping[str, str],
    source_map: Mapping[str, Sequence[Span]],
    cells: Mapping[str, Cell],
    notebook_binds: frozenset[str] | None = None,
) -> list[Diagnostic]:
    """NB313 for each unbound name of each generated module, located in its notebook cell.

    ``notebook_binds``: every name the notebooks' cells bind (None: unknown). A name none of
    them binds is no name the build lost: the notebook reads it undefined too, in code it did
    not reach (``raise UnimplementedMethodException()`` in a method a subclass overrides), and
    the package does what the notebook does. That is warning NB303, not NB313."""
    problems: list[Diagnostic] = []
    for path, spans in sorted(source_map.items()):
        source = files.get(path)
        if source is None:
            continue
        try:
            unbound = unbound_reads(source)
        except SyntaxError:
            continue  # the self-check reports code that does not compile
        for name, line in unbound:
            problem = _diagnostic(path, name, line, spans, cells)
            if notebook_binds is not None and name not in notebook_binds:
                problem = _undefined_in_notebook(problem, name)
            problems.append(problem)
    return problems


def _diagnostic(
    path: str, name: str, line: int, spans: Sequence[Span], cells: Mapping[str, Cell]
) -> Diagnostic:
    span = next((s for s in spans if s[0] <= line <= s[1]), None)
    module = path.rsplit("/", 1)[-1].removesuffix(".py")
    message = (
        f"`{name}` is read here, but nothing in the generated module `{module}` binds it: "
        "the package would stop with NameError"
    )
    hint = (
        f"make `{name}` a parameter of the function that reads it, define it in an `export` "
        "or `parameters` cell, or tag the cell that computes it as a function"
    )
    if span is None:
        return Diagnostic("NB313", Severity.ERROR, message, Location(path, None, None, line), hint)
    _, _, notebook, cell_id, number = span
    cell = cells.get(cell_id)
    cell_line, text = _line_in_cell(cell.source if cell else "", name)
    if cell is not None and cell_line is not None:
        number, cell_id, cell_line = cell.locate(cell_line)
    return Diagnostic(
        "NB313",
        Severity.ERROR,
        message,
        Location(notebook, number, cell_id, cell_line),
        hint,
        text,
    )


def _undefined_in_notebook(problem: Diagnostic, name: str) -> Diagnostic:
    return Diagnostic(
        "NB303",
        Severity.WARNING,
        f"`{name}` is read here, but no cell of the notebook defines it: code that reaches it "
        "stops with NameError, in the notebook as in the package",
        problem.location,
        f"define `{name}` in an earlier cell, or use a builtin (an exception such as "
        "NotImplementedError)",
        problem.source_line,
    )


def _line_in_cell(source: str, name: str) -> tuple[int | None, str | None]:
    word = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
    for index, text in enumerate(source.splitlines(), start=1):
        if word.search(text) and not text.lstrip().startswith("#"):
            return index, text
    return None, None
