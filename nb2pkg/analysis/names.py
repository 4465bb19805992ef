"""Gather which names a cell reads, binds and mutates, in evaluation order, from its ``ast``.

We do not use a full scope analysis (libcst's ``ScopeProvider`` costs ~6 ms per small cell,
seconds on a large notebook). A notebook cell needs less: which names it reads before binding
them at its top level (its inputs), which it binds (its candidate outputs), and which free
names its ``def``s and lambdas close over. The visitor walks the stdlib ``ast`` (every node
carries its position, and it parses ~10x faster than libcst) in source order, assignments in
the order Python evaluates them (the value before the targets), so ``df = clean(df)`` reads
``df``. The libcst helpers at the end serve code working on a cell's libcst tree.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator, Sequence

import libcst as cst

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


def _ordered_arguments(call: ast.Call) -> list[ast.expr]:
    """A call's positional and keyword argument values in source order."""
    values: list[ast.expr] = list(call.args)
    if call.keywords:
        if values and (call.keywords[0].lineno, call.keywords[0].col_offset) < (
            values[-1].lineno,
            values[-1].col_offset,
        ):
            # `f(x=1, *rest)`: keywords may precede a starred argument
            pairs: list[tuple[tuple[int, int], ast.expr]] = [
                ((v.lineno, v.col_offset), v) for v in values
            ]
            pairs.extend(((k.lineno, k.col_offset), k.value) for k in call.keywords)
            pairs.sort(key=lambda pair: pair[0])
            return [v for _, v in pairs]
        values.extend(k.value for k in call.keywords)
    return values


def children(node: ast.AST) -> Iterator[ast.AST]:
    """The child nodes of ``node`` in source order (``ast`` fields are not always in it)."""
    if isinstance(node, ast.IfExp):
        yield node.body
        yield node.test
        yield node.orelse
    elif isinstance(node, ast.Dict):
        for key, item in zip(node.keys, node.values, strict=True):
            if key is not None:
                yield key
            yield item
    elif isinstance(node, ast.Call):
        yield node.func
        yield from _ordered_arguments(node)
    elif isinstance(node, ast.keyword):
        yield node.value
    else:
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                if value._fields:
                    yield value
            elif isinstance(value, list):
                for element in value:
                    if isinstance(element, ast.AST):
                        yield element


_Handler = Callable[[ast.AST], bool]


class _ValueNamesVisitor:
    """Visits only the names that are values: not ``.attr`` of ``x.attr``, not ``key=`` of a call.

    ``visit_<NodeType>`` methods return True to go on into the node's children.
    """

    def __init__(self) -> None:
        self._handlers: dict[type, _Handler | None] = {}

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        try:
            handler = self._handlers[kind]
        except KeyError:
            handler = self._handlers[kind] = getattr(self, f"visit_{kind.__name__}", None)
        if handler is None or handler(node):
            for child in children(node):
                self.visit(child)

    def visit_all(self, nodes: Iterable[ast.AST]) -> None:
        for node in nodes:
            self.visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> bool:
        self.visit(node.value)
        return False

    def visit_For(self, node: ast.For | ast.AsyncFor) -> bool:
        # The iterable is evaluated before the loop variable is bound.
        self.visit(node.iter)
        self.record_target(node.target)
        self.visit_all(node.body)
        self.visit_all(node.orelse)
        return False

    visit_AsyncFor = visit_For

    def record_target(self, target: ast.expr) -> None:
        raise NotImplementedError

    def record_name(self, name: str) -> None:
        raise NotImplementedError

    # ``match`` patterns: capture names are bindings; keyword keys of class patterns are
    # attribute names, not reads.

    def visit_MatchAs(self, node: ast.MatchAs) -> bool:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name is not None:
            self.record_name(node.name)
        return False

    def visit_MatchStar(self, node: ast.MatchStar) -> bool:
        if node.name is not None:
            self.record_name(node.name)
        return False

    def visit_MatchMapping(self, node: ast.MatchMapping) -> bool:
        for key, pattern in zip(node.keys, node.patterns, strict=True):
            self.visit(key)
            self.visit(pattern)
        if node.rest is not None:
            self.record_name(node.rest)
        return False


