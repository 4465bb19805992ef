"""Blocks that only print: a ``try``, ``if``, ``for`` or ``while`` whose every statement is a
display ``print`` (nb2pkg.analysis.library_code.print_is_display) or ``pass``, and whose
headers compute nothing that matters (``for name in names:``, ``if verbose:``).

One rule for both users: a step drops the prints nested in its blocks, and a block left
with nothing to do when its header changes nothing (nb2pkg.emit.nested_prints); a cell of
such blocks only shows text, so the auto-marker skips it rather than propose a function with
nothing left in it (nb2pkg.plan.cell_kinds). A ``with`` block always stays: entering it runs
code (opens a file, a session).
"""

from __future__ import annotations

import ast
import copy

from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.analysis.library_code import print_is_display

_ITERATORS = frozenset(
    {"items", "keys", "values", "iterrows", "itertuples", "enumerate", "zip", "reversed"}
)
"""Calls that only walk over a value they are given (``d.items()``, ``enumerate(xs)``)."""


def header_changes_nothing(expression: ast.expr) -> bool:
    """Whether evaluating the header of a loop or branch (``if verbose:``, ``for k, v in
    d.items():``) changes nothing."""
    expression = copy.deepcopy(expression)
    for node in ast.walk(expression):
        if isinstance(node, ast.Call) and not node.keywords:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in _ITERATORS:
                node.func = ast.Name("len", ast.Load())  # as pure as len()
    return is_unneeded_value(expression)


def loop_names(target: ast.expr) -> set[str]:
    """The names a loop target binds; ``{"*"}`` for an attribute or item target, which
    changes an object and so never leaves."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return {n for e in target.elts for n in loop_names(e)}
    if isinstance(target, ast.Starred):
        return loop_names(target.value)
    return {"*"}


def read_outside_prints(tree: ast.AST) -> set[str]:
    """Names the code reads, but for what ``print(...)`` calls read: a loop whose target is
    among them must run, to leave that name bound."""
    names: set[str] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            names.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return names


def only_prints(statement: ast.stmt, read: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether ``statement`` only prints what computing changes nothing; ``read``: the
    names the rest of the code reads (``read_outside_prints``)."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr):
        call = statement.value
        return (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "print"
            and print_is_display(call)
        )
    if isinstance(statement, ast.Try):
        blocks = [statement.body, statement.orelse, statement.finalbody]
        blocks += [handler.body for handler in statement.handlers]
        return all(_block_only_prints(b, read) for b in blocks)
    if isinstance(statement, ast.If | ast.While):
        return header_changes_nothing(statement.test) and all(
            _block_only_prints(b, read) for b in (statement.body, statement.orelse)
        )
    if isinstance(statement, ast.For):
        return (
            not statement.orelse
            and not loop_names(statement.target) & ({"*"} | set(read))
            and header_changes_nothing(statement.iter)
            and _block_only_prints(statement.body, read)
        )
    return False


def _block_only_prints(block: list[ast.stmt], read: set[str] | frozenset[str]) -> bool:
    return all(only_prints(s, read) for s in block)
