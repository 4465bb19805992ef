"""The notebook a delta stands for (``notebook_deltas.py``): rebuilt from the cells held of its
base, refused 409 (NB815) when its base or a cell it names is not held, 400 (NB804) when it is
not shaped as one; what is held stays bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nb2pkg.frontends.server.errors import RequestProblem
from nb2pkg.frontends.server.notebook_deltas import (
    HeldNotebooks,
    NotebookDelta,
    Sender,
    notebook_delta,
    sender_of,
)
from nb2pkg.notebook import raw_cells
from nb2pkg.notebook.reader import notebook_from_json


def cell(cell_id: str, source: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def notebook(*cells: dict[str, Any]) -> dict[str, Any]:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"k": 1}, "cells": list(cells)}


def delta(base: int, *cells: str | dict[str, Any], client: str = "panel") -> NotebookDelta:
    shape = {"base": base, "metadata": {"k": 1}, "nbformat": 4, "nbformat_minor": 5}
    return notebook_delta({**shape, "cells": list(cells)}, client)


def refusal(call: Any) -> tuple[int, str]:
    with pytest.raises(RequestProblem) as caught:
        call()
    return caught.value.status, caught.value.code


def test_a_delta_stands_for_its_base_with_its_new_cells_in_its_order() -> None:
    held = HeldNotebooks()
    a, b, c = cell("a", "x = 1"), cell("b", "y = x"), cell("c", "z = y")
    held.remember(Sender("panel", 1), "nb.ipynb", notebook(a, b, c))
    changed, new = cell("b", "y = 2 * x"), cell("d", "w = z")
    made = held.notebook(delta(1, "c", changed, "a", new), "nb.ipynb")
    rebuilt, size = made.notebook, made.size
    assert rebuilt == notebook(c, changed, a, new)
    assert list(rebuilt) == ["nbformat", "nbformat_minor", "metadata", "cells"]
    assert rebuilt["cells"][0] is c  # the held cell itself, not a copy
    # its size is near that of the notebook sent in full (what the body limit was for)
    assert size >= len(json.dumps(rebuilt, separators=(",", ":")))
    assert size <= len(json.dumps(rebuilt, separators=(",", ":"))) + 128


def test_a_base_not_held_or_a_cell_not_in_it_is_refused_409() -> None:
    held = HeldNotebooks()
    held.remember(Sender("panel", 1), "nb.ipynb", notebook(cell("a", "x = 1")))
    assert refusal(lambda: held.notebook(delta(2, "a"), "nb.ipynb")) == (409, "NB815")
    assert refusal(lambda: held.notebook(delta(1, "a", client="other"), "nb.ipynb")) == (
        409,
        "NB815",
    )
    assert refusal(lambda: held.notebook(delta(1, "a"), "other.ipynb")) == (409, "NB815")
    assert refusal(lambda: held.notebook(delta(1, "b"), "nb.ipynb")) == (409, "NB815")


def test_an_id_two_cells_share_is_not_held() -> None:
    held = HeldNotebooks()
    held.remember(Sender("panel", 1), "nb.ipynb", notebook(cell("a", "x"), cell("a", "y")))
    assert refusal(lambda: held.notebook(delta(1, "a"), "nb.ipynb")) == (409, "NB815")


def test_the_last_versions_of_the_most_recent_clients_are_held() -> None:
    held = HeldNotebooks(clients=2, versions=2)
    for seq in (1, 2, 3):
        held.remember(Sender("panel", seq), "nb.ipynb", notebook(cell("a", f"x = {seq}")))
    assert held.held() == 2
    assert refusal(lambda: held.notebook(delta(1, "a"), "nb.ipynb")) == (409, "NB815")
    assert held.notebook(delta(2, "a"), "nb.ipynb").notebook["cells"][0]["source"] == "x = 2"
    held.remember(Sender("second", 1), "nb.ipynb", notebook(cell("a", "")))
    held.remember(Sender("third", 1), "nb.ipynb", notebook(cell("a", "")))
    assert refusal(lambda: held.notebook(delta(3, "a"), "nb.ipynb")) == (409, "NB815")
    assert held.held() == 2


def test_cells_taken_from_the_base_keep_their_size() -> None:
    held = HeldNotebooks()
    big = cell("a", "x = 1\n" * 1000)
    held.remember(Sender("panel", 1), "nb.ipynb", notebook(big))
    rebuilt = held.notebook(delta(1, "a", cell("b", "y = 2")), "nb.ipynb")
    held.remember_rebuilt(Sender("panel", 2), "nb.ipynb", rebuilt)
    again = held.notebook(delta(2, "a", "b"), "nb.ipynb")
    assert again.notebook == rebuilt.notebook and again.size == rebuilt.size
    assert again.notebook["cells"][0] is big


def test_an_id_a_delta_gives_two_cells_is_not_held_after() -> None:
    held = HeldNotebooks()
    held.remember(Sender("panel", 1), "nb.ipynb", notebook(cell("a", "x = 1")))
    rebuilt = held.notebook(delta(1, "a", cell("a", "y = 2"), cell("b", "")), "nb.ipynb")
    assert [c["source"] for c in rebuilt.notebook["cells"]] == ["x = 1", "y = 2", ""]
    held.remember_rebuilt(Sender("panel", 2), "nb.ipynb", rebuilt)
    assert refusal(lambda: held.notebook(delta(2, "a", "b"), "nb.ipynb")) == (409, "NB815")
    assert held.notebook(delta(2, "b"), "nb.ipynb").notebook["cells"] == [cell("b", "")]


@pytest.mark.parametrize(
    "shape",
    [
        [],
        {"cells": []},
        {"base": -1, "cells": []},
        {"base": True, "cells": []},
        {"base": 1.0, "cells": []},
        {"base": 1, "cells": {}},
        {"base": 1, "cells": [1]},
        {"base": 1, "cells": [None]},
        {"base": 1, "cells": [], "metadata": []},
        {"base": 1, "cells": [], "nbformat": "4"},
        {"base": 1, "cells": [], "nbformat_minor": -5},
        {"base": 1, "cells": [], "notebook": {}},
    ],
)
def test_a_delta_not_shaped_as_one_is_refused_400(shape: Any) -> None:
    assert refusal(lambda: notebook_delta(shape, "panel")) == (400, "NB804")


@pytest.mark.parametrize("client", [None, "", 3])
def test_a_delta_needs_its_client(client: Any) -> None:
    assert refusal(lambda: notebook_delta({"base": 1, "cells": []}, client)) == (400, "NB804")


def test_the_sender_is_known_by_client_and_seq() -> None:
    assert sender_of({"client": "panel", "seq": 3}) == Sender("panel", 3)
    assert sender_of({"client": "panel"}) is None
    assert sender_of({"client": "panel", "seq": "3"}) is None
    assert sender_of({"seq": 3}) is None


def test_a_rebuilt_notebook_comes_with_the_columns_the_reader_would_read() -> None:
    held = HeldNotebooks()
    a, b = cell("a", "x = 1"), cell("b", "y = x")
    b["metadata"] = {"tags": ["function:step"], "nb2pkg": {"returns": ["y"]}}
    held.remember(Sender("panel", 1), "nb.ipynb", notebook(a, b, cell("c", "z = y")))
    # Given a delta that moves, changes, drops and adds cells
    made = held.notebook(delta(1, "b", cell("d", "w = 2"), "a"), "nb.ipynb")
    # Then its columns are those the reader reads of the rebuilt notebook's cells, in order
    assert made.columns is not None
    assert made.columns == raw_cells.cell_columns(made.notebook["cells"], 5)
    assert [key[:2] for key in made.columns[0]] == [(1, "b"), (2, "d"), (3, "a")]
    # and the notebook read with them is the notebook read without
    with_columns, _ = notebook_from_json(
        made.notebook, "nb.ipynb", "nb.ipynb", "", columns=made.columns
    )
    without, _ = notebook_from_json(made.notebook, "nb.ipynb", "nb.ipynb", "")
    assert with_columns is not None and without is not None
    assert with_columns.cells == without.cells


@pytest.mark.parametrize(
    "odd",
    [
        {**cell("d", ""), "source": ["w = 2\n", "v = w"]},  # its source as lines
        {key: value for key, value in cell("d", "w = 2").items() if key != "id"},  # no id
        cell("a", "again = 1"),  # an id another cell of the notebook has
    ],
)
def test_a_new_cell_the_reader_reads_another_way_gives_no_columns(odd: dict[str, Any]) -> None:
    held = HeldNotebooks()
    held.remember(Sender("panel", 1), "nb.ipynb", notebook(cell("a", "x = 1")))
    made = held.notebook(delta(1, "a", odd), "nb.ipynb")
    assert made.columns is None
    assert raw_cells.cell_columns(made.notebook["cells"], 5) is None
