"""Gather which names a cell reads, binds and mutates, in evaluation order, with libcst.

We do not use libcst's ``ScopeProvider``: it costs ~6 ms per small cell, seconds on a large
notebook. A notebook cell needs less than full scope analysis: which names it reads before
binding them at its top level (its inputs), which it binds (its candidate outputs), and which
free names its ``def``s and lambdas close over. This visitor walks assignments in the order
Python evaluates them (the value before the targets), so ``df = clean(df)`` reads ``df``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst
from libcst.metadata import PositionProvider

MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "remove",
        "pop",
        "clear",
        "update",
        "sort",
        "reverse",
        "add",
        "discard",
        "setdefault",
        "popitem",
        "fit",
        "partial_fit",
        "set_params",
        "fit_transform",
        "__setitem__",
        "resize",
        "fill",
        "put",
        "itemset",
    }
)
"""Methods that change their object in place (``fit`` changes an estimator)."""

PLOT_MODULES = frozenset({"plt", "pyplot", "matplotlib", "mpl", "sns", "seaborn", "px", "go"})
"""Names plotting libraries are usually imported as: a value made by them is a figure."""
PLOT_METHODS = frozenset(
    {
        "plot",
        "subplots",
        "figure",
        "hist",
        "scatter",
        "boxplot",
        "bar",
        "barh",
        "pie",
        "imshow",
        "add_subplot",
        "twinx",
        "twiny",
        "heatmap",
        "pairplot",
        "gca",
        "gcf",
    }
)
"""Methods that return figures or axes (``df.plot()``, ``ax.twinx()``)."""

KEYWORD_CONSTANTS = frozenset({"True", "False", "None"})
"""libcst parses these as ``Name`` nodes; they are values, never inputs."""


class _ValueNamesVisitor(cst.CSTVisitor):
    """Visits only the names that are values: not ``.attr`` of ``x.attr``, not ``key=`` of a call."""

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_For(self, node: cst.For) -> bool:
        # The iterable is evaluated before the loop variable is bound.
        node.iter.visit(self)
        self.record_target(node.target)
        node.body.visit(self)
        if node.orelse is not None:
            node.orelse.visit(self)
        return False

    def record_target(self, target: cst.BaseExpression) -> None:
        raise NotImplementedError

    def record_name(self, name: str) -> None:
        raise NotImplementedError

    # ``match`` patterns: capture names are bindings; keyword keys of class patterns are
    # attribute names, not reads.

    def visit_MatchAs(self, node: cst.MatchAs) -> bool:
        if node.pattern is not None:
            node.pattern.visit(self)
        if node.name is not None:
            self.record_name(node.name.value)
        return False

    def visit_MatchStar(self, node: cst.MatchStar) -> bool:
        if node.name is not None:
            self.record_name(node.name.value)
        return False

    def visit_MatchMapping(self, node: cst.MatchMapping) -> bool:
        for element in node.elements:
            element.key.visit(self)
            element.pattern.visit(self)
        if node.rest is not None:
            self.record_name(node.rest.value)
        return False

    def visit_MatchKeywordElement(self, node: cst.MatchKeywordElement) -> bool:
        node.pattern.visit(self)
        return False


class NameFlowVisitor(_ValueNamesVisitor):
    """Reads before binds, binds, mutations of inputs, and free names of nested defs."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[str, int] = {}
        self.binds: list[str] = []
        self.bound: set[str] = set()
        self.value_binds: list[str] = []
        """Names assigned a value at the cell's top level: not loop variables, ``with``/
        ``except`` names, imports, defs, classes, or figures and axes."""
        self._value_bound: set[str] = set()
        self.mutations: dict[str, int] = {}
        self.def_globals: list[tuple[str, str, int]] = []
        """(def name, free name, line): resolved against the cell's binds afterwards."""
        self.global_statements: list[tuple[str, int]] = []
        self.has_assert = False
        self.has_call = False
        self.uses: set[str] = set()
        self._local_stack: list[set[str]] = []
        """Names bound in enclosing comprehensions/lambdas (not cell-level)."""

    # ---------------------------------------------------------------- helpers

    def line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def _is_local(self, name: str) -> bool:
        return any(name in scope for scope in self._local_stack)

    def load(self, name: str, node: cst.CSTNode) -> None:
        self.uses.add(name)
        if self._is_local(name) or name in self.bound or name in self.reads:
            return
        self.reads[name] = self.line(node)

    def bind(self, name: str) -> None:
        if self._local_stack:
            self._local_stack[-1].add(name)
            return
        if name not in self.bound:
            self.bound.add(name)
            self.binds.append(name)

    def record_target(self, target: cst.BaseExpression) -> None:
        self.bind_target(target)

    def record_name(self, name: str) -> None:
        self.bind(name)

    def bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value)
        elif isinstance(target, (cst.Attribute, cst.Subscript)):
            # ``df["x"] = ...`` / ``obj.attr = ...``: the base object is read and changed.
            target.visit(self)
            self._note_mutation(target)
        else:
            target.visit(self)

    def _note_mutation(self, expression: cst.BaseExpression) -> None:
        base = base_name(expression)
        if base is None or self._is_local(base.value) or base.value in self.bound:
            return
        self.mutations.setdefault(base.value, self.line(expression))

    # ---------------------------------------------------------------- names

    def visit_Name(self, node: cst.Name) -> bool:
        if node.value not in KEYWORD_CONSTANTS:
            self.load(node.value, node)
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        self.has_call = True
        node.func.visit(self)
        for arg in node.args:
            arg.visit(self)
        func = node.func
        if isinstance(func, cst.Attribute):
            inplace = any(
                arg.keyword is not None
                and arg.keyword.value == "inplace"
                and isinstance(arg.value, cst.Name)
                and arg.value.value == "True"
                for arg in node.args
            )
            if inplace or func.attr.value in MUTATING_METHODS:
                self._note_mutation(func.value)
        return False

    def visit_Assert(self, node: cst.Assert) -> bool:
        self.has_assert = True
        return True

    # ---------------------------------------------------------------- bindings

    def visit_Assign(self, node: cst.Assign) -> bool:
        node.value.visit(self)
        for target in node.targets:
            self.bind_target(target.target)
            self._note_value(target.target, node.value)
        return False

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        node.annotation.visit(self)
        if node.value is not None:
            node.value.visit(self)
            self.bind_target(node.target)
            self._note_value(node.target, node.value)
        return False

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        if isinstance(node.target, cst.Name):
            self.load(node.target.value, node.target)
        node.value.visit(self)
        self.bind_target(node.target)
        self._note_value(node.target, node.value)
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        node.value.visit(self)
        if isinstance(node.target, cst.Name):
            # A walrus in a comprehension binds in the enclosing scope.
            saved = self._local_stack
            self._local_stack = [s for s in saved[:-1]] if saved else []
            self.bind(node.target.value)
            self._note_value(node.target, node.value)
            self._local_stack = saved
        return False

    def _note_value(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if self._local_stack or is_plot_call(value):
            return
        for name in target_names(target):
            if name not in self._value_bound:  # a set: analysis stays linear in the cell
                self._value_bound.add(name)
                self.value_binds.append(name)

    def visit_With(self, node: cst.With) -> bool:
        for item in node.items:
            item.item.visit(self)
            if item.asname is not None:
                self.bind_target(item.asname.name)
        node.body.visit(self)
        return False

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        if node.type is not None:
            node.type.visit(self)
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.bind(node.name.name.value)
        node.body.visit(self)
        return False

    def visit_Del(self, node: cst.Del) -> bool:
        if isinstance(node.target, (cst.Subscript, cst.Attribute)):
            node.target.visit(self)
            self._note_mutation(node.target)
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        for item in node.names:
            self.global_statements.append((item.name.value, self.line(node)))
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name.value)
            else:
                self.bind(dotted_name(alias.name).split(".")[0])
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name.value)
            else:
                self.bind(dotted_name(alias.name))
        return False

    # ---------------------------------------------------------------- nested scopes

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            decorator.decorator.visit(self)
        self._visit_param_defaults(node.params)
        if node.returns is not None:
            node.returns.annotation.visit(self)
        for name, line in free_names_of_function(node, self):
            self.def_globals.append((node.name.value, name, line))
        self.bind(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        for decorator in node.decorators:
            decorator.decorator.visit(self)
        for arg in (*node.bases, *node.keywords):
            arg.value.visit(self)
        for name, line in free_names_of_body(node.body, (), self):
            self.def_globals.append((node.name.value, name, line))
        self.bind(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self._visit_param_defaults(node.params)
        self._local_stack.append(set(parameter_names(node.params)))
        node.body.visit(self)
        self._local_stack.pop()
        return False

    def _visit_param_defaults(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                param.default.visit(self)
            if param.annotation is not None:
                param.annotation.annotation.visit(self)

    def _visit_comprehension(
        self, for_in: cst.CompFor, results: Sequence[cst.BaseExpression]
    ) -> None:
        # The first iterable is evaluated in the enclosing scope; the rest inside.
        for_in.iter.visit(self)
        self._local_stack.append(set())
        current: cst.CompFor | None = for_in
        first = True
        while current is not None:
            if not first:
                current.iter.visit(self)
            first = False
            self._bind_local_target(current.target)
            for condition in current.ifs:
                condition.test.visit(self)
            current = current.inner_for_in
        for result in results:
            result.visit(self)
        self._local_stack.pop()

    def _bind_local_target(self, target: cst.BaseExpression) -> None:
        for name in target_names(target):
            self._local_stack[-1].add(name)

    def visit_ListComp(self, node: cst.ListComp) -> bool:
        self._visit_comprehension(node.for_in, [node.elt])
        return False

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        self._visit_comprehension(node.for_in, [node.elt])
        return False

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        self._visit_comprehension(node.for_in, [node.elt])
        return False

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        self._visit_comprehension(node.for_in, [node.key, node.value])
        return False


# -------------------------------------------------------------------- nested-scope helpers


def free_names_of_function(
    node: cst.FunctionDef, positions: NameFlowVisitor
) -> list[tuple[str, int]]:
    return free_names_of_body(node.body, parameter_names(node.params), positions)


def free_names_of_body(
    body: cst.BaseSuite, params: Iterable[str], positions: NameFlowVisitor
) -> list[tuple[str, int]]:
    """Names a function (or class) body reads that it does not bind itself, in order."""
    collector = _ScopeCollector(positions)
    body.visit(collector)
    positions.uses.update(name for name, _ in collector.loads)
    local = set(params) | collector.stores
    free: dict[str, int] = {}
    for name, line in collector.loads:
        if name not in local and name not in collector.declared_global and name not in free:
            free[name] = line
    for name in collector.declared_global:
        positions.global_statements.append((name, collector.global_lines[name]))
    return list(free.items())


class _ScopeCollector(_ValueNamesVisitor):
    """Loads and stores of one function body; nested scopes contribute their free names."""

    def __init__(self, positions: NameFlowVisitor) -> None:
        super().__init__()
        self.positions = positions
        self.loads: list[tuple[str, int]] = []
        self.stores: set[str] = set()
        self.declared_global: set[str] = set()
        self.global_lines: dict[str, int] = {}

    def _line(self, node: cst.CSTNode) -> int:
        return self.positions.line(node)

    def visit_Name(self, node: cst.Name) -> bool:
        if node.value not in KEYWORD_CONSTANTS:
            self.loads.append((node.value, self._line(node)))
        return False

    def record_target(self, target: cst.BaseExpression) -> None:
        self._store(target)

    def record_name(self, name: str) -> None:
        self.stores.add(name)

    def _store(self, target: cst.BaseExpression) -> None:
        names = target_names(target)
        self.stores.update(names)
        if not names or isinstance(target, (cst.Attribute, cst.Subscript)):
            target.visit(self)

    def visit_Assign(self, node: cst.Assign) -> bool:
        node.value.visit(self)
        for target in node.targets:
            self._store(target.target)
        return False

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        if node.value is not None:
            node.value.visit(self)
        self._store(node.target)
        return False

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        node.target.visit(self)
        node.value.visit(self)
        self._store(node.target)
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        node.value.visit(self)
        self._store(node.target)
        return False

    def visit_AsName(self, node: cst.AsName) -> bool:
        if isinstance(node.name, cst.BaseExpression):
            self._store(node.name)
        return False

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        if node.type is not None:
            node.type.visit(self)
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.stores.add(node.name.name.value)
        node.body.visit(self)
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.stores.add(alias.asname.name.value)
            else:
                self.stores.add(dotted_name(alias.name).split(".")[0])
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.stores.add(alias.asname.name.value)
                else:
                    self.stores.add(dotted_name(alias.name))
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        for item in node.names:
            self.declared_global.add(item.name.value)
            self.global_lines[item.name.value] = self._line(node)
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        for item in node.names:
            self.stores.add(item.name.value)
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            decorator.decorator.visit(self)
        self.stores.add(node.name.value)
        self.loads.extend(free_names_of_function(node, self.positions))
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        for arg in (*node.bases, *node.keywords):
            arg.value.visit(self)
        self.stores.add(node.name.value)
        self.loads.extend(free_names_of_body(node.body, (), self.positions))
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.loads.extend(
            (name, line)
            for name, line in _expression_free_names(node.body, self.positions)
            if name not in parameter_names(node.params)
        )
        return False

    def _comprehension(self, node: cst.CSTNode, for_in: cst.CompFor) -> bool:
        for_in.iter.visit(self)
        bound: set[str] = set()
        current: cst.CompFor | None = for_in
        while current is not None:
            bound.update(target_names(current.target))
            current = current.inner_for_in
        self.loads.extend(
            (name, line)
            for name, line in _expression_free_names(node, self.positions, skip_first_iter=True)
            if name not in bound
        )
        return False

    def visit_ListComp(self, node: cst.ListComp) -> bool:
        return self._comprehension(node, node.for_in)

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        return self._comprehension(node, node.for_in)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        return self._comprehension(node, node.for_in)

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        return self._comprehension(node, node.for_in)


def _expression_free_names(
    node: cst.CSTNode, positions: NameFlowVisitor, *, skip_first_iter: bool = False
) -> list[tuple[str, int]]:
    collector = _ScopeCollector(positions)
    if skip_first_iter and isinstance(
        node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
    ):
        current: cst.CompFor | None = node.for_in
        first = True
        while current is not None:
            if not first:
                current.iter.visit(collector)
            first = False
            for condition in current.ifs:
                condition.test.visit(collector)
            current = current.inner_for_in
        parts: list[cst.BaseExpression] = (
            [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
        )
        for part in parts:
            part.visit(collector)
    else:
        node.visit(collector)
    return [(n, line) for n, line in collector.loads if n not in collector.stores]


# -------------------------------------------------------------------- small helpers


def parameter_names(params: cst.Parameters) -> list[str]:
    names = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return names


def target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


def is_plot_call(expression: cst.BaseExpression) -> bool:
    """A call that makes a figure or axes: ``plt.subplots()``, ``df.plot.bar()``, ``sns.…``."""
    if not isinstance(expression, cst.Call):
        return False
    root = base_name(expression)
    if root is not None and root.value in PLOT_MODULES:
        return True
    current: cst.BaseExpression = expression.func
    while isinstance(current, (cst.Attribute, cst.Call, cst.Subscript)):
        if isinstance(current, cst.Attribute):
            if current.attr.value in PLOT_METHODS:
                return True
            current = current.value
        elif isinstance(current, cst.Call):
            current = current.func
        else:
            current = current.value
    return False


def base_name(expression: cst.BaseExpression) -> cst.Name | None:
    """``df`` of ``df.loc[mask, "x"]`` or ``model.steps[0]``."""
    current = expression
    while isinstance(current, (cst.Attribute, cst.Subscript, cst.Call)):
        current = current.func if isinstance(current, cst.Call) else current.value
    return current if isinstance(current, cst.Name) else None


def dotted_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""
