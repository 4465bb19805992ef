"""The analysis workers start when the server links the extension, before it loads it and
long before it serves: the first request finds a worker that has imported the analysis.
The request reader, which an analyze request as the JupyterLab extension writes it does not
need, starts only once the first analysis worker is ready, so the two do not share the cores.

No timing decides anything: the first worker's "ready" is held back until the test has looked.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from jupyter_server.serverapp import ServerApp
from traitlets.config import Config

from nb2pkg.frontends.server import _link_jupyter_server_extension
from nb2pkg.frontends.server.routes import STARTED_AT_LINK
from nb2pkg.frontends.server.work_queue import WORK_QUEUE_SETTING, WorkQueue
from nb2pkg.frontends.server.worker_pool import STARTED, AnalysisWorker, WorkerPool


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def test_linking_starts_the_analysis_workers_and_their_reader_follows_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked = threading.Event()
    ready = WorkerPool.worker_ready

    def after_the_test_looked(pool: WorkerPool, worker: AnalysisWorker) -> None:
        looked.wait(60)
        ready(pool, worker)

    monkeypatch.setattr(WorkerPool, "worker_ready", after_the_test_looked)
    config = Config({"Nb2pkgServer": {"analysis_processes": 1, "warm_notebooks": 0}})
    app = ServerApp(root_dir=str(tmp_path), config=config)
    # When the server links the extension (it has no web application yet)
    _link_jupyter_server_extension(app)
    pool, readers = STARTED_AT_LINK[app]
    assert pool is not None and readers is not None
    try:
        # Then its analysis worker is started, and the request reader is not
        assert pool.workers[0].process is not None
        assert readers.workers[0].process is None
        looked.set()
        # And the reader starts once the analysis worker is ready
        await until(pool.workers[0].ready.is_set)
        await until(lambda: readers.workers[0].process is not None)
        await until(readers.workers[0].ready.is_set)
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
