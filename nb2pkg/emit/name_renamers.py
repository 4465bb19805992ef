"""The libcst transformers that rename a rebound name in a step (nb2pkg.emit.rebound_names).

Apart from the analysis that finds the names, which reads the ``ast`` only: a step with no
rebound name never needs libcst.
"""

from __future__ import annotations

import libcst as cst


class NameRenamer(cst.CSTTransformer):
    """Every ``Name`` spelled ``old`` (not attribute names or keyword argument names)."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return (
            updated_node.with_changes(value=self.new)
            if updated_node.value == self.old
            else updated_node
        )

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute:
        return updated_node.with_changes(attr=original_node.attr)

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        return updated_node.with_changes(keyword=original_node.keyword)


class TargetsRenamer(cst.CSTTransformer):
    """``old = <value reading old>``: only the targets are renamed."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.renamer = NameRenamer(old, new)

    def leave_AssignTarget(
        self, original_node: cst.AssignTarget, updated_node: cst.AssignTarget
    ) -> cst.AssignTarget:
        return updated_node.with_changes(target=original_node.target.visit(self.renamer))

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> cst.AnnAssign:
        return updated_node.with_changes(target=original_node.target.visit(self.renamer))
