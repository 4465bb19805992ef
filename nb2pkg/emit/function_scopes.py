"""The names each function of a generated step binds and never reads (ruff's F841), from
its ``ast``: whether ``nb2pkg.emit.unused_values`` has anything to take away, without libcst.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from nb2pkg.analysis.ast_nodes import all_nodes


def has_unused_values(tree: ast.Module) -> bool:
    """Whether a function of ``tree`` binds a name it never reads (what ``nb2pkg.emit.unused_values.without_unused``
    would take away)."""
    return any(scope.unused for scope in function_scopes(tree))


class Scope(NamedTuple):
    """A function's names: bound in its own scope and never read in it (nor in a function
    nested in it); and all it reads."""

    name: str
    unused: frozenset[str]
    used: frozenset[str]


_DYNAMIC_READS = frozenset({"locals", "vars", "eval", "exec"})
_AT_NAME = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")
"""``df.query("a > @limit")`` reads ``limit`` from the calling function's locals."""


def function_scopes(tree: ast.Module) -> list[Scope]:
    """One ``Scope`` per function of ``tree``, in the order of the source (the order a
    libcst visit meets them)."""
    scopes: list[Scope] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scopes.append(_scope_of(node))
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.expr):  # no function inside an expression
                visit(child)

    visit(tree)
    return scopes


def _scope_of(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Scope:
    used: set[str] = set()
    for node in all_nodes(function):
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Store):
                used.add(node.id)  # a read, or `del name`
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            used.add(node.target.id)  # `c += 1` reads `c`: its earlier value is no dead store
        elif isinstance(node, ast.Global | ast.Nonlocal):
            return Scope(function.name, frozenset(), frozenset(used))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "@" in node.value:
            used.update(_AT_NAME.findall(node.value))
    if used & _DYNAMIC_READS:
        return Scope(function.name, frozenset(), frozenset(used))
    stored: set[str] = set()
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue  # a scope of its own
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            stored.add(node.name)
        pending.extend(ast.iter_child_nodes(node))
    return Scope(function.name, frozenset(stored - used), frozenset(used))
