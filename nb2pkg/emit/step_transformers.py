"""What the transformers that tidy a generated step have in common.

They change the step function's own statements only: a nested ``def`` or ``class`` is the
user's code and stays as written. A block they leave empty gets ``pass`` so the code still
parses.
"""

from __future__ import annotations

import libcst as cst


def with_pass_if_empty(block: cst.IndentedBlock) -> cst.IndentedBlock:
    """``block`` itself, or with a lone ``pass`` when nothing is left in it."""
    if block.body:
        return block
    return block.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])


class StepBodyTransformer(cst.CSTTransformer):
    """Visits the outermost function's body; not nested functions, not classes."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return self.depth == 1  # nested functions are the user's code, as written

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.depth -= 1
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False
