"""The text of a literal assignment's value, from the stdlib ``ast``, when that is exactly
what libcst would give: the common case, which then needs no libcst tree of the cell.

libcst's text of a value holds the parentheses around it and the comments inside it; the
``ast`` positions of a value leave out parentheses that wrap it. A value that starts right
after the ``=`` on its line and ends where its statement ends has no wrapping parentheses,
and its ``ast`` segment is the text libcst gives.
"""

from __future__ import annotations

import ast

from nb2pkg.analysis.file_literals import source_segment


def plain_value_text(lines: list[str], statement: ast.stmt) -> str | None:
    """The value's text of an assignment (``x = …``, ``x: T = …``), as libcst's
    ``code_for_node(value).strip()`` gives it; None when it cannot tell (the value is
    wrapped in parentheses, continues a line with a backslash, …): ask libcst."""
    if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
        return None
    value = statement.value
    if (value.end_lineno, value.end_col_offset) != (
        statement.end_lineno,
        statement.end_col_offset,
    ):
        return None  # something (a closing parenthesis) follows the value
    before = lines[value.lineno - 1].encode()[: value.col_offset].rstrip(b" \t")
    if not before.endswith(b"=") or before.endswith((b"==", b"!=", b"<=", b">=")):
        return None
    segment = source_segment(lines, value)
    return None if segment is None else segment.strip()
