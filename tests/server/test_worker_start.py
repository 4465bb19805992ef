"""The analysis workers and the request reader start when the server links the extension,
before it builds its web application and loads the extension, long before it serves: the
first request finds processes that have imported what they need, or are about to. They run
below the server's CPU priority (``c.Nb2pkgServer.worker_niceness``).

No timing decides anything: the test looks at what was started, and at what serves.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from jupyter_server.serverapp import ServerApp
from traitlets.config import Config

from nb2pkg.frontends.server import _link_jupyter_server_extension
from nb2pkg.frontends.server.routes import STARTED_AT_LINK
from nb2pkg.frontends.server.work_queue import WORK_QUEUE_SETTING, WorkQueue
from nb2pkg.frontends.server.worker_pool import STARTED


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def test_linking_the_extension_starts_its_workers(tmp_path: Path) -> None:
    options = {"analysis_processes": 1, "warm_notebooks": 0, "worker_niceness": 3}
    config = Config({"Nb2pkgServer": options})
    app = ServerApp(root_dir=str(tmp_path), config=config)
    assert not hasattr(app, "web_app")  # nothing built yet
    # When the server links the extension
    _link_jupyter_server_extension(app)
    pool, readers = STARTED_AT_LINK[app]
    assert pool is not None and readers is not None
    try:
        # Then its analysis worker and its request reader are started, and get ready
        assert pool.workers[0].process is not None and readers.workers[0].process is not None
        await until(lambda: pool.workers[0].ready.is_set() and readers.workers[0].ready.is_set())
        assert {pool, readers} <= STARTED  # stopped at the server's exit
        # below the server's CPU priority, as configured (the event loop answers every request)
        if hasattr(os, "getpriority"):
            own = os.getpriority(os.PRIO_PROCESS, 0)
            for worker in (pool.workers[0], readers.workers[0]):
                assert worker.pid is not None
                assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(19, own + 3)
    finally:
        pool.stop()
        readers.stop()


async def test_the_server_serves_with_the_workers_it_started_at_link(
    jp_serverapp: ServerApp,
) -> None:
    queue = jp_serverapp.web_app.settings[WORK_QUEUE_SETTING]
    assert isinstance(queue, WorkQueue) and queue.pool is not None
    # loading the extension started no other workers than those linking it did
    assert {queue.pool, queue.readers} == STARTED
    assert jp_serverapp not in STARTED_AT_LINK
