"""Which value is the pipeline's model, what it was fitted on, and its ``predict`` step.

Decided statically from the planned steps, never by running them:

- a step that calls ``NAME.fit(X, y)`` (or binds ``NAME = ….fit(X, y)``) fits ``NAME``; the
  model is the last such value that is still live when the pipeline ends (``run()`` returns
  it and no later step rebinds it);
- a ``model`` tag on a function cell picks the value that cell fits (or, when it fits none,
  the one value it returns); ``model:NAME`` names the value;
- ``X`` and ``y`` are kept as expressions over ``run()``'s outputs and parameters when every
  name they read is one (``train_rows[feature_columns]``), so the tracked run can log a
  signature and an input example taken from the data the model was fitted on;
- a ``predict`` cell reads the model and a frame of raw inputs: the first other value it
  reads from an earlier step (or a ``run()`` input) is the data, its other inputs are kept
  with the logged model, and the value of its last assignment is the prediction.

Its diagnostics (NB115, NB116, NB117) are described once, in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nb2pkg.ir import Diagnostic, Location, ParamSource, Severity, StepPlan
from nb2pkg.plan.notebook_plan import CellPlan, NotebookPlan

VALUES = "values"
"""The mapping the generated code reads run() outputs and parameters from."""


@dataclass(frozen=True)
class PredictPlan:
    """The ``predict`` step: how the logged model calls it."""

    step: StepPlan
    key: str
    """The step's name in ``steps()``."""
    model_param: str
    data_param: str
    result: str
    """The returned value that holds the predictions."""


@dataclass(frozen=True)
class ModelPlan:
    value: str
    """The model's name among ``run()``'s outputs."""
    step: str
    """The step that fits (or returns) it."""
    fit_input: str | None = None
    """Python expression over ``values[...]`` giving the data it was fitted on, when known."""
    fit_target: str | None = None
    """Likewise for the target (``y``), when the fit has one."""
    predict: PredictPlan | None = None
    cell_number: int | None = None
    """The number (1 = first) of the notebook cell that fits (or returns) it."""


@dataclass(frozen=True)
class _Fit:
    value: str
    inputs: ast.expr | None
    target: ast.expr | None


def plan_model(
    notebooks: tuple[NotebookPlan, ...], step_keys: dict[tuple[str, str], str], params: set[str]
) -> tuple[ModelPlan | None, list[Diagnostic]]:
    """The pipeline's model, or None when no step fits one and no cell is tagged ``model``."""
    diagnostics: list[Diagnostic] = []
    cells = [c for n in notebooks for c in n.cells if c.step is not None]
    chosen: tuple[CellPlan, _Fit | None, str] | None = None
    for cell in cells:
        step = cell.step
        assert step is not None
        fits = [f for f in _fits(cell, set(step.returns)) if f.value in step.returns]
        wanted = cell.tagged.model
        if wanted is not None:
            picked = _tagged_value(cell, fits, wanted, diagnostics)
            if picked is not None:
                chosen = (cell, picked[0], picked[1])
            continue
        if fits and (chosen is None or chosen[0].tagged.model is None):
            chosen = (cell, fits[-1], fits[-1].value)
    predict_cells = [c for c in cells if c.tagged.predict]
    if chosen is not None:
        # The model must still be the value run() returns: no later step may rebind it.
        position = cells.index(chosen[0])
        later = {n for c in cells[position + 1 :] if c.step for n in c.step.returns}
        if chosen[1] is not None and chosen[0].tagged.model is None and chosen[2] in later:
            chosen = None
    if chosen is None:
        for cell in predict_cells:
            diagnostics.append(
                _diagnostic(
                    cell,
                    "NB116",
                    Severity.WARNING,
                    "a `predict` cell, but no step fits a model (`NAME.fit(...)`) that the "
                    "pipeline keeps",
                    "tag the cell that trains the model `model` (or `model:NAME`)",
                )
            )
        return None, diagnostics
    cell, fit, value = chosen
    step = cell.step
    assert step is not None
    position = cells.index(cell)
    known = set(params)
    for earlier in cells[: position + 1]:
        assert earlier.step is not None
        known.update(earlier.step.returns)
    rebound = {n for c in cells[position + 1 :] if c.step for n in c.step.returns}
    available = known - rebound
    fit_input = _over_values(fit.inputs, available) if fit is not None else None
    fit_target = _over_values(fit.target, available) if fit is not None else None
    predict = None
    for predict_cell in predict_cells[-1:]:
        predict = _predict_plan(predict_cell, value, step_keys, diagnostics)
    key = step_keys[(step.module, step.name)]
    return (
        ModelPlan(value, key, fit_input, fit_target, predict, cell.cell.number),
        diagnostics,
    )


def _tagged_value(
    cell: CellPlan, fits: list[_Fit], wanted: str, diagnostics: list[Diagnostic]
) -> tuple[_Fit | None, str] | None:
    step = cell.step
    assert step is not None
    if wanted:
        named = [f for f in fits if f.value == wanted]
        if named:
            return named[-1], wanted
        if wanted in step.returns:
            return None, wanted
        diagnostics.append(
            _diagnostic(
                cell,
                "NB115",
                Severity.ERROR,
                f"`model:{wanted}` names a value the step `{step.name}` does not return",
                "name a value the cell binds and a later cell (or the end of the notebook) uses",
            )
        )
        return None
    if fits:
        return fits[-1], fits[-1].value
    if len(step.returns) == 1:
        return None, step.returns[0]
    diagnostics.append(
        _diagnostic(
            cell,
            "NB115",
            Severity.ERROR,
            f"`model` on step `{step.name}`, which fits nothing and returns "
            f"{len(step.returns)} values",
            "name the value: model:NAME",
        )
    )
    return None


