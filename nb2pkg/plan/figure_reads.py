"""What a run of plotting statements reads from before it: a figure function's inputs."""

from __future__ import annotations

import ast
from collections.abc import Sequence


def reads_in_order(statements: Sequence[ast.Module]) -> list[str]:
    """The names the statements read before binding them, in order of first read.

    Statement order counts: a name a later statement binds is still read by an earlier one
    (``plt.scatter(s=area)`` then ``for area in sizes: …`` reads ``area``)."""
    loaded: list[str] = []
    bound: set[str] = set()
    for statement in statements:
        reads, binds = _reads_and_binds(statement)
        loaded.extend(n for n in reads if n not in bound and n not in loaded)
        bound |= binds
    return loaded


def _reads_and_binds(statement: ast.Module) -> tuple[list[str], set[str]]:
    """The names one statement reads from before it (in order) and the names it binds.

    An assignment reads its value (and an augmented one its target) before binding
    (``x = x + 1`` reads ``x``); in a loop, ``with`` or comprehension, a name the statement
    binds is taken as bound before it is read (``for area in sizes: plt.scatter(s=area)``)."""
    reads: list[str] = []
    binds: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                binds.add(node.id)
            elif node.id not in reads:
                reads.append(node.id)
        elif isinstance(node, ast.arg):
            binds.add(node.arg)
    top = statement.body[0] if len(statement.body) == 1 else None
    if isinstance(top, ast.AugAssign) and isinstance(top.target, ast.Name):
        return [top.target.id, *(n for n in reads if n != top.target.id)], binds
    plain_value = (
        isinstance(top, ast.Assign | ast.AnnAssign)
        and top.value is not None
        and not any(_binds(n) for n in ast.walk(top.value))
    )
    if plain_value:
        return reads, binds  # the value (which binds nothing) is read before the targets
    return [n for n in reads if n not in binds], binds


def _binds(node: ast.AST) -> bool:
    return isinstance(node, ast.arg) or (
        isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    )
