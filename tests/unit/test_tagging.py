"""Editing one cell's tags keeps every other byte of the notebook file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.notebook.tag_edits import NotebookTextError, set_cell_tags, update_cell_tags

_LAYOUT_CHARACTERS = set(' \t\r\n",:[]{}')


def _notebook() -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Load the data ✓"),
        nbformat.v4.new_code_cell("df = load()\ndf.head()", execution_count=1),
        nbformat.v4.new_code_cell("x = 1", metadata={"collapsed": False, "zz": [1, 2]}),
        nbformat.v4.new_code_cell("y = 2", metadata={"tags": ["nbval-skip", "function:old"]}),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ünïcode\n")]
    return nb


def _expected(nb: Any, index: int, tags: list[str]) -> Any:
    changed = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    if tags:
        changed.cells[index].metadata["tags"] = tags
    else:
        changed.cells[index].metadata.pop("tags", None)
    return changed


@pytest.mark.parametrize(
    ("index", "tags"),
    [
        (1, ["function:load"]),  # empty metadata gains tags
        (2, ["test"]),  # tags inserted between other keys, in sorted position
        (3, ["nbval-skip", "export"]),  # existing tags replaced
        (3, []),  # the only key removed: metadata becomes {}
        (2, []),  # nothing to remove: unchanged
        (1, ["a", "b", "c"]),
    ],
)
def test_edit_of_an_nbformat_file_equals_nbformat_writing_the_edited_notebook(
    index: int, tags: list[str]
) -> None:
    nb = _notebook()
    original = nbformat.writes(nb) + "\n"
    edited = set_cell_tags(original, {index: tags})
    assert edited == nbformat.writes(_expected(nb, index, tags)) + "\n"


def test_several_cells_edited_in_one_pass() -> None:
    nb = _notebook()
    edited = set_cell_tags(nbformat.writes(nb), {1: ["parameters"], 3: ["skip"]})
    cells = json.loads(edited)["cells"]
    assert cells[1]["metadata"]["tags"] == ["parameters"]
    assert cells[3]["metadata"]["tags"] == ["skip"]
    assert "tags" not in cells[2]["metadata"]


def _changed_tokens(before: str, after: str) -> set[str]:
    """The words (runs of non-layout characters) in the regions where the texts differ."""
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(before), len(after)) - prefix
        and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]
    ):
        suffix += 1
    tokens: set[str] = set()
    for text, end in ((before, len(before) - suffix), (after, len(after) - suffix)):
        start = prefix

        # Widen a non-empty region to whole words: the common prefix may end inside a word.
        def inside_word(pos: int, text: str = text) -> bool:
            return 0 < pos < len(text) and not {text[pos - 1], text[pos]} & _LAYOUT_CHARACTERS

        if start < end:
            while inside_word(start):
                start -= 1
            while inside_word(end):
                end += 1
        word = ""
        for char in text[start:end] + " ":
            if char in _LAYOUT_CHARACTERS:
                if word:
                    tokens.add(word)
                word = ""
            else:
                word += char
    return tokens


def _words(values: list[str]) -> set[str]:
    """The words of the values as JSON strings, written with or without ASCII escapes."""
    written = [json.dumps(v, ensure_ascii=ascii_only) for v in values for ascii_only in (1, 0)]
    return _changed_tokens("", " ".join(written))


_TAG = st.sampled_from(
    ["function:clean", "test", "parameters", "skip", "export", "metrics", "ü-tag"]
)
_METADATA = st.fixed_dictionaries(
    {}, optional={"tags": st.lists(_TAG, max_size=3), "collapsed": st.booleans(), "a": st.just(1)}
)


@st.composite
def _hand_formatted(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    cells = []
    for number in range(draw(st.integers(1, 4))):
        cell: dict[str, Any] = {
            "cell_type": "code",
            "source": [f"value_{number} = {number}\n", "print('tags')"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["héllo"]}],
            "execution_count": number,
        }
        if draw(st.booleans()):
            cell["metadata"] = draw(_METADATA)
        keys = draw(st.permutations(list(cell)))
        cells.append({key: cell[key] for key in keys})
    notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}
    indent = draw(st.sampled_from([None, 0, 1, 2, 4, "\t"]))
    separators = draw(st.sampled_from([None, (",", ":"), (", ", " : ")]))
    text = json.dumps(
        notebook, indent=indent, separators=separators, ensure_ascii=draw(st.booleans())
    )
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = text.replace("\n", newline)
    return text + draw(st.sampled_from(["", newline])), notebook


@settings(max_examples=300, deadline=None)
@given(_hand_formatted(), st.data())
def test_hand_formatted_files_keep_every_byte_but_the_tags(
    case: tuple[str, dict[str, Any]], data: st.DataObject
) -> None:
    text, notebook = case
    index = data.draw(st.integers(0, len(notebook["cells"]) - 1))
    tags = data.draw(st.lists(_TAG, max_size=3))
    edited = set_cell_tags(text, {index: tags})

    expected = json.loads(text)
    cell = expected["cells"][index]
    if tags:
        cell.setdefault("metadata", {})["tags"] = tags
    elif "metadata" in cell:
        cell["metadata"].pop("tags", None)
    assert json.loads(edited) == expected
    old_tags = notebook["cells"][index].get("metadata", {}).get("tags", [])
    allowed = _words([*tags, *old_tags, "tags", "metadata"])
    assert _changed_tokens(text, edited) <= allowed
    # The layout is the file's own: a compact file stays on one line, CRLF stays CRLF.
    if "\r\n" in text:
        assert edited.replace("\r\n", "").count("\n") == text.replace("\r\n", "").count("\n")
    if "\n" not in text.strip():
        assert "\n" not in edited.strip()


def test_invalid_json_is_reported_not_half_edited() -> None:
    with pytest.raises(NotebookTextError):
        set_cell_tags('{"cells": [', {0: ["test"]})
    with pytest.raises(NotebookTextError):
        set_cell_tags('{"metadata": {}}', {0: ["test"]})


def test_file_update_is_atomic_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(nbformat.writes(_notebook()), encoding="utf-8")
    path.chmod(0o640)

    assert update_cell_tags(path, {1: ["function:load"]}) is True

    assert json.loads(path.read_text(encoding="utf-8"))["cells"][1]["metadata"]["tags"] == [
        "function:load"
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]
    assert update_cell_tags(path, {1: ["function:load"]}) is False


def test_a_failed_write_leaves_the_original_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nb.ipynb"
    original = nbformat.writes(_notebook())
    path.write_text(original, encoding="utf-8")

    def refuse(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        update_cell_tags(path, {1: ["test"]})
    assert path.read_text(encoding="utf-8") == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]
