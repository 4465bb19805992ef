"""The route table of the nb2pkg server extension and its thin handlers.

Each handler hands its request body to the request reader process, which parses it
(``requests.py``) and resolves its paths (``request_reading.py``); its job (``jobs.py``: cap
the work, ``workload.py``, then one ``nb2pkg.frontends.api`` call) runs in an analysis worker
process (``worker_pool.py``); the server's process only passes bytes along and orders the
work, so neither an analysis nor a notebook's JSON holds up `/api/status`. Notebook
problems are part of a 200 answer (as diagnostics); only a refused request gets an error
status, always as JSON with a diagnostic code, never an HTML page or a traceback, and no
answer names a path of the server's disk outside its root (``answers.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.answers import root_relative_json
from nb2pkg.frontends.server.errors import (
    CROSS_ORIGIN,
    INTERNAL_ERROR,
    SUPERSEDED,
    RequestProblem,
    code_for_status,
)
from nb2pkg.frontends.server.jobs import (
    ANSWERS,
    PickledRequest,
    run_job,
    warm_imports,
    warm_ipython,
)
from nb2pkg.frontends.server.jobs import analyze as _analyze
from nb2pkg.frontends.server.jobs import build as _build
from nb2pkg.frontends.server.jobs import preview as _preview
from nb2pkg.frontends.server.options import Nb2pkgServer
from nb2pkg.frontends.server.request_reading import (
    READ,
    BodyToRead,
    ReadRequest,
    read_request,
)
from nb2pkg.frontends.server.work_queue import WORK_QUEUE_SETTING, WorkQueue
from nb2pkg.frontends.server.worker_pool import WorkerPool, WorkerSettings
from nb2pkg.frontends.server.workload import WorkLimits

T = TypeVar("T")


ONE_ANALYSIS_AT_A_TIME = threading.Lock()
"""Analyses and builds run on the server's worker threads (``analysis_processes = 0``) one at
a time, never on the event loop.

