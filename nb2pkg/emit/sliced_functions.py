"""A step function cut from its cell's lines, for the cells the emitter does not rewrite.

``nb2pkg.emit.functions.function_source`` moves a cell's libcst statements into a function
body: for most cells that changes nothing in the statements, only where they sit (one level
deeper) and which go (imports, displays). libcst re-prints a moved statement exactly as
written, one indentation level added at the lines it starts itself. This module gives that
same text from the cell's source lines and the positions the stdlib ``ast`` gives, without
the libcst parse and print (about 20 times the cost of ``ast.parse``).

It answers only for cells whose every line is a whole logical line, a comment line or a blank
line (no statement, bracket or string spans lines; no tab, form feed, carriage return or
backslash continuation), which is where the text libcst prints is simple to state:

- a line of code gets the body's indentation in front;
- a comment line gets it when it starts with the indentation of the node libcst attaches it
  to: the footer of a block that ends before it (every comment line up to the last one that
  is indented at least as deep as the block's statements), else the next statement;
- blank lines get nothing; between top-level statements they are kept as ``function_source``
  keeps them (none before the first kept statement, none from a dropped statement).

Any other cell, or a step the emitter rewrites (MLflow calls left out, data-file literals
replaced, prints dropped, rebound names renamed, unused values removed), gets ``None``: the
caller uses ``function_source``. tests/unit/test_sliced_functions.py holds both to the same
text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence, Set

from nb2pkg.analysis.ast_nodes import all_nodes_of, recent_tree
from nb2pkg.analysis.cell_walk import top_level_statements
from nb2pkg.emit.defaults import fresh_default_lines, is_mutable_literal
from nb2pkg.emit.functions import function_params
from nb2pkg.emit.literals import comment
from nb2pkg.emit.literals import docstring as docstring_literal
from nb2pkg.emit.quick_tidying import tidying_verdict
from nb2pkg.emit.step_options import StepOptions
from nb2pkg.emit.step_tidying import tidying_changes
from nb2pkg.ir import ParamPlan

_INDENT = "    "
_CLAUSE = re.compile(r"(else|finally)\s*:")
"""A clause line ``ast`` gives no position for."""
_UNSUPPORTED = ("\t", "\r", "\f", "\v", "\\\n", "\x00")


def sliced_function_source(name: str, python_source: str, options: StepOptions) -> str | None:
    """What ``function_source`` returns for the same name and options (with no rewrite, no
    literal replacements and no decorators), or None when this cell needs libcst."""
    params, returns, drop, result = options.params, options.returns, options.drop, options.result
    cut = _cut(python_source)
    if cut is None:
        return None
    lines, tree = cut
    groups = top_level_statements(tree)
    layout = _layout(lines, tree, groups)
    if layout is None:
        return None
    header, statements, leading, footer = layout
    returned_group = None
    if result is not None and not returns and result not in drop:
        returned = _returned(lines, groups[result], statements[result])
        if returned is None:
            return None
        statements[result] = returned
        returned_group = result
    body = _kept(header, statements, leading, drop)
    out = [f"{_comment(options.provenance)}\n", f"def {name}({function_params(params)}):\n"]
    count = 0
    if options.docstring:
        out.append(f"{_INDENT}{docstring_literal(options.docstring, _INDENT)}\n")
        count += 1
    for guard in _default_guards(params, options.default_constants):
        out += guard
        count += 1
    out += body
    count += len(statements) - len(drop & set(range(len(statements))))
    if returns:
        value = returns[0] if len(returns) == 1 else ", ".join(returns)
        if body:
            out += [f"{line}\n" for line in footer]
            footer = []
        out.append(f"{_INDENT}return {value}\n")
        count += 1
    if not count:
        out.append(f"{_INDENT}pass\n")
    out += [f"{line}\n" for line in footer]
    return _untidied("".join(out), options, groups, returned_group)


def _comment(text: str) -> str:
    """``comment(text)``, with no walk character by character when every one is printable
    (nearly always)."""
    return f"# {text}" if text.isprintable() else comment(text)


def _untidied(
    code: str, options: StepOptions, groups: list[list[ast.stmt]], returned: int | None
) -> str | None:
    """``code``, when tidying it would change nothing (else None: libcst tidies it).
    ``groups``: the cell's top-level statements; ``returned``: the one the step returns."""
    verdict = tidying_verdict(code, groups, options, returned)
    if verdict is not None:
        return None if verdict else code
    try:
        function = ast.parse(code)
    except SyntaxError:
        return None  # libcst says what is wrong (not seen: the cell parsed)
    if tidying_changes(function, code, options):
        return None
    return code


