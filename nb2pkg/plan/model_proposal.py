"""The ``model`` and ``predict`` tags the auto-marker proposes, read off the static model plan.

The cells, with the function tags the auto-marker proposes, are planned as a build plans them
(statically, never run): the cell of the model the plan finds (the last fitted value the
pipeline keeps) gets ``model``. A later proposed function cell gets ``predict`` when it
applies that model to new rows: its last assignment binds ``MODEL.predict(...)`` (or
``predict_proba``) of data that only cells after the model's cell compute, and the plan with
that tag accepts it as the ``predict`` step. An evaluation on the held-out part of the
training data (``clf.predict(X_test)``, with ``X_test`` split off before the fit) is not one.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.plan.build_environment import NoFiles
from nb2pkg.plan.model_plan import ModelPlan, plan_model
from nb2pkg.plan.notebook_plan import NotebookPlan, plan_notebook
from nb2pkg.roles.resolve import tag_cells
from nb2pkg.roles.vocabulary import MODEL_PREFIX, PREDICT_PREFIX

PREDICT_METHODS = frozenset({"predict", "predict_proba"})
_SHOWN = "proposal.ipynb"


def model_tags(
    cells: Sequence[Mapping[str, Any]], proposed: Collection[int]
) -> dict[int, tuple[str, str]]:
    """Cell index → (tag, why) for the ``model`` and ``predict`` tags to add.

    ``cells``: the notebook's cells with the proposed tags; ``proposed``: the indexes of the
    cells the proposal makes functions of their own (only those get a tag).
    """
    planned = _plan(cells)
    if planned is None:
        return {}
    plan, model = planned
    if model is None or model.cell_number is None:
        return {}
    model_index = model.cell_number - 1
    if model_index not in proposed:
        return {}
    found = {model_index: (MODEL_PREFIX, f"fits the model `{model.value}`")}
    predict_index = _predict_cell(plan, model, proposed)
    if predict_index is not None:
        tagged = [dict(cell) for cell in cells]
        metadata = dict(tagged[predict_index].get("metadata") or {})
        metadata["tags"] = [*metadata.get("tags", []), PREDICT_PREFIX]
        tagged[predict_index]["metadata"] = metadata
        again = _plan(tagged)
        accepted = again is not None and again[1] is not None and again[1].predict is not None
        if accepted:
            found[predict_index] = (
                PREDICT_PREFIX,
                f"applies the model `{model.value}` to rows computed after it was fitted",
            )
    return found


def _plan(cells: Sequence[Mapping[str, Any]]) -> tuple[NotebookPlan, ModelPlan | None] | None:
    data = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}
    notebook, _ = notebook_from_json(data, _SHOWN, _SHOWN, "", full_schema=False)
    if notebook is None:
        return None
    tagged, _ = tag_cells(notebook)
    plan = plan_notebook(notebook, tagged, files=NoFiles())  # cells only: no folder to look in
    keys = {(step.module, step.name): step.name for step in plan.steps}
    model, _ = plan_model((plan,), keys, {p.name for p in plan.run_params})
    return plan, model


def _predict_cell(plan: NotebookPlan, model: ModelPlan, proposed: Collection[int]) -> int | None:
    """The last proposed function cell after the model's that predicts on new rows."""
    assert model.cell_number is not None
    computed_after: set[str] = set()
    """What the cells after the model's (and before the one looked at) bind."""
    found: int | None = None
    for cell in plan.cells:
        number = cell.cell.number
        analysis = cell.parsed.analysis
        if number <= model.cell_number:
            continue
        if number - 1 in proposed and cell.step is not None:
            reads = _predicted_on(
                analysis.python_source, model.value, analysis.last_assignment_binds
            )
            if reads is not None and reads & computed_after:
                found = number - 1
        computed_after.update(analysis.binds)
    return found


def _predicted_on(source: str, model: str, last_binds: Sequence[str]) -> set[str] | None:
    """The names the data of ``model.predict(DATA)`` reads (through the cell's own earlier
    assignments: ``new_features = f(new_rows)``), when the cell's last assignment binds that
    call's result (None otherwise)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    assignments = [s for s in tree.body if isinstance(s, ast.Assign)]
    if not assignments:
        return None
    last = assignments[-1]
    targets = {n.id for t in last.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if not targets & set(last_binds):
        return None
    through: dict[str, set[str]] = {}
    """Name an earlier assignment of the cell binds → the names its value reads."""
    for statement in assignments[:-1]:
        reads = _expanded(_names(statement.value), through)
        for target in statement.targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    through[node.id] = reads
    for node in ast.walk(last.value):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in PREDICT_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == model
            and node.args
        ):
            return _expanded(_names(node.args[0]), through)
    return None


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _expanded(names: set[str], through: Mapping[str, set[str]]) -> set[str]:
    return names.union(*(through.get(name, set()) for name in names))
