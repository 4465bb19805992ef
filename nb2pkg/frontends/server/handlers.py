"""The route table of the nb2pkg server extension and its thin handlers.

Each handler hands its request body to the extension's worker threads, which parse it
(``requests.py``), resolve its paths, cap its work (``workload.py``) and run one ``nb2pkg.frontends.api``
call; the event loop only receives the answer, so no request can stall the server. Notebook
problems are part of a 200 answer (as diagnostics); only a refused request gets an error
status, always as JSON with a diagnostic code, never an HTML page or a traceback, and no
answer names a path of the server's disk outside its root (``answers.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.answers import RecentAnswers, root_relative_json
from nb2pkg.frontends.server.errors import (
    CROSS_ORIGIN,
    INTERNAL_ERROR,
    SUPERSEDED,
    RequestProblem,
    code_for_status,
)
from nb2pkg.frontends.server.options import Nb2pkgServer
from nb2pkg.frontends.server.work_queue import WORK_QUEUE_SETTING, WorkQueue
from nb2pkg.frontends.server.workload import WorkLimits, check_workload, saved_notebook

T = TypeVar("T")


ONE_ANALYSIS_AT_A_TIME = threading.Lock()
"""Analyses and builds run one at a time, on the worker threads, never on the event loop.

CPython 3.11's ``ast`` constructor keeps its recursion depth in interpreter-wide state: two
threads parsing at once can fail with "AST constructor recursion depth mismatch". The work is
CPU-bound Python under the GIL, so serialising it costs little; the event loop stays free.
"""


def _same_work_key(path: str, data: dict[str, Any]) -> str:
    """Requests with equal keys ask for the same answer: the endpoint and the body but for the
    ``client`` that sent it (two panels showing the same notebook content)."""
    content = json.dumps({k: v for k, v in data.items() if k != "client"})
    return path + "\0" + hashlib.sha256(content.encode()).hexdigest()


def _client_and_path(data: dict[str, Any]) -> tuple[str, str] | None:
    """An analyze request names its client (e.g. one notebook panel) to let newer ones win."""
    client, path = data.get("client"), data.get("path")
    return (client, path) if isinstance(client, str) and isinstance(path, str) else None


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
        self, work: Callable[[dict[str, Any]], dict[str, Any] | str], *, supersedable: bool = False
    ) -> None:
        """Parse the body, run ``work`` on it and serialise its result on a worker thread
        (a result given as text is the answer as it is).

        Requests wait for their turn after parsing; a ``supersedable`` one whose client sent a
        newer request for the same notebook meanwhile is answered 409 (NB813) without work, and
        one that arrives while an identical one (the same body, from any client) is waiting or
        being worked on gets that one's answer (``shared_work.py``).
        """
        body, limit, root = (
            self.request.body or b"",
            self.server_options.max_body_bytes,
            self.root_dir,
        )
        ticket, endpoint = self.queue.latest.ticket(), self.request.path

        def parse() -> tuple[dict[str, Any], str | None]:
            data = requests.parse_body(body, limit)
            return data, _same_work_key(endpoint, data) if supersedable else None

        data, same_work = await self.off_loop(parse)
        key = _client_and_path(data) if supersedable else None
        if key is not None:
            self.queue.latest.register(key, ticket)

        def work_and_serialise() -> str:
            with ONE_ANALYSIS_AT_A_TIME:
                self.queue.works_run += 1
                result = work(data)
            return result if isinstance(result, str) else root_relative_json(result, root)

        async def in_turn() -> str:
            async with self.queue.turn:
                # dropped unless another client waits for the same answer
                if (
                    key is not None
                    and self.queue.latest.superseded(key, ticket)
                    and not (same_work and self.queue.in_flight.followers(same_work))
                ):
                    raise RequestProblem(
                        409,
                        SUPERSEDED,
                        "a newer analyze request of this client for this notebook replaced "
                        "this one",
                        "nothing to do: the newer request's answer follows",
                    )
                return await self.off_loop(work_and_serialise)

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
        root, limits = self.root_dir, self.limits
        await self.answer(
            lambda data: _analyze(requests.analyze_request(data, root), root, limits),
            supersedable=True,
        )


class BuildHandler(Nb2pkgHandler):
    """POST {"path" | "paths", "out_dir"?, "name"?, "bump"?, "version"?, "force"?} → build result."""

    @tornado.web.authenticated
    async def post(self) -> None:
        root, limits = self.root_dir, self.limits
        await self.answer(lambda data: _build(requests.build_request(data, root), root, limits))


class PreviewHandler(Nb2pkgHandler):
    """POST {"path", "notebook"?, "name"?, "out_dir"?} → the generated modules of the notebook
    (its unsaved ``notebook`` content when given), nothing written."""

    @tornado.web.authenticated
    async def post(self) -> None:
        root, limits = self.root_dir, self.limits
        await self.answer(lambda data: _preview(requests.preview_request(data, root), root, limits))


class ProposeHandler(Nb2pkgHandler):
    """POST {"path", "notebook"?} → the marking `nb2pkg tag --auto` proposes; nothing written."""

    @tornado.web.authenticated
    async def post(self) -> None:
        from nb2pkg.frontends.server.propose import propose

        root, limits = self.root_dir, self.limits
        await self.answer(lambda data: propose(requests.analyze_request(data, root), limits))


class SuggestNameHandler(Nb2pkgHandler):
    """POST {"path", "notebook"?, "cell_id"} → {"name"}: the name suggested for marking that
    cell as a function (the rule of `nb2pkg tag --as function`); nothing written."""

    @tornado.web.authenticated
    async def post(self) -> None:
        from nb2pkg.frontends.server.propose import suggest_name

        root, limits = self.root_dir, self.limits
        await self.answer(
            lambda data: suggest_name(
                requests.analyze_request(data, root), requests.cell_id_of(data), limits
            )
        )


GIL_SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005).

The analyses are CPU-bound Python on worker threads; each time the event loop comes back from
waiting on a socket it waits for the GIL, up to one interval, several times per request. A
shorter interval keeps `/api/status` and every other request of the server prompt."""


