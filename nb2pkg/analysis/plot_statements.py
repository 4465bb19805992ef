"""Plotting statements: a call chain that draws and changes nothing else.

nb2pkg.analysis.library_code moves plotting statements out of a step into the package's
figure functions. Which call plots is nb2pkg.analysis.plot_calls' rule; this module adds what
may sit inside a plotting statement (computing arguments, never changing a value).
"""

from __future__ import annotations

import ast

from nb2pkg.analysis.effects import FILE_WRITERS
from nb2pkg.analysis.plot_calls import is_plot_call_of

FIGURE_WRITERS = frozenset({"savefig", "imsave", "write_image", "write_html"})
_CHANGING_METHODS = frozenset(
    {
        "fit",
        "fit_transform",
        "fit_predict",
        "partial_fit",
        "fit_resample",
        "train",
        "append",
        "extend",
        "insert",
        "pop",
        "popitem",
        "remove",
        "update",
        "clear",
        "add",
        "discard",
        "setdefault",
        "write",
        "writelines",
        "send",
        "next",
        "readline",
        "read",
        "execute",
        "commit",
    }
)
"""Methods that change their object or advance an iterator: inside a plot they are work."""


def is_plot_expression(call: ast.Call, figure_names: set[str], *, assigned: bool = False) -> bool:
    """A call chain that draws: every call in it is a plotting call or a figure's method
    (``assigned``: its value is assigned, nb2pkg.analysis.plot_calls' ``VALUE_METHODS``)."""
    calls = [n for n in ast.walk(call) if isinstance(n, ast.Call)]
    outer = calls[0]
    if not is_plot_call_of(outer, figure_names, assigned=assigned):
        return False
    # Arguments may compute (`plt.plot(x, np.sin(x))`), but not change anything.
    for node in calls[1:]:
        callee = call_name(node)
        if callee in _CHANGING_METHODS or callee in FILE_WRITERS:
            return False
    return True


def root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""