def _cut(source: str) -> tuple[list[str], ast.Module] | None:
    """The cell's lines (without line ends) and its tree, when every line is whole."""
    if any(mark in source for mark in _UNSUPPORTED):
        return None
    try:
        tree = recent_tree(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = source.split("\n")
    if source.endswith("\n"):
        lines.pop()
    if any(line and not line.strip() for line in lines):
        return None  # a line of spaces only: libcst keeps them in ways not modelled here
    return lines, tree


_Layout = tuple[list[str], list[list[str]], list[list[str]], list[str]]


def _layout(lines: list[str], tree: ast.Module, groups: list[list[ast.stmt]]) -> _Layout | None:
    """(module header lines, each top-level statement's lines, each one's leading lines,
    module footer lines), each line as libcst prints it in the function body (blank: "")."""
    starts = _statement_lines(tree)
    if starts is None or not groups:
        return None
    firsts = [_first_line(group[0]) for group in groups]
    owner = _owners(lines, starts)
    if owner is None:
        return None
    ends = [max(s.end_lineno or s.lineno for s in group) for group in groups]
    header: list[str] = []
    statements: list[list[str]] = [[] for _ in groups]
    leading: list[list[str]] = [[] for _ in groups]
    footer: list[str] = []
    group = -1
    for number, line in enumerate(lines, start=1):
        while group + 1 < len(groups) and number >= firsts[group + 1]:
            group += 1
        kind = owner[number - 1]
        between = group < 0 or number > ends[group]
        if kind == "code":
            if between:
                return None  # not seen: code outside the top-level statements
            statements[group].append(_INDENT + line)
        elif between and kind == "":
            # a line before the next top-level statement: one of its leading lines (the
            # first statement's go to the module's header), blank lines unindented
            (header if group < 0 else leading[group + 1]).append(_INDENT + line if line else "")
        elif between and kind is None:
            if group < 0:
                header.append(_INDENT + line if line else "")  # a cell of comments only
            elif line:
                footer.append(_INDENT + line)  # the module's footer keeps its comments
        elif group < 0:
            return None  # not seen: a block's footer before any statement
        else:
            statements[group].append(_INDENT + line if line.startswith(kind or "") else line)
    return header, statements, leading, footer


def _statement_lines(tree: ast.Module) -> set[int] | None:
    """The lines where a statement, clause or decorator starts; None when some statement
    (not counting the blocks of compound ones) spans lines. (Everything in a statement on one
    line is on that line: expressions are not walked.)"""
    starts: set[int] = set()
    pending: list[ast.stmt | ast.excepthandler] = list(tree.body)
    while pending:
        node = pending.pop()
        starts.add(node.lineno)
        body = getattr(node, "body", None)
        if body is None:
            if node.end_lineno != node.lineno:
                return None
            continue
        if isinstance(node, ast.Match) or not _one_line_header(node):
            return None
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if any(d.end_lineno != d.lineno for d in node.decorator_list):
                return None
            starts.update(d.lineno for d in node.decorator_list)
        pending += body
        for field in ("orelse", "finalbody", "handlers"):
            pending += getattr(node, field, ())
    return starts


_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "decorator_list"})


def _one_line_header(node: ast.stmt | ast.excepthandler) -> bool:
    """Everything in the header of a compound statement is on its first line."""
    line = node.lineno
    parts: list[ast.AST] = []
    for field, value in ast.iter_fields(node):
        if field in _BLOCK_FIELDS:
            continue
        parts += (
            c for c in (value if isinstance(value, list) else [value]) if isinstance(c, ast.AST)
        )
    # every node below them (those without fields, contexts and operators, have no position)
    return all(
        getattr(part, "lineno", line) == line and getattr(part, "end_lineno", line) == line
        for part in all_nodes_of(parts)
    )


