"""A step leaves the notebook's own MLflow calls out: the generated pipeline does the logging."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from nb2pkg.emit.functions import Rewrite
from nb2pkg.emit.step_transformers import with_pass_if_empty
from nb2pkg.ir import Role
from nb2pkg.plan.notebook_plan import CellPlan


def mlflow_rewrite(cell: CellPlan) -> Rewrite | None:
    """Leave the cell's own MLflow calls out: the generated pipeline does the logging.

    Statements calling MLflow go (at any depth); ``with mlflow.start_run():`` keeps its body.
    """
    module = cell.parsed.module
    if not cell.mlflow_calls or module is None or cell.tagged.role is not Role.FUNCTION:
        return None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    remover = _WithoutMlflowCalls({line for _, line in cell.mlflow_calls})

    def rewrite(statement: cst.BaseStatement) -> list[cst.BaseStatement]:
        with remover.resolve(wrapper):
            result = statement.visit(remover)
        if isinstance(result, cst.FlattenSentinel):
            return list(result.nodes)
        if isinstance(result, cst.RemovalSentinel):
            return []
        return [result]

    return rewrite


class _WithoutMlflowCalls(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines: set[int]) -> None:
        super().__init__()
        self.lines = lines

    def _span(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self.get_metadata(PositionProvider, node)
        return position.start.line, position.end.line

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        first, last = self._span(original_node)
        if any(first <= line <= last for line in self.lines):
            return cst.RemoveFromParent()
        return updated_node

    def leave_With(
        self, original_node: cst.With, updated_node: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        first, _ = self._span(original_node)
        if first not in self.lines or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = list(updated_node.body.body)
        if not body:
            return cst.RemoveFromParent()
        body[0] = body[0].with_changes(
            leading_lines=[*updated_node.leading_lines, *getattr(body[0], "leading_lines", ())]
        )
        return cst.FlattenSentinel(body)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return with_pass_if_empty(updated_node)
