"""The libcst visitor that finds a cell's MLflow calls (``nb2pkg.analysis.mlflow_calls``),
imported only for a cell that calls MLflow."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import PositionProvider

from nb2pkg.analysis.mlflow_calls import MlflowCall, is_mlflow_name


class GatherMlflowCallsVisitor(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, bindings: Mapping[str, str]) -> None:
        super().__init__()
        self._bindings = bindings
        self.calls: list[MlflowCall] = []

    def visit_Call(self, node: cst.Call) -> None:
        called = _dotted_name(node.func)
        if called is None:
            return
        head, _, rest = called.partition(".")
        target = self._bindings.get(head)
        if target is None:
            return
        qualified = f"{target}.{rest}" if rest else target
        if is_mlflow_name(qualified):
            line = self.get_metadata(PositionProvider, node).start.line
            self.calls.append(MlflowCall(qualified, line))


def _dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None
