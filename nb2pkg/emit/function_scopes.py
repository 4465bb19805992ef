"""The names each function of a generated step binds and never reads (ruff's F841; F401
for the names it imports), from its ``ast``: whether ``nb2pkg.emit.unused_values`` has
anything to take away, without libcst.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from nb2pkg.analysis.ast_nodes import all_nodes, all_nodes_of


def has_unused_values(tree: ast.Module) -> bool:
    """Whether a function of ``tree`` binds a name (an import too) it never reads: what
    ``nb2pkg.emit.unused_values.without_unused`` would take away."""
    return any(scope.unused for scope in function_scopes(tree))


class Scope(NamedTuple):
    """A function's names: bound in its own scope and never read in it (nor in a function
    nested in it); and all it reads."""

    name: str
    unused: frozenset[str]
    used: frozenset[str]


_NOT_FLAT = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Lambda,
    ast.Global,
    ast.Nonlocal,
)


def _flat_scope(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Scope | None:
    """The ``Scope`` of a function with no scope inside it (no ``def``, ``class`` nor
    ``lambda``) and no ``global`` or ``nonlocal``, in one walk of its body (a generated step,
    nearly always); None for any other function."""
    used: set[str] = set()
    stored: set[str] = set()
    for node in all_nodes_of(function.body):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str) and "@" in node.value:
                used.update(_AT_NAME.findall(node.value))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            used.add(node.target.id)
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            stored.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            stored.update(imported_name(alias, node) for alias in node.names if alias.name != "*")
        elif isinstance(node, _NOT_FLAT):
            return None
    unused = frozenset() if used & _DYNAMIC_READS else frozenset(stored - used)
    return Scope(function.name, unused, frozenset(used))


_DYNAMIC_READS = frozenset({"locals", "vars", "eval", "exec"})
_AT_NAME = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")
"""``df.query("a > @limit")`` reads ``limit`` from the calling function's locals."""


def function_scopes(tree: ast.Module) -> list[Scope]:
    """One ``Scope`` per function of ``tree``, in the order of the source (the order a
    libcst visit meets them)."""
    scopes: list[Scope] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            flat = _flat_scope(node)
            scopes.append(flat if flat is not None else scope_walked(node))
            if flat is not None:
                return  # no function inside it: nothing below to visit
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.expr):  # no function inside an expression
                visit(child)

    visit(tree)
    return scopes


def scope_walked(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Scope:
    """The ``Scope`` of any function, its nested scopes walked on their own."""
    everything = all_nodes(function)
    if any(isinstance(node, ast.Global | ast.Nonlocal) for node in everything):
        return Scope(function.name, frozenset(), frozenset(_reads(function.body)))
    used = _reads(function.body)
    if used & _DYNAMIC_READS:
        return Scope(function.name, frozenset(), frozenset(used))
    return Scope(function.name, frozenset(_bound(function.body) - used), frozenset(used))


def _reads(body: list[ast.stmt]) -> set[str]:
    """The names read by ``body``: in its own statements, and those a function nested in it
    reads without binding them itself (a nested function's own ``x`` is no read of this
    ``x``); its decorators, defaults and annotations are read here."""
    used: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            inner: list[ast.stmt] = (
                node.body if isinstance(node.body, list) else [ast.Expr(node.body)]
            )
            used |= _reads(inner) - _bound(inner) - _parameters(node.args)
            pending.extend(_evaluated_outside(node))
            continue
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Store):
                used.add(node.id)  # a read, or `del name`
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            used.add(node.target.id)  # `c += 1` reads `c`: its earlier value is no dead store
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "@" in node.value:
            used.update(_AT_NAME.findall(node.value))
        pending.extend(ast.iter_child_nodes(node))
    return used


def _evaluated_outside(
    function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
) -> list[ast.AST]:
    """The parts of a nested function the enclosing scope evaluates: decorators, defaults
    and annotations."""
    arguments = function.args
    parts: list[ast.AST] = [*arguments.defaults, *(d for d in arguments.kw_defaults if d)]
    if not isinstance(function, ast.Lambda):
        parts += function.decorator_list
        parts += [a.annotation for a in _all_arguments(arguments) if a.annotation is not None]
        if function.returns is not None:
            parts.append(function.returns)
    return parts


def _all_arguments(arguments: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, *extra]


def _parameters(arguments: ast.arguments) -> set[str]:
    return {a.arg for a in _all_arguments(arguments)}


def _bound(body: list[ast.stmt]) -> set[str]:
    """The names ``body`` binds in its own scope: assigned, caught, or imported (not the
    names of the functions and classes it defines, nor what they bind inside)."""
    stored: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue  # a scope of its own
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            stored.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            stored.update(imported_name(alias, node) for alias in node.names if alias.name != "*")
        pending.extend(ast.iter_child_nodes(node))
    return stored


def imported_name(alias: ast.alias, statement: ast.Import | ast.ImportFrom) -> str:
    """The name an import binds: ``import a.b`` binds ``a``."""
    if alias.asname is not None:
        return alias.asname
    return alias.name.split(".")[0] if isinstance(statement, ast.Import) else alias.name


def may_name_in_strings(code: str) -> bool:
    """Whether ``code`` may hold a string reading ``@name``: False rules out
    ``query_only_lines`` without parsing."""
    return _AT_NAME.search(code) is not None


def query_only_lines(tree: ast.Module) -> set[int]:
    """The lines (1-based) assigning a name its function reads only as ``@name`` in a string
    (``df.query("a > @limit")``): ruff sees no read there and reports F841, where pandas reads
    the value from the function's locals."""
    lines: set[int] = set()
    for node in all_nodes(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        named: set[str] = set()
        read: set[str] = set()
        for inner in all_nodes(node):
            if isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Store):
                read.add(inner.id)
            elif isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                named.update(_AT_NAME.findall(inner.value))
        only = named - read
        for statement in all_nodes(node):
            if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in only for t in statement.targets
            ):
                lines.add(statement.lineno)
    return lines
