"""Property: the code a notebook holds, counted all at once (``workload.code_size``), is what
counting it cell by cell gives: lines (each cell at least one) and characters, for any cells,
malformed ones included (not an object, no source, a source of lines or of other values)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from nb2pkg.frontends.server.workload import code_size

_TEXT = st.text(alphabet=st.sampled_from("ab \n\r\t\u00e9\U0001f600"), max_size=12)
_SOURCE = st.one_of(
    _TEXT,
    st.lists(st.one_of(_TEXT, st.integers(), st.none()), max_size=4),
    st.integers(),
    st.none(),
)
_CELL = st.one_of(
    st.fixed_dictionaries({"cell_type": st.just("code"), "source": _TEXT}),
    st.fixed_dictionaries({"cell_type": st.just("markdown"), "source": _SOURCE}),
    st.fixed_dictionaries({"cell_type": st.just("code")}),
    st.one_of(st.text(max_size=3), st.integers(), st.none(), st.lists(st.integers(), max_size=2)),
)


def _counted_cell_by_cell(cells: list[Any]) -> tuple[int, int]:
    lines = chars = 0
    for cell in cells:
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        parts = source if isinstance(source, list) else [source]
        text = "".join(part for part in parts if isinstance(part, str))
        chars += len(text)
        lines += len(text.split("\n")) - (1 if text.endswith("\n") else 0)
    return lines, chars


@given(st.lists(_CELL, max_size=12))
def test_code_size_is_the_sum_over_cells(cells: list[Any]) -> None:
    assert code_size({"cells": cells}) == _counted_cell_by_cell(cells)


@given(st.lists(_TEXT, max_size=12))
def test_texts_only_are_counted_alike(sources: list[str]) -> None:
    cells = [{"cell_type": "code", "source": source} for source in sources]
    assert code_size({"cells": cells}) == _counted_cell_by_cell(cells)


def test_what_is_not_a_notebook_holds_no_code() -> None:
    assert code_size([]) == code_size({"cells": "x"}) == code_size(None) == (0, 0)
    assert code_size({"cells": []}) == (0, 0)
    assert code_size({"cells": [{"source": ""}]}) == (1, 0)
    assert code_size({"cells": [{"source": "a\nb\n"}, {"source": "c"}]}) == (3, 5)
