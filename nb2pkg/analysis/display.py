"""Display-only statements: what a notebook shows but a function does not need.

One rule, used by the auto-marker (a cell of such statements is skipped) and by the emitter
(such statements are dropped from generated functions): an expression statement whose every
call is a side-effect-free summary or view (``df.head()``, ``df.groupby("a").count()``,
``df.sort_values("x")``, ``print(len(df))``, ``display(df)``) or a pure computation shown as
a result (``10 * np.exp(1)``, ``math.cos(math.pi)``, ``sum(range(5))``, ``"-".join(["a", "b"])``).
Anything with an effect is work, never display: an ``inplace=True`` call, a call to any
other function or method (a file write such as ``savefig``/``to_csv``, a mutating method, a
random draw), an assignment, a walrus.
"""

from __future__ import annotations

import ast
import functools
from typing import TYPE_CHECKING

from nb2pkg.analysis.ast_nodes import all_nodes
from nb2pkg.analysis.effects import dotted

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

VIEW_METHODS = frozenset(
    {
        "head",
        "tail",
        "describe",
        "info",
        "value_counts",
        "nunique",
        "unique",
        "isna",
        "isnull",
        "notna",
        "notnull",
        "count",
        "dtypes",
        "memory_usage",
        "corr",
        "cov",
        "round",
        "sort_values",
        "sort_index",
        "mean",
        "median",
        "std",
        "var",
        "min",
        "max",
        "sum",
        "any",
        "all",
        "quantile",
        "nlargest",
        "nsmallest",
        "groupby",
        "agg",
        "aggregate",
        "size",
        "to_string",
        "get_params",
        "get_feature_names_out",
        "reshape",
        "transpose",
        "ravel",
        "flatten",
        "tolist",
        "to_numpy",
        "argmax",
        "argmin",
        "argsort",
        "cumsum",
        "prod",
        "dot",
        "keys",
        "values",
        "items",
        "most_common",
    }
)
"""Methods that only compute a summary or view of their object (``d.keys()``: a view;
``counts.most_common(10)``: a ``Counter``'s commonest items)."""
DISPLAY_FUNCTIONS = frozenset(
    {
        "display",
        "print",
        "pprint",
        "help",
        "len",
        "type",
        "repr",
        "str",
        "round",
        "abs",
        "int",
        "float",
        "bool",
        "complex",
        "divmod",
        "pow",
        "hex",
        "bin",
        "oct",
        "chr",
        "ord",
        "isinstance",
        "issubclass",
        "callable",
        "dir",
        "id",
        "range",
        "format",
        "interact",
        "interact_manual",
    }
)
"""Functions that only compute or show a value (``interact(plot_fit, degree=[1, 30])``: a
widget that calls a function to redraw a plot as the reader moves a slider)."""
DISPLAY_OBJECTS = frozenset(
    {
        "Image",
        "HTML",
        "Markdown",
        "Math",
        "Latex",
        "SVG",
        "JSON",
        "Javascript",
        "IFrame",
        "YouTubeVideo",
        "Audio",
        "Video",
        "FileLink",
        "FileLinks",
        "Code",
        "Pretty",
    }
)
"""IPython's rich display objects (``display(Image(filename="iris.jpg"))``): made to be shown."""
_DISPLAY_MODULES = ("display.", "IPython.display.", "ipd.")
CONSUMING_FUNCTIONS = frozenset(
    {"sum", "min", "max", "sorted", "list", "tuple", "set", "any", "all"}
)
"""Pure, but they consume an iterator passed by name: display only for other arguments."""
PURE_MODULES = ("math.", "np.", "numpy.", "cmath.", "statistics.")
"""Namespaces of pure functions (``np.exp(1)``, ``math.cos(pi)``), but for the effects below."""
PURE_TEXT_FUNCTIONS = frozenset(
    {"json.dumps", "json.loads", "pprint.pformat", "textwrap.dedent", "textwrap.fill"}
)
"""Functions that make text or a value from text and change nothing
(``print(json.dumps(report))``: a display); not ``json.dump``, which writes a file."""
PURE_PANDAS_FUNCTIONS = frozenset(
    {
        "merge",
        "merge_asof",
        "merge_ordered",
        "concat",
        "crosstab",
        "pivot_table",
        "pivot",
        "melt",
        "get_dummies",
        "cut",
        "qcut",
        "to_datetime",
        "to_numeric",
        "to_timedelta",
        "isna",
        "isnull",
        "notna",
        "notnull",
        "unique",
        "date_range",
        "DataFrame",
        "Series",
    }
)
"""``pd.…`` functions that make a new table from their arguments and change nothing
(``pd.merge(a, b).head()``): like ``CONSUMING_FUNCTIONS``, display only when no argument is
passed by name that could be an iterator they use up (``pd.concat(frames)`` of a generator;
``pd.DataFrame(grid.cv_results_)``, an attribute, is taken for data)."""
PANDAS_CONSUMING = frozenset({"concat", "DataFrame", "Series"})
MODULE_EFFECTS = frozenset(
    {
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "copyto",
        "put",
        "place",
        "putmask",
        "fill_diagonal",
        "seterr",
        "set_printoptions",
        "shuffle",
    }
)
RESULT_METHODS = frozenset(
    {
        "score",
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "copy",
        "astype",
        "isin",
        "to_frame",
        "idxmax",
        "idxmin",
        "pct_change",
        "diff",
        "rank",
        "duplicated",
        "drop_duplicates",
        "select_dtypes",
        "toarray",
        "todense",
        "get_feature_names",
        "get_feature_names_out",
        "get_params",
        "get_support",
    }
)
"""Methods that return a new value and change nothing: bound to a name nobody reads, the
computation can go (nb2pkg.emit.functions). A statement of only these still shows something
(``model.score(X, y)``) and is no display statement for the auto-marker."""
RESULT_FUNCTION_SUFFIXES = ("_score", "_error", "_report", "_matrix")
"""Metric functions (``accuracy_score``, ``mean_squared_error``, ``classification_report``):
they compute a number or a table from their arguments and change nothing."""
STRING_METHODS = frozenset(name for name in dir(str) if not name.startswith("_"))
"""Methods of a string written in the code (``"--".join(["a", "b"])``, ``"{:.2f}".format(x)``):
they make a new string and change nothing (``join`` consumes an iterator passed by name)."""
RANDOM_STATE_METHODS = frozenset({"sample"})
"""Views that draw from the global random generator unless given ``random_state``."""


