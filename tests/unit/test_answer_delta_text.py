"""An answer as a delta against an earlier one (``answer_deltas.py``): each run of summaries the
earlier answer had, wherever they were in it, is named by place, the others are given whole;
put back in place, the delta is the answer's own JSON text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from nb2pkg.frontends.server.answer_deltas import answer_delta_text
from nb2pkg.frontends.server.answer_lists import ListText
from nb2pkg.frontends.server.answers import ShownAnswer, object_text


def shown(cells: Sequence[str], functions: Sequence[str] = ()) -> ShownAnswer:
    """An answer whose summaries' texts are these (each a JSON object's text)."""
    texts = {"cells": [json.dumps({"id": c}) for c in cells]}
    texts["functions"] = [json.dumps({"name": f}) for f in functions]
    values = {"notebook": '"nb.ipynb"', "cells": "[]", "functions": "[]", "tests": "[]"}
    lists = {
        name: ListText(items, items, [False] * len(items), ()) for name, items in texts.items()
    }
    answer = ShownAnswer(values, lists["cells"], lists["functions"])
    # its text is its parts' joined, as the JSON text of the whole answer
    whole = dict(values, **{name: "[" + ", ".join(items) + "]" for name, items in texts.items()})
    assert answer.text == object_text(whole)
    return answer


def put_in_place(answer: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The whole answer a delta answer stands for, as the JupyterLab extension rebuilds it."""
    whole = {key: value for key, value in answer.items() if key != "answer_base"}
    for name in ("cells", "functions"):
        items: list[Any] = []
        for item in answer[name]:
            if isinstance(item, list):
                items += base[name][item[0] : item[0] + item[1]]
            else:
                items.append(item)
        whole[name] = items
    return whole


def test_an_unchanged_list_is_one_run_and_an_edit_a_summary_between_runs() -> None:
    base = shown(["a", "b", "c", "d", "e"], ["f"])
    delta = json.loads(answer_delta_text(shown(["a", "b", "X", "d", "e"], ["f"]), base, 7) or "")
    assert delta["answer_base"] == 7
    assert delta["cells"] == [[0, 2], {"id": "X"}, [3, 2]]
    assert delta["functions"] == [[0, 1]]


def test_a_summary_inserted_removed_or_moved_leaves_the_others_runs() -> None:
    base = shown(["a", "b", "c", "d"])
    inserted = json.loads(answer_delta_text(shown(["a", "X", "b", "c", "d"]), base, 1) or "")
    assert inserted["cells"] == [[0, 1], {"id": "X"}, [1, 3]]
    removed = json.loads(answer_delta_text(shown(["a", "c", "d"]), base, 1) or "")
    assert removed["cells"] == [[0, 1], [2, 2]]
    moved = json.loads(answer_delta_text(shown(["b", "c", "a", "d"]), base, 1) or "")
    assert moved["cells"] == [[1, 2], {"id": "a"}, [3, 1]]


def test_an_answer_not_made_of_its_summaries_goes_whole() -> None:
    # (an answer with a folder of the server replaced in it: its text alone)
    assert answer_delta_text(ShownAnswer.whole('{"cells": []}'), shown(["a"]), 1) is None
    assert answer_delta_text(shown(["a"]), ShownAnswer.whole('{"cells": []}'), 1) is None


names = st.lists(st.sampled_from("abcdefgh"), max_size=12)


@given(names, names, names, names)
def test_put_in_place_a_delta_is_the_answers_text(
    before: list[str], after: list[str], functions_before: list[str], functions: list[str]
) -> None:
    base, answer = shown(before, functions_before), shown(after, functions)
    delta = json.loads(answer_delta_text(answer, base, 3) or "")
    assert json.dumps(put_in_place(delta, json.loads(base.text))) == answer.text
