"""Read a large generated module a piece at a time.

The whole-module ``ast`` of a 3,000-cell notebook's module (45,000 lines) takes ~110 MiB, its
symbol table ~75 MiB: more than the rest of the build. The checks that read generated modules
parse them in pieces of whole top-level statements instead, with the line numbers of the whole.

A piece ends before a line that may start a top-level statement (not indented, not a comment,
closing bracket or ``else``/``elif``/``except``/``finally``). A piece that does not parse on its
own (the line was inside a string, say) is joined to the next; a piece that parses on its own
ends where a statement ends, so the pieces hold the statements the whole does. When the rest of
the module does not parse, the whole is parsed, for the error Python gives for it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TypeVar

Parsed = TypeVar("Parsed")

PIECE_LINES = 2000
"""About this many lines per piece (a few hundred KiB of syntax tree)."""

_CONTINUATIONS = ("else", "elif", "except", "finally")


def pieces(
    source: str, parse: Callable[[str], Parsed], *, piece_lines: int = PIECE_LINES
) -> Iterator[Parsed]:
    """``parse`` of each piece of ``source``, in order, padded with blank lines so that line
    numbers are those of ``source``. ``parse`` raises ``SyntaxError`` for code that does not
    parse; for the whole of ``source``, the error is the one ``parse(source)`` raises."""
    lines = io.StringIO(source, newline="").readlines()  # line ends as Python counts them
    if len(lines) <= piece_lines:
        yield parse(source)
        return
    start = 0
    end = _next_end(lines, start + piece_lines)
    while start < len(lines):
        try:
            parsed = parse("\n" * start + "".join(lines[start:end]))
        except SyntaxError:
            if end >= len(lines):
                parse(source)  # the error of the whole
                raise  # (not seen: the rest of a module that parses parses)
            end = _next_end(lines, end + piece_lines)
            continue
        yield parsed
        del parsed  # not held while the next piece is parsed
        start, end = end, _next_end(lines, end + piece_lines)


def _next_end(lines: list[str], at_least: int) -> int:
    """The first line from ``at_least`` on that may start a top-level statement (or the end)."""
    for index in range(at_least, len(lines)):
        line = lines[index]
        if (
            line[0] not in " \t\f\r\n#)]}"
            and not line.startswith(_CONTINUATIONS)
            and not line.startswith("\\")
        ):
            return index
    return len(lines)
