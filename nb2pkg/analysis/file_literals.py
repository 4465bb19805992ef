"""String literals of a cell that look like relative file paths (the data files it reads)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable

_FILE_PATH = re.compile(r"^(?![a-z]+://)[\w.\-~/]+\.[A-Za-z][A-Za-z0-9]{0,7}$")
_MAYBE_PATH = re.compile(r"[\w.\-~/]\.[A-Za-z]")
"""A string holding no match of this holds no file path, nor does any of its parts."""


def file_literals(nodes: Iterable[ast.AST], source: str, offset: int) -> list[tuple[str, int]]:
    """String literals that look like relative file paths, in source order: (value, line).

    ``nodes``: every node of the cell's tree (``ast.walk``). Each literal piece counts alone
    (``"data/" "x.csv"`` holds the path ``x.csv``); f-strings hold none."""
    candidates: list[ast.expr] = []
    in_fstrings: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.JoinedStr):
            parts = [v for v in node.values if isinstance(v, ast.Constant)]
            in_fstrings.update(id(v) for v in parts)
            if any(_MAYBE_PATH.search(str(v.value)) for v in parts):
                candidates.append(node)  # a plain string may be concatenated to it
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _MAYBE_PATH.search(node.value)
        ):
            candidates.append(node)
    found: list[tuple[int, int, str]] = []
    lines: list[str] | None = None
    for node in candidates:
        if id(node) in in_fstrings:
            continue
        if lines is None:  # split once: a cell may hold thousands of literals
            lines = io.StringIO(source, newline="").readlines()
        found.extend(_path_pieces(node, source_segment(lines, node)))
    found.sort()
    return [(value, line + offset) for line, _, value in found]


def source_segment(lines: list[str], node: ast.expr | ast.stmt) -> str | None:
    """The source of ``node`` (as ``ast.get_source_segment``, from lines split once)."""
    end_line, end_col = node.end_lineno, node.end_col_offset
    if end_line is None or end_col is None:
        return None
    first = lines[node.lineno - 1].encode()
    if end_line == node.lineno:
        return first[node.col_offset : end_col].decode()
    last = lines[end_line - 1].encode()[:end_col].decode()
    middle = "".join(lines[node.lineno : end_line - 1])
    return first[node.col_offset :].decode() + middle + last


def _path_pieces(node: ast.expr, segment: str | None) -> list[tuple[int, int, str]]:
    """(line, column, value) of each plain string piece of a literal that is a file path."""
    if segment is None:
        return []
    pieces: list[tuple[int, int, str]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(segment).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    for token in tokens:
        if token.type != tokenize.STRING:
            continue
        prefix = token.string[: len(token.string) - len(token.string.lstrip("rRbBuUfF"))]
        if "f" in prefix.lower() or "b" in prefix.lower():
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(value, str) and _FILE_PATH.match(value):
            row, column = token.start
            line = node.lineno + row - 1
            pieces.append((line, column + (node.col_offset if row == 1 else 0), value))
    return pieces
