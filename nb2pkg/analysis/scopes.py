"""The free names of a cell's ``def``s, classes, lambdas and comprehensions: what they read from
the cell's top level (Python's scope rules for the cases cells use, without libcst's
``ScopeProvider``, which costs ~6 ms per small cell)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from nb2pkg.analysis.value_names import ValueNamesVisitor, parameters_of, target_names_of

if TYPE_CHECKING:
    from nb2pkg.analysis.names import NameFlowVisitor


def free_names_of_body(
    body: Sequence[ast.stmt], params: Iterable[str], flow: NameFlowVisitor
) -> list[tuple[str, int]]:
    """Names a function (or class) body reads that it does not bind itself, in order."""
    collector = _ScopeCollector(flow)
    collector.visit_all(body)
    flow.uses.update(name for name, _ in collector.loads)
    local = set(params) | collector.stores
    free: dict[str, int] = {}
    for name, line in collector.loads:
        if name not in local and name not in collector.declared_global and name not in free:
            free[name] = line
    for name in collector.declared_global:
        flow.global_statements.append((name, collector.global_lines[name]))
    return list(free.items())


class _ScopeCollector(ValueNamesVisitor):
    """Loads and stores of one function body; nested scopes contribute their free names."""

    def __init__(self, flow: NameFlowVisitor) -> None:
        super().__init__()
        self.flow = flow
        self.loads: list[tuple[str, int]] = []
        self.stores: set[str] = set()
        self.declared_global: set[str] = set()
        self.global_lines: dict[str, int] = {}

    def visit_Name(self, node: ast.Name) -> bool:
        self.loads.append((node.id, node.lineno))
        return False

    def record_target(self, target: ast.expr) -> None:
        self._store(target)

    def record_name(self, name: str) -> None:
        self.stores.add(name)

    def _store(self, target: ast.expr) -> None:
        names = target_names_of(target)
        self.stores.update(names)
        if not names or isinstance(target, (ast.Attribute, ast.Subscript)):
            self.visit(target)

    def visit_Assign(self, node: ast.Assign) -> bool:
        self.visit(node.value)
        for target in node.targets:
            self._store(target)
        return False

    def visit_AnnAssign(self, node: ast.AnnAssign) -> bool:
        if node.value is not None:
            self.visit(node.value)
        self._store(node.target)
        return False

    def visit_AugAssign(self, node: ast.AugAssign) -> bool:
        self.visit(node.target)
        self.visit(node.value)
        self._store(node.target)
        return False

    def visit_NamedExpr(self, node: ast.NamedExpr) -> bool:
        self.visit(node.value)
        self._store(node.target)
        return False

    def visit_withitem(self, node: ast.withitem) -> bool:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self._store(node.optional_vars)
        return False

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> bool:
        if node.type is not None:
            self.visit(node.type)
        if node.name is not None:
            self.stores.add(node.name)
        self.visit_all(node.body)
        return False

    def visit_Import(self, node: ast.Import) -> bool:
        for alias in node.names:
            self.stores.add(alias.asname or alias.name.split(".")[0])
        return False

    def visit_ImportFrom(self, node: ast.ImportFrom) -> bool:
        for alias in node.names:
            if alias.name != "*":
                self.stores.add(alias.asname or alias.name)
        return False

    def visit_Global(self, node: ast.Global) -> bool:
        for name in node.names:
            self.declared_global.add(name)
            self.global_lines[name] = node.lineno
        return False

    def visit_Nonlocal(self, node: ast.Nonlocal) -> bool:
        self.stores.update(node.names)
        return False

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        self.visit_all(node.decorator_list)
        self.stores.add(node.name)
        self.loads.extend(free_names_of_body(node.body, parameters_of(node.args), self.flow))
        return False

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> bool:
        self.visit_all(node.bases)
        self.visit_all(k.value for k in node.keywords)
        self.stores.add(node.name)
        self.loads.extend(free_names_of_body(node.body, (), self.flow))
        return False

    def visit_Lambda(self, node: ast.Lambda) -> bool:
        params = set(parameters_of(node.args))
        self.loads.extend(
            (name, line)
            for name, line in self._expression_free_names([node.body])
            if name not in params
        )
        return False

    def _expression_free_names(self, parts: Iterable[ast.AST]) -> list[tuple[str, int]]:
        collector = _ScopeCollector(self.flow)
        collector.visit_all(parts)
        return [(n, line) for n, line in collector.loads if n not in collector.stores]

    def _comprehension(
        self, generators: list[ast.comprehension], results: Sequence[ast.expr]
    ) -> bool:
        self.visit(generators[0].iter)
        bound: set[str] = set()
        inner: list[ast.AST] = []
        for index, generator in enumerate(generators):
            bound.update(target_names_of(generator.target))
            if index:
                inner.append(generator.iter)
            inner.extend(generator.ifs)
        inner.extend(results)
        self.loads.extend(
            (name, line) for name, line in self._expression_free_names(inner) if name not in bound
        )
        return False

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> bool:
        return self._comprehension(node.generators, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> bool:
        return self._comprehension(node.generators, [node.key, node.value])
