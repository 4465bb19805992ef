"""The text of a cell's literal assignments (a parameters cell's defaults), from libcst where
the ``ast`` does not give it as written."""

from __future__ import annotations

import ast
import io
from typing import TYPE_CHECKING

from nb2pkg.analysis.literal_text import plain_value_text
from nb2pkg.analysis.trees import building, cst_module

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst


class LiteralValues:
    """The libcst tree a cell's literal assignments take their text from, parsed on first use
    (most cells have none); a failure to parse becomes the cell's NB201."""

    def __init__(self, python_source: str) -> None:
        self.source = python_source
        self.module: cst.Module | None = None
        self.lines: list[str] | None = None

    def text(self, index: int, statement: ast.stmt) -> str:
        """The source of statement ``index``'s value (``statement``: its ``ast``), with its
        own parentheses and comments; read from the ``ast`` where that gives the same text."""
        if self.lines is None:
            self.lines = io.StringIO(self.source, newline="").readlines()
        plain = plain_value_text(self.lines, statement)
        if plain is not None:
            return plain
        if self.module is None:
            try:
                self.module = self._parse()
            except (cst.ParserSyntaxError, RecursionError, MemoryError) as exc:
                raise Unparsable(exc) from exc
        line = self.module.body[index]
        assert isinstance(line, cst.SimpleStatementLine)
        value = getattr(line.body[0], "value", None)
        assert isinstance(value, cst.BaseExpression)
        return self.module.code_for_node(value).strip()

    def _parse(self) -> cst.Module:
        # Inside a build the tree is kept for emitting; a server keeps no trees.
        return cst_module(self.source) if building() else cst.parse_module(self.source)


class Unparsable(Exception):
    """libcst could not parse what ``ast`` did (not seen; the cell gets an NB201)."""

    def __init__(self, cause: cst.ParserSyntaxError | RecursionError | MemoryError) -> None:
        super().__init__(str(cause))
        self.cause = cause
