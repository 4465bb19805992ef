"""The value a cell shows as its result, when a step has no other value to return.

A notebook shows the value of a cell's last line when it is a bare expression
(``pd.crosstab(a, b)``, ``model.score(X, y)``): that value is what the cell computed for the
reader. A step built from such a cell, which binds nothing later cells read, returns it
instead of computing it for nothing. Not a result: a display statement (the step drops it
and what it reads), a print, plot or setting (nb2pkg.analysis.library_code), an expression
ended by ``;`` (the notebook hid it), a constant, a call made for its effect (a method that
changes its object in place, a file write, ``inplace=True``, an IPython magic, MLflow). A
method of a value made on the spot (``pd.DataFrame(d).sort("n")``) is called for its result.
"""

from __future__ import annotations

import ast
from collections.abc import Container
from typing import TYPE_CHECKING

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.analysis.effects import FILE_WRITERS, dotted
from nb2pkg.ir import CellAnalysis

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

NONE_RETURNING_FUNCTIONS = frozenset(
    {"print", "display", "pprint", "help", "exec", "eval", "setattr", "delattr", "get_ipython"}
)
"""Functions called for what they do: their value is None."""
NONE_RETURNING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "remove",
        "sort",
        "reverse",
        "update",
        "clear",
        "add",
        "discard",
        "shuffle",
        "seed",
        "close",
        "write",
        "writelines",
        "show",
        "run_line_magic",
        "run_cell_magic",
        "system",
        "getoutput",
    }
)
"""Methods that change their object (or the process) and return None."""


def result_statement(
    parsed: ParsedCell,
    mlflow_names: Container[str] = (),
    *,
    prints_dropped: bool = False,
    end: int | None = None,
) -> int | None:
    """The index of the cell's top-level statement whose value the cell shows, or None.

    ``prints_dropped``: the step drops its prints, so its last kept statement, when it is a
    ``print`` of one value that does work (``print(sample(model, "The island"))``), shows
    the value: the step returns it rather than compute it for nothing. ``end``: the
    statements from there on are cells that only draw, joined to the step (the last line
    before them is the one shown)."""
    module = parsed.module
    if module is None or not module.body:
        return None
    count = len(module.body) if end is None else min(end, len(module.body))
    if count == 0:
        return None
    index = count - 1
    analysis = parsed.analysis
    left_out = {*analysis.display_statements, *analysis.import_statements}
    left_out.update(i for i, _ in analysis.library_statements)
    if prints_dropped:
        last = max((i for i in range(count) if i not in left_out), default=None)
        if last is not None and _printed_value(module, module.body[last], mlflow_names):
            return last
    if index in left_out:
        return None
    statement = module.body[index]
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    expression = statement.body[0]
    if not isinstance(expression, cst.Expr) or isinstance(expression.semicolon, cst.Semicolon):
        return None
    try:
        value = ast.parse(module.code_for_node(expression.value).strip(), mode="eval").body
    except SyntaxError:
        return None
    return index if _is_shown_value(value, mlflow_names) else None


def last_values(analysis: CellAnalysis) -> tuple[str, ...]:
    """What a step that would return nothing and shows no value returns: the values its last
    assignment binds (``labels = kmeans.fit_predict(X)``), though a later cell computes them
    again. The step computed them, and a reader wants them; run() keeps the later value."""
    return tuple(n for n in analysis.last_assignment_binds if n in analysis.value_binds)


def _printed_value(
    module: cst.Module, statement: cst.BaseStatement, mlflow_names: Container[str]
) -> bool:
    """``print(value)`` of one shown value (nb2pkg.emit.functions returns ``value``)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    expression = statement.body[0]
    if not isinstance(expression, cst.Expr) or not is_print_of_one(expression.value):
        return False
    try:
        call = ast.parse(module.code_for_node(expression.value).strip(), mode="eval").body
    except SyntaxError:
        return False
    return isinstance(call, ast.Call) and _is_shown_value(call.args[0], mlflow_names)


def is_print_of_one(value: cst.BaseExpression) -> bool:
    """``print(x)``: one positional argument, no unpacking, no keyword."""
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "print"
        and len(value.args) == 1
        and value.args[0].keyword is None
        and not value.args[0].star
    )


def _is_shown_value(value: ast.expr, mlflow_names: Container[str]) -> bool:
    if isinstance(value, ast.Constant | ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom):
        return False
    for node in ast.walk(value):
        if isinstance(node, ast.Name) and node.id in mlflow_names:
            return False
    if not isinstance(value, ast.Call):
        return True
    name = dotted(value.func)
    method = value.func.attr if isinstance(value.func, ast.Attribute) else ""
    if name in NONE_RETURNING_FUNCTIONS or name.split(".")[0] == "get_ipython":
        return False
    if method in FILE_WRITERS:
        return False
    if method in NONE_RETURNING_METHODS and not _fresh(value.func):
        return False
    return not any(
        k.arg == "inplace" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
        for k in value.keywords
    )


def _fresh(func: ast.expr) -> bool:
    """``pd.DataFrame(d).sort("n")``: a method of a value made on the spot, which nothing
    else holds. Changing that value in place would change nothing anyone sees, so the call
    is made for what it returns (old pandas' ``sort`` returned the sorted frame)."""
    receiver = func.value if isinstance(func, ast.Attribute) else None
    return isinstance(receiver, ast.Call | ast.List | ast.Dict | ast.Set | ast.Tuple)
