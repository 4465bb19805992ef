"""Analyze answers as deltas (``answer_deltas.py``), against a real server: a delta request that
asks for it is answered with the summaries of its base's answer named by place, and put back
in place they give, byte for byte, the answer the whole notebook gets; across edits that change,
add, move and remove cells; with analysis worker processes and without. A request that does not
ask for it, or whose base's answer is not held, gets its answer whole.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from jupyter_server.serverapp import ServerApp
from server_notebooks import code_cell, notebook_json
from test_analyze_deltas import answer_bytes, delta_body, edits, full_body
from test_bad_requests import IN_THREADS
from test_handlers import Fetch
from test_shared_analyses import work_queue

from tests.unit.test_answer_delta_text import put_in_place


def asking(body: bytes) -> bytes:
    """A delta body that asks for its answer as a delta."""
    data = json.loads(body)
    data["delta"]["answer_delta"] = True
    return json.dumps(data, separators=(",", ":")).encode()


async def check_answers_put_in_place(jp_fetch: Fetch) -> None:
    notebooks = edits()
    # Given a panel whose first request (the whole notebook) was answered
    held = json.loads(await answer_bytes(jp_fetch, full_body(notebooks[0], "panel", 1)))
    for seq, (before, after) in enumerate(itertools.pairwise(notebooks), start=2):
        # When it sends each edit as a delta asking for a delta answer
        body = asking(delta_body(after, before, seq - 1, "panel", seq))
        answer = json.loads(await answer_bytes(jp_fetch, body))
        # Then the answer names its base, and put in place it is the whole notebook's answer
        assert answer["answer_base"] == seq - 1
        expected = await answer_bytes(jp_fetch, full_body(after, f"other-{seq}", 1))
        held = put_in_place(answer, held)
        assert json.dumps(held).encode() == expected
        if seq == 2:  # (a cell changed in place: every summary as in its base)
            assert answer["cells"] == [[0, 4]]


async def test_delta_answers_put_in_place_are_the_whole_answers(jp_fetch: Fetch) -> None:
    await check_answers_put_in_place(jp_fetch)


@pytest.mark.parametrize("jp_server_config", [IN_THREADS])
async def test_delta_answers_on_the_servers_threads_too(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    assert work_queue(jp_serverapp).pool is None
    await check_answers_put_in_place(jp_fetch)


def long_notebook(cells: int, edited: int | None = None) -> dict[str, Any]:
    sources = [f"value_{i} = {i} * 2" for i in range(cells)]
    if edited is not None:
        sources[edited] = f"renamed_{edited} = {edited} * 3"
    return notebook_json(
        [code_cell(f"c{i}", source, [f"function:step_{i}"]) for i, source in enumerate(sources)]
    )


async def test_a_one_cell_edit_of_a_long_notebook_gets_a_small_answer(jp_fetch: Fetch) -> None:
    # Given a panel on a notebook of 200 steps, answered
    first, edited = long_notebook(200), long_notebook(200, edited=120)
    whole = await answer_bytes(jp_fetch, full_body(first, "panel", 1))
    # When one cell is edited and the delta asks for a delta answer
    answer = await answer_bytes(jp_fetch, asking(delta_body(edited, first, 1, "panel", 2)))
    # Then the answer is a small part of the whole one: the edited cell's summary, and runs
    assert len(answer) * 10 < len(whole)
    cells = json.loads(answer)["cells"]
    assert [item for item in cells if not isinstance(item, list)] == [
        json.loads(await answer_bytes(jp_fetch, full_body(edited, "other", 1)))["cells"][120]
    ]


async def test_a_delta_that_does_not_ask_gets_the_whole_answer(
    jp_fetch: Fetch,
) -> None:
    first, changed, added = edits()[:3]
    await answer_bytes(jp_fetch, full_body(first, "panel", 1))
    # A delta that does not ask for a delta answer gets the whole answer
    plain = json.loads(await answer_bytes(jp_fetch, delta_body(changed, first, 1, "panel", 2)))
    assert "answer_base" not in plain
    assert all(isinstance(item, dict) for item in plain["cells"])
    # and the next one, asking, gets a delta against it
    body = asking(delta_body(added, changed, 2, "panel", 3))
    assert json.loads(await answer_bytes(jp_fetch, body))["answer_base"] == 2
