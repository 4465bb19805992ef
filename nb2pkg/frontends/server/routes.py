"""The routes of the nb2pkg server extension: its endpoints, their handlers, and what starts
with them (the analysis worker processes and the request reader, ``worker_pool.py``)."""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join

from nb2pkg.frontends.server.handlers import ONE_ANALYSIS_AT_A_TIME, Job, Nb2pkgHandler
from nb2pkg.frontends.server.jobs import warm_imports, warm_ipython
from nb2pkg.frontends.server.options import Nb2pkgServer
from nb2pkg.frontends.server.work_queue import WORK_QUEUE_SETTING, WorkQueue
from nb2pkg.frontends.server.worker_pool import WorkerPool, WorkerSettings
from nb2pkg.frontends.server.workload import WorkLimits


class AnalyzeHandler(Nb2pkgHandler):
    """POST {"path", "notebook"?, "package"?, "client"?} → the plan and diagnostics.

    A request naming its ``client`` is dropped (409, NB813) when the same client sends a
    newer one for the same path before its turn comes.
    """

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.answer(Job("analyze"), supersedable=True)


class BuildHandler(Nb2pkgHandler):
    """POST {"path" | "paths", "out_dir"?, "name"?, "bump"?, "version"?, "force"?} → build result."""

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.answer(Job("build"))


class PreviewHandler(Nb2pkgHandler):
    """POST {"path", "notebook"?, "name"?, "out_dir"?} → the generated modules of the notebook
    (its unsaved ``notebook`` content when given), nothing written."""

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.answer(Job("preview"))


class ProposeHandler(Nb2pkgHandler):
    """POST {"path", "notebook"?} → the marking `nb2pkg tag --auto` proposes; nothing written."""

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.answer(Job("propose"))


class SuggestNameHandler(Nb2pkgHandler):
    """POST {"path", "notebook"?, "cell_id"} → {"name"}: the name suggested for marking that
    cell as a function (the rule of `nb2pkg tag --as function`); nothing written."""

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.answer(Job("suggest-name"))


GIL_SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005).

The analyses are CPU-bound Python on worker threads; each time the event loop comes back from
waiting on a socket it waits for the GIL, up to one interval, several times per request. A
shorter interval keeps `/api/status` and every other request of the server prompt."""


Workers = tuple[WorkerPool | None, WorkerPool | None]
"""The analysis worker processes and the request reader process (None: the server's threads)."""

STARTED_AT_LINK: weakref.WeakKeyDictionary[Any, Workers] = weakref.WeakKeyDictionary()
"""The workers each server application started when it linked the extension."""


def start_workers(server_app: Any, options: Nb2pkgServer) -> None:
    """Start the analysis workers when the server links the extension: they import the
    analysis while the server goes on starting, so the first request finds one ready."""
    STARTED_AT_LINK[server_app] = _workers(str(server_app.root_dir), options, server_app.log)


def setup_handlers(
    web_app: tornado.web.Application, options: Nb2pkgServer, log: logging.Logger | None = None
) -> ThreadPoolExecutor:
    """The routes of ``web_app``, served by the workers its server started at link (else
    started now)."""
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
    executor = ThreadPoolExecutor(max_workers=options.worker_threads, thread_name_prefix="nb2pkg")
    base = url_path_join(web_app.settings["base_url"], "nb2pkg")
    queue = web_app.settings[WORK_QUEUE_SETTING] = WorkQueue()
    root = str(web_app.settings["server_root_dir"])
    server_app = web_app.settings.get("serverapp")
    started = STARTED_AT_LINK.pop(server_app, None) if server_app is not None else None
    log = log or logging.getLogger("nb2pkg")
    queue.pool, queue.readers = started or _workers(root, options, log)
    shared = {"server_options": options, "executor": executor, "queue": queue}
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "analyze"), AnalyzeHandler, shared),
            (url_path_join(base, "build"), BuildHandler, shared),
            (url_path_join(base, "preview"), PreviewHandler, shared),
            (url_path_join(base, "propose"), ProposeHandler, shared),
            (url_path_join(base, "suggest-name"), SuggestNameHandler, shared),
            *_run_routes(base, shared),
        ],
    )
    if queue.pool is None:
        # on a thread of its own: the worker pool stays for requests
        threading.Thread(target=_warm_up, name="warm-up-of-nb2pkg", daemon=True).start()
    return executor


def _workers(root: str, options: Nb2pkgServer, log: logging.Logger) -> Workers:
    """The analysis workers and the request reader, the first worker of each started."""
    if options.analysis_processes <= 0:
        return None, None
    pool = _worker_pool(root, options, log, options.analysis_processes)
    if pool is None:
        return None, None
    return pool, _worker_pool(root, options, log, 1, reads_requests=True)


def _worker_pool(
    root: str,
    options: Nb2pkgServer,
    log: logging.Logger,
    size: int,
    *,
    reads_requests: bool = False,
) -> WorkerPool | None:
    """The analysis worker processes (or, ``reads_requests``, the request reader process)."""
    settings = WorkerSettings(
        root=root,
        limits=WorkLimits(options.max_code_lines, options.max_code_chars),
        warm_notebooks=options.warm_notebooks,
        max_bytes=options.max_body_bytes,
        reads_requests=reads_requests,
        niceness=max(0, options.worker_niceness),
    )
    pool = WorkerPool(size, settings, timeout=options.worker_timeout_seconds, log=log)
    try:
        pool.start()
    except OSError as error:  # no process can be started here: the server's threads do it
        log.warning("nb2pkg analysis workers not started (%s): analyses run in the server", error)
        pool.stop()
        return None
    return pool


def _run_routes(base: str, shared: dict[str, Any]) -> list[Any]:
    from nb2pkg.frontends.server.mlflow_runs import RunsHandler
    from nb2pkg.frontends.server.pipeline_runs import RunCancelHandler, RunHandler, RunStatusHandler

    return [
        (url_path_join(base, "runs"), RunsHandler, shared),
        (url_path_join(base, "run"), RunHandler, shared),
        (url_path_join(base, "run", "status"), RunStatusHandler, shared),
        (url_path_join(base, "run", "cancel"), RunCancelHandler, shared),
    ]


def _warm_up() -> None:
    """Import what the first analysis needs while the server waits for it (runs no user code)."""
    with ONE_ANALYSIS_AT_A_TIME:
        warm_imports()
    with ONE_ANALYSIS_AT_A_TIME:
        warm_ipython()
