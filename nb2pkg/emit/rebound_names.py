"""A step that reads a module name, then binds it again: the later value gets its own name.

In the notebook ``clean(states)`` calls the ``clean`` an earlier cell defined, and a
``def clean(…)`` further down the same cell replaces it for later cells. Inside a function the
second binding makes ``clean`` local everywhere in it, so the first call would fail
(``UnboundLocalError``, ruff's F823). The binding and every use after it are renamed
(``clean_2``), which keeps what each line reads as the notebook read it.

Only bindings by a top-level ``def``, ``class`` or assignment of the step are renamed; a name
also bound inside a block before that, or bound by an import, is left alone (and so is
``x += 1``, which cannot be split that way).
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from nb2pkg.analysis.ast_nodes import all_nodes

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst


def with_rebound_names_renamed(
    function: cst.Module, code: str, tree: ast.Module | None = None
) -> cst.Module:
    """``function`` (a module holding one step definition, whose text is ``code`` and whose
    ``ast`` is ``tree``, parsed here if not given) with each rebound name renamed; ``function``
    itself when no name is rebound."""
    definition = function.body[0] if function.body else None
    if not isinstance(definition, cst.FunctionDef) or not isinstance(
        definition.body, cst.IndentedBlock
    ):
        return function
    parsed = (ast.parse(code) if tree is None else tree).body[0]
    if not isinstance(parsed, ast.FunctionDef):
        return function
    rebound = rebound_names(parsed)
    if not rebound:
        return function
    from nb2pkg.emit.name_renamers import NameRenamer, TargetsRenamer  # libcst classes

    statements = list(definition.body.body)
    places = _statement_places(statements)
    for name, first in rebound:
        new = _fresh(name, code)
        renamer = NameRenamer(name, new)
        line, small = places[first]
        binding = statements[line]
        if isinstance(binding, cst.SimpleStatementLine):
            # `a = 1; b = a` is one line of two statements: only those from the binding on
            parts = list(binding.body)
            parts[small] = parts[small].visit(TargetsRenamer(name, new))  # type: ignore[assignment]
            parts[small + 1 :] = [p.visit(renamer) for p in parts[small + 1 :]]  # type: ignore[misc]
            statements[line] = binding.with_changes(body=parts)
        else:
            statements[line] = binding.visit(renamer)  # type: ignore[assignment]
        statements[line + 1 :] = [s.visit(renamer) for s in statements[line + 1 :]]  # type: ignore[misc]
    body = definition.body.with_changes(body=statements)
    return function.with_changes(body=[definition.with_changes(body=body)])


def _statement_places(statements: list[cst.BaseStatement]) -> list[tuple[int, int]]:
    """For each statement as ``ast`` counts them, (its line among ``statements``, its place on
    that line): ``libcst`` keeps the statements one line separates with ``;`` together."""
    places: list[tuple[int, int]] = []
    for line, statement in enumerate(statements):
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        places += ((line, small) for small in range(count))
    return places


def rebound_names(function: ast.FunctionDef) -> list[tuple[str, int]]:
    """(name, index of the top-level statement that binds it) for names read first: what
    ``with_rebound_names_renamed`` renames (none: it returns the function as it is)."""
    params = {a.arg for a in all_nodes(function.args) if isinstance(a, ast.arg)}
    read: set[str] = set()
    bound_before: set[str] = set()
    found: list[tuple[str, int]] = []
    imported_anywhere: set[str] = set()
    for index, statement in enumerate(function.body):
        own = top_level_binds(statement)
        loads: set[str] = set()
        stores: set[str] = set()
        imported: set[str] = set()
        value, nodes = _value_and_all_nodes(statement)
        for node in nodes:  # one walk: reads, bindings and imports
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    loads.add(node.id)
                elif isinstance(node.ctx, ast.Store):
                    stores.add(node.id)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        if own:
            now = {n.id for n in value if isinstance(n, ast.Name)}
            for name in sorted(own):
                if name in (read | now) and name not in bound_before and name not in params:
                    found.append((name, index))
        read |= loads
        bound_before |= own | stores | imported
        imported_anywhere |= imported
    return found if not imported_anywhere & {n for n, _ in found} else []


def may_rebind(function: ast.FunctionDef, code: str) -> bool:
    """False only when ``rebound_names(function)`` is empty, from the top-level statements
    and the text ``code`` it was parsed from: a name can be renamed only where its first
    top-level binding is not its only mention in the body up to that binding's end (the name
    read before it, or in its value). Text that is not ASCII or holds a carriage return: True
    (Python may spell a name another way, or count lines another way)."""
    if not code.isascii() or "\r" in code:
        return True
    arguments = function.args
    params = {
        a.arg
        for a in (
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            arguments.vararg,
            arguments.kwarg,
        )
        if a is not None
    }
    first = function.body[0] if function.body else None
    start = function.lineno - 1  # 0-based: from the `def` line (whose names add mentions)
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        start = (first.end_lineno or first.lineno) - 1  # the docstring reads no name
    lines = code.split("\n")
    words: list[list[str]] = []  # of lines[start:], as far as needed
    seen: set[str] = set(params)
    for statement in function.body:
        names = top_level_binds(statement) - seen
        if not names:
            continue
        seen |= names
        end = (statement.end_lineno or statement.lineno) - start
        words += (_WORD.findall(line) for line in lines[start + len(words) : start + end])
        if any(sum(line.count(name) for line in words[:end]) > 1 for name in names):
            return True
    return False


_WORD = re.compile(r"\w+")
"""A name, keyword or number: each mention of a name is one of these, whole."""


def _value_and_all_nodes(statement: ast.stmt) -> tuple[list[ast.AST], list[ast.AST]]:
    """The nodes of an assignment's value (none for another statement), and every node of
    the statement (``all_nodes``), each walked once."""
    if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
        return [], all_nodes(statement)
    value = all_nodes(statement.value)
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    rest = [statement.annotation] if isinstance(statement, ast.AnnAssign) else []
    return value, [statement, *value, *(n for part in targets + rest for n in all_nodes(part))]


def top_level_binds(statement: ast.stmt) -> set[str]:
    """The names a top-level statement binds by its own name or plain name targets."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    return set()


def _fresh(name: str, code: str) -> str:
    counter = 2
    while f"{name}_{counter}" in code:
        counter += 1
    return f"{name}_{counter}"
