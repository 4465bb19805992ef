"""The cells of a notebook as JupyterLab sends it are read column by column
(nb2pkg.notebook.raw_cells); any other shape cell by cell. Both give the same cells."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nb2pkg.notebook import raw_cells
from nb2pkg.notebook.raw_cells import has_code, plainly_structured, read_cells
from nb2pkg.notebook.reader import notebook_from_json
from tests.helpers import code_cell, make_notebook


def _cells() -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = make_notebook(
        [
            ("rate = 1", ["parameters"]),
            ("total = rate * 2", ["function:double"]),
            ("print(total)", []),
        ]
    )["cells"]
    cells.insert(1, {"cell_type": "markdown", "id": "md", "metadata": {}, "source": "# Title"})
    return cells


def _odd(change: str) -> list[dict[str, Any]]:
    cells = _cells()
    cell = cells[2]
    if change == "list source":
        cell["source"] = ["total = rate\n", " * 2"]
    elif change == "no id":
        del cell["id"]
    elif change == "empty id":
        cell["id"] = ""
    elif change == "repeated id":
        cell["id"] = cells[0]["id"]
    elif change == "bool count":
        cell["execution_count"] = True
    elif change == "float count":
        cell["execution_count"] = 3.0
    elif change == "no tags":
        cell["metadata"]["tags"] = None
    elif change == "odd tag":
        cell["metadata"]["tags"] = ["function:double", 3]
    elif change == "settings":
        cell["metadata"]["nb2pkg"] = {"outputs": ["total"]}
    elif change == "odd settings":
        cell["metadata"]["nb2pkg"] = ["outputs"]
    elif change == "no metadata":
        del cell["metadata"]
    elif change == "null metadata":
        cell["metadata"] = None
    elif change == "no type":
        del cell["cell_type"]
    return cells


CHANGES = [
    "as sent",
    "list source",
    "no id",
    "empty id",
    "repeated id",
    "bool count",
    "float count",
    "no tags",
    "odd tag",
    "settings",
    "odd settings",
    "no metadata",
    "null metadata",
    "no type",
]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("minor", [4, 5])
def test_columns_and_one_by_one_read_the_same_cells(change: str, minor: int) -> None:
    cells = _odd(change)
    raw_cells.RECENT_CELLS.clear()
    fast = read_cells(copy.deepcopy(cells), minor)
    raw_cells.RECENT_CELLS.clear()
    slow = raw_cells._cells_one_by_one(copy.deepcopy(cells), minor)
    assert fast == slow
    # and read again (each cell now a dictionary hit)
    assert read_cells(copy.deepcopy(cells), minor) == slow


def test_a_notebook_as_sent_is_read_by_columns() -> None:
    assert raw_cells.cell_columns(_cells(), 5) is not None
    assert raw_cells.cell_columns(_odd("list source"), 5) is None
    assert raw_cells.cell_columns(_odd("repeated id"), 5) is None


def test_cells_with_settings_are_read_anew_by_columns() -> None:
    cells = _odd("settings")
    first, second = read_cells(copy.deepcopy(cells), 5), read_cells(copy.deepcopy(cells), 5)
    assert first[2] == second[2] and first[2].settings is not second[2].settings
    assert first[0] is second[0]


@pytest.mark.parametrize(
    ("cells", "plain"),
    [
        (_cells(), True),
        (_odd("list source"), False),
        (_odd("no metadata"), True),
        (_odd("null metadata"), False),
        (_odd("no tags"), False),
        ([*_cells(), ["not a cell"]], False),
    ],
)
def test_plain_structure(cells: list[Any], plain: bool) -> None:
    assert plainly_structured(cells) is plain


@pytest.mark.parametrize(
    ("sources", "expected"),
    [(["x = 1"], True), (["  \n", ""], False), ([], False)],
)
def test_has_code(sources: list[str], expected: bool) -> None:
    data = make_notebook([(s, []) for s in sources] or [("x = 1", [])])
    data["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# code?"})
    if not sources:
        del data["cells"][1]
    notebook, problems = notebook_from_json(data, "/nb/x.ipynb", "x.ipynb", "", full_schema=False)
    assert (notebook is not None) is expected
    assert (not problems) is expected
    if notebook is not None:
        assert has_code(notebook.cells)


def test_a_structure_problem_is_still_found_cell_by_cell() -> None:
    data = make_notebook([("x = 1", [])])
    data["cells"].append(code_cell("y = 2"))
    data["cells"][1]["metadata"]["tags"] = "function:f"
    notebook, problems = notebook_from_json(data, "/nb/x.ipynb", "x.ipynb", "", full_schema=False)
    assert notebook is None
    assert "cell 2: 'metadata.tags' is not a list" in problems[0].message
