"""``int(round(x))`` → ``round(x)``: a cast of a value that is already an integer goes.

``round`` with one argument, ``math.ceil``, ``math.floor`` and ``math.trunc`` return an ``int``
for every number (Python's own, ``decimal``, ``fractions`` and NumPy's scalars, which return a
Python ``int`` from ``round`` since NumPy 1.19), so the ``int(…)`` around them does nothing
(ruff's RUF046). ruff marks its own fix unsafe, since a class could make ``__round__`` return
something else, and sees ``math.ceil`` only with the module's imports: left to ruff, the
notebook's ``int(math.ceil(n / 2))`` would stay a finding in the package. Here the call is
rewritten when it is one of those, by the module's imports (``imported``: what each name of
the module stands for, nb2pkg.analysis.mlflow_calls.qualified_names), and neither ``int``,
``round`` nor the module's name is bound by the code itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

_INTEGRAL = frozenset({"math.ceil", "math.floor", "math.trunc"})


def without_int_casts(module: cst.Module, imported: Mapping[str, str]) -> cst.Module:
    """``module`` with each ``int(<integral call>)`` replaced by the call; ``module`` itself
    when there is none."""
    bound = _BoundNames()
    module.visit(bound)
    if "int" in bound.names or imported.get("int"):
        return module
    rewriter = _IntCasts(imported, bound.names)
    changed = module.visit(rewriter)
    return changed if rewriter.changed else module


class _BoundNames(cst.CSTVisitor):
    """Every name the code binds, in any scope (a parameter, a target, a def, an import)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def visit_Param(self, node: cst.Param) -> None:
        self.names.add(node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.add(node.name.value)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None and isinstance(node.name, cst.Name):
            self.names.add(node.name.value)
        elif node.asname is None and isinstance(node.name, cst.Attribute):
            root: cst.BaseExpression = node.name
            while isinstance(root, cst.Attribute):
                root = root.value
            if isinstance(root, cst.Name):
                self.names.add(root.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.names.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.names.update(item.name.value for item in node.names)

    def _targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.names.add(target.value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self._targets(target.value)


class _IntCasts(cst.CSTTransformer):
    def __init__(self, imported: Mapping[str, str], bound: set[str]) -> None:
        super().__init__()
        self.imported = imported
        self.bound = bound
        self.changed = False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not (isinstance(func, cst.Name) and func.value == "int"):
            return updated_node
        if len(updated_node.args) != 1:
            return updated_node
        argument = updated_node.args[0]
        inner = argument.value
        if argument.keyword is not None or argument.star or not isinstance(inner, cst.Call):
            return updated_node
        if not self._integral(inner):
            return updated_node
        printed = cst.Module(body=[]).code_for_node
        if "#" in printed(updated_node).replace(printed(inner), "", 1):
            return updated_node  # a comment inside `int(…)` stays where it was written
        self.changed = True
        return inner.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)

    def _integral(self, call: cst.Call) -> bool:
        if any(arg.star for arg in call.args):
            return False
        name = self._qualified(call.func)
        if name == "round":
            return len(call.args) == 1 and call.args[0].keyword is None
        return name in _INTEGRAL and len(call.args) == 1 and call.args[0].keyword is None

    def _qualified(self, func: cst.BaseExpression) -> str | None:
        """What ``func`` names, by the module's imports; None for anything bound here."""
        parts: list[str] = []
        while isinstance(func, cst.Attribute):
            parts.insert(0, func.attr.value)
            func = func.value
        if not isinstance(func, cst.Name) or func.value in self.bound:
            return None
        root = self.imported.get(func.value)
        if root is None:
            return func.value if not parts and func.value == "round" else None
        return ".".join([root, *parts])
