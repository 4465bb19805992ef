"""Turn a cell's libcst tree into a function definition, keeping the user's code as written.

Statements are moved, not re-printed: libcst keeps every comment, blank line and formatting
choice inside them. Hoisted imports, display-only statements and MLflow calls are left out;
comments above a removed statement move to the next kept one, so nothing written is lost.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from nb2pkg.analysis.cell_result import is_print_of_one
from nb2pkg.analysis.nested_plots import plot_statements
from nb2pkg.emit.defaults import fresh_default_lines, is_mutable_literal
from nb2pkg.emit.function_scopes import has_unused_values
from nb2pkg.emit.literals import comment
from nb2pkg.emit.literals import docstring as docstring_literal
from nb2pkg.emit.rebound_names import rebound_names
from nb2pkg.ir import ParamPlan

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

_INDENT = "    "
_INT_CALL = re.compile(r"\bint\(")
"""Where a cast ``nb2pkg.emit.int_casts`` may take off can be (``print(`` is none)."""

Rewrite = Callable[["cst.BaseStatement"], list["cst.BaseStatement"]]
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
    imported: Mapping[str, str] | None = None,
) -> str:
    """The source of ``def name(params): <cell body>; return <returns>``.

    ``carry_comments``: the comments of dropped statements move to the next kept one (a
    function of a few statements picked out of the cell leaves them with the cell instead).
    ``result``: with no ``returns``, the index of the bare expression the function returns.
    ``drop_prints``: prints nested in the cell's blocks go too (nb2pkg.emit.nested_prints).
    ``drop_plots``: so do plots left among the cell's work (nb2pkg.emit.nested_plots).
    ``default_constants``: per parameter, the module constant its mutable default is copied
    from (else the guard writes the literal).
    ``imported``: what each name the module imports stands for (for nb2pkg.emit.int_casts).
    """
    body, trailing = _kept_statements(
        module, drop, rewrite, carry_comments=carry_comments, result=None if returns else result
    )
    if replacements:
        body = _with_literals_replaced(body, replacements)
    statements: list[cst.BaseStatement] = []
    if docstring:
        statements.append(cst.parse_statement(docstring_literal(docstring, _INDENT) + "\n"))
    statements += _default_guards(params, default_constants or {})
    footer = [line for line in module.footer if line.comment is not None]
    if returns and body:  # the cell's closing comments read above its return, not after it
        trailing, footer = [*trailing, *footer], []
    statements += [*body, *_ending(returns, trailing if body else [])]
    if not statements:
        statements.append(cst.parse_statement("pass\n"))
    header = cst.parse_statement(
        "".join(f"@{d}\n" for d in decorators) + f"def {name}({_params(params)}):\n    pass\n"
    )
    assert isinstance(header, cst.FunctionDef)
    definition = header.with_changes(
        body=cst.IndentedBlock(body=statements, footer=footer),
        leading_lines=[cst.EmptyLine(comment=cst.Comment(comment(provenance)))],
    )
    return _tidied(
        cst.Module(body=[definition]),
        drop_prints=drop_prints,
        drop_plots=drop_plots,
        imported=imported or {},
    )


def _with_literals_replaced(
    body: list[cst.BaseStatement], replacements: Mapping[str, str]
) -> list[cst.BaseStatement]:
    from nb2pkg.emit.literal_replacements import ReplaceLiterals  # a libcst transformer

    return [s.visit(ReplaceLiterals(replacements)) for s in body]  # type: ignore[misc]


def _ending(returns: Sequence[str], trailing: list[cst.EmptyLine]) -> list[cst.BaseStatement]:
    """``return …``, the comments after the last kept statement above it; with nothing to
    return, a ``pass`` that holds those comments (if any)."""
    if returns:
        value = returns[0] if len(returns) == 1 else ", ".join(returns)
        return [cst.parse_statement(f"return {value}\n").with_changes(leading_lines=trailing)]
    if trailing:
        return [cst.parse_statement("pass\n").with_changes(leading_lines=trailing)]
    return []


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


def _tidied(
    function: cst.Module, *, drop_prints: bool, drop_plots: bool, imported: Mapping[str, str]
) -> str:
    """The function's text once rebound names are renamed, prints and plots dropped (if
    asked), casts that do nothing and unused statements removed."""
    # The libcst passes (each module subclasses libcst's transformer): imported on first use.
    from nb2pkg.emit.int_casts import without_int_casts
    from nb2pkg.emit.nested_plots import without_plots
    from nb2pkg.emit.nested_prints import without_prints
    from nb2pkg.emit.rebound_names import with_rebound_names_renamed
    from nb2pkg.emit.unused_values import without_unused

    code = function.code
    if _INT_CALL.search(code):
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
    if drop_plots:
        plotless = without_plots(function, code, tree)
        if plotless is not function:
            function, code, tree = plotless, plotless.code, None
    return without_unused(function, code, tree, step=True)[1]


def tidying_changes(
    function: ast.Module, code: str, *, drop_prints: bool, drop_plots: bool = False
) -> bool:
    """Whether ``_tidied`` may change the function whose text is ``code`` (``function``: its
    ``ast``): a rebound name to rename, a cast to take off, a nested print or plot to drop, a
    value bound for nothing in it or in a function it defines. (nb2pkg.emit.sliced_functions
    gives its text only when nothing changes.)"""
    definition = function.body[0] if len(function.body) == 1 else None
    if not isinstance(definition, ast.FunctionDef) or rebound_names(definition):
        return True
    if _INT_CALL.search(code) or (drop_prints and "print" in code):
        return True
    if drop_plots and plot_statements(definition):
        return True
    return has_unused_values(function)


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
