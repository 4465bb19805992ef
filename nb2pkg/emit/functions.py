"""Turn a cell's libcst tree into a function definition, keeping the user's code as written.

Statements are moved, not re-printed: libcst keeps every comment, blank line and formatting
choice inside them. Hoisted imports, display-only statements and MLflow calls are left out;
comments above a removed statement move to the next kept one, so nothing written is lost.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence

import libcst as cst

from nb2pkg.analysis.ast_nodes import all_nodes
from nb2pkg.analysis.cell_result import is_print_of_one
from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.analysis.nested_plots import plot_statements
from nb2pkg.emit.defaults import fresh_default_lines, is_mutable_literal
from nb2pkg.emit.literals import comment
from nb2pkg.emit.literals import docstring as docstring_literal
from nb2pkg.emit.nested_plots import without_plots
from nb2pkg.emit.nested_prints import without_prints
from nb2pkg.emit.rebound_names import rebound_names, with_rebound_names_renamed
from nb2pkg.emit.step_transformers import StepBodyTransformer, with_pass_if_empty
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
    drop_plots: bool = False,
    default_constants: Mapping[str, str] | None = None,
) -> str:
    """The source of ``def name(params): <cell body>; return <returns>``.

    ``carry_comments``: the comments of dropped statements move to the next kept one (a
    function of a few statements picked out of the cell leaves them with the cell instead).
    ``result``: with no ``returns``, the index of the bare expression the function returns.
    ``drop_prints``: prints nested in the cell's blocks go too (nb2pkg.emit.nested_prints).
    ``drop_plots``: so do plots left among the cell's work (nb2pkg.emit.nested_plots).
    ``default_constants``: per parameter, the module constant its mutable default is copied
    from (else the guard writes the literal).
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
    return _tidied(cst.Module(body=[definition]), drop_prints=drop_prints, drop_plots=drop_plots)


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


def _tidied(function: cst.Module, *, drop_prints: bool, drop_plots: bool = False) -> str:
    """The function's text once rebound names are renamed, prints and plots dropped (if
    asked) and unused statements removed."""
    code = function.code
    tree: ast.Module | None = ast.parse(code)  # read by both passes while the code is the same
    renamed = with_rebound_names_renamed(function, code, tree)
    if renamed is not function:
        function, code, tree = renamed, renamed.code, None
    if drop_prints:
        printless = without_prints(function, code)
        if printless is not function:
            function, code, tree = printless, printless.code, None
    if drop_plots:
        plotless = without_plots(function, code, tree)
        if plotless is not function:
            function, code, tree = plotless, plotless.code, None
    return _without_unused(function, code, tree)[1]


def tidying_changes(
    function: ast.Module, code: str, *, drop_prints: bool, drop_plots: bool = False
) -> bool:
    """Whether ``_tidied`` may change the function whose text is ``code`` (``function``: its
    ``ast``): a rebound name to rename, a nested print or plot to drop, a value bound for
    nothing. (nb2pkg.emit.sliced_functions gives its text only when nothing changes.)"""
    definition = function.body[0] if len(function.body) == 1 else None
    if not isinstance(definition, ast.FunctionDef) or rebound_names(definition):
        return True
    if drop_prints and "print" in code:
        return True
    if drop_plots and plot_statements(definition):
        return True
    used, stored, scoped = _names_of(function)
    return not (scoped or used & {"locals", "vars", "eval", "exec"} or stored <= used)


def function_params(params: Sequence[ParamPlan]) -> str:
    """The parameter list of a step's ``def`` line."""
    return _params(params)


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
    value = expression.value
    if is_print_of_one(value):  # what the step printed is what it returns
        assert isinstance(value, cst.Call)
        value = value.args[0].value
    return statement.with_changes(body=[cst.Return(value=value)])


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


def without_unused_values(module: cst.Module) -> cst.Module:
    """The function in ``module`` without names it binds and never reads (ruff's F841).

    Once display statements, plots and prints are gone, a value computed only to be shown is
    bound for nothing: an assignment whose value only computes is dropped, one whose value does
    work (``model.fit(X, y)``) keeps the call as a statement; ``with … as name`` and
    ``except … as name`` lose the unused name. Repeated until nothing changes (dropping one
    assignment may leave the value it read unused). Functions with ``global``/``nonlocal``
    statements or nested scopes reading names dynamically (``locals()``) are left alone.
    """
    return _without_unused(module)[0]


def _without_unused(
    module: cst.Module, code: str | None = None, tree: ast.Module | None = None
) -> tuple[cst.Module, str]:
    """``without_unused_values`` and the code of its result, printed once (``code``: the
    code of ``module``, when the caller has it; ``tree``: its ``ast``, when parsed already)."""
    code = module.code if code is None else code
    for _ in range(20):
        used, stored, scoped = _names_of(ast.parse(code) if tree is None else tree)
        tree = None
        if scoped or used & {"locals", "vars", "eval", "exec"}:
            return module, code
        if stored <= used:
            return module, code  # nothing to remove: skip the (slow) libcst pass
        remover = _UnusedValues(used)
        changed = module.visit(remover)
        if not remover.changed:
            return module, code
        module = changed
        code = module.code
    return module, code


def _names_of(tree: ast.Module) -> tuple[set[str], set[str], bool]:
    """Names read; names bound by assignment, ``as`` or ``except … as``; whether a
    ``global`` or ``nonlocal`` statement is there. One walk of ``tree``."""
    used: set[str] = set()
    stored: set[str] = set()
    scoped = False
    for node in all_nodes(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            used.add(node.target.id)  # `c += 1` reads `c`: its earlier value is no dead store
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            stored.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            scoped = True
    return used, stored, scoped


class _UnusedValues(StepBodyTransformer):
    def __init__(self, used: set[str]) -> None:
        super().__init__()
        self.used = used
        self.changed = False

    def _unused(self, target: cst.BaseExpression) -> bool:
        return isinstance(target, cst.Name) and target.value not in self.used

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if len(updated_node.body) != 1:
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
            return self._unpacked(updated_node, small)
        else:
            return updated_node
        if value is None:
            return updated_node
        self.changed = True
        code = cst.Module(body=[]).code_for_node(value)
        try:
            pure = is_unneeded_value(ast.parse(code.strip(), mode="eval").body)
        except SyntaxError:
            pure = False
        if pure:
            return cst.RemoveFromParent()
        return updated_node.with_changes(body=[cst.Expr(value=value)])

    def _unpacked(
        self, line: cst.SimpleStatementLine, small: cst.Assign
    ) -> cst.SimpleStatementLine:
        """``fig, ax = plt.subplots()`` with ``fig`` never read: ``_fig, ax = …`` (ruff's
        RUF059); the unpacking still happens, as written."""
        target = small.targets[0].target
        if not isinstance(target, cst.Tuple | cst.List):
            return line
        elements = list(target.elements)
        renamed = False
        for position, element in enumerate(elements):
            name = element.value
            if (
                isinstance(element, cst.Element)
                and isinstance(name, cst.Name)
                and self._unused(name)
                and not name.value.startswith("_")
                and f"_{name.value}" not in self.used
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
        return with_pass_if_empty(updated_node)

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
