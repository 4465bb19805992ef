"""The ``metrics`` tag the auto-marker proposes: on a step that binds scores.

A cell that assigns the result of a scoring call to a name (``auc = roc_auc_score(y, p)``,
``rmse = mean_squared_error(y, p) ** 0.5``, ``acc = clf.score(X, y)``) measures the model; with
``metrics`` the numbers it binds are logged to MLflow when the run is tracked (values that are
not numbers are not logged). Read off the cell's syntax tree, never run.
"""

from __future__ import annotations

import ast
import re

METRICS_TAG = "metrics"

_SCORING_CALL = re.compile(
    r"(^|_)(score|accuracy|auc|error|loss|precision|recall|f1|r2|deviance|brier|kappa|corrcoef)"
    r"($|_)"
)
"""Names of calls that give a measure: scikit-learn's ``*_score``/``*_error``/``*_loss``
functions, an estimator's ``score``, and the like."""


def scores_bound(python_source: str) -> tuple[str, ...]:
    """Names the cell's top-level assignments bind to a value computed by a scoring call."""
    try:
        tree = ast.parse(python_source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    found: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if names and _has_scoring_call(statement.value):
            found.extend(n for n in names if n not in found)
    return tuple(found)


def _has_scoring_call(value: ast.expr) -> bool:
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if _SCORING_CALL.search(name.lower()):
                return True
    return False