def is_display_expression(expression: ast.expr) -> bool:
    """Whether evaluating ``expression`` only shows something (see the module docstring)."""
    for node in all_nodes(expression):
        if isinstance(node, ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom | ast.Lambda):
            return False
        if isinstance(node, ast.Call) and not _is_display_call(node):
            return False
    return True


def is_unneeded_value(expression: ast.expr) -> bool:
    """Whether computing ``expression`` can be left out when nothing reads its value: a
    display expression, or one whose other calls are ``RESULT_METHODS``."""
    for node in all_nodes(expression):
        if isinstance(node, ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom | ast.Lambda):
            return False
        if isinstance(node, ast.Call) and not _is_display_call(node):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if not (
                (isinstance(func, ast.Attribute) and name in RESULT_METHODS)
                or name.endswith(RESULT_FUNCTION_SUFFIXES)
            ):
                return False
            if any(k.arg == "inplace" for k in node.keywords) or any(
                isinstance(a, ast.Starred) for a in node.args
            ):
                return False
    return True


def _is_display_call(call: ast.Call) -> bool:
    if any(isinstance(arg, ast.Starred) for arg in call.args):
        return False  # `print(*items)` consumes an iterator
    keywords = {k.arg for k in call.keywords}
    if any(
        k.arg == "inplace" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
        for k in call.keywords
    ):
        return False
    func = call.func
    if isinstance(func, ast.Name):
        if func.id in CONSUMING_FUNCTIONS:
            return not any(isinstance(a, ast.Name | ast.Attribute) for a in call.args)
        return func.id in DISPLAY_FUNCTIONS or func.id in DISPLAY_OBJECTS
    if isinstance(func, ast.Attribute):
        if _is_string(func.value) and func.attr in STRING_METHODS:
            return func.attr != "join" or not any(
                isinstance(a, ast.Name | ast.Attribute) for a in call.args
            )
        if func.attr in RANDOM_STATE_METHODS:
            return "random_state" in keywords
        name = dotted(func)
        if name.startswith(_DISPLAY_MODULES) and func.attr in DISPLAY_OBJECTS | {"display"}:
            return True
        if name.startswith(("pd.", "pandas.")) and name.count(".") == 1:
            if func.attr in PANDAS_CONSUMING and call.args:
                # a name may hold a generator; an attribute (``grid.cv_results_``) holds data
                return not isinstance(call.args[0], ast.Name)
            return func.attr in PURE_PANDAS_FUNCTIONS
        if name in PURE_TEXT_FUNCTIONS:
            return True
        if name.startswith(PURE_MODULES):
            return (
                ".random." not in name and func.attr not in MODULE_EFFECTS and "out" not in keywords
            )
        # and predicates named ``is_…`` (``index.is_unique()``): a question about the object
        return func.attr in VIEW_METHODS or (func.attr.startswith("is_") and len(func.attr) > 3)
    return False


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def is_display_statement(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and is_display_expression(statement.value)


def is_display_only(statement: cst.BaseStatement) -> bool:
    """The same rule for a libcst top-level statement (one line may hold several: ``a; b``)."""
    if not isinstance(statement, cst.SimpleStatementLine) or not statement.body:
        return False
    if not all(isinstance(small, cst.Expr) for small in statement.body):
        return False
    return _display_source(cst.Module(body=[statement]).code)


@functools.lru_cache(maxsize=16384)
def _display_source(code: str) -> bool:
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    return bool(body) and all(is_display_statement(s) for s in body)
