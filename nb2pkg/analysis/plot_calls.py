"""Calls that make figures or axes, on the stdlib ``ast`` (analysis) or libcst (emitting).

Both trees spell a call chain the same way (``Attribute``, ``Call``, ``Subscript`` around a
``Name``); ``_chain`` reads it once per tree kind and one rule decides.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import libcst as cst

PLOT_MODULES = frozenset({"plt", "pyplot", "matplotlib", "mpl", "sns", "seaborn", "px", "go"})
"""Names plotting libraries are usually imported as: a value made by them is a figure."""
PLOT_METHODS = frozenset(
    {
        "plot",
        "subplots",
        "figure",
        "hist",
        "scatter",
        "boxplot",
        "bar",
        "barh",
        "pie",
        "imshow",
        "add_subplot",
        "twinx",
        "twiny",
        "heatmap",
        "pairplot",
        "gca",
        "gcf",
    }
)
"""Methods that return figures or axes (``df.plot()``, ``ax.twinx()``)."""


def is_plot_call_of(expression: ast.expr) -> bool:
    """A call that makes a figure or axes: ``plt.subplots()``, ``df.plot.bar()``, ``sns.…``."""
    return isinstance(expression, ast.Call) and _makes_plot(_chain_of(expression))


def is_plot_call(expression: cst.BaseExpression) -> bool:
    """``is_plot_call_of`` for a libcst expression."""
    return isinstance(expression, cst.Call) and _makes_plot(_cst_chain(expression))


def _makes_plot(chain: Iterator[tuple[str, bool]]) -> bool:
    """A chain whose root is a plotting module or that goes through a figure method."""
    return any(
        (name in PLOT_MODULES) if is_root else (name in PLOT_METHODS) for name, is_root in chain
    )


def _chain_of(expression: ast.expr) -> Iterator[tuple[str, bool]]:
    """(attribute name, False) from the outside in, then (root name, True) if a name roots it."""
    current = expression
    while isinstance(current, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(current, ast.Attribute):
            yield current.attr, False
        current = current.func if isinstance(current, ast.Call) else current.value
    if isinstance(current, ast.Name):
        yield current.id, True


def _cst_chain(expression: cst.BaseExpression) -> Iterator[tuple[str, bool]]:
    current = expression
    while isinstance(current, (cst.Attribute, cst.Subscript, cst.Call)):
        if isinstance(current, cst.Attribute):
            yield current.attr.value, False
        current = current.func if isinstance(current, cst.Call) else current.value
    if isinstance(current, cst.Name):
        yield current.value, True


def base_name(expression: cst.BaseExpression) -> cst.Name | None:
    """``df`` of ``df.loc[mask, "x"]`` or ``model.steps[0]``."""
    current = expression
    while isinstance(current, (cst.Attribute, cst.Subscript, cst.Call)):
        current = current.func if isinstance(current, cst.Call) else current.value
    return current if isinstance(current, cst.Name) else None


def target_names(target: cst.BaseExpression) -> list[str]:
    """The names an assignment target binds (``a, *b = …``), on a libcst tree."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []
