"""Analyze requests sent as deltas (``notebook_deltas.py``), against a real server: a delta is
answered exactly as the notebook it stands for sent in full, across edits that add, remove and
move cells; one whose base the server does not hold is refused 409 (NB815) and the notebook
sent in full is answered; a malformed one is refused 400, a path out of the root 403, and the
limits hold for the notebook it stands for. With analysis worker processes and without.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import signal
from typing import Any

import pytest
from jupyter_server.serverapp import ServerApp
from server_notebooks import BODY_LIMIT, WORK_LIMIT_LINES, code_cell, scaling_notebook
from test_bad_requests import IN_THREADS
from test_handlers import Fetch, refused
from test_shared_analyses import until, work_queue
from traitlets.config import Config

from nb2pkg.frontends.server.worker_pool import AnalysisWorker, WorkerPool

PATH = "typed.ipynb"


def full_body(notebook: dict[str, Any], client: str, seq: int) -> bytes:
    """As the extension writes it: path first, then the notebook, seq and client last."""
    body = {"path": PATH, "notebook": notebook, "seq": seq, "client": client}
    return json.dumps(body, separators=(",", ":")).encode()


def delta_body(
    notebook: dict[str, Any], base: dict[str, Any], base_seq: int, client: str, seq: int
) -> bytes:
    """``notebook`` as a delta against ``base`` (answered as request ``base_seq``): the cells
    whose JSON is as in the base by their id, the others in full."""
    sent = {cell["id"]: json.dumps(cell, sort_keys=True) for cell in base["cells"]}
    cells = [
        cell["id"] if sent.get(cell["id"]) == json.dumps(cell, sort_keys=True) else cell
        for cell in notebook["cells"]
    ]
    delta = {
        "base": base_seq,
        "metadata": notebook["metadata"],
        "nbformat": notebook["nbformat"],
        "nbformat_minor": notebook["nbformat_minor"],
        "cells": cells,
    }
    body = {"path": PATH, "delta": delta, "seq": seq, "client": client}
    return json.dumps(body, separators=(",", ":")).encode()


async def answer_bytes(jp_fetch: Fetch, body: bytes) -> bytes:
    response = await jp_fetch("nb2pkg", "analyze", method="POST", body=body)
    assert response.code == 200
    return bytes(response.body)


def edits() -> list[dict[str, Any]]:
    """A notebook, then edited: a cell changed, one added, one moved, one removed."""
    first = scaling_notebook()
    changed = json.loads(json.dumps(first))
    changed["cells"][2]["source"] = "scaled = [v * factor * 2 for v in data]"
    added = json.loads(json.dumps(changed))
    added["cells"].insert(3, code_cell("total", "total = sum(scaled)", ["function:total"]))
    moved = json.loads(json.dumps(added))
    moved["cells"].append(moved["cells"].pop(0))
    removed = json.loads(json.dumps(moved))
    del removed["cells"][3]
    return [first, changed, added, moved, removed]


async def check_deltas_answer_as_full_bodies(jp_fetch: Fetch) -> None:
    notebooks = edits()
    # Given a panel whose first request (the whole notebook) was answered
    await answer_bytes(jp_fetch, full_body(notebooks[0], "panel", 1))
    for seq, (before, after) in enumerate(itertools.pairwise(notebooks), start=2):
        # When it sends each edit as a delta against its last answered request
        answer = await answer_bytes(jp_fetch, delta_body(after, before, seq - 1, "panel", seq))
        # Then the answer is, byte for byte, that of the whole notebook from another panel
        expected = await answer_bytes(jp_fetch, full_body(after, f"other-{seq}", 1))
        assert answer == expected
    assert "total" in [function["name"] for function in json.loads(answer)["functions"]]


async def test_deltas_are_answered_as_the_notebooks_they_stand_for(jp_fetch: Fetch) -> None:
    await check_deltas_answer_as_full_bodies(jp_fetch)


@pytest.mark.parametrize("jp_server_config", [IN_THREADS])
async def test_deltas_are_answered_on_the_servers_threads_too(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    assert work_queue(jp_serverapp).pool is None
    await check_deltas_answer_as_full_bodies(jp_fetch)


async def test_a_delta_on_a_base_not_held_gets_409_then_the_full_notebook_is_answered(
    jp_fetch: Fetch,
) -> None:
    first, changed = edits()[:2]
    # Given a panel that the server never answered (it restarted, say)
    body = delta_body(changed, first, 7, "new-panel", 8)
    # When it sends a delta
    status, error = await refused(jp_fetch, "analyze", body)
    # Then it is refused with the code that asks for the whole notebook
    assert status == 409 and error["code"] == "NB815"
    assert error["diagnostics"][0]["hint"]
    # and the same edit sent in full (same seq) is answered, and so is the next delta
    await answer_bytes(jp_fetch, full_body(changed, "new-panel", 8))
    await answer_bytes(jp_fetch, delta_body(first, changed, 8, "new-panel", 9))


async def test_a_delta_on_a_base_not_held_is_logged_once_and_below_warnings(
    jp_fetch: Fetch, caplog: pytest.LogCaptureFixture
) -> None:
    # routine (a worker restarted, or another answered): no warning for what the client mends
    caplog.set_level(logging.DEBUG)
    first, changed = edits()[:2]
    status, _ = await refused(jp_fetch, "analyze", delta_body(changed, first, 7, "panel", 8))
    assert status == 409
    about_it = [r for r in caplog.records if r.getMessage().startswith("409 ")]
    assert [r.levelno for r in about_it] == [logging.DEBUG]
    assert "NB815" in about_it[0].getMessage()
    assert not [r for r in caplog.records if "refused" in r.getMessage()]


async def test_a_delta_naming_a_cell_its_base_does_not_have_gets_409(jp_fetch: Fetch) -> None:
    first = scaling_notebook()
    await answer_bytes(jp_fetch, full_body(first, "panel", 1))
    body = delta_body(first, first, 1, "panel", 2).replace(b'"load"', b'"unknown"', 1)
    status, error = await refused(jp_fetch, "analyze", body)
    assert status == 409 and error["code"] == "NB815"


async def test_a_delta_whose_base_is_an_older_answered_request_is_answered(
    jp_fetch: Fetch,
) -> None:
    # Given two answered requests of a panel (the second's answer came after it sent a third)
    first, changed, added = edits()[:3]
    await answer_bytes(jp_fetch, full_body(first, "panel", 1))
    await answer_bytes(jp_fetch, delta_body(changed, first, 1, "panel", 2))
    # When a delta names the first as its base, it is still answered
    answer = await answer_bytes(jp_fetch, delta_body(added, first, 1, "panel", 3))
    assert answer == await answer_bytes(jp_fetch, full_body(added, "other", 1))


def malformed(delta: Any, client: Any = "panel") -> bytes:
    return json.dumps({"path": PATH, "delta": delta, "seq": 2, "client": client}).encode()


GOOD = {"base": 1, "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "cells": ["load"]}

BAD_DELTAS = {
    "not an object": malformed([1, 2]),
    "cells not a list": malformed({**GOOD, "cells": "load"}),
    "a cell neither id nor object": malformed({**GOOD, "cells": ["load", 3]}),
    "base negative": malformed({**GOOD, "base": -1}),
    "base a boolean": malformed({**GOOD, "base": True}),
    "base a string": malformed({**GOOD, "base": "1"}),
    "base missing": malformed({k: v for k, v in GOOD.items() if k != "base"}),
    "metadata a list": malformed({**GOOD, "metadata": []}),
    "nbformat a float": malformed({**GOOD, "nbformat": 4.5}),
    "unknown member": malformed({**GOOD, "extra": 1}),
    "answer_delta a string": malformed({**GOOD, "answer_delta": "yes"}),
    "no client": json.dumps({"path": PATH, "delta": GOOD}).encode(),
    "client a number": malformed(GOOD, client=3),
    "with the notebook too": json.dumps(
        {"path": PATH, "notebook": scaling_notebook(), "delta": GOOD, "client": "panel"}
    ).encode(),
}


@pytest.mark.parametrize("name", sorted(BAD_DELTAS))
async def test_a_malformed_delta_gets_400_with_a_code(jp_fetch: Fetch, name: str) -> None:
    await answer_bytes(jp_fetch, full_body(scaling_notebook(), "panel", 1))
    status, error = await refused(jp_fetch, "analyze", BAD_DELTAS[name])
    assert (status, error["code"]) == (400, "NB804"), error


async def test_propose_takes_no_delta(jp_fetch: Fetch) -> None:
    body = json.dumps({"path": PATH, "delta": GOOD, "client": "panel"}).encode()
    status, error = await refused(jp_fetch, "propose", body)
    assert (status, error["code"]) == (400, "NB804")


@pytest.mark.parametrize("path", ["../outside.ipynb", "a/../../b.ipynb"])
async def test_a_delta_for_a_path_out_of_the_root_gets_403(jp_fetch: Fetch, path: str) -> None:
    first = scaling_notebook()
    await answer_bytes(jp_fetch, full_body(first, "panel", 1))
    body = delta_body(first, first, 1, "panel", 2).replace(
        f'"path":"{PATH}"'.encode(), b'"path":' + json.dumps(path).encode(), 1
    )
    status, error = await refused(jp_fetch, "analyze", body)
    assert (status, error["code"]) == (403, "NB803")
    assert "outside" in error["message"]


async def test_the_limits_hold_for_the_notebook_a_delta_stands_for(jp_fetch: Fetch) -> None:
    # Given an answered notebook of 1,500 lines of 120 characters (in the body limit)
    line = "value = " + "1 + " * 28 + "1\n"
    big = scaling_notebook()
    big["cells"].append(code_cell("big", line * 1500))
    assert len(full_body(big, "panel", 1)) < BODY_LIMIT
    await answer_bytes(jp_fetch, full_body(big, "panel", 1))
    # When a delta adds 600 lines: more code than the server analyses per request
    more_lines = json.loads(json.dumps(big))
    more_lines["cells"].append(code_cell("more", "x = 1\n" * 600))
    status, error = await refused(jp_fetch, "analyze", delta_body(more_lines, big, 1, "panel", 2))
    assert (status, error["code"]) == (413, "NB812")
    # When a delta adds few lines but many bytes: a notebook over the body limit
    more_bytes = json.loads(json.dumps(big))
    more_bytes["cells"].append(code_cell("wide", "text = '" + "x" * 120_000 + "'\n"))
    body = delta_body(more_bytes, big, 1, "panel", 3)
    assert len(body) < BODY_LIMIT
    status, error = await refused(jp_fetch, "analyze", body)
    assert (status, error["code"]) == (413, "NB802")


def workers(count: int) -> Config:
    """The tests' server configuration with ``count`` analysis worker processes (whatever
    the machine's cores)."""
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"nb2pkg": True}},
            "Nb2pkgServer": {
                "max_body_bytes": BODY_LIMIT,
                "max_code_lines": WORK_LIMIT_LINES,
                "analysis_processes": count,
            },
        }
    )