CPython 3.11's ``ast`` constructor keeps its recursion depth in interpreter-wide state: two
threads parsing at once can fail with "AST constructor recursion depth mismatch". The work is
CPU-bound Python under the GIL, so serialising it costs little; the event loop stays free.
"""


@dataclass(frozen=True)
class Job:
    """The work of an endpoint: its body is read into the typed request of job ``name``
    (``request_reading.REQUESTS``: paths confined to the root) by the request reader process,
    and ``jobs.run_job(name, ...)`` answers it in an analysis worker process."""

    name: str


def _superseded() -> RequestProblem:
    return RequestProblem(
        409,
        SUPERSEDED,
        "a newer analyze request of this client for this notebook replaced this one",
        "nothing to do: the newer request's answer follows",
    )


class Nb2pkgHandler(APIHandler):
    """Shared plumbing: body parsing, the worker pool, and JSON errors with codes."""

    def initialize(
        self, server_options: Nb2pkgServer, executor: ThreadPoolExecutor, queue: WorkQueue
    ) -> None:
        self.server_options = server_options
        self.executor = executor
        self.queue = queue

    async def prepare(self) -> None:  # type: ignore[override]  # as APIHandler.prepare
        try:
            await super().prepare()
        except tornado.web.HTTPError:
            # jupyter_server answers a cross-origin browser request "404 not found"
            if not self.check_origin():
                raise RequestProblem(
                    403,
                    CROSS_ORIGIN,
                    "cross-origin request refused: the page that sent it is not served by "
                    "this Jupyter server",
                    "use nb2pkg from JupyterLab on this server, or allow the origin with "
                    "c.ServerApp.allow_origin",
                ) from None
            raise

    @property
    def root_dir(self) -> str:
        return str(self.settings["server_root_dir"])

    @property
    def limits(self) -> WorkLimits:
        return WorkLimits(self.server_options.max_code_lines, self.server_options.max_code_chars)

    async def answer(
        self,
        work: Job | Callable[[dict[str, Any]], dict[str, Any] | str],
        *,
        supersedable: bool = False,
    ) -> None:
        """Read the body, run ``work`` on it and serialise its result: a ``Job`` read in the
        request reader process and answered in an analysis worker process (else both on a
        worker thread), a function on a worker thread (a text result is the answer as it is).

        Requests wait for their turn after reading; a ``supersedable`` one whose client sent a
        newer request for the same notebook meanwhile is answered 409 (NB813) without work, and
        one that arrives while an identical one (the same body, from any client) is waiting or
        being worked on gets that one's answer (``shared_work.py``).
        """
        body, limit = self.request.body or b"", self.server_options.max_body_bytes
        root = self.root_dir
        ticket, endpoint, limits = self.queue.latest.ticket(), self.request.path, self.limits
        data: dict[str, Any] = {}
        if isinstance(work, Job):
            to_read = BodyToRead(endpoint, work.name, body, limit, supersedable)
            read = await self._read(to_read, root)
            key, same_work = read.client_and_path, read.same_work
            job: tuple[Any, ...] = (work.name, PickledRequest(read.packed), root, limits)
        else:
            data = await self.off_loop(lambda: requests.parse_body(body, limit))
            key, same_work, job = None, None, ()
        if key is not None:
            self.queue.latest.register(key, ticket)

        def refuse_if_superseded() -> None:
            # dropped unless another client waits for the same answer
            if (
                key is not None
                and self.queue.latest.superseded(key, ticket)
                and not (same_work and self.queue.in_flight.followers(same_work))
            ):
                raise _superseded()

        async def in_turn() -> str:
            pool = self.queue.pool
            if job and pool is not None:
                return await self._on_worker(pool, job, refuse_if_superseded)
            async with self.queue.turn:
                refuse_if_superseded()
                return await self.off_loop(lambda: self._on_thread(work, data, job))

        try:
            if same_work is None:
                text = await in_turn()
            else:
                text = await self.queue.in_flight.run(same_work, in_turn)
        finally:
            if key is not None:
                self.queue.latest.finish(key, ticket)
        self.set_header("Content-Type", "application/json")
        self.finish(text)

    async def _read(self, body: BodyToRead, root: str) -> ReadRequest:
        """``body`` read by the request reader process (on a worker thread without one)."""
        readers = self.queue.readers
        if readers is None:
            return await self.off_loop(lambda: read_request(body, root))
        reader = await readers.acquire()
        read = await readers.run(reader, (READ, body, root, None))
        assert isinstance(read, ReadRequest)
        return read

    async def _on_worker(
        self, pool: WorkerPool, job: tuple[Any, ...], refuse_if_superseded: Callable[[], None]
    ) -> str:
        """In turn, the next idle analysis worker answers ``job`` (name, request, root, limits)."""
        async with self.queue.turn:
            worker = await pool.acquire()
        try:
            refuse_if_superseded()
        except RequestProblem:
            pool.release(worker)
            raise
        self.queue.works_run += 1
        return str(await pool.run(worker, job))

    def _on_thread(
        self,
        work: Job | Callable[[dict[str, Any]], dict[str, Any] | str],
        data: dict[str, Any],
        job: tuple[Any, ...],
    ) -> str:
        """The answer of ``work`` (its ``job`` when a Job), made on this worker thread (one at
        a time)."""
        with ONE_ANALYSIS_AT_A_TIME:
            self.queue.works_run += 1
            if job:
                return run_job(*job)
            assert not isinstance(work, Job)
            result = work(data)
        return result if isinstance(result, str) else root_relative_json(result, self.root_dir)

    async def off_loop(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, work)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, RequestProblem):
            problem = exc
        elif isinstance(exc, tornado.web.HTTPError):
            problem = RequestProblem(
                status_code,
                code_for_status(status_code),
                exc.log_message or exc.reason or "refused",
            )
        else:
            problem = RequestProblem(
                500,
                INTERNAL_ERROR,
                "nb2pkg failed unexpectedly; the server log has the details",
                "this is a bug in nb2pkg; please report it with the notebook",
            )
        self.set_status(problem.status)
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "message": problem.message,
                    "code": problem.code,
                    "diagnostics": [problem.to_json()],
                }
            )
        )

    def _handle_request_exception(self, e: BaseException) -> None:
        # A RequestProblem is an expected refusal: answer it without logging a traceback.
        if isinstance(e, RequestProblem):
            self.log.info("nb2pkg refused a request: %s %s", e.code, e.message)
            if not self._finished:
                self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


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


def setup_handlers(
    web_app: tornado.web.Application, options: Nb2pkgServer, log: logging.Logger | None = None
) -> ThreadPoolExecutor:
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
    executor = ThreadPoolExecutor(max_workers=options.worker_threads, thread_name_prefix="nb2pkg")
    base = url_path_join(web_app.settings["base_url"], "nb2pkg")
    queue = web_app.settings[WORK_QUEUE_SETTING] = WorkQueue()
    if options.analysis_processes > 0:
        log = log or logging.getLogger("nb2pkg")
        queue.pool = _worker_pool(web_app, options, log, options.analysis_processes)
        if queue.pool is not None:
            queue.readers = _worker_pool(web_app, options, log, 1, reads_requests=True)
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


def _worker_pool(
    web_app: tornado.web.Application,
    options: Nb2pkgServer,
    log: logging.Logger,
    size: int,
    *,
    reads_requests: bool = False,
) -> WorkerPool | None:
    """The analysis worker processes (or, ``reads_requests``, the request reader process)."""
    settings = WorkerSettings(
        root=str(web_app.settings["server_root_dir"]),
        limits=WorkLimits(options.max_code_lines, options.max_code_chars),
        warm_notebooks=options.warm_notebooks,
        max_bytes=options.max_body_bytes,
        reads_requests=reads_requests,
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


__all__ = ["ANSWERS", "_analyze", "_build", "_preview", "setup_handlers"]
