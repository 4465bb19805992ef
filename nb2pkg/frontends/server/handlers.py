"""What the handlers of the nb2pkg server extension share (its routes: ``routes.py``).

Each handler hands its request body to the request reader process, which parses it
(``requests.py``) and resolves its paths (``request_reading.py``); its job (``jobs.py``: cap
the work, ``workload.py``, then one ``nb2pkg.frontends.api`` call) runs in an analysis worker
process (``worker_pool.py``). An analyze body as the JupyterLab extension writes it (its path
first, its client last) names what orders its work without being read, and goes straight to
the analysis worker, which reads it. The server's process only passes bytes along and orders
the work, so neither an analysis nor a notebook's JSON holds up `/api/status`. Notebook
problems are part of a 200 answer (as diagnostics); only a refused request gets an error
status, always as JSON with a diagnostic code, never an HTML page or a traceback, and no
answer names a path of the server's disk outside its root (``answers.py``).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.prometheus.log_functions import prometheus_log_method

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.answers import root_relative_json
from nb2pkg.frontends.server.errors import (
    CROSS_ORIGIN,
    INTERNAL_ERROR,
    SUPERSEDED,
    UNKNOWN_BASE,
    RequestProblem,
    code_for_status,
)
from nb2pkg.frontends.server.jobs import (
    ANSWERS,
    PickledRequest,
    run_job,
)
from nb2pkg.frontends.server.jobs import analyze as _analyze
from nb2pkg.frontends.server.jobs import build as _build
from nb2pkg.frontends.server.jobs import preview as _preview
from nb2pkg.frontends.server.options import Nb2pkgServer
from nb2pkg.frontends.server.request_reading import (
    READ,
    BodyToRead,
    ReadRequest,
    client_and_path_in_body,
    may_be_delta,
    order_in_body,
    read_request,
    same_work_in_body,
)
from nb2pkg.frontends.server.work_queue import WorkQueue
from nb2pkg.frontends.server.worker_pool import WorkerPool
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


def refusal_text(problem: RequestProblem) -> str:
    """The answer to a refused request: its message and code, and the diagnostic."""
    return json.dumps(
        {"message": problem.message, "code": problem.code, "diagnostics": [problem.to_json()]}
    )


SUPERSEDED_ANSWER = refusal_text(_superseded())
"""The answer (409) to an analyze request a newer one of its client replaced."""
ROUTINE_REFUSALS = {
    SUPERSEDED: "superseded by a newer request of its client",
    UNKNOWN_BASE: "a delta whose base is not held here: the client sends it in full",
}
"""Refusals the extension expects while the user types: logged at debug level, once."""


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
        options = self.server_options
        return WorkLimits(options.max_code_lines, options.max_code_chars, options.max_body_bytes)

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
        newer request for the same notebook meanwhile is answered 409 (NB813) without work (when
        its body names its path first and its client last, as the JupyterLab extension writes
        it, the newer one supersedes it from its arrival on, and the body is read only by the
        analysis worker that answers it; "newer" is by the number the client gives its requests
        (``seq``, which the extension sends) when it numbers them, else by arrival), and
        one that arrives while an identical one (the same body, from any client) is waiting or
        being worked on gets that one's answer (``shared_work.py``).
        """
        body, limit = self.request.body or b"", self.server_options.max_body_bytes
        latest = self.queue.latest
        # the client and path of an analyze body as the extension writes it: known at once
        key = client_and_path_in_body(body) if isinstance(work, Job) and supersedable else None
        # a client's requests in the order it sent them when it numbers them, else of arrival
        order = order_in_body(body) if key is not None else None
        ticket = order if order is not None else latest.ticket()
        if key is not None:
            latest.register(key, ticket)
        try:
            text = await self._answer_text(work, body, limit, supersedable, key, ticket)
        except RequestProblem as problem:
            if problem.code not in ROUTINE_REFUSALS:
                raise
            # routine while the user types: answered here, not through tornado's error path
            # (which clears the headers and logs), as most analyze requests are
            self._routine_refusal = problem.code  # ``_log`` logs it, once
            self.set_status(problem.status)
            text = SUPERSEDED_ANSWER if problem.code == SUPERSEDED else refusal_text(problem)
        finally:
            if key is not None:
                latest.finish(key, ticket)
        self.set_header("Content-Type", "application/json")
        self.finish(text)

    async def _answer_text(
        self,
        work: Job | Callable[[dict[str, Any]], dict[str, Any] | str],
        body: bytes,
        limit: int,
        supersedable: bool,
        key: tuple[str, str] | None,
        ticket: int,
    ) -> str:
        """``answer``'s text; ``key``: the client and path registered for ``ticket`` on arrival
        (a request superseded before it reaches a worker is never read)."""
        latest, root, limits = self.queue.latest, self.root_dir, self.limits
        data: dict[str, Any] = {}
        registered: tuple[str, str] | None = None  # (``answer`` finishes the key it registered)
        same_work = same_work_in_body(self.request.path, body) if key is not None else None
        if isinstance(work, Job):
            to_read = BodyToRead(self.request.path, work.name, body, limit, supersedable)
        if isinstance(work, Job) and same_work is not None:
            # read where it is answered: one trip to a worker process instead of two
            job: tuple[Any, ...] = (work.name, to_read, root, limits)
        elif isinstance(work, Job):
            read = await self._read(to_read, root)
            same_work = read.same_work
            job = (work.name, PickledRequest(read.packed, read.sender), root, limits)
            if read.client_and_path != key:  # not as the extension writes it: known now
                if key is not None:
                    latest.finish(key, ticket)
                key = registered = read.client_and_path
                if key is not None:
                    latest.register(key, ticket)
        else:
            data = await self.off_loop(lambda: requests.parse_body(body, limit))
            same_work, job = None, ()

        def refuse_if_superseded() -> None:
            # dropped unless another client waits for the same answer
            if (
                key is not None
                and latest.superseded(key, ticket)
                and not (same_work and self.queue.in_flight.followers(same_work))
            ):
                raise _superseded()

        async def in_turn() -> str:
            pool = self.queue.pool
            if job and pool is not None:
                delta = key is not None and may_be_delta(body)
                return await self._on_worker(pool, job, refuse_if_superseded, key, delta)
            async with self.queue.turn:
                refuse_if_superseded()
                return await self.off_loop(lambda: self._on_thread(work, data, job))

        try:
            if same_work is None:
                return await in_turn()
            return await self.queue.in_flight.run(same_work, in_turn)
        finally:
            if registered is not None:
                latest.finish(registered, ticket)

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
        self,
        pool: WorkerPool,
        job: tuple[Any, ...],
        refuse_if_superseded: Callable[[], None],
        client: tuple[str, str] | None,
        delta: bool,
    ) -> str:
        """In turn, the next idle analysis worker answers ``job`` (name, request, root, limits):
        the one that answered ``client`` last (it holds what its deltas build on) when idle,
        and for a ``delta`` mostly even when it is not (``WorkerPool.claim``)."""
        async with self.queue.turn:
            # its place in line taken at once: one waiting for its own worker holds no turn
            claim = pool.claim(client, delta=delta)
        worker = await pool.idle.claimed(claim)
        try:
            refuse_if_superseded()
        except RequestProblem:
            pool.release(worker)
            raise
        self.queue.works_run += 1
        return str(await pool.run(worker, job, client))

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
        self.finish(refusal_text(problem))

    def _handle_request_exception(self, e: BaseException) -> None:
        # A RequestProblem is an expected refusal: answer it without logging a traceback.
        if isinstance(e, RequestProblem):
            if e.code in ROUTINE_REFUSALS:
                self._routine_refusal = e.code  # ``_log`` logs it, once
            else:
                self.log.info("nb2pkg refused a request: %s %s", e.code, e.message)
            if not self._finished:
                self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)

    _routine_refusal: str | None = None
    """The code of a routine refusal (409) this request got: NB813, a newer one of its client
    replaced it; NB815, a delta whose base is not held (the client sends it in full)."""

    def _log(self) -> None:
        if self._routine_refusal is None:
            super()._log()
            return
        # routine while the user types (each edit replaces the request before): one debug
        # line, not a warning per keystroke; the request's metrics are recorded as any other's
        self.log.debug(
            "409 %s %s %s (%s) %.2fms",
            self.request.method,
            self.request.path,
            ROUTINE_REFUSALS[self._routine_refusal],
            self._routine_refusal,
            1000.0 * self.request.request_time(),
        )
        if getattr(self.settings.get("serverapp"), "record_http_request_metrics", True):
            prometheus_log_method(self)  # type: ignore[no-untyped-call]  # untyped upstream


__all__ = ["ANSWERS", "_analyze", "_build", "_preview"]
