"""Plotting calls: what draws a figure (``plt.plot``, ``df.plot()``, ``ax.set_title``).

nb2pkg.analysis.library_code moves plotting statements out of a step into the package's
figure functions; these are the tables and tests it decides with.
"""

from __future__ import annotations

import ast

from nb2pkg.analysis.effects import FILE_WRITERS, dotted

_PLOT_MODULES = (
    "plt.",
    "pylab.",
    "matplotlib.pyplot.",
    "sns.",
    "seaborn.",
    "pd.plotting.",
    "pandas.plotting.",
    "px.",
    "plotly.",
    "mglearn.plot",
    "mglearn.plots.",
    "mglearn.discrete_scatter",
    "msno.",
    "missingno.",
    "plotting.",
)
_PLOT_METHODS = frozenset(
    {
        "plot",
        "hist",
        "boxplot",
        "scatter",
        "bar",
        "barh",
        "pie",
        "imshow",
        "matshow",
        "contour",
        "contourf",
        "pcolormesh",
        "pcolor",
        "fill_between",
        "errorbar",
        "axhline",
        "axvline",
        "axhspan",
        "axvspan",
        "annotate",
        "set_title",
        "set_xlabel",
        "set_ylabel",
        "set_zlabel",
        "set_xlim",
        "set_ylim",
        "set_xticks",
        "set_yticks",
        "set_xticklabels",
        "set_yticklabels",
        "set_xscale",
        "set_yscale",
        "set_aspect",
        "set_facecolor",
        "legend",
        "tight_layout",
        "subplots_adjust",
        "suptitle",
        "colorbar",
        "add_subplot",
        "add_axes",
        "set_size_inches",
        "plot_surface",
        "plot_wireframe",
        "scatter_matrix",
        "violinplot",
        "hexbin",
        "stem",
        "step",
        "quiver",
        "triplot",
        "show",
        "draw",
    }
)
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


def is_plot_expression(call: ast.Call, figure_names: set[str]) -> bool:
    """A call chain that draws: every call in it is a plotting call or a figure's method."""
    calls = [n for n in ast.walk(call) if isinstance(n, ast.Call)]
    outer = calls[0]
    if not plot_call(outer, figure_names):
        return False
    # Arguments may compute (`plt.plot(x, np.sin(x))`), but not change anything.
    for node in calls[1:]:
        callee = call_name(node)
        if callee in _CHANGING_METHODS or callee in FILE_WRITERS:
            return False
    return True


def plot_call(call: ast.Call, figure_names: set[str]) -> bool:
    name = dotted(call.func)
    if name.startswith(_PLOT_MODULES):
        return True
    if not isinstance(call.func, ast.Attribute):
        return False
    if any(part == "plot" for part in name.split(".")[1:]):
        return True  # df.plot.bar(), df["x"].plot(kind="hist")
    chain = _attribute_chain(call.func)
    if chain and chain[-1] in _PLOT_METHODS:
        return True
    root = root_name(call.func)
    return root is not None and root in figure_names


def _attribute_chain(node: ast.expr) -> list[str]:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    return names[::-1]


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
