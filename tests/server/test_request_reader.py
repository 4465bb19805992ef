"""Request bodies are read in the request reader process, not in the server's own.

A notebook's JSON parsed in the server's process would hold Python's lock the event loop
needs for `/api/status`. The test makes reading a body in this process (where the server runs)
fail: requests are still answered, refusals still carry their codes, and the reader counts
the bodies it read.
"""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from jupyter_server.serverapp import ServerApp
from server_notebooks import scaling_notebook
from test_handlers import Fetch, post, refused

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.work_queue import WORK_QUEUE_SETTING, WorkQueue


def not_here(*_: Any) -> NoReturn:
    raise AssertionError("a request body was read in the server's process")


async def test_bodies_are_read_in_the_request_reader_process(
    jp_fetch: Fetch, jp_serverapp: ServerApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = jp_serverapp.web_app.settings[WORK_QUEUE_SETTING]
    assert isinstance(queue, WorkQueue) and queue.readers is not None
    monkeypatch.setattr(requests, "parse_body", not_here)

    # the client first: not as the JupyterLab extension writes it, so read before its turn
    plan = await post(
        jp_fetch, "analyze", {"client": "a", "path": "nb.ipynb", "notebook": scaling_notebook()}
    )
    malformed = await refused(jp_fetch, "analyze", b'{"path": ')
    outside = await refused(jp_fetch, "analyze", {"path": "../x.ipynb", "notebook": {}})
    status = await jp_fetch("api", "status")

    assert [f["name"] for f in plan["functions"]] == ["load", "scale"]
    assert (malformed[0], malformed[1]["code"]) == (400, "NB801")
    assert (outside[0], outside[1]["code"]) == (403, "NB803")
    assert status.code == 200
    (reader,) = await queue.readers.stats()
    # the analyze request read (the two refused are not counted), and no analysis imported
    assert reader["jobs_done"] == 1 and "cell_analyses" not in reader


async def test_a_body_as_the_extension_writes_it_is_read_by_the_analysis_worker(
    jp_fetch: Fetch, jp_serverapp: ServerApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = jp_serverapp.web_app.settings[WORK_QUEUE_SETTING]
    assert isinstance(queue, WorkQueue) and queue.readers is not None and queue.pool is not None
    monkeypatch.setattr(requests, "parse_body", not_here)
    sent = queue.pool.sent

    # the path first, the client last: what orders its work is known without reading it
    plan = await post(
        jp_fetch, "analyze", {"path": "nb.ipynb", "notebook": scaling_notebook(), "client": "a"}
    )
    outside = await refused(
        jp_fetch, "analyze", {"path": "../x.ipynb", "notebook": {}, "client": "a"}
    )

    assert [f["name"] for f in plan["functions"]] == ["load", "scale"]
    assert (outside[0], outside[1]["code"]) == (403, "NB803")
    assert queue.pool.sent == sent + 2
    (reader,) = await queue.readers.stats()
    assert reader["jobs_done"] == 0
