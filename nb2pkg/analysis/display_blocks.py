"""Blocks that only print: a ``try``, ``if``, ``for`` or ``while`` whose every statement is a
display ``print`` (nb2pkg.analysis.library_code.print_is_display) or ``pass``, and whose
headers compute nothing that matters (``for name in names:``, ``if verbose:``).

A step drops the prints nested in its blocks, and the block with them
(nb2pkg.emit.nested_prints); a cell of such blocks only shows text, so the auto-marker
skips it rather than propose a function with nothing left in it.
"""

from __future__ import annotations

import ast

from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.analysis.library_code import print_is_display


def only_prints(statement: ast.stmt) -> bool:
    """Whether ``statement`` only prints what computing changes nothing."""
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
        return all(_block_only_prints(b) for b in blocks)
    if isinstance(statement, ast.If | ast.While):
        return is_unneeded_value(statement.test) and all(
            _block_only_prints(b) for b in (statement.body, statement.orelse)
        )
    if isinstance(statement, ast.For):
        return (
            isinstance(statement.target, ast.Name | ast.Tuple)
            and is_unneeded_value(statement.iter)
            and all(_block_only_prints(b) for b in (statement.body, statement.orelse))
        )
    return False


def _block_only_prints(block: list[ast.stmt]) -> bool:
    return all(only_prints(s) for s in block)