def _first_line(statement: ast.stmt) -> int:
    if (
        isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and statement.decorator_list
    ):
        return min(statement.lineno, *(d.lineno for d in statement.decorator_list))
    return statement.lineno


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]


def _owners(lines: list[str], starts: set[int]) -> list[str | None] | None:
    """For each line: "code" for a line of code; for a comment or blank line, the
    indentation of the node libcst attaches it to; None for the module's footer."""
    owners: list[str | None] = []
    blocks = [""]  # the indentation of each open block, outermost first
    waiting: list[int] = []  # comment and blank lines not yet attached

    def attach(indent: str | None) -> None:
        """Attach the waiting lines: the footers of the blocks deeper than ``indent``
        (innermost first) take theirs, the rest go to what comes next."""
        closing = [b for b in reversed(blocks) if indent is None or len(b) > len(indent)]
        position = 0
        for block in closing:
            if not block:
                continue
            taken = [
                i for i in range(position, len(waiting)) if lines[waiting[i]].startswith(block)
            ]
            if taken:
                for i in range(position, taken[-1] + 1):
                    owners[waiting[i]] = block
                position = taken[-1] + 1
        for i in range(position, len(waiting)):
            owners[waiting[i]] = indent
        waiting.clear()

    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            owners.append("")
            waiting.append(number - 1)
            continue
        if number not in starts and not _CLAUSE.match(stripped):
            return None  # the rest of a statement that spans lines
        indent = _indentation(line)
        attach(indent)
        while len(blocks[-1]) > len(indent):
            blocks.pop()
        if len(indent) > len(blocks[-1]):
            if indent != blocks[-1] + _INDENT:
                return None  # libcst prints the cell's own indentation step as four spaces
            blocks.append(indent)
        elif indent != blocks[-1]:
            return None
        owners.append("code")
    attach(None)
    if any(owner is None and lines[i].startswith(" ") for i, owner in enumerate(owners)):
        return None  # an indented comment after the last statement: libcst drops some of those
    return owners


def _returned(lines: list[str], group: list[ast.stmt], text: list[str]) -> list[str] | None:
    """``expression`` → ``return expression``, when the statement is a lone expression."""
    if len(group) != 1 or not isinstance(group[0], ast.Expr) or not text:
        return None
    statement = group[0]
    call = statement.value
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print":
        return None  # what a step printed is what it returns: libcst takes the print off
    line = lines[statement.lineno - 1].encode()
    rest = line[statement.end_col_offset or 0 :].decode().strip()
    if statement.col_offset != 0 or (rest and not rest.startswith("#")):
        return None  # `value;` (the semicolon goes) or another layout: left to libcst
    return [f"{_INDENT}return {lines[statement.lineno - 1]}", *text[1:]]


def _kept(
    header: list[str],
    statements: list[list[str]],
    leading: list[list[str]],
    drop: Set[int],
) -> list[str]:
    """The body's lines, as ``nb2pkg.emit.functions._kept_statements`` keeps them."""
    carried = [line for line in header if line]
    body: list[str] = []
    kept_any = False
    for index, own in enumerate(statements):
        before = leading[index]
        if index in drop:
            carried += [line for line in before if line]
            continue
        if carried:
            before = [*carried, *before]
            carried = []
        elif not kept_any:
            while before and not before[0]:
                before = before[1:]
        body += [f"{line}\n" for line in (*before, *own)]
        kept_any = True
    return body


def _default_guards(params: Sequence[ParamPlan], constants: Mapping[str, str]) -> list[list[str]]:
    guards: list[list[str]] = []
    for param in params:
        if param.default is not None and is_mutable_literal(param.default):
            lines = fresh_default_lines(param.name, param.default, "", constants.get(param.name))
            guards.append([f"{_INDENT}{line}\n" for line in "\n".join(lines).split("\n")])
    return guards
