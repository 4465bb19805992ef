"""Edit the tags of notebook cells in the ``.ipynb`` text itself, leaving every other byte alone.

Re-serialising a notebook (even with nbformat's own style) rewrites files that were
formatted by hand or by another tool, which shows up as a whole-file diff in git.
So this module locates each cell's ``metadata.tags`` in the JSON text and replaces
just that span (or inserts/removes one member), copying the surrounding layout:
indentation, key separator and line endings. The result is parsed again and
compared with the intended notebook before anything is written, and the file is
replaced atomically, so an error can never leave a half-written notebook.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


class NotebookTextError(ValueError):
    """The text is not a notebook whose cells can be edited (invalid JSON, no cells list)."""


@dataclass(frozen=True)
class _Member:
    """One ``"key": value`` member of a JSON object, with its offsets in the text."""

    key: str
    key_start: int
    value_start: int
    value_end: int
    value: Any


@dataclass(frozen=True)
class _Object:
    start: int
    """Offset of ``{``."""
    end: int
    """Offset just past ``}``."""
    members: tuple[_Member, ...]

    def member(self, key: str) -> _Member | None:
        for item in self.members:
            if item.key == key:
                return item
        return None


def _skip_whitespace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _expect(text: str, pos: int, char: str) -> None:
    if pos >= len(text) or text[pos] != char:
        found = text[pos] if pos < len(text) else "end of file"
        raise NotebookTextError(f"expected {char!r} at offset {pos}, found {found!r}")


def _decode_value(text: str, pos: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as error:
        raise NotebookTextError(f"invalid JSON: {error}") from error


def _scan_object(text: str, pos: int) -> _Object:
    """Members of the object starting at ``pos`` (values decoded, offsets kept)."""
    start = _skip_whitespace(text, pos)
    _expect(text, start, "{")
    pos = _skip_whitespace(text, start + 1)
    members: list[_Member] = []
    if pos < len(text) and text[pos] == "}":
        return _Object(start, pos + 1, ())
    while True:
        key_start = pos
        key, pos = _decode_value(text, pos)
        if not isinstance(key, str):
            raise NotebookTextError(f"object key expected at offset {key_start}")
        pos = _skip_whitespace(text, pos)
        _expect(text, pos, ":")
        value_start = _skip_whitespace(text, pos + 1)
        value, value_end = _decode_value(text, value_start)
        members.append(_Member(key, key_start, value_start, value_end, value))
        pos = _skip_whitespace(text, value_end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_whitespace(text, pos + 1)
            continue
        _expect(text, pos, "}")
        return _Object(start, pos + 1, tuple(members))


def _scan_array_elements(text: str, pos: int) -> list[tuple[int, int]]:
    """(start, end) offsets of each element of the array starting at ``pos``."""
    pos = _skip_whitespace(text, pos)
    _expect(text, pos, "[")
    pos = _skip_whitespace(text, pos + 1)
    spans: list[tuple[int, int]] = []
    if pos < len(text) and text[pos] == "]":
        return spans
    while True:
        _, end = _decode_value(text, pos)
        spans.append((pos, end))
        pos = _skip_whitespace(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_whitespace(text, pos + 1)
            continue
        _expect(text, pos, "]")
        return spans


@dataclass(frozen=True)
class _Style:
    """The layout conventions of one file, copied into everything inserted."""

    newline: str
    indent_unit: str
    """One level of indentation (may be empty, as with ``json.dumps(indent=0)``)."""
    key_separator: str
    """What sits between a key and its value, e.g. ``": "``."""

    @property
    def pretty(self) -> bool:
        return bool(self.newline)


def _line_indent(text: str, pos: int) -> str:
    """The whitespace that starts the line holding ``pos``."""
    line_start = text.rfind("\n", 0, pos) + 1
    match = re.match(r"[ \t]*", text[line_start:pos])
    return match.group(0) if match else ""


def _detect_style(text: str, root: _Object) -> _Style:
    newline = "\n"
    indent_unit = ""
    key_separator = ": "
    pretty = False
    if root.members:
        first = root.members[0]
        opening = text[root.start + 1 : first.key_start]
        pretty = "\n" in opening
        newline = "\r\n" if "\r\n" in opening else "\n"
        if pretty:
            indent_unit = _line_indent(text, first.key_start)
        key_end = _DECODER.raw_decode(text, first.key_start)[1]
        key_separator = text[key_end : first.value_start]
    return _Style(newline if pretty else "", indent_unit, key_separator)


def _render_tags(tags: Sequence[str], indent: str, style: _Style) -> str:
    """A tags array as it would appear with its key on a line indented by ``indent``."""
    items = [json.dumps(tag, ensure_ascii=False) for tag in tags]
    if not items:
        return "[]"
    if not style.pretty:
        return "[" + ", ".join(items) + "]"
    inner = indent + style.indent_unit
    lines = ("," + style.newline).join(inner + item for item in items)
    return "[" + style.newline + lines + style.newline + indent + "]"


def _render_member(key: str, rendered_value: str, style: _Style) -> str:
    return json.dumps(key) + style.key_separator + rendered_value


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    replacement: str


def _insert_member(text: str, obj: _Object, key: str, render_value: Any, style: _Style) -> _Splice:
    """Insert ``key`` into ``obj`` where ``sort_keys`` would put it, in the file's layout.

    ``render_value(indent)`` renders the value for a key line indented by ``indent``.
    """
    if not obj.members:
        if not style.pretty:
            return _Splice(
                obj.start, obj.end, "{" + _render_member(key, render_value(""), style) + "}"
            )
        outer = _line_indent(text, obj.start)
        inner = outer + style.indent_unit
        body = _render_member(key, render_value(inner), style)
        return _Splice(
            obj.start, obj.end, "{" + style.newline + inner + body + style.newline + outer + "}"
        )
    following = next((m for m in obj.members if m.key > key), None)
    if following is not None:
        index = obj.members.index(following)
        separator_end = obj.start + 1 if index == 0 else obj.members[index - 1].value_end
        gap = text[separator_end : following.key_start]
        leading_ws = gap.lstrip(",")
        indent = _line_indent(text, following.key_start)
        member = _render_member(key, render_value(indent), style)
        return _Splice(following.key_start, following.key_start, member + "," + leading_ws)
    last = obj.members[-1]
    previous_end = obj.start + 1 if len(obj.members) == 1 else obj.members[-2].value_end
    leading_ws = text[previous_end : last.key_start].lstrip(",")
    indent = _line_indent(text, last.key_start)
    member = _render_member(key, render_value(indent), style)
    return _Splice(last.value_end, last.value_end, "," + leading_ws + member)


def _remove_member(text: str, obj: _Object, key: str) -> _Splice:
    index = next(i for i, m in enumerate(obj.members) if m.key == key)
    member = obj.members[index]
    if len(obj.members) == 1:
        return _Splice(obj.start, obj.end, "{}")
    if index > 0:
        return _Splice(obj.members[index - 1].value_end, member.value_end, "")
    return _Splice(member.key_start, obj.members[1].key_start, "")


def _tags_splice(text: str, cell: _Object, tags: Sequence[str], style: _Style) -> _Splice | None:
    metadata_member = cell.member("metadata")
    if metadata_member is None:
        if not tags:
            return None
        return _insert_member(
            text,
            cell,
            "metadata",
            lambda indent: _render_metadata_block(tags, indent, style),
            style,
        )
    if not isinstance(metadata_member.value, dict):
        raise NotebookTextError("a cell's metadata is not a JSON object")
    metadata = _scan_object(text, metadata_member.value_start)
    tags_member = metadata.member("tags")
    if tags_member is None:
        if not tags:
            return None
        return _insert_member(
            text, metadata, "tags", lambda indent: _render_tags(tags, indent, style), style
        )
    if not tags:
        return _remove_member(text, metadata, "tags")
    indent = _line_indent(text, tags_member.key_start)
    return _Splice(
        tags_member.value_start, tags_member.value_end, _render_tags(tags, indent, style)
    )


def _render_metadata_block(tags: Sequence[str], indent: str, style: _Style) -> str:
    if not style.pretty:
        return "{" + _render_member("tags", _render_tags(tags, "", style), style) + "}"
    inner = indent + style.indent_unit
    member = _render_member("tags", _render_tags(tags, inner, style), style)
    return "{" + style.newline + inner + member + style.newline + indent + "}"


def _expected_notebook(
    notebook: dict[str, Any], edits: Mapping[int, Sequence[str]]
) -> dict[str, Any]:
    expected = copy.deepcopy(notebook)
    for index, tags in edits.items():
        cell = expected["cells"][index]
        metadata = cell.setdefault("metadata", {}) if tags else cell.get("metadata")
        if metadata is None:
            continue
        if tags:
            metadata["tags"] = list(tags)
        else:
            metadata.pop("tags", None)
    return expected


def set_cell_tags(text: str, edits: Mapping[int, Sequence[str]]) -> str:
    """Return ``text`` with the tags of the cells at the given 0-based indices replaced.

    An empty tag list removes the ``tags`` key. Every byte outside the edited spans is
    kept. Raises ``NotebookTextError`` for text that is not a notebook with a cells list.
    """
    offset = 1 if text.startswith("\ufeff") else 0
    root = _scan_object(text, offset)
    if _skip_whitespace(text, root.end) != len(text):
        raise NotebookTextError("extra data after the notebook's JSON object")
    cells_member = root.member("cells")
    if cells_member is None or not isinstance(cells_member.value, list):
        raise NotebookTextError("the notebook has no 'cells' list")
    style = _detect_style(text, root)
    element_spans = _scan_array_elements(text, cells_member.value_start)
    splices: list[_Splice] = []
    for index, tags in sorted(edits.items()):
        if not 0 <= index < len(element_spans):
            raise IndexError(f"cell index {index} out of range")
        cell = _scan_object(text, element_spans[index][0])
        splice = _tags_splice(text, cell, tags, style)
        if splice is not None:
            splices.append(splice)
    result = text
    for splice in sorted(splices, key=lambda s: s.start, reverse=True):
        result = result[: splice.start] + splice.replacement + result[splice.end :]
    # Why: the edit is only trusted once the result parses to exactly the intended notebook.
    expected = _expected_notebook(root_value(text, offset), edits)
    if json.loads(result[offset:]) != expected:
        raise NotebookTextError("internal error: the edited text does not match the intended tags")
    return result


def root_value(text: str, offset: int = 0) -> dict[str, Any]:
    value = json.loads(text[offset:])
    if not isinstance(value, dict):
        raise NotebookTextError("the notebook is not a JSON object")
    return value


def read_notebook_text(path: Path) -> str:
    """The file's text exactly as stored (no newline translation); never blocks on a FIFO."""
    from nb2pkg.notebook.reader import read_regular_file

    return read_regular_file(path).decode("utf-8")


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` via a temporary file in the same folder.

    The original file stays intact until ``os.replace`` swaps the finished copy in,
    and keeps its permission bits.
    """
    directory = path.parent
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def update_cell_tags(path: Path, edits: Mapping[int, Sequence[str]]) -> bool:
    """Apply ``edits`` to the notebook file at ``path``. Returns whether the file changed."""
    text = read_notebook_text(path)
    updated = set_cell_tags(text, edits)
    if updated == text:
        return False
    write_text_atomically(path, updated)
    return True
