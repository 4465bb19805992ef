"""Display-only statements: what a notebook shows but a function does not need.

A bare name, attribute or subscript (``df``, ``df.shape``, ``df["x"]``); ``.head()``,
``.tail()``, ``.describe()``, ``.info()`` and similar views of one; and ``display(...)`` or
``print(...)`` of such things. They are dropped from generated functions.
"""

from __future__ import annotations

import libcst as cst

VIEW_METHODS = frozenset(
    {
        "head",
        "tail",
        "describe",
        "info",
        "sample",
        "value_counts",
        "nunique",
        "dtypes",
        "memory_usage",
        "isna",
        "isnull",
        "count",
        "unique",
    }
)
DISPLAY_FUNCTIONS = frozenset({"display", "print", "pprint"})


def is_display_only(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or not statement.body:
        return False
    return all(
        isinstance(small, cst.Expr) and _is_display_expression(small.value)
        for small in statement.body
    )


def _is_display_expression(expression: cst.BaseExpression) -> bool:
    if _is_view(expression):
        return True
    if (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Name)
        and expression.func.value in DISPLAY_FUNCTIONS
    ):
        # `print(*items)` consumes an iterator: dropping it would change what later code sees.
        return all(
            not arg.star
            and (
                (arg.keyword is not None and arg.keyword.value in ("sep", "end", "flush"))
                or _is_view(arg.value)
                or _is_plain_text(arg.value)
            )
            for arg in expression.args
        )
    return False


def _is_view(expression: cst.BaseExpression) -> bool:
    """A name, attribute or subscript chain, possibly ending in a view method call."""
    if isinstance(expression, cst.Name):
        return True
    if isinstance(expression, cst.Attribute):
        return _is_view(expression.value)
    if isinstance(expression, cst.Subscript):
        return _is_view(expression.value)
    if isinstance(expression, cst.Tuple):
        return all(_is_view(element.value) for element in expression.elements)
    if (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Attribute)
        and expression.func.attr.value in VIEW_METHODS
    ):
        return _is_view(expression.func.value) or isinstance(expression.func.value, cst.Call)
    return False


def _is_plain_text(expression: cst.BaseExpression) -> bool:
    if isinstance(expression, (cst.SimpleString, cst.Integer, cst.Float)):
        return True
    if isinstance(expression, cst.FormattedString):
        return all(
            not isinstance(part, cst.FormattedStringExpression)
            or _is_view(part.expression)
            or _is_plain_text(part.expression)
            for part in expression.parts
        )
    if isinstance(expression, cst.ConcatenatedString):
        return _is_plain_text(expression.left) and _is_plain_text(expression.right)
    return False
