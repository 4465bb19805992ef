"""Gather which names a cell reads, binds and mutates, in evaluation order, from its ``ast``.

We do not use a full scope analysis (libcst's ``ScopeProvider`` costs ~6 ms per small cell,
seconds on a large notebook). A notebook cell needs less: which names it reads before binding
them at its top level (its inputs), which it binds (its candidate outputs), and which free
names its ``def``s and lambdas close over (``nb2pkg.analysis.scopes``). The visitor walks the
stdlib ``ast`` (every node carries its position, and it parses ~10x faster than libcst) in
source order (``nb2pkg.analysis.value_names``), assignments in the order Python evaluates them
(the value before the targets), so ``df = clean(df)`` reads ``df``.

Import names come from ``ast.alias``, which holds the dotted name as written
(``alias.name == "os.path"``): nothing here rebuilds dotted names from attribute chains.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from nb2pkg.analysis.plot_calls import is_plot_call_of
from nb2pkg.analysis.scopes import free_names_of_body
from nb2pkg.analysis.value_names import (
    ValueNamesVisitor,
    base_name_of,
    ordered_arguments,
    parameters_of,
    target_names_of,
)

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


class NameFlowVisitor(ValueNamesVisitor):
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
        self._figures: set[str] = set()
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
        stack = self._local_stack
        return bool(stack) and any(name in scope for scope in stack)

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
        if _calls_base(expression):
            return  # `CountVectorizer(min_df=5).fit(X)` changes a new object, not the class
        self.mutations.setdefault(base.id, expression.lineno)

    # ---------------------------------------------------------------- names

    def visit_Name(self, node: ast.Name) -> bool:
        self.load(node.id, node.lineno)
        return False

    def visit_Call(self, node: ast.Call) -> bool:
        self.has_call = True
        self.visit(node.func)
        for value in ordered_arguments(node):
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
        if self._local_stack:
            return
        if is_plot_call_of(value, self._figures, assigned=True) or (
            isinstance(value, ast.Subscript)
            and (base := base_name_of(value)) is not None
            and base.id in self._figures
        ):  # a figure or axes (`ax = axes[0]`) is no value
            self._figures.update(target_names_of(target))
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
        for decorator in node.decorator_list:
            if _registers(decorator):
                # `@trainer.on(Events.EPOCH_COMPLETED)`: `trainer` now calls the function
                assert isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                self._note_mutation(decorator.func.value)
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


def _calls_base(expression: ast.expr) -> bool:
    """Whether the chain from ``expression`` down to its base name calls that name
    (``Model(…).fit``, ``make_pipeline(…).steps``): what it changes is a value the call made."""
    current = expression
    while isinstance(current, ast.Attribute | ast.Subscript | ast.Call):
        if isinstance(current, ast.Call) and isinstance(current.func, ast.Name):
            return True
        current = current.func if isinstance(current, ast.Call) else current.value
    return False


_WRAPPING_DECORATORS = frozenset(
    {
        "no_grad",
        "enable_grad",
        "inference_mode",
        "autocast",
        "jit",
        "njit",
        "vectorize",
        "lru_cache",
        "cache",
        "wraps",
        "contextmanager",
        "fixture",
        "parametrize",
        "function",
    }
)
"""Decorators from libraries that wrap the function and register it nowhere."""


def _registers(decorator: ast.expr) -> bool:
    """``@trainer.on(Events.EPOCH_COMPLETED)``, ``@app.route("/")``: a method call on a value
    that keeps the decorated function (not ``@torch.no_grad()``, which only wraps it)."""
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and isinstance(decorator.func.value, ast.Name)
        and decorator.func.attr not in _WRAPPING_DECORATORS
    )
