"""A notebook read again after an edit gives back the objects of its unchanged cells (so the
analyses keyed by cell identity find them), and the answer is the one a cold analysis gives."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from nb2pkg.frontends import api
from nb2pkg.notebook import raw_cells
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.roles import resolve
from nb2pkg.roles.resolve import tag_cells
from tests.helpers import code_cell, make_notebook

Edit = Callable[[list[dict[str, Any]]], None]


def _notebook() -> dict[str, Any]:
    return make_notebook(
        [
            ("import math\nrate = 0.5", ["parameters"]),
            ("def area(r):\n    return math.pi * r * r", []),
            ("size = area(rate)", ["function:measure"]),
            ("total = size * 2", ["function:double"]),
            ("assert total > 0", ["test"]),
            ("grown = total + 1", ["function:grow"]),
            ("shown = grown * 2", ["function:show"]),
            ("final = shown + size", ["function:finish"]),
        ]
    )


def _read(notebook: dict[str, Any]) -> Any:
    read, problems = notebook_from_json(
        copy.deepcopy(notebook), "/nb/x.ipynb", "x.ipynb", "", full_schema=False
    )
    assert read is not None, problems
    return read


def _cold(notebook: dict[str, Any]) -> Any:
    raw_cells.RECENT_CELLS.clear()
    resolve._RECENT_TAGGED.clear()
    api.RECENT.clear()
    return api.analyze_notebook(copy.deepcopy(notebook), "x.ipynb", path="/nb/x.ipynb")


def test_unchanged_cells_are_the_same_objects_when_read_again() -> None:
    notebook = _notebook()
    first = _read(notebook)
    notebook["cells"][3]["source"] = "total = size * 3"
    second = _read(notebook)
    assert [a is b for a, b in zip(first.cells, second.cells, strict=True)] == [
        True,
        True,
        True,
        False,
        True,
        True,
        True,
        True,
    ]
    assert tag_cells(second)[0][2] is tag_cells(first)[0][2]


def test_a_cell_with_settings_is_read_anew() -> None:
    notebook = _notebook()
    notebook["cells"][2]["metadata"]["nb2pkg"] = {"outputs": ["size"]}
    first, second = _read(notebook), _read(notebook)
    assert first.cells[2] == second.cells[2]
    assert first.cells[2].settings is not second.cells[2].settings


def _insert(cells: list[dict[str, Any]]) -> None:
    cells.insert(1, code_cell("extra = rate + 1", ["function:more"]))


def _delete(cells: list[dict[str, Any]]) -> None:
    del cells[3]


def _move(cells: list[dict[str, Any]]) -> None:
    cells.insert(1, cells.pop(3))


def _retag(cells: list[dict[str, Any]]) -> None:
    cells[2]["metadata"]["tags"] = ["function:measured"]


def _untag(cells: list[dict[str, Any]]) -> None:
    cells[3]["metadata"]["tags"] = []


def _new_read(cells: list[dict[str, Any]]) -> None:
    cells[3]["source"] = "total = size * rate"


def _new_bind(cells: list[dict[str, Any]]) -> None:
    cells[2]["source"] = "size = area(rate)\nhalf = size / 2"
    cells[3]["source"] = "total = size * 2 + half"


def _bind_dropped(cells: list[dict[str, Any]]) -> None:
    cells[2]["source"] = "area(rate)"


def _insert_at_the_top(cells: list[dict[str, Any]]) -> None:
    cells.insert(0, code_cell("offset = 3", ["function:offset"]))


def _move_to_the_end(cells: list[dict[str, Any]]) -> None:
    cells.append(cells.pop(2))


def _far_wiring(cells: list[dict[str, Any]]) -> None:
    """The first step binds a new name the last step reads: the steps between keep their
    plans, the last one's signature changes (nothing when another edit took those cells)."""
    for cell in cells:
        if cell["source"] == "size = area(rate)":
            cell["source"] = "size = area(rate)\nscale = 4"
        elif cell["source"] == "final = shown + size":
            cell["source"] = "final = shown + size * scale"


def _far_wiring_undone(cells: list[dict[str, Any]]) -> None:
    _far_wiring(cells)
    for cell in cells:
        if cell["source"] == "final = shown + size * scale":
            cell["source"] = "final = shown + size"


EDITS = [
    _insert,
    _delete,
    _move,
    _retag,
    _untag,
    _new_read,
    _new_bind,
    _bind_dropped,
    _insert_at_the_top,
    _move_to_the_end,
    _far_wiring,
    _far_wiring_undone,
]


@pytest.mark.parametrize("edit", EDITS)
def test_reanalysis_after_an_edit_equals_a_cold_analysis(edit: Edit) -> None:
    notebook = _notebook()
    _cold(notebook)
    api.analyze_notebook(copy.deepcopy(notebook), "x.ipynb", path="/nb/x.ipynb")
    edit(notebook["cells"])
    warm = api.analyze_notebook(copy.deepcopy(notebook), "x.ipynb", path="/nb/x.ipynb")
    assert warm == _cold(notebook)
    # and back again: the cells of the first version are met once more
    assert api.analyze_notebook(copy.deepcopy(_notebook()), "x.ipynb", path="/nb/x.ipynb") == (
        _cold(_notebook())
    )


@pytest.mark.parametrize("edit", EDITS)
def test_each_edit_after_another_equals_a_cold_analysis(edit: Edit) -> None:
    """Edits one after the other (each analysis reusing the one before): each answer is the
    cold one."""
    notebook = _notebook()
    _cold(notebook)
    for other in EDITS:
        changed = copy.deepcopy(notebook)
        other(changed["cells"])
        edit(changed["cells"])
        warm = api.analyze_notebook(copy.deepcopy(changed), "x.ipynb", path="/nb/x.ipynb")
        assert warm == _cold_after(changed, notebook, other)


def _cold_after(changed: dict[str, Any], before: dict[str, Any], other: Edit) -> Any:
    """A cold analysis of ``changed``, the caches then warmed again as they were (the
    notebook with ``other`` alone), so that the next edit is analysed after that one."""
    cold = _cold(changed)
    warmed = copy.deepcopy(before)
    other(warmed["cells"])
    api.analyze_notebook(copy.deepcopy(warmed), "x.ipynb", path="/nb/x.ipynb")
    return cold


def test_far_wiring_makes_again_only_the_summaries_of_the_two_steps() -> None:
    notebook = _notebook()
    _cold(notebook)
    before = api.analyze_notebook(copy.deepcopy(notebook), "x.ipynb", path="/nb/x.ipynb")
    made = api.SUMMARIES.made
    _far_wiring(notebook["cells"])

    after = api.analyze_notebook(copy.deepcopy(notebook), "x.ipynb", path="/nb/x.ipynb")

    assert after == _cold(notebook)
    assert api.SUMMARIES.made - made <= 3  # the edited cells' (and a test reading them)
    same = [a is b for a, b in zip(before.cells, after.cells, strict=True)]
    assert same == [True, True, False, True, True, True, True, False]
    assert [f.signature for f in after.functions][-1] == "finish(shown, size, scale) -> final"
