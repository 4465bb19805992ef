"""Values a generated function binds and never reads leave it (ruff's F841), and so do the
names it imports and never reads (F401).

Once display statements, plots and prints are gone from a step, a value computed only to be
shown is bound for nothing; the user's own functions (nested in a step, or in an ``export``
cell) may hold such values, or imports, too. See ``without_unused_values``.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst

from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.emit.function_scopes import Scope as _Scope
from nb2pkg.emit.function_scopes import function_scopes as _function_scopes
from nb2pkg.emit.function_scopes import has_unused_values
from nb2pkg.emit.step_transformers import with_pass_if_empty


def without_unused_values(module: cst.Module, *, step: bool = True) -> cst.Module:
    """The functions in ``module`` without names they bind and never read (ruff's F841).

    Once display statements, plots and prints are gone, a value computed only to be shown is
    bound for nothing: an assignment whose value only computes is dropped, one whose value does
    work (``model.fit(X, y)``) keeps the call as a statement; ``with … as name`` and
    ``except … as name`` lose the unused name; ``a, b = x, y`` loses the pair whose name is
    unused when its value only computes. Each function is its own scope: the step and the
    functions the user defines in it (or in an ``export`` cell) alike, a name read by a
    function nested in it counting as read. Repeated until nothing changes (dropping one
    assignment may leave the value it read unused). A function with a ``global`` or
    ``nonlocal`` statement, or reading names dynamically (``locals()``), is left alone;
    statements at module level are never touched.

    ``step``: the module holds one step function, whose unused names unpacked from a value
    get a leading underscore (``_fig, ax = plt.subplots()``); in the user's own functions
    they stay as written (ruff's default rules do not report them).
    """
    return without_unused(module, step=step)[0]


def helper_module_source(source: str) -> str:
    """A helper module beside the notebook (copied into the package) without the names its
    functions bind and never read: the rule of the user's own functions in a step or an
    ``export`` cell; its module-level code stays as written. A module that does not parse
    is returned as it is."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    if not has_unused_values(tree):
        return source
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return source
    return without_unused(module, source, tree, step=False)[1]


def without_unused(
    module: cst.Module, code: str | None = None, tree: ast.Module | None = None, *, step: bool
) -> tuple[cst.Module, str]:
    """``without_unused_values`` and the code of its result, printed once (``code``: the
    code of ``module``, when the caller has it; ``tree``: its ``ast``, when parsed already)."""
    code = module.code if code is None else code
    for _ in range(20):
        scopes = _function_scopes(ast.parse(code) if tree is None else tree)
        tree = None
        if not any(scope.unused for scope in scopes):
            return module, code  # nothing to remove: skip the (slow) libcst pass
        remover = _UnusedValues(scopes, rename_unpacked=step)
        changed = module.visit(remover)
        if not remover.changed:
            return module, code
        module = changed
        code = module.code
    return module, code


class _UnusedValues(cst.CSTTransformer):
    """Removes the unused names of each function (``scopes``, in the order of the source);
    a class body's and the module's own statements stay."""

    def __init__(self, scopes: Sequence[_Scope], *, rename_unpacked: bool) -> None:
        super().__init__()
        self.pending = list(reversed(scopes))
        self.stack: list[_Scope | None] = []
        self.rename_unpacked = rename_unpacked
        self.changed = False
        self.removed: set[int] = set()
        """The ``id`` of each statement removed (its comments move on)."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        scope = self.pending.pop() if self.pending else None
        self.stack.append(scope if scope is not None and scope.name == node.name.value else None)
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.stack.pop()
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.stack.append(None)
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self.stack.pop()
        return updated_node

    @property
    def scope(self) -> _Scope | None:
        return self.stack[-1] if self.stack else None

    def _unused(self, target: cst.BaseExpression) -> bool:
        scope = self.scope
        return scope is not None and isinstance(target, cst.Name) and target.value in scope.unused

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if len(updated_node.body) != 1 or self.scope is None:
            return updated_node
        small = updated_node.body[0]
        if isinstance(small, cst.Import | cst.ImportFrom):
            return self._import(original_node, updated_node, small)
        value: cst.BaseExpression | None
        if (
            isinstance(small, cst.Assign) and all(self._unused(t.target) for t in small.targets)
        ) or (
            isinstance(small, cst.AnnAssign)
            and small.value is not None
            and self._unused(small.target)
        ):
            value = small.value
        elif isinstance(small, cst.Assign) and len(small.targets) == 1:
            return self._unpacked(original_node, updated_node, small)
        else:
            return updated_node
        if value is None:
            return updated_node
        self.changed = True
        if _is_pure(value):
            self.removed.add(id(original_node))
            return cst.RemoveFromParent()
        return updated_node.with_changes(body=[cst.Expr(value=value)])

    def _import(
        self,
        original: cst.SimpleStatementLine,
        line: cst.SimpleStatementLine,
        small: cst.Import | cst.ImportFrom,
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        """An import inside a function without the names the function never reads (ruff's
        F401): the notebook's function imported them for nothing."""
        if isinstance(small.names, cst.ImportStar):
            return line
        kept = [alias for alias in small.names if not self._unused(_bound_name(alias, small))]
        if len(kept) == len(small.names):
            return line
        self.changed = True
        if not kept:
            self.removed.add(id(original))
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return line.with_changes(body=[small.with_changes(names=kept)])

    def _unpacked(
        self, original: cst.SimpleStatementLine, line: cst.SimpleStatementLine, small: cst.Assign
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        """``a, b = x, y`` with ``b`` never read: ``a = x`` when ``y`` only computes.
        ``fig, ax = plt.subplots()`` with ``fig`` never read, in a step: ``_fig, ax = …``
        (ruff's RUF059); the unpacking still happens, as written."""
        target = small.targets[0].target
        if not isinstance(target, cst.Tuple | cst.List):
            return line
        parallel = _parallel_pairs(target, small.value)
        if parallel is not None:
            kept = [(t, v) for t, v in parallel if not (self._unused(t) and _is_pure(v))]
            if len(kept) == len(parallel):
                return line
            self.changed = True
            if not kept:
                self.removed.add(id(original))
                return cst.RemoveFromParent()
            if len(kept) == 1:
                assigned = cst.AssignTarget(target=kept[0][0])
                return line.with_changes(
                    body=[small.with_changes(targets=[assigned], value=kept[0][1])]
                )
            targets = target.with_changes(elements=[cst.Element(t) for t, _ in kept])
            values = cst.Tuple([cst.Element(v) for _, v in kept])
            return line.with_changes(
                body=[small.with_changes(targets=[cst.AssignTarget(targets)], value=values)]
            )
        if not self.rename_unpacked or len(self.stack) != 1:
            return line
        scope = self.stack[0]
        assert scope is not None
        elements = list(target.elements)
        renamed = False
        for position, element in enumerate(elements):
            name = element.value
            if (
                isinstance(element, cst.Element)
                and isinstance(name, cst.Name)
                and self._unused(name)
                and not name.value.startswith("_")
                and f"_{name.value}" not in scope.used
            ):
                elements[position] = element.with_changes(value=cst.Name(f"_{name.value}"))
                renamed = True
        if not renamed:
            return line
        assigned = cst.AssignTarget(target=target.with_changes(elements=elements))
        self.changed = True
        return line.with_changes(body=[small.with_changes(targets=[assigned])])

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        """The block, its removed statements' comments moved onto the next statement kept
        (or below the last one): the user's comments stay."""
        removed = sum(id(statement) in self.removed for statement in original_node.body)
        if not removed or len(updated_node.body) != len(original_node.body) - removed:
            return with_pass_if_empty(updated_node)
        carried: list[cst.EmptyLine] = []
        body: list[cst.BaseStatement] = []
        kept = iter(updated_node.body)
        for statement in original_node.body:
            if id(statement) in self.removed:
                lines = getattr(statement, "leading_lines", ())
                carried += [line for line in lines if line.comment is not None]
                continue
            following = next(kept)
            if carried:
                leading = [*carried, *getattr(following, "leading_lines", ())]
                following = following.with_changes(leading_lines=leading)
                carried = []
            body.append(following)
        if carried:
            updated_node = updated_node.with_changes(footer=[*carried, *updated_node.footer])
        return with_pass_if_empty(updated_node.with_changes(body=body))

    def leave_WithItem(
        self, original_node: cst.WithItem, updated_node: cst.WithItem
    ) -> cst.WithItem:
        if updated_node.asname is not None and self._unused(updated_node.asname.name):
            self.changed = True
            return updated_node.with_changes(asname=None)
        return updated_node

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        if updated_node.name is not None and self._unused(updated_node.name.name):
            self.changed = True
            return updated_node.with_changes(name=None)
        return updated_node


def _bound_name(alias: cst.ImportAlias, statement: cst.Import | cst.ImportFrom) -> cst.Name:
    """The name an import binds: ``import a.b`` binds ``a``."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name
    node: cst.BaseExpression = alias.name
    while isinstance(node, cst.Attribute) and isinstance(statement, cst.Import):
        node = node.value
    return node if isinstance(node, cst.Name) else cst.Name("_")


def _is_pure(value: cst.BaseExpression) -> bool:
    """Whether computing ``value`` can be left out when nothing reads it."""
    code = cst.Module(body=[]).code_for_node(value)
    try:
        return is_unneeded_value(ast.parse(code.strip(), mode="eval").body)
    except SyntaxError:
        return False


def _parallel_pairs(
    target: cst.Tuple | cst.List, value: cst.BaseExpression
) -> list[tuple[cst.BaseAssignTargetExpression, cst.BaseExpression]] | None:
    """``a, b = x, y``: the (target, value) pairs; None for any other unpacking."""
    if not isinstance(value, cst.Tuple | cst.List) or len(value.elements) != len(target.elements):
        return None
    pairs: list[tuple[cst.BaseAssignTargetExpression, cst.BaseExpression]] = []
    for name, item in zip(target.elements, value.elements, strict=True):
        if not isinstance(name, cst.Element) or not isinstance(item, cst.Element):
            return None  # a starred element
        if not isinstance(name.value, cst.BaseAssignTargetExpression):
            return None
        pairs.append((name.value, item.value))
    return pairs
