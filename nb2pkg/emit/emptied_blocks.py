"""What is left of a step's blocks once a transformer took statements out of them.

A block left with nothing holds a ``pass``; a ``for``, ``while`` or ``if`` whose blocks are all
left so goes too when its header changes nothing and binds nothing the step reads
(nb2pkg.analysis.display_blocks: the rule the auto-marker uses for a cell that only prints).
"""

from __future__ import annotations

import ast

import libcst as cst

from nb2pkg.analysis.display_blocks import header_changes_nothing, loop_names
from nb2pkg.emit.step_transformers import StepBodyTransformer


class EmptiedBlocks(StepBodyTransformer):
    """A step transformer whose subclasses take statements out of blocks (``read``: the names
    the step reads outside what is taken out)."""

    def __init__(self, read: set[str]) -> None:
        super().__init__()
        self.read = read
        self.emptied: set[int] = set()
        """ids of the blocks this transformer left with nothing but ``pass``."""

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        return True

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated_node.body or not original_node.body:
            return updated_node
        block = updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        self.emptied.add(id(block))
        return block

    def _empty(self, body: cst.BaseSuite | None) -> bool:
        return body is None or id(body) in self.emptied

    def leave_For(
        self, original_node: cst.For, updated_node: cst.For
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if (
            self._empty(updated_node.body)
            and updated_node.orelse is None
            and changes_nothing(updated_node.iter)
            and not bound_names(updated_node.target) & ({"*"} | self.read)
        ):
            return cst.RemoveFromParent()
        return updated_node

    def leave_If(
        self, original_node: cst.If, updated_node: cst.If
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        orelse = updated_node.orelse
        if (
            self._empty(updated_node.body)
            and (orelse is None or (isinstance(orelse, cst.Else) and self._empty(orelse.body)))
            and changes_nothing(updated_node.test)
        ):
            return cst.RemoveFromParent()
        return updated_node

    def leave_While(
        self, original_node: cst.While, updated_node: cst.While
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if (
            self._empty(updated_node.body)
            and (updated_node.orelse is None or self._empty(updated_node.orelse.body))
            and changes_nothing(updated_node.test)
        ):
            return cst.RemoveFromParent()
        return updated_node


def source_of(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def changes_nothing(expression: cst.BaseExpression) -> bool:
    """Whether evaluating the header of a loop or branch changes nothing
    (nb2pkg.analysis.display_blocks.header_changes_nothing)."""
    try:
        parsed = ast.parse(source_of(expression).strip(), mode="eval").body
    except SyntaxError:
        return False
    return header_changes_nothing(parsed)


def bound_names(target: cst.BaseExpression) -> set[str]:
    """The names a loop target binds (``{"*"}``: it cannot be told)."""
    try:
        parsed = ast.parse(source_of(target).strip(), mode="eval").body
    except SyntaxError:
        return {"*"}
    return loop_names(parsed)
