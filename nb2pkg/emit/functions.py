"""Turn a cell's libcst tree into a function definition, keeping the user's code as written.

Statements are moved, not re-printed: libcst keeps every comment, blank line and formatting
choice inside them. Hoisted imports, display-only statements and MLflow calls are left out;
comments above a removed statement move to the next kept one, so nothing written is lost.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import libcst as cst

from nb2pkg.analysis.ast_nodes import all_nodes
from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.emit.defaults import fresh_default_lines, is_mutable_literal
from nb2pkg.emit.int_casts import without_int_casts
from nb2pkg.emit.literals import comment
from nb2pkg.emit.literals import docstring as docstring_literal
from nb2pkg.emit.nested_prints import without_prints
from nb2pkg.emit.rebound_names import with_rebound_names_renamed
from nb2pkg.emit.step_transformers import with_pass_if_empty
from nb2pkg.ir import ParamPlan

_INDENT = "    "

Rewrite = Callable[[cst.BaseStatement], list[cst.BaseStatement]]
"""Turns one top-level statement of the cell into the statements the function keeps."""


def function_source(
    name: str,
    module: cst.Module,
    params: Sequence[ParamPlan],
    returns: Sequence[str],
    *,
    drop: set[int],
    docstring: str,
    rewrite: Rewrite | None = None,
    provenance: str,
    replacements: Mapping[str, str] | None = None,
    decorators: Sequence[str] = (),
    carry_comments: bool = True,
    result: int | None = None,
    drop_prints: bool = False,
    default_constants: Mapping[str, str] | None = None,
    imported: Mapping[str, str] | None = None,
) -> str:
    """The source of ``def name(params): <cell body>; return <returns>``.

    ``carry_comments``: the comments of dropped statements move to the next kept one (a
    function of a few statements picked out of the cell leaves them with the cell instead).
    ``result``: with no ``returns``, the index of the bare expression the function returns.
    ``drop_prints``: prints nested in the cell's blocks go too (nb2pkg.emit.nested_prints).
    ``default_constants``: per parameter, the module constant its mutable default is copied
    from (else the guard writes the literal).
    ``imported``: what each name the module imports stands for (for nb2pkg.emit.int_casts).
    """
    body, trailing = _kept_statements(
        module, drop, rewrite, carry_comments=carry_comments, result=None if returns else result
    )
    if replacements:
        body = [s.visit(_ReplaceLiterals(replacements)) for s in body]  # type: ignore[misc]
    statements: list[cst.BaseStatement] = []
    if docstring:
        statements.append(cst.parse_statement(docstring_literal(docstring, _INDENT) + "\n"))
    statements += _default_guards(params, default_constants or {})
    statements.extend(body)
    if returns:
        value = returns[0] if len(returns) == 1 else ", ".join(returns)
        # Comments after the last kept statement stay with the function, above its return.
        ending = cst.parse_statement(f"return {value}\n")
        statements.append(ending.with_changes(leading_lines=trailing if body else []))
    elif trailing and body:
        # ... or at its end, on a `pass` that holds them.
        statements.append(cst.parse_statement("pass\n").with_changes(leading_lines=trailing))
    if not statements:
        statements.append(cst.parse_statement("pass\n"))
    header = cst.parse_statement(
        "".join(f"@{d}\n" for d in decorators) + f"def {name}({_params(params)}):\n    pass\n"
    )
    assert isinstance(header, cst.FunctionDef)
    footer = [line for line in module.footer if line.comment is not None]
    definition = header.with_changes(
        body=cst.IndentedBlock(body=statements, footer=footer),
        leading_lines=[cst.EmptyLine(comment=cst.Comment(comment(provenance)))],
    )
    return _tidied(cst.Module(body=[definition]), drop_prints=drop_prints, imported=imported or {})


def _default_guards(
    params: Sequence[ParamPlan], constants: Mapping[str, str]
) -> list[cst.BaseStatement]:
    """``if x is None: x = …`` for each parameter whose default is mutable."""
    guards: list[cst.BaseStatement] = []
    for param in params:
        if param.default is not None and is_mutable_literal(param.default):
            lines = fresh_default_lines(param.name, param.default, "", constants.get(param.name))
            guards.append(cst.parse_statement("\n".join(lines) + "\n"))
    return guards


def _tidied(function: cst.Module, *, drop_prints: bool, imported: Mapping[str, str]) -> str:
    """The function's text once rebound names are renamed, prints dropped (if asked), casts
    that do nothing and unused statements removed."""
    code = function.code
    if "int(" in code:
        cast_free = without_int_casts(function, imported)
        if cast_free is not function:
            function, code = cast_free, cast_free.code
    tree: ast.Module | None = ast.parse(code)  # read by both passes while the code is the same
    renamed = with_rebound_names_renamed(function, code, tree)
    if renamed is not function:
        function, code, tree = renamed, renamed.code, None
    if drop_prints:
        printless = without_prints(function, code)
        if printless is not function:
            function, code, tree = printless, printless.code, None
    return _without_unused(function, code, tree, step=True)[1]


def _params(params: Sequence[ParamPlan]) -> str:
    parts: list[str] = []
    for param in params:
        if param.default is None:
            parts.append(param.name)
        elif is_mutable_literal(param.default):
            parts.append(f"{param.name}: {param.annotation} | None = None")
        elif param.annotation:
            parts.append(f"{param.name}: {param.annotation} = {param.default}")
        else:
            parts.append(f"{param.name}={param.default}")
    return ", ".join(parts)


def _kept_statements(
    module: cst.Module,
    drop: set[int],
    rewrite: Rewrite | None,
    *,
    carry_comments: bool = True,
    result: int | None = None,
) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
    """The cell's top-level statements minus ``drop``, each passed through ``rewrite``, and
    the comments of dropped statements after the last kept one. The bare expression at index
    ``result`` becomes a ``return`` of its value."""
    kept: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = [line for line in module.header if line.comment is not None]
    if not carry_comments:
        carried = []
    for index, original in enumerate(module.body):
        pieces = [original] if rewrite is None or index in drop else rewrite(original)
        if index == result and index not in drop:
            pieces = [_returned(piece) for piece in pieces]
        if index in drop or not pieces:
            if not carry_comments:
                continue
            carried.extend(
                line for line in getattr(original, "leading_lines", ()) if line.comment is not None
            )
            continue
        for statement in pieces:
            leading = [
                _unindented_if_blank(line) for line in getattr(statement, "leading_lines", ())
            ]
            if carried:
                leading = [*carried, *leading]
                carried = []
            elif not kept:
                leading = _trim_blank(leading)
            kept.append(statement.with_changes(leading_lines=leading))
    return kept, carried


def _returned(statement: cst.BaseStatement) -> cst.BaseStatement:
    """``expression`` → ``return expression`` (anything else as it is)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return statement
    expression = statement.body[0]
    if not isinstance(expression, cst.Expr):
        return statement
    return statement.with_changes(body=[cst.Return(value=expression.value)])


