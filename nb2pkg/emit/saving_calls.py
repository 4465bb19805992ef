"""The ``savefig`` calls nested in a cell's blocks, taken out of the figure function that
draws the cell's plots (a libcst transformer: imported only when a figure is drawn)."""

from __future__ import annotations

import libcst as cst

from nb2pkg.analysis.saved_figures import SAVING_METHOD


def is_saving(small: cst.BaseSmallStatement) -> bool:
    return (
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and isinstance(small.value.func, cst.Attribute)
        and small.value.func.attr.value == SAVING_METHOD
    )


class NoSaving(cst.CSTTransformer):
    """Removes ``savefig`` statements inside the cell's blocks (a block left empty gets a
    ``pass``); the top-level ones are dropped by index (nb2pkg.emit.figure_files)."""

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        kept = [
            s
            for s in updated_node.body
            if not (
                isinstance(s, cst.SimpleStatementLine)
                and s.body
                and all(is_saving(small) for small in s.body)
            )
        ]
        if len(kept) == len(updated_node.body):
            return updated_node
        return updated_node.with_changes(body=kept or [cst.SimpleStatementLine([cst.Pass()])])
