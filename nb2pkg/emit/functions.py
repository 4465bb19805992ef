"""Turn a cell's libcst tree into a function definition, keeping the user's code as written.

Statements are moved, not re-printed: libcst keeps every comment, blank line and formatting
choice inside them. Hoisted imports, display-only statements and MLflow calls are left out;
comments above a removed statement move to the next kept one (a section comment stays with the
code after it). Comments of removed statements after the last kept one go with them: above
the ``return`` they would describe code that is not there (``# View the plot``); the cell's
closing comments stay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from typing import TYPE_CHECKING

from nb2pkg.analysis.cell_result import is_print_of_one
from nb2pkg.emit.defaults import fresh_default_lines, is_mutable_literal
from nb2pkg.emit.literals import comment
from nb2pkg.emit.literals import docstring as docstring_literal
from nb2pkg.emit.step_options import StepOptions
from nb2pkg.emit.step_tidying import tidied
from nb2pkg.ir import ParamPlan

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

_INDENT = "    "

Rewrite = Callable[["cst.BaseStatement"], list["cst.BaseStatement"]]
"""Turns one top-level statement of the cell into the statements the function keeps."""


def function_source(
    name: str,
    module: cst.Module,
    options: StepOptions,
    *,
    rewrite: Rewrite | None = None,
    replacements: Mapping[str, str] | None = None,
    decorators: Sequence[str] = (),
    carry_comments: bool = True,
) -> str:
    """The source of ``def name(params): <cell body>; return <returns>`` (``options``: what
    the step is made of, as nb2pkg.emit.sliced_functions takes them).

    What only this path does: ``rewrite`` each top-level statement; ``replacements``: string
    literals replaced by a name; ``decorators`` above the ``def``; ``carry_comments``: the
    comments of dropped statements move to the next kept one (a function of a few statements
    picked out of the cell leaves them with the cell instead).
    """
    params, returns = options.params, options.returns
    body = _kept_statements(
        module,
        options.drop,
        rewrite,
        carry_comments=carry_comments,
        result=None if returns else options.result,
    )
    if replacements:
        body = _with_literals_replaced(body, replacements)
    statements: list[cst.BaseStatement] = []
    if options.docstring:
        statements.append(cst.parse_statement(docstring_literal(options.docstring, _INDENT) + "\n"))
    statements += _default_guards(params, options.default_constants)
    footer = [line for line in module.footer if line.comment is not None]
    trailing: list[cst.EmptyLine] = []
    if returns and body:  # the cell's closing comments read above its return, not after it
        trailing, footer = footer, []
    statements += [*body, *_ending(returns, trailing)]
    if not statements:
        statements.append(cst.parse_statement("pass\n"))
    header = cst.parse_statement(
        "".join(f"@{d}\n" for d in decorators) + f"def {name}({_params(params)}):\n    pass\n"
    )
    assert isinstance(header, cst.FunctionDef)
    definition = header.with_changes(
        body=cst.IndentedBlock(body=statements, footer=footer),
        leading_lines=[cst.EmptyLine(comment=cst.Comment(comment(options.provenance)))],
    )
    return tidied(cst.Module(body=[definition]), options)


def _with_literals_replaced(
    body: list[cst.BaseStatement], replacements: Mapping[str, str]
) -> list[cst.BaseStatement]:
    from nb2pkg.emit.literal_replacements import ReplaceLiterals  # a libcst transformer

    return [s.visit(ReplaceLiterals(replacements)) for s in body]  # type: ignore[misc]


def _ending(returns: Sequence[str], trailing: list[cst.EmptyLine]) -> list[cst.BaseStatement]:
    """``return …`` with the cell's closing comments above it (nothing without returns)."""
    if not returns:
        return []
    value = returns[0] if len(returns) == 1 else ", ".join(returns)
    return [cst.parse_statement(f"return {value}\n").with_changes(leading_lines=trailing)]


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
    drop: Set[int],
    rewrite: Rewrite | None,
    *,
    carry_comments: bool = True,
    result: int | None = None,
) -> list[cst.BaseStatement]:
    """The cell's top-level statements minus ``drop``, each passed through ``rewrite``. The
    bare expression at index ``result`` becomes a ``return`` of its value."""
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
    return kept


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