@pytest.mark.parametrize("jp_server_config", [workers(2)])
async def test_a_clients_deltas_go_to_the_worker_that_holds_its_notebook(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    pool = work_queue(jp_serverapp).pool
    assert pool is not None and len(pool.workers) == 2
    notebooks = edits()
    await answer_bytes(jp_fetch, full_body(notebooks[0], "panel", 1))
    await until(lambda: all(worker.ready.is_set() for worker in pool.workers))
    # Given both workers idle, each edit a delta: each is answered where its base is held
    sent = pool.sent
    for seq, (before, after) in enumerate(itertools.pairwise(notebooks), start=2):
        await answer_bytes(jp_fetch, delta_body(after, before, seq - 1, "panel", seq))
    assert pool.sent == sent + len(notebooks) - 1  # none refused and sent again


async def held_by_one_busy_worker(
    jp_fetch: Fetch, jp_serverapp: ServerApp, panels: tuple[str, ...]
) -> tuple[WorkerPool, AnalysisWorker]:
    """The pool of two workers, both ready, and the one that answered the ``panels``' first
    requests (``edits()[0]``), busy now; the other is idle."""
    pool = work_queue(jp_serverapp).pool
    assert pool is not None and len(pool.workers) == 2
    notebook = edits()[0]
    await answer_bytes(jp_fetch, full_body(notebook, "warm-up", 1))
    await until(lambda: all(worker.ready.is_set() for worker in pool.workers))
    other = await pool.acquire()
    for panel in panels:
        await answer_bytes(jp_fetch, full_body(notebook, panel, 1))
    own = pool._served[(panels[0], PATH)]
    assert own is not other and all(pool._served[(p, PATH)] is own for p in panels)
    pool.release(other)
    assert await pool.idle.claimed(pool.idle.claim(own)) is own
    return pool, own


@pytest.mark.parametrize("jp_server_config", [workers(2)])
async def test_a_delta_waits_for_its_worker_while_another_is_idle(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    first, changed = edits()[:2]
    # Given the worker holding the panel's notebook busy, the other idle
    pool, own = await held_by_one_busy_worker(jp_fetch, jp_serverapp, ("panel",))
    # When a delta comes, it waits for its own worker (the other stays idle)
    delta = asyncio.ensure_future(answer_bytes(jp_fetch, delta_body(changed, first, 1, "panel", 2)))
    await until(lambda: pool.idle.waiting_for(own) == 1)
    await asyncio.sleep(0.2)
    assert not delta.done() and len(pool.idle) == 1 and pool.idle.waiting_for(own) == 1
    # Then it is answered by it once it is free, without being refused and sent again
    sent = pool.sent
    pool.release(own)
    answer = await delta
    assert pool.sent == sent + 1
    assert answer == await answer_bytes(jp_fetch, full_body(changed, "other", 1))


@pytest.mark.parametrize("jp_server_config", [workers(2)])
async def test_a_client_moves_to_an_idle_worker_when_requests_queue_for_its_own(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    first, changed = edits()[:2]
    # Given three panels' notebooks held by one worker, busy, the other idle
    pool, own = await held_by_one_busy_worker(jp_fetch, jp_serverapp, ("panel", "second", "third"))
    # When two panels' deltas wait for it while the other worker is idle
    waiting = [
        asyncio.ensure_future(answer_bytes(jp_fetch, delta_body(changed, first, 1, panel, 2)))
        for panel in ("second", "third")
    ]
    await until(lambda: pool.idle.waiting_for(own) == 2)
    # Then the third's delta goes to the idle worker: refused there, its notebook sent in full
    status, error = await refused(jp_fetch, "analyze", delta_body(changed, first, 1, "panel", 2))
    assert (status, error["code"]) == (409, "NB815")
    await answer_bytes(jp_fetch, full_body(changed, "panel", 2))
    assert pool._served[("panel", PATH)] is not own  # (answered by the idle one)
    pool.release(own)
    for answer in waiting:
        assert json.loads(await answer)["functions"]


@pytest.mark.parametrize("jp_server_config", [workers(2)])
async def test_a_delta_goes_to_an_idle_worker_while_its_own_runs_a_build(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    first, changed = edits()[:2]
    # Given the worker holding the panel's notebook building a package (seconds), the other idle
    pool, own = await held_by_one_busy_worker(jp_fetch, jp_serverapp, ("panel",))
    pool._running[own] = "build"
    # Then the panel's delta does not wait for it: refused by the idle one, sent in full
    status, error = await refused(jp_fetch, "analyze", delta_body(changed, first, 1, "panel", 2))
    assert (status, error["code"]) == (409, "NB815")
    del pool._running[own]
    pool.release(own)


@pytest.mark.parametrize("jp_server_config", [workers(1)])
async def test_after_the_worker_restarted_a_delta_gets_409_and_the_full_notebook_is_answered(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    pool = work_queue(jp_serverapp).pool
    assert pool is not None
    first, changed, added = edits()[:3]
    await answer_bytes(jp_fetch, full_body(first, "panel", 1))
    # Given the worker that held the panel's notebook killed, and started again
    (worker,) = pool.workers
    dead = worker.pid
    assert dead is not None
    os.kill(dead, signal.SIGKILL)
    await until(lambda: pool.restarts == 1 and worker.ready.is_set())
    # Then the panel's delta is refused, its notebook in full answered, and deltas work again
    status, error = await refused(jp_fetch, "analyze", delta_body(changed, first, 1, "panel", 2))
    assert (status, error["code"]) == (409, "NB815")
    await answer_bytes(jp_fetch, full_body(changed, "panel", 2))
    answer = await answer_bytes(jp_fetch, delta_body(added, changed, 2, "panel", 3))
    assert answer == await answer_bytes(jp_fetch, full_body(added, "other", 1))


async def test_deltas_written_in_any_member_order_are_answered(jp_fetch: Fetch) -> None:
    # (read by the request reader first: the client is not the body's last member)
    first, changed = edits()[:2]

    def client_first(body: bytes) -> bytes:
        data = json.loads(body)
        return json.dumps({"client": data.pop("client"), **data}).encode()

    await answer_bytes(jp_fetch, client_first(full_body(first, "panel", 1)))
    body = client_first(delta_body(changed, first, 1, "panel", 2))
    answer = await answer_bytes(jp_fetch, body)
    assert answer == await answer_bytes(jp_fetch, full_body(changed, "other", 1))