def setup_handlers(web_app: tornado.web.Application, options: Nb2pkgServer) -> ThreadPoolExecutor:
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
    executor = ThreadPoolExecutor(max_workers=options.worker_threads, thread_name_prefix="nb2pkg")
    base = url_path_join(web_app.settings["base_url"], "nb2pkg")
    queue = web_app.settings[WORK_QUEUE_SETTING] = WorkQueue()
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
    # on a thread of its own: the worker pool stays for requests
    threading.Thread(target=_warm_up, name="warm-up-of-nb2pkg", daemon=True).start()
    return executor


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
    cell: dict[str, Any] = {
        "cell_type": "code",
        "id": "warm-up",
        "metadata": {"tags": ["function:warm_up"]},
        "source": "%time total = 1 + 1\n",
        "outputs": [],
        "execution_count": None,
    }
    with ONE_ANALYSIS_AT_A_TIME:
        from nb2pkg.frontends import api

        api.analyze_notebook(
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]},
            "warm-up.ipynb",
        )


ANSWERS = RecentAnswers()
"""The text of recent analyze answers: an edit that leaves the analysis as it was is answered
with the same text."""


def _analyze(request: requests.AnalyzeRequest, root: str, limits: WorkLimits) -> str:
    from nb2pkg.frontends import api

    if request.notebook is None:
        check_workload([saved_notebook(request.path)], limits)
        analysis = api.analyze_path(
            request.path, package=request.package, shown=request.display_path
        )
    else:
        check_workload([request.notebook], limits)
        analysis = api.analyze_notebook(
            request.notebook, request.display_path, package=request.package, path=str(request.path)
        )
    return ANSWERS.text(analysis, root)


def _build(request: requests.BuildRequest, root: str, limits: WorkLimits) -> dict[str, Any]:
    from nb2pkg.frontends import api

    check_workload((saved_notebook(path) for path in request.notebooks), limits)
    result = api.build(
        list(request.notebooks),
        request.out_dir,
        name=request.name,
        bump=request.bump,
        version=request.version,
        force=request.force,
        root=request.notebooks[0].parent,
        # An output folder from [tool.nb2pkg] is not in the request: the writer confines it.
        confine_to=Path(root),
    )
    payload = result.to_json()
    payload["out_dir"] = _shown(Path(payload["out_dir"]), root)
    return payload


def _preview(request: requests.PreviewRequest, root: str, limits: WorkLimits) -> dict[str, Any]:
    from nb2pkg.frontends.server.preview import preview

    return preview(request, root, limits)


def _shown(path: Path, root: str) -> str:
    """A path inside the root as the user sees it; "" for any other path."""
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return ""
