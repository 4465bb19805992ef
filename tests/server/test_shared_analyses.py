"""Identical analyze requests in flight share one analysis, on a real jupyter_server.

The test holds the extension's turn (the server runs in this process, on this event loop), so
the requests are all waiting when it lets them go: no timing decides what is shared.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from jupyter_server.serverapp import ServerApp
from server_notebooks import code_cell, notebook_json, scaling_notebook
from test_handlers import Fetch, post

from nb2pkg.frontends.server.work_queue import WORK_QUEUE_SETTING, WorkQueue


def work_queue(app: ServerApp) -> WorkQueue:
    queue = app.web_app.settings[WORK_QUEUE_SETTING]
    assert isinstance(queue, WorkQueue)
    return queue


def waiting_for_turn(queue: WorkQueue) -> int:
    return len(getattr(queue.turn, "_waiters", None) or ())


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.001)


def request(client: str, notebook: dict[str, Any]) -> dict[str, Any]:
    return {"path": "shared.ipynb", "notebook": notebook, "client": client}


async def test_two_clients_sending_the_same_notebook_get_one_analysis(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    queue = work_queue(jp_serverapp)
    edited = scaling_notebook()
    edited["cells"].append(code_cell("extra", "extra = 1", ["function:extra"]))
    runs, shared = queue.works_run, queue.in_flight.shared
    async with queue.turn:
        # Given two panels with the same content and a third with other content, all waiting
        first = asyncio.ensure_future(post(jp_fetch, "analyze", request("a", scaling_notebook())))
        second = asyncio.ensure_future(post(jp_fetch, "analyze", request("b", scaling_notebook())))
        other = asyncio.ensure_future(post(jp_fetch, "analyze", request("c", edited)))
        await until(lambda: queue.in_flight.shared == shared + 1 and waiting_for_turn(queue) == 2)
        assert queue.works_run == runs
    # When their turn comes
    answers = await asyncio.gather(first, second, other)
    # Then the two identical requests got one analysis between them, the other its own
    assert queue.works_run == runs + 2
    assert answers[0] == answers[1]
    assert [f["name"] for f in answers[0]["functions"]] == ["load", "scale"]
    assert [f["name"] for f in answers[2]["functions"]] == ["load", "scale", "extra"]


async def test_a_superseded_request_another_client_waits_for_is_still_answered(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    queue = work_queue(jp_serverapp)
    newer = json.loads(json.dumps(scaling_notebook()))
    newer["cells"].append(code_cell("extra", "extra = 1", ["function:extra"]))
    runs, shared = queue.works_run, queue.in_flight.shared
    async with queue.turn:
        # Given panel a's request, panel b's identical one, then panel a's newer content
        older_of_a = asyncio.ensure_future(post(jp_fetch, "analyze", request("a", notebook())))
        await until(lambda: queue.latest.pending() == 1)
        same_of_b = asyncio.ensure_future(post(jp_fetch, "analyze", request("b", notebook())))
        await until(lambda: queue.in_flight.shared == shared + 1)
        newer_of_a = asyncio.ensure_future(post(jp_fetch, "analyze", request("a", newer)))
        await until(lambda: waiting_for_turn(queue) == 2)
    # When their turn comes
    answers = await asyncio.gather(older_of_a, same_of_b, newer_of_a)
    # Then a's older request is not dropped, since b waits for its answer: two analyses
    assert queue.works_run == runs + 2
    assert answers[0] == answers[1]
    assert [f["name"] for f in answers[1]["functions"]] == ["load", "scale"]
    assert [f["name"] for f in answers[2]["functions"]] == ["load", "scale", "extra"]


def notebook() -> dict[str, Any]:
    return notebook_json(scaling_notebook()["cells"])