class NameFlowVisitor(_ValueNamesVisitor):
    """Reads before binds, binds, mutations of inputs, and free names of nested defs."""

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

    def _is_local(self, name: str) -> bool:
        return any(name in scope for scope in self._local_stack)

    def load(self, name: str, line: int) -> None:
        self.uses.add(name)
        if name in self.bound or name in self.reads or self._is_local(name):
            return
        self.reads[name] = line

    def bind(self, name: str) -> None:
        if self._local_stack:
            self._local_stack[-1].add(name)
            return
        if name not in self.bound:
            self.bound.add(name)
            self.binds.append(name)

    def record_target(self, target: ast.expr) -> None:
        self.bind_target(target)

    def record_name(self, name: str) -> None:
        self.bind(name)

    def bind_target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind_target(element)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            # ``df["x"] = ...`` / ``obj.attr = ...``: the base object is read and changed.
            self.visit(target)
            self._note_mutation(target)
        else:
            self.visit(target)

    def _note_mutation(self, expression: ast.expr) -> None:
        base = base_name_of(expression)
        if base is None or self._is_local(base.id) or base.id in self.bound:
            return
        self.mutations.setdefault(base.id, expression.lineno)

    # ---------------------------------------------------------------- names

    def visit_Name(self, node: ast.Name) -> bool:
        self.load(node.id, node.lineno)
        return False

    def visit_Call(self, node: ast.Call) -> bool:
        self.has_call = True
        self.visit(node.func)
        for value in _ordered_arguments(node):
            self.visit(value)
        func = node.func
        if isinstance(func, ast.Attribute):
            inplace = any(
                keyword.arg == "inplace"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value is True
                for keyword in node.keywords
            )
            if inplace or func.attr in MUTATING_METHODS:
                self._note_mutation(func.value)
        return False

    def visit_Assert(self, node: ast.Assert) -> bool:
        self.has_assert = True
        return True

    # ---------------------------------------------------------------- bindings

    def visit_Assign(self, node: ast.Assign) -> bool:
        self.visit(node.value)
        for target in node.targets:
            self.bind_target(target)
            self._note_value(target, node.value)
        return False

    def visit_AnnAssign(self, node: ast.AnnAssign) -> bool:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
            self.bind_target(node.target)
            self._note_value(node.target, node.value)
        return False

    def visit_AugAssign(self, node: ast.AugAssign) -> bool:
        if isinstance(node.target, ast.Name):
            self.load(node.target.id, node.target.lineno)
        self.visit(node.value)
        self.bind_target(node.target)
        self._note_value(node.target, node.value)
        return False

    def visit_NamedExpr(self, node: ast.NamedExpr) -> bool:
        self.visit(node.value)
        # A walrus in a comprehension binds in the enclosing scope.
        saved = self._local_stack
        self._local_stack = saved[:-1] if saved else []
        self.bind(node.target.id)
        self._note_value(node.target, node.value)
        self._local_stack = saved
        return False

    def _note_value(self, target: ast.expr, value: ast.expr) -> None:
        if self._local_stack or is_plot_call_of(value):
            return
        for name in target_names_of(target):
            if name not in self._value_bound:  # a set: analysis stays linear in the cell
                self._value_bound.add(name)
                self.value_binds.append(name)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> bool:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars)
        self.visit_all(node.body)
        return False

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> bool:
        if node.type is not None:
            self.visit(node.type)
        if node.name is not None:
            self.bind(node.name)
        self.visit_all(node.body)
        return False

    def visit_Delete(self, node: ast.Delete) -> bool:
        # ``del a, b`` is one tuple target: nothing is read or changed.
        if len(node.targets) == 1 and isinstance(node.targets[0], (ast.Subscript, ast.Attribute)):
            self.visit(node.targets[0])
            self._note_mutation(node.targets[0])
        return False

    def visit_Global(self, node: ast.Global) -> bool:
        for name in node.names:
            self.global_statements.append((name, node.lineno))
        return False

    def visit_Nonlocal(self, node: ast.Nonlocal) -> bool:
        return False

    def visit_Import(self, node: ast.Import) -> bool:
        for alias in node.names:
            self.bind(alias.asname or alias.name.split(".")[0])
        return False

    def visit_ImportFrom(self, node: ast.ImportFrom) -> bool:
        for alias in node.names:
            if alias.name != "*":
                self.bind(alias.asname or alias.name)
        return False

    # ---------------------------------------------------------------- nested scopes

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        self.visit_all(node.decorator_list)
        self._visit_param_defaults(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        for name, line in free_names_of_body(node.body, parameters_of(node.args), self):
            self.def_globals.append((node.name, name, line))
        self.bind(node.name)
        return False

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> bool:
        self.visit_all(node.decorator_list)
        self.visit_all(node.bases)
        self.visit_all(k.value for k in node.keywords)
        for name, line in free_names_of_body(node.body, (), self):
            self.def_globals.append((node.name, name, line))
        self.bind(node.name)
        return False

    def visit_Lambda(self, node: ast.Lambda) -> bool:
        self._visit_param_defaults(node.args)
        self._local_stack.append(set(parameters_of(node.args)))
        self.visit(node.body)
        self._local_stack.pop()
        return False

    def _visit_param_defaults(self, params: ast.arguments) -> None:
        positional = [*params.posonlyargs, *params.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(params.defaults))
        defaults.extend(params.defaults)
        pairs = [
            *zip(positional, defaults, strict=True),
            *zip(params.kwonlyargs, params.kw_defaults, strict=True),
        ]
        for param, default in pairs:
            if default is not None:
                self.visit(default)
            if param.annotation is not None:
                self.visit(param.annotation)

    def _visit_comprehension(
        self, generators: list[ast.comprehension], results: Sequence[ast.expr]
    ) -> None:
        # The first iterable is evaluated in the enclosing scope; the rest inside.
        self.visit(generators[0].iter)
        self._local_stack.append(set())
        for index, generator in enumerate(generators):
            if index:
                self.visit(generator.iter)
            self._local_stack[-1].update(target_names_of(generator.target))
            self.visit_all(generator.ifs)
        self.visit_all(results)
        self._local_stack.pop()

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> bool:
        self._visit_comprehension(node.generators, [node.elt])
        return False

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> bool:
        self._visit_comprehension(node.generators, [node.key, node.value])
        return False


# -------------------------------------------------------------------- nested-scope helpers


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


class _ScopeCollector(_ValueNamesVisitor):
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


def parameters_of(params: ast.arguments) -> list[str]:
    names = [p.arg for p in (*params.posonlyargs, *params.args, *params.kwonlyargs)]
    if params.vararg is not None:
        names.append(params.vararg.arg)
    if params.kwarg is not None:
        names.append(params.kwarg.arg)
    return names


def target_names_of(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in target_names_of(element)]
    if isinstance(target, ast.Starred):
        return target_names_of(target.value)
    return []


def is_plot_call_of(expression: ast.expr) -> bool:
    """A call that makes a figure or axes: ``plt.subplots()``, ``df.plot.bar()``, ``sns.…``."""
    if not isinstance(expression, ast.Call):
        return False
    root = base_name_of(expression)
    if root is not None and root.id in PLOT_MODULES:
        return True
    current: ast.expr = expression.func
    while isinstance(current, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(current, ast.Attribute):
            if current.attr in PLOT_METHODS:
                return True
            current = current.value
        elif isinstance(current, ast.Call):
            current = current.func
        else:
            current = current.value
    return False


def base_name_of(expression: ast.expr) -> ast.Name | None:
    """``df`` of ``df.loc[mask, "x"]`` or ``model.steps[0]``."""
    current = expression
    while isinstance(current, (ast.Attribute, ast.Subscript, ast.Call)):
        current = current.func if isinstance(current, ast.Call) else current.value
    return current if isinstance(current, ast.Name) else None


# -------------------------------------------------------------------- libcst helpers


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
