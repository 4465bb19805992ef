"""The manifest's JSON writer gives exactly what ``json.dumps`` (sorted, indent 2) gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nb2pkg.builder.indented_json import dumps

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # lone surrogates, quotes, control characters, non-ASCII
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=30,
)


def _standard(value: Any) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)


@given(values)
def test_any_json_value_is_written_as_json_dumps_writes_it(value: Any) -> None:
    assert dumps(value) == _standard(value)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        [[], {}, [[]]],
        {"b": 1, "a": [True, None, 1.5, 'x\n"é\ud800']},
        {"outer": {1: "an int key", 2: [3]}},
        {"nested": {"deeper": [{"k": "v"}, -0.0]}},
    ],
)
def test_edge_values_are_written_as_json_dumps_writes_them(value: Any) -> None:
    assert dumps(value) == _standard(value)
