"""After emission: every name a generated module reads must be bound when it runs.

A name read inside a function, a class or at module level that is neither local, a parameter,
a module-level binding (import, ``def``, class, constant), a builtin nor provided by a star
import would stop the package with ``NameError``. The check reads the generated source with
the standard library's ``symtable`` (Python's own scope rules) and points at the notebook cell
the code came from.

Diagnostic codes:
  NB313 generated code reads a name nothing in its module binds
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
from collections.abc import Iterator, Mapping, Sequence

from nb2pkg.ir import Cell, Diagnostic, Location, Severity

_BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__"}

Span = tuple[int, int, str, str, int]
"""(first line, last line, notebook, cell id, cell number) of generated code from one cell."""


def unbound_reads(source: str) -> list[tuple[str, int]]:
    """(name, line) of each name the module reads that nothing binds; [] with a star import."""
    tree = ast.parse(source)
    if any(
        isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        for node in tree.body
    ):
        return []  # a star import is assumed to provide every other name (NB306)
    top = symtable.symtable(source, "<generated>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    for table in _tables(top):
        # `global x` then `x = ...` in a function binds a module global.
        bound.update(
            s.get_name() for s in table.get_symbols() if s.is_declared_global() and s.is_assigned()
        )
    missing: dict[str, int] = {}
    for table in _tables(top):
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if not symbol.is_referenced() or name in bound or name in _BUILTINS:
                continue
            module_level = table is top and not symbol.is_assigned()
            if module_level or (table is not top and symbol.is_global()):
                missing.setdefault(name, _first_read(tree, name, table.get_lineno()))
    return sorted(missing.items(), key=lambda item: (item[1], item[0]))


def _tables(table: symtable.SymbolTable) -> Iterator[symtable.SymbolTable]:
    yield table
    for child in table.get_children():
        yield from _tables(child)


def _first_read(tree: ast.Module, name: str, after: int) -> int:
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
    ]
    later = [line for line in lines if line >= after]
    return min(later or lines or [after])


def check_modules(
    files: Mapping[str, str],
    source_map: Mapping[str, Sequence[Span]],
    cells: Mapping[str, Cell],
) -> list[Diagnostic]:
    """NB313 for each unbound name of each generated module, located in its notebook cell."""
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
            problems.append(_diagnostic(path, name, line, spans, cells))
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


def _line_in_cell(source: str, name: str) -> tuple[int | None, str | None]:
    word = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
    for index, text in enumerate(source.splitlines(), start=1):
        if word.search(text) and not text.lstrip().startswith("#"):
            return index, text
    return None, None
