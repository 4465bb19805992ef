"""Statements a notebook runs for the person at the screen, which library code must not run.

A step function of the package is library code: calling it must compute its results and do
nothing else to the process. Four kinds of top-level statement in a packaged cell are
therefore not copied into the step as they are:

* ``setting``: display and warning settings (``pd.set_option("display.max_rows", …)``,
  ``np.set_printoptions``, ``plt.rc``/``plt.rcParams[…] = …``/``plt.style.use``,
  ``sns.set()``, ``warnings.filterwarnings``): dropped;
* ``seed``: a seed of a global random generator (``np.random.seed(0)``,
  ``random.seed(0)``, ``torch.manual_seed(0)``): moved into ``run()``, before the step;
* ``plot``: plotting (``plt.plot``, ``df.plot()``, ``sns.histplot``, ``ax.set_title``,
  ``fig, ax = plt.subplots()``): moved to the package's figure functions, which a tracked
  run logs as MLflow artifacts;
* ``print``: a ``print(...)`` of values the step computes anyway: dropped, unless the cell
  is tagged ``keep``.

Anything that writes a file or changes a value the step computes is work and stays.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Literal

from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.analysis.effects import FILE_WRITERS, dotted, global_state_changes

Kind = Literal["setting", "seed", "plot", "print"]

_SETTING_CALLS = frozenset(
    {
        "np.set_printoptions",
        "numpy.set_printoptions",
        "warnings.filterwarnings",
        "warnings.simplefilter",
        "plt.rc",
        "plt.rcdefaults",
        "plt.style.use",
        "plt.xkcd",
        "plt.ion",
        "plt.ioff",
        "mpl.rc",
        "mpl.use",
        "mpl.style.use",
        "matplotlib.rc",
        "matplotlib.use",
        "matplotlib.style.use",
        "matplotlib.pyplot.rc",
        "matplotlib.pyplot.style.use",
        "sns.set",
        "sns.set_style",
        "sns.set_context",
        "sns.set_theme",
        "sns.set_palette",
        "sns.set_color_codes",
        "seaborn.set",
        "seaborn.set_style",
        "seaborn.set_context",
        "seaborn.set_theme",
        "seaborn.set_palette",
        "init_notebook_mode",
        "py.init_notebook_mode",
        "pyo.init_notebook_mode",
        "output_notebook",
        "InteractiveShell.ast_node_interactivity",
        "set_matplotlib_formats",
    }
)
_SETTING_TARGETS = (
    "plt.rcParams",
    "mpl.rcParams",
    "matplotlib.rcParams",
    "pd.options.display",
    "pandas.options.display",
    "pd.options.mode.chained_assignment",
    "pandas.options.mode.chained_assignment",
    "InteractiveShell.ast_node_interactivity",
)
_PANDAS_SET_OPTION = frozenset({"pd.set_option", "pandas.set_option"})
_QUIET_OPTIONS = ("display.", "mode.chained_assignment")
"""pandas options that only change what is shown or warned, never a computed value."""

SEED_CALLS = frozenset(
    {
        "np.random.seed",
        "numpy.random.seed",
        "random.seed",
        "torch.manual_seed",
        "torch.cuda.manual_seed",
        "torch.cuda.manual_seed_all",
        "tf.random.set_seed",
        "tf.set_random_seed",
        "tensorflow.random.set_seed",
    }
)

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
_FIGURE_WRITERS = frozenset({"savefig", "imsave", "write_image", "write_html"})
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
_ITERATING = frozenset({"zip", "enumerate", "range", "len", "reversed"})


def classify(statements: Sequence[ast.stmt], *, keep_prints: bool = False) -> list[Kind | None]:
    """The kind of each top-level statement of a cell (None: the step's own work).

    A plot statement whose names a later work statement reads stays work, and so does every
    plot statement of a cell that writes a figure file (``savefig``): the file is the output.
    """
    writes_figure = any(
        isinstance(node, ast.Call) and _call_name(node) in _FIGURE_WRITERS
        for statement in statements
        for node in ast.walk(statement)
    )
    kinds: list[Kind | None] = []
    figure_names: set[str] = set()
    for statement in statements:
        kind = _kind(statement, figure_names, keep_prints=keep_prints)
        if kind in ("plot", "print") and ((writes_figure and kind == "plot") or _draws(statement)):
            kind = None  # the file is an output; a draw moves every later draw
        if kind == "plot":
            figure_names.update(_bound(statement))
        kinds.append(kind)
    # Names a plot statement binds that work after it reads: the plot statement is work.
    changed = True
    while changed:
        changed = False
        needed: set[str] = set()
        for statement, kind in zip(reversed(statements), reversed(kinds), strict=True):
            if kind is None:
                needed |= _loaded(statement)
        for index, statement in enumerate(statements):
            if kinds[index] == "plot" and _bound(statement) & needed:
                kinds[index] = None
                changed = True
    return kinds


def _draws(statement: ast.stmt) -> bool:
    """Whether the statement draws from a global random generator (or reseeds it)."""
    return bool(global_state_changes(statement))


def _kind(statement: ast.stmt, figure_names: set[str], *, keep_prints: bool) -> Kind | None:
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        name = dotted(call.func)
        if name in SEED_CALLS and _literal_seed(call):
            return "seed"
        if _is_setting_call(call, name):
            return "setting"
        if name == "print" and not keep_prints and print_is_display(call):
            return "print"
        if _is_plot_expression(call, figure_names):
            return "plot"
        return None
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if targets and all(_is_setting_target(t) for t in targets):
            return "setting"
        value = statement.value
        if (
            isinstance(statement, ast.Assign)
            and value is not None
            and isinstance(value, ast.Call)
            and _is_plot_expression(value, figure_names)
            and all(_simple_target(t) for t in targets)
        ):
            return "plot"
        if isinstance(statement, ast.Assign) and all(_rooted_in(t, figure_names) for t in targets):
            return "plot"  # `ax.title = …` on a figure the cell made
        return None
    if isinstance(statement, ast.For | ast.With) and statement.body:
        header: list[ast.AST] = (
            [statement.iter] if isinstance(statement, ast.For) else list(statement.items)
        )
        over_figures = isinstance(statement, ast.For) and bool(
            _names(statement.iter) & figure_names
        )
        if any(
            isinstance(n, ast.Call)
            and not _plot_call(n, figure_names)
            and not (over_figures and (_call_name(n) in _ITERATING or is_unneeded_value(n)))
            for h in header
            for n in ast.walk(h)
        ):
            return None
        inner = set(figure_names)
        if over_figures:
            # for ax in axes.flat / for ax, x in zip(axes, images): the loop draws on each
            assert isinstance(statement, ast.For)
            inner |= _names(statement.target)
        kinds = [_kind(s, inner, keep_prints=keep_prints) for s in statement.body]
        # In a loop over axes, a value computed only for the drawing belongs to it.
        drawn = [
            k == "plot" or k in ("print", "setting") or (over_figures and _local_view(s))
            for s, k in zip(statement.body, kinds, strict=True)
        ]
        if all(drawn) and "plot" in kinds:
            return "plot"
    return None


def _local_view(statement: ast.stmt) -> bool:
    """``img = x.reshape(8, 8)``: a view computed for the drawing (classify() keeps the loop
    as work when anything after it reads the name)."""
    return (
        isinstance(statement, ast.Assign)
        and all(isinstance(t, ast.Name) for t in statement.targets)
        and is_unneeded_value(statement.value)
    )


def _literal_seed(call: ast.Call) -> bool:
    """``seed()`` or ``seed(42)``: what run() can do in the step's place."""
    if call.keywords or len(call.args) > 1:
        return False
    if not call.args:
        return True
    try:
        value = ast.literal_eval(call.args[0])
    except ValueError:
        return False
    return isinstance(value, int) and not isinstance(value, bool)


def _is_setting_call(call: ast.Call, name: str) -> bool:
    if name in _SETTING_CALLS or name.rsplit(".", 1)[-1] in ("init_notebook_mode",):
        return True
    if name in _PANDAS_SET_OPTION:
        first = call.args[0] if call.args else None
        return (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and first.value.startswith(_QUIET_OPTIONS)
        )
    return name.startswith(tuple(f"{t}." for t in _SETTING_TARGETS)) and name.endswith(
        (".update", ".__setitem__")
    )


def _is_setting_target(target: ast.expr) -> bool:
    node = target.value if isinstance(target, ast.Subscript) else target
    name = dotted(node)
    return bool(name) and any(name == t or name.startswith(t + ".") for t in _SETTING_TARGETS)


def print_is_display(call: ast.Call) -> bool:
    """A print of values that computing changes nothing (nb2pkg.analysis.display)."""
    if any(k.arg == "file" for k in call.keywords):
        return False
    values = [*call.args, *(k.value for k in call.keywords)]
    return not any(isinstance(a, ast.Starred) for a in call.args) and all(
        is_unneeded_value(value) for value in values
    )


def _is_plot_expression(call: ast.Call, figure_names: set[str]) -> bool:
    """A call chain that draws: every call in it is a plotting call or a figure's method."""
    calls = [n for n in ast.walk(call) if isinstance(n, ast.Call)]
    outer = calls[0]
    if not _plot_call(outer, figure_names):
        return False
    # Arguments may compute (`plt.plot(x, np.sin(x))`), but not change anything.
    for node in calls[1:]:
        callee = _call_name(node)
        if callee in _CHANGING_METHODS or callee in FILE_WRITERS:
            return False
    return True


def _plot_call(call: ast.Call, figure_names: set[str]) -> bool:
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
    root = _root_name(call.func)
    return root is not None and root in figure_names


def _attribute_chain(node: ast.expr) -> list[str]:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    return names[::-1]


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _rooted_in(target: ast.expr, names: set[str]) -> bool:
    if isinstance(target, ast.Name):
        return False
    root = _root_name(target)
    return root is not None and root in names


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _simple_target(target: ast.expr) -> bool:
    return isinstance(target, ast.Name | ast.Tuple | ast.List | ast.Starred) and all(
        isinstance(n, ast.Name | ast.Tuple | ast.List | ast.Starred | ast.Load | ast.Store)
        for n in ast.walk(target)
    )


def _names(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _bound(statement: ast.stmt) -> set[str]:
    return {
        n.id
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _loaded(statement: ast.stmt) -> set[str]:
    return {
        n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
