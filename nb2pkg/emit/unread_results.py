"""A value a cell shows on its last line that its step neither returns nor needs.

``knn.fit(X, y)`` then ``knn.predict([[3, 5, 4, 2]])`` on the last line: the notebook shows
the prediction; the step returns ``knn``, which later cells read, so the prediction would be
computed and thrown away. When computing it changes nothing (nb2pkg.analysis.display's
``is_unneeded_value``: views, summaries, ``predict``, metric functions) the step leaves it out,
as a careful port would. Kept: a value the step returns (nb2pkg.analysis.cell_result), and a
line that is the only reader of one of the step's inputs (leaving it out would leave that
input unused; the line then shows what the input is for).
"""

from __future__ import annotations

import ast
from collections.abc import Set

from nb2pkg.analysis.ast_nodes import recent_tree
from nb2pkg.analysis.cell_walk import top_level_statements
from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.ir import Role
from nb2pkg.plan.notebook_plan import CellPlan


def unread_result(cell: CellPlan, drop: Set[int]) -> int | None:
    """The index of the step's last top-level line when it only shows such a value, or None."""
    step = cell.step
    if (
        cell.tagged.role is not Role.FUNCTION
        or step is None
        or not step.returns
        or step.result_statement is not None
    ):
        return None
    try:
        groups = top_level_statements(recent_tree(cell.parsed.analysis.python_source))
    except (SyntaxError, RecursionError, MemoryError):
        return None
    index = len(groups) - 1
    if index < 0 or index in drop:
        return None
    last = groups[index]
    if not all(isinstance(s, ast.Expr) and is_unneeded_value(s.value) for s in last):
        return None
    inputs = {param.name for param in step.params}
    read_elsewhere = {
        node.id
        for i, group in enumerate(groups[:index])
        if i not in drop
        for statement in group
        for node in ast.walk(statement)
        if isinstance(node, ast.Name)
    }
    if any(
        isinstance(node, ast.Name) and node.id in inputs and node.id not in read_elsewhere
        for statement in last
        for node in ast.walk(statement)
    ):
        return None
    return index
