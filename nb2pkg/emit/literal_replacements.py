"""Data-file path literals of a step replaced by the parameter that carries them."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst


class ReplaceLiterals(cst.CSTTransformer):
    """Replace data-file path literals with the parameter that now carries them."""

    def __init__(self, replacements: Mapping[str, str]) -> None:
        super().__init__()
        self.replacements = replacements

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        value = original_node.evaluated_value
        if isinstance(value, str) and value in self.replacements:
            return cst.Name(self.replacements[value])
        return updated_node