def _predict_plan(
    cell: CellPlan,
    model: str,
    step_keys: dict[tuple[str, str], str],
    diagnostics: list[Diagnostic],
) -> PredictPlan | None:
    step = cell.step
    assert step is not None
    names = [p.name for p in step.params]
    data = [
        p.name
        for p in step.params
        if p.name != model and p.source in (ParamSource.STEP, ParamSource.INPUT)
    ]
    problem = ""
    if model not in names:
        problem = f"the `predict` cell does not read the model `{model}`"
    elif not data:
        problem = "the `predict` cell reads no frame of inputs beside the model"
    elif not step.returns:
        problem = "the `predict` cell binds no value that holds the predictions"
    if problem:
        diagnostics.append(
            _diagnostic(
                cell,
                "NB117",
                Severity.ERROR,
                problem,
                f"compute the predictions from `{model}` and a frame of raw inputs, e.g. "
                f"predictions = {model}.predict(new_rows)",
            )
        )
        return None
    last = cell.parsed.analysis.last_assignment_binds
    result = next((n for n in reversed(last) if n in step.returns), step.returns[-1])
    key = step_keys[(step.module, step.name)]
    return PredictPlan(step, key, model, data[0], result)


def _fits(cell: CellPlan, returned: set[str]) -> list[_Fit]:
    """Each ``.fit(...)`` call of the cell's own code (not of the functions it defines); a
    local name its data comes from (``features = frame[cols]``, not returned) is replaced
    by the expression the cell bound it to."""
    source = cell.parsed.analysis.python_source
    if source.isascii() and "fit" not in source:
        return []  # most cells: no need to parse again
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[_Fit] = []
    local: dict[str, ast.expr] = {}
    for statement in tree.body:
        for node in _own_nodes(statement):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "fit"
            ):
                continue
            value = _fitted_name(statement, node)
            if value is None:
                continue
            inputs = node.args[0] if node.args else _keyword(node, "X")
            target = node.args[1] if len(node.args) > 1 else _keyword(node, "y")
            found.append(_Fit(value, _inlined(inputs, local), _inlined(target, local)))
        _remember_local(statement, local, returned)
    return found


def _remember_local(statement: ast.stmt, local: dict[str, ast.expr], returned: set[str]) -> None:
    """Track ``NAME = expression`` of names the step does not return; any other binding of a
    tracked name forgets it (its value is no longer that expression)."""
    bound = {
        n.id
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)
    }
    # ``features["z"] = …``, ``features.drop(…, inplace=True)``: changed in place
    targets = [t for n in ast.walk(statement) if isinstance(n, ast.Assign) for t in n.targets]
    targets += [n.target for n in ast.walk(statement) if isinstance(n, ast.AugAssign)]
    changed = [*targets, statement.value] if isinstance(statement, ast.Expr) else targets
    bound |= {n.id for t in changed for n in ast.walk(t) if isinstance(n, ast.Name)}
    for name in bound:
        local.pop(name, None)
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        name = statement.targets[0].id
        reads = {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
        if name not in returned and name not in reads:
            local[name] = statement.value


def _inlined(expression: ast.expr | None, local: dict[str, ast.expr]) -> ast.expr | None:
    """``expression`` with each tracked local name replaced by its expression (a few levels)."""
    if expression is None or not local:
        return expression

    class Inline(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            bound = local.get(node.id)
            if bound is None or not isinstance(node.ctx, ast.Load):
                return node
            return ast.parse(ast.unparse(bound), mode="eval").body

    result: ast.expr = ast.parse(ast.unparse(expression), mode="eval").body
    for _ in range(4):
        result = Inline().visit(result)
    return result


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """``node`` and what it contains, in source order, leaving out nested defs and lambdas."""
    found: list[ast.AST] = [node]
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        found.extend(_own_nodes(child))
    return found


def _fitted_name(statement: ast.stmt, call: ast.Call) -> str | None:
    if (
        isinstance(statement, ast.Assign)
        and statement.value is call
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return statement.targets[0].id
    assert isinstance(call.func, ast.Attribute)
    receiver = call.func.value
    return receiver.id if isinstance(receiver, ast.Name) else None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _over_values(expression: ast.expr | None, available: set[str]) -> str | None:
    """``expression`` reading ``values["NAME"]`` for each name, or None if one is unknown."""
    if expression is None:
        return None
    loaded = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
    if not loaded <= available or any(
        isinstance(n, ast.Lambda | ast.comprehension | ast.NamedExpr) for n in ast.walk(expression)
    ):
        return None

    class Rewrite(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.Subscript(
                value=ast.Name(VALUES, ast.Load()), slice=ast.Constant(node.id), ctx=node.ctx
            )

    copied = ast.parse(ast.unparse(expression), mode="eval").body
    return ast.unparse(Rewrite().visit(copied))


def _diagnostic(
    cell: CellPlan, code: str, severity: Severity, message: str, hint: str
) -> Diagnostic:
    step = cell.step
    notebook = step.notebook if step is not None else ""
    return Diagnostic(
        code, severity, message, Location(notebook, cell.cell.number, cell.cell.cell_id), hint
    )
