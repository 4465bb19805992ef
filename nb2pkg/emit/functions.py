"""Turn a cell's libcst tree into a function definition, keeping the user's code as written.

Statements are moved, not re-printed: libcst keeps every comment, blank line and formatting
choice inside them. Hoisted imports, display-only statements and MLflow calls are left out;
comments above a removed statement move to the next kept one, so nothing written is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import libcst as cst

from nb2pkg.emit.defaults import fresh_default_lines, is_mutable_literal
from nb2pkg.emit.literals import comment
from nb2pkg.emit.literals import docstring as docstring_literal
from nb2pkg.model import ParamPlan

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
) -> str:
    """The source of ``def name(params): <cell body>; return <returns>``."""
    body, trailing = _kept_statements(module, drop, rewrite)
    if replacements:
        body = [s.visit(_ReplaceLiterals(replacements)) for s in body]  # type: ignore[misc]
    statements: list[cst.BaseStatement] = []
    if docstring:
        statements.append(cst.parse_statement(docstring_literal(docstring, _INDENT) + "\n"))
    for param in params:
        if param.default is not None and is_mutable_literal(param.default):
            guard = "\n".join(fresh_default_lines(param.name, param.default, "")) + "\n"
            statements.append(cst.parse_statement(guard))
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
    return cst.Module(body=[definition]).code


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
    module: cst.Module, drop: set[int], rewrite: Rewrite | None
) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
    """The cell's top-level statements minus ``drop``, each passed through ``rewrite``, and
    the comments of dropped statements after the last kept one."""
    kept: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = [line for line in module.header if line.comment is not None]
    for index, original in enumerate(module.body):
        pieces = [original] if rewrite is None or index in drop else rewrite(original)
        if index in drop or not pieces:
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
