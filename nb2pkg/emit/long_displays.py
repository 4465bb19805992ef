"""Parse a long dict or list display a slice of entries at a time (for the self-check).

Python's parser holds ~3 KiB per line of a statement while it parses it: the pipeline's step
table of a 3,000-cell notebook (18,000 lines) took 57 MiB, the peak of the whole build.
"""

from __future__ import annotations

import ast

_LONG_DISPLAY_LINES = 2000
_CLOSING = {"{": "}", "[": "]"}


def _add_entries(
    display: ast.expr,
    lines: list[str],
    span: tuple[int, int],
    bracket: str,
    source: tuple[str, int],
    keep_entries: bool,
) -> bool:
    """Parse the entries of lines ``span`` a slice at a time into ``display`` (only compiled
    without ``keep_entries``); False when a slice does not parse as a display of its kind."""
    (start, last), (path, future) = span, source
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    while start < last:
        end, part = start, None
        while part is None:
            if end >= last:
                return False
            end = min(end + _LONG_DISPLAY_LINES, last)
            while end < last and not _ends_entry(lines[end - 1], indent):
                end += 1
            part = _display_slice(lines, start, end, bracket, path, future)
        if not keep_entries:
            pass
        elif isinstance(display, ast.Dict) and isinstance(part, ast.Dict):
            display.keys += part.keys
            display.values += part.values
        elif isinstance(display, ast.List) and isinstance(part, ast.List):
            display.elts += part.elts
        else:
            return False
        start = end
    return True


def long_display_assignment(
    text: str, path: str, future: int, *, keep_entries: bool = True
) -> ast.Module | None:
    """The tree of ``text`` when its last statement assigns a dict or list display of
    thousands of lines (the pipeline's step table), else None.

    Python's parser holds ~3 KiB per line of such a statement while it parses it (57 MiB for
    18,000 lines, twice the tree it gives): the statements before it, the assignment without
    its entries, and the entries a slice at a time are each parsed and compiled on their own,
    and the entries put back in the display. A slice ends after an entry's trailing comma and
    parses as a display of its own, so the slices hold the entries the whole does; when no
    such slice is found, None. Without ``keep_entries`` the display comes back empty: the
    entries were compiled, and the outline looks no further than the assignment's target."""
    lines = text.split("\n")
    last = _last_filled(lines)
    if last is None or lines[last] not in _CLOSING.values():
        return None  # (most pieces: ruled out without looking at each line)
    filled = [index for index, line in enumerate(lines) if line.strip()]
    if len(filled) < _LONG_DISPLAY_LINES or "\r" in text or "\f" in text:
        return None
    opening = next(
        (i for i in range(last - 1, -1, -1) if lines[i].strip() and lines[i][0] not in " \t#"),
        None,
    )
    if opening is None or last - opening < _LONG_DISPLAY_LINES:
        return None
    bracket = lines[opening].rstrip()[-1]
    if _CLOSING.get(bracket) != lines[last]:
        return None
    head = "\n".join(lines[:opening])
    skeleton = "\n" * opening + lines[opening] + "\n" * (last - opening) + lines[last]
    try:
        trees = [ast.parse(part, path) for part in (head, skeleton)]
        for tree in trees:
            compile(tree, path, "exec", flags=future, dont_inherit=True)
    except SyntaxError:
        return None
    display = _display_of(trees[1], opening + 1, last + 1)
    if display is None:
        return None
    if not _add_entries(display, lines, (opening + 1, last), bracket, (path, future), keep_entries):
        return None
    return ast.Module(body=trees[0].body + trees[1].body, type_ignores=[])


def _last_filled(lines: list[str]) -> int | None:
    """The index of the last line that is not blank."""
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip():
            return index
    return None


def _ends_entry(line: str, indent: str) -> bool:
    """The line, at the indentation of the display's entries, ends with a comma that is not
    in a comment."""
    return (
        line.startswith(indent)
        and not line[len(indent)].isspace()
        and line.rstrip().endswith(",")
        and "#" not in line
    )


def _display_of(tree: ast.Module, first: int, last: int) -> ast.Dict | ast.List | None:
    """The empty display assigned by ``tree``'s only statement, opened on line ``first`` and
    closed on line ``last``."""
    statement = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(statement, ast.Assign | ast.AnnAssign):
        return None
    value = statement.value
    if not isinstance(value, ast.Dict | ast.List) or (value.lineno, value.end_lineno) != (
        first,
        last,
    ):
        return None
    return value


def _display_slice(
    lines: list[str], start: int, end: int, bracket: str, path: str, future: int
) -> ast.Dict | ast.List | None:
    """Lines ``start`` to ``end`` (0-based, end excluded) parsed as a display of their own,
    at their own line numbers; None when they are not whole entries. (The caller ends a
    slice after an entry's comma, so the next slice's entries are separate ones.)"""
    body = "\n".join(lines[start:end])
    text = "\n" * (start - 1) + bracket + "\n" + body + "\n" + _CLOSING[bracket] + "\n"
    try:
        tree = ast.parse(text, path, mode="eval")
        compile(tree, path, "eval", flags=future, dont_inherit=True)
    except SyntaxError:
        return None
    return tree.body if isinstance(tree.body, ast.Dict | ast.List) else None
