"""A step that reads a module name, then binds it again: the later value gets its own name.

In the notebook ``clean(states)`` calls the ``clean`` an earlier cell defined, and a
``def clean(…)`` further down the same cell replaces it for later cells. Inside a function the
second binding makes ``clean`` local everywhere in it, so the first call would fail
(``UnboundLocalError``, ruff's F823). The binding and every use after it are renamed
(``clean_2``), which keeps what each line reads as the notebook read it.

Only bindings by a top-level ``def``, ``class`` or assignment of the step are renamed; a name
also bound inside a block before that, or bound by an import, is left alone (and so is
``x += 1``, which cannot be split that way).
"""

from __future__ import annotations

import ast

import libcst as cst


def with_rebound_names_renamed(function: cst.Module, code: str) -> cst.Module:
    """``function`` (a module holding one step definition, whose text is ``code``) with each
    rebound name renamed; ``function`` itself when no name is rebound."""
    definition = function.body[0] if function.body else None
    if not isinstance(definition, cst.FunctionDef) or not isinstance(
        definition.body, cst.IndentedBlock
    ):
        return function
    parsed = ast.parse(code).body[0]
    if not isinstance(parsed, ast.FunctionDef):
        return function
    rebound = _rebound(parsed)
    if not rebound:
        return function
    statements = list(definition.body.body)
    for name, first in rebound:
        new = _fresh(name, code)
        renamer = _Renamer(name, new)
        binding = statements[first]
        if isinstance(binding, cst.SimpleStatementLine):
            statements[first] = binding.visit(_TargetsRenamer(name, new))  # type: ignore[assignment]
        else:
            statements[first] = binding.visit(renamer)  # type: ignore[assignment]
        statements[first + 1 :] = [s.visit(renamer) for s in statements[first + 1 :]]  # type: ignore[misc]
    body = definition.body.with_changes(body=statements)
    return function.with_changes(body=[definition.with_changes(body=body)])


def _rebound(function: ast.FunctionDef) -> list[tuple[str, int]]:
    """(name, index of the top-level statement that binds it) for names read first."""
    params = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    read: set[str] = set()
    bound_before: set[str] = set()
    found: list[tuple[str, int]] = []
    for index, statement in enumerate(function.body):
        own = _top_level_binds(statement)
        loads = {
            n.id
            for n in ast.walk(statement)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        }
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            value = statement.value
            now = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} if value else set()
        else:
            now = set()
        for name in sorted(own):
            if name in (read | now) and name not in bound_before and name not in params:
                found.append((name, index))
        read |= loads
        bound_before |= own | {
            n.id
            for n in ast.walk(statement)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        bound_before |= _imported(statement)
    return found if not any(_imported(s) & {n for n, _ in found} for s in function.body) else []


def _top_level_binds(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    return set()


def _imported(statement: ast.stmt) -> set[str]:
    return {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(statement)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def _fresh(name: str, code: str) -> str:
    counter = 2
    while f"{name}_{counter}" in code:
        counter += 1
    return f"{name}_{counter}"


class _Renamer(cst.CSTTransformer):
    """Every ``Name`` spelled ``old`` (not attribute names or keyword argument names)."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return (
            updated_node.with_changes(value=self.new)
            if updated_node.value == self.old
            else updated_node
        )

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute:
        return updated_node.with_changes(attr=original_node.attr)

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        return updated_node.with_changes(keyword=original_node.keyword)


class _TargetsRenamer(cst.CSTTransformer):
    """``old = <value reading old>``: only the targets are renamed."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.renamer = _Renamer(old, new)

    def leave_AssignTarget(
        self, original_node: cst.AssignTarget, updated_node: cst.AssignTarget
    ) -> cst.AssignTarget:
        return updated_node.with_changes(target=original_node.target.visit(self.renamer))

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> cst.AnnAssign:
        return updated_node.with_changes(target=original_node.target.visit(self.renamer))
