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
    would take away): ``any(scope.unused for scope in function_scopes(tree))``, each function
    walked once."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _binds_unused(node):
            return True
        pending.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.expr))
    return False


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _binds_unused(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``_scope_of(function).unused`` is not empty, in one walk: every node for the
    reads, those of its own scope (its body, outside nested scopes) for the bindings."""
    used: set[str] = set()
    stored: set[str] = set()
    own = {id(statement) for statement in function.body}
    found: list[ast.AST] = [function]
    position = 0
    while position < len(found):
        node = found[position]
        position += 1
        inside = id(node) in own
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Store):
                used.add(node.id)
            elif inside:
                stored.add(node.id)
            continue
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            used.add(node.target.id)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            return False
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str) and "@" in node.value:
                used.update(_AT_NAME.findall(node.value))
            continue
        elif inside and isinstance(node, ast.ExceptHandler) and node.name is not None:
            stored.add(node.name)
        start = len(found)
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                if value._fields:
                    found.append(value)
            elif isinstance(value, list):
                found.extend(e for e in value if isinstance(e, ast.AST) and e._fields)
        if inside and not isinstance(node, _SCOPES):
            own.update(id(child) for child in found[start:])
    return not used & _DYNAMIC_READS and bool(stored - used)


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