def _unindented_if_blank(line: cst.EmptyLine) -> cst.EmptyLine:
    """A blank line printed without the block's indentation (no trailing whitespace)."""
    if line.comment is None:
        return line.with_changes(indent=False, whitespace=cst.SimpleWhitespace(""))
    return line


def _trim_blank(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    trimmed = list(lines)
    while trimmed and trimmed[0].comment is None:
        trimmed.pop(0)
    return trimmed


class _ReplaceLiterals(cst.CSTTransformer):
    """Replace data-file path literals with the parameter that now carries them."""

    def __init__(self, replacements: Mapping[str, str]) -> None:
        super().__init__()
        self.replacements = replacements

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        value = original_node.evaluated_value
        if isinstance(value, str) and value in self.replacements:
            return cst.Name(self.replacements[value])
        return updated_node


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
    return _without_unused(module, step=step)[0]


def _without_unused(
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


class _Scope(NamedTuple):
    """A function's names: bound in its own scope and never read in it (nor in a function
    nested in it); and all it reads."""

    name: str
    unused: frozenset[str]
    used: frozenset[str]


_DYNAMIC_READS = frozenset({"locals", "vars", "eval", "exec"})
_AT_NAME = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")
"""``df.query("a > @limit")`` reads ``limit`` from the calling function's locals."""


def _function_scopes(tree: ast.Module) -> list[_Scope]:
    """One ``_Scope`` per function of ``tree``, in the order of the source (the order a
    libcst visit meets them)."""
    scopes: list[_Scope] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scopes.append(_scope_of(node))
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.expr):  # no function inside an expression
                visit(child)

    visit(tree)
    return scopes


def _scope_of(function: ast.FunctionDef | ast.AsyncFunctionDef) -> _Scope:
    used: set[str] = set()
    for node in all_nodes(function):
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Store):
                used.add(node.id)  # a read, or `del name`
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            used.add(node.target.id)  # `c += 1` reads `c`: its earlier value is no dead store
        elif isinstance(node, ast.Global | ast.Nonlocal):
            return _Scope(function.name, frozenset(), frozenset(used))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "@" in node.value:
            used.update(_AT_NAME.findall(node.value))
    if used & _DYNAMIC_READS:
        return _Scope(function.name, frozenset(), frozenset(used))
    stored: set[str] = set()
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue  # a scope of its own
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            stored.add(node.name)
        pending.extend(ast.iter_child_nodes(node))
    return _Scope(function.name, frozenset(stored - used), frozenset(used))


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
