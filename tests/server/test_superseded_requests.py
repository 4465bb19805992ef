"""An analyze request a newer one of the same client and notebook replaces is dropped: answered
409 with code NB813, never analysed, and not even read when its body names its path first and
its client last (as the JupyterLab extension writes it).

The tests hold the request reader or the extension's turn (the server runs in this process, on
this event loop), so the requests are all waiting when it lets them go: no timing decides.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from jupyter_server.serverapp import ServerApp
from server_notebooks import code_cell, scaling_notebook
from test_handlers import Fetch, post, refused
from test_shared_analyses import until, waiting_for_turn, work_queue

from nb2pkg.frontends.server.handlers import Nb2pkgHandler
from nb2pkg.frontends.server.request_reading import (
    client_and_path,
    client_and_path_in_body,
    order_in_body,
    same_work_in_body,
)
from nb2pkg.frontends.server.work_queue import WorkQueue
from nb2pkg.frontends.server.worker_pool import WorkerPool


def edited(extra: str) -> dict[str, Any]:
    notebook = scaling_notebook()
    notebook["cells"].append(code_cell(extra, f"{extra} = 1", [f"function:{extra}"]))
    return notebook


def as_the_extension_writes(
    notebook: dict[str, Any], client: str = "panel", seq: int | None = None
) -> bytes:
    """path first, client last, no spaces: ``JSON.stringify({...body, seq, client})``."""
    body: dict[str, Any] = {"path": "typed.ipynb", "notebook": notebook}
    if seq is not None:
        body["seq"] = seq
    body["client"] = client
    return json.dumps(body, separators=(",", ":")).encode()


def waiting_for_worker(pool: WorkerPool) -> int:
    return pool.idle.waiting


def function_names(answer: dict[str, Any]) -> list[str]:
    return [f["name"] for f in answer["functions"]]


async def test_a_request_superseded_before_a_worker_is_free_is_neither_read_nor_analysed(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    queue = work_queue(jp_serverapp)
    pool, readers = queue.pool, queue.readers
    if pool is None or readers is None:
        pytest.skip("no analysis worker process could be started here")
    held = [await pool.acquire() for _ in pool.workers]  # busy: the requests wait for one
    sent, read_before = pool.sent, readers.sent
    # Given a panel's request waiting for a worker, then its newer one waiting after it
    older = asyncio.ensure_future(
        refused(jp_fetch, "analyze", as_the_extension_writes(edited("a")))
    )
    await until(lambda: waiting_for_worker(pool) == 1)
    newer = asyncio.ensure_future(post(jp_fetch, "analyze", as_the_extension_writes(edited("b"))))
    await until(lambda: waiting_for_worker(pool) == 2)
    # When the workers are free again
    for worker in held:
        pool.release(worker)
    (status, error), answer = await asyncio.gather(older, newer)
    # Then the older one is dropped unread: only the newer one went to a worker, read there
    assert status == 409 and error["code"] == "NB813"
    assert function_names(answer) == ["load", "scale", "b"]
    assert pool.sent == sent + 1
    assert readers.sent == read_before
    assert queue.latest.pending() == 0


async def superseded_while_waiting(
    jp_fetch: Fetch, queue: WorkQueue
) -> tuple[tuple[int, Any], Any]:
    """A panel's request read and waiting for its turn, then the panel's newer one: the
    older one's (status, error) and the newer one's answer once their turn comes."""
    async with queue.turn:
        older = asyncio.ensure_future(
            refused(jp_fetch, "analyze", as_the_extension_writes(edited("a")))
        )
        await until(lambda: waiting_for_turn(queue) == 1)
        newer = asyncio.ensure_future(
            post(jp_fetch, "analyze", as_the_extension_writes(edited("b")))
        )
        await until(lambda: waiting_for_turn(queue) == 2)
    (status, error), answer = await asyncio.gather(older, newer)
    return (status, error), answer


async def test_a_request_superseded_while_it_waits_for_its_turn_is_not_analysed(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    queue = work_queue(jp_serverapp)
    runs = queue.works_run
    # Given a panel's request read and waiting for its turn, then the panel's newer one;
    # when their turn comes
    (status, error), answer = await superseded_while_waiting(jp_fetch, queue)
    # Then the older one is answered 409 without an analysis
    assert status == 409 and error["code"] == "NB813"
    assert error["diagnostics"][0]["code"] == "NB813"
    assert function_names(answer) == ["load", "scale", "b"]
    assert queue.works_run == runs + 1


async def test_a_body_naming_its_client_first_is_superseded_once_read(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    queue = work_queue(jp_serverapp)
    runs = queue.works_run

    def client_first(notebook: dict[str, Any]) -> dict[str, Any]:
        return {"client": "panel", "notebook": notebook, "path": "typed.ipynb"}

    async with queue.turn:
        older = asyncio.ensure_future(refused(jp_fetch, "analyze", client_first(edited("a"))))
        await until(lambda: waiting_for_turn(queue) == 1)
        newer = asyncio.ensure_future(post(jp_fetch, "analyze", client_first(edited("b"))))
        await until(lambda: waiting_for_turn(queue) == 2)
    (status, error), answer = await asyncio.gather(older, newer)
    assert status == 409 and error["code"] == "NB813"
    assert function_names(answer) == ["load", "scale", "b"]
    assert queue.works_run == runs + 1
    assert queue.latest.pending() == 0


async def test_other_clients_and_other_notebooks_are_not_superseded(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    queue = work_queue(jp_serverapp)
    other_path = json.loads(as_the_extension_writes(edited("c")))
    other_path["path"] = "other.ipynb"
    async with queue.turn:
        first = asyncio.ensure_future(
            post(jp_fetch, "analyze", as_the_extension_writes(edited("a"), "one"))
        )
        second = asyncio.ensure_future(
            post(jp_fetch, "analyze", as_the_extension_writes(edited("b"), "two"))
        )
        third = asyncio.ensure_future(
            post(jp_fetch, "analyze", json.dumps(other_path, separators=(",", ":")))
        )
        await until(lambda: waiting_for_turn(queue) == 3)
    answers = await asyncio.gather(first, second, third)
    assert [function_names(a)[-1] for a in answers] == ["a", "b", "c"]


BODIES: list[Any] = [
    {"path": "a/b.ipynb", "notebook": {"cells": [{"source": '"client": "z"}'}]}, "client": "c"},
    {"path": 'quote"and\\backslash.ipynb', "notebook": {}, "client": "c"},
    {"path": "é/ü.ipynb", "notebook": {}, "client": "4f1c-uuid"},
    {"path": "a.ipynb", "notebook": {}, "package": "pkg", "client": "c"},
    {"notebook": {}, "path": "a.ipynb", "client": "c"},
    {"path": "a.ipynb", "client": 'c"d', "notebook": {}},
    {"path": "a.ipynb", "notebook": {}, "client": 'with"quote'},
    {"path": "a.ipynb", "notebook": {}, "client": 7},
    {"path": ["a.ipynb"], "notebook": {}, "client": "c"},
]


@pytest.mark.parametrize("ascii_only", [True, False])
@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
@pytest.mark.parametrize("body", BODIES)
def test_the_client_and_path_found_in_a_body_are_the_ones_it_holds(
    body: Any, separators: tuple[str, str], ascii_only: bool
) -> None:
    text = json.dumps(body, separators=separators, ensure_ascii=ascii_only).encode()
    found = client_and_path_in_body(text)
    assert found is None or found == client_and_path(json.loads(text))
    keys = list(body)
    extension_order = keys[0] == "path" and keys[-1] == "client"
    plain = isinstance(body["client"], str) and '"' not in body["client"]
    if extension_order and plain and isinstance(body["path"], str):
        assert found == (body["client"], body["path"])


def test_a_body_that_is_not_json_names_no_client() -> None:
    assert client_and_path_in_body(b'{"path": "a.ipynb", "client": "c"') is None
    assert client_and_path_in_body(b'{"path": "\\q.ipynb", "client": "c"}') is None
    assert client_and_path_in_body(b'{"path": "\xff.ipynb", "client": "c"}') is None


async def test_a_request_arriving_after_the_newer_one_its_client_sent_is_dropped(
    jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    queue = work_queue(jp_serverapp)
    runs = queue.works_run
    async with queue.turn:
        # Given a panel's second request, then its first one, arriving in that order
        newer = asyncio.ensure_future(
            post(jp_fetch, "analyze", as_the_extension_writes(edited("b"), seq=2))
        )
        await until(lambda: waiting_for_turn(queue) == 1)
        older = asyncio.ensure_future(
            refused(jp_fetch, "analyze", as_the_extension_writes(edited("a"), seq=1))
        )
        await until(lambda: waiting_for_turn(queue) == 2)
    # When their turn comes
    answer, (status, error) = await asyncio.gather(newer, older)
    # Then the panel gets the analysis of what it sent last; the first one is dropped
    assert function_names(answer) == ["load", "scale", "b"]
    assert status == 409 and error["code"] == "NB813"
    assert queue.works_run == runs + 1
    assert queue.latest.pending() == 0


def test_the_number_a_client_gives_a_request_is_read_from_the_body_end() -> None:
    numbered = as_the_extension_writes(edited("a"), seq=41)
    assert order_in_body(numbered) == 41
    assert client_and_path_in_body(numbered) == ("panel", "typed.ipynb")
    assert order_in_body(as_the_extension_writes(edited("a"))) is None
    # two panels sending the same notebook still share one analysis
    other_panel = as_the_extension_writes(edited("a"), client="other", seq=7)
    assert same_work_in_body("/analyze", numbered) == same_work_in_body("/analyze", other_panel)


async def test_a_superseded_request_is_logged_once_and_below_warnings(
    jp_fetch: Fetch, jp_serverapp: ServerApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    (status, _), _ = await superseded_while_waiting(jp_fetch, work_queue(jp_serverapp))
    assert status == 409
    # replaced while the user types: routine, one debug line (no warning per keystroke)
    # (a message's status comes first: "409 POST ..."; a duration such as "409.34ms" is not one)
    about_it = [r for r in caplog.records if r.getMessage().startswith("409 ")]
    assert [r.levelno for r in about_it] == [logging.DEBUG]
    assert "NB813" in about_it[0].getMessage()
    assert not [r for r in caplog.records if "refused" in r.getMessage()]


async def test_a_superseded_request_is_answered_without_tornados_error_path(
    jp_fetch: Fetch, jp_serverapp: ServerApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Most analyze requests of a typing user are superseded: their 409 is written as an
    # answer, not raised through ``send_error`` (which clears the headers and writes again)
    errors_sent: list[int] = []
    send_error = Nb2pkgHandler.send_error

    def counted(self: Nb2pkgHandler, status_code: int = 500, **kwargs: Any) -> None:
        errors_sent.append(status_code)
        send_error(self, status_code, **kwargs)

    monkeypatch.setattr(Nb2pkgHandler, "send_error", counted)
    (status, error), _ = await superseded_while_waiting(jp_fetch, work_queue(jp_serverapp))
    assert status == 409 and error["code"] == "NB813"
    assert error["diagnostics"][0]["hint"]
    assert errors_sent == []
