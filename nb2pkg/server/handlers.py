"""The route table of the nb2pkg server extension and its thin handlers.

Each handler parses its request (``requests.py``), runs one ``nb2pkg.api`` call on the
extension's worker threads, and writes the result as JSON. Notebook problems are part of
a 200 answer (as diagnostics); only a refused request gets an error status, always as
JSON with a diagnostic code, never an HTML page or a traceback.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from nb2pkg.server import requests
from nb2pkg.server.errors import INTERNAL_ERROR, RequestProblem, code_for_status
from nb2pkg.server.options import Nb2pkgServer

T = TypeVar("T")


class Nb2pkgHandler(APIHandler):
    """Shared plumbing: body parsing, the worker pool, and JSON errors with codes."""

    def initialize(self, server_options: Nb2pkgServer, executor: ThreadPoolExecutor) -> None:
        self.server_options = server_options
        self.executor = executor

    @property
    def root_dir(self) -> str:
        return str(self.settings["server_root_dir"])

    def json_body(self) -> dict[str, Any]:
        return requests.parse_body(self.request.body or b"", self.server_options.max_body_bytes)

    async def off_loop(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, work)

    def reply(self, payload: dict[str, Any]) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

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
    """POST {"path", "notebook"?, "package"?} → the plan and diagnostics of the notebook."""

    @tornado.web.authenticated
    async def post(self) -> None:
        request = requests.analyze_request(self.json_body(), self.root_dir)
        self.reply(await self.off_loop(lambda: _analyze(request)))


class BuildHandler(Nb2pkgHandler):
    """POST {"path" | "paths", "out_dir"?, "name"?, "bump"?, "version"?, "force"?} → build result."""

    @tornado.web.authenticated
    async def post(self) -> None:
        request = requests.build_request(self.json_body(), self.root_dir)
        self.reply(await self.off_loop(lambda: _build(request, self.root_dir)))


class PreviewHandler(Nb2pkgHandler):
    """POST {"path", "name"?} → the generated modules of the saved notebook, nothing written."""

    @tornado.web.authenticated
    async def post(self) -> None:
        request = requests.preview_request(self.json_body(), self.root_dir)
        self.reply(await self.off_loop(lambda: _preview(request)))


def setup_handlers(web_app: tornado.web.Application, options: Nb2pkgServer) -> ThreadPoolExecutor:
    executor = ThreadPoolExecutor(max_workers=options.worker_threads, thread_name_prefix="nb2pkg")
    base = url_path_join(web_app.settings["base_url"], "nb2pkg")
    shared = {"server_options": options, "executor": executor}
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "analyze"), AnalyzeHandler, shared),
            (url_path_join(base, "build"), BuildHandler, shared),
            (url_path_join(base, "preview"), PreviewHandler, shared),
        ],
    )
    return executor


def _analyze(request: requests.AnalyzeRequest) -> dict[str, Any]:
    from nb2pkg import api

    if request.notebook is None:
        return api.analyze_path(request.path, package=request.package)
    return api.analyze_notebook(
        request.notebook, request.display_path, package=request.package, path=str(request.path)
    )


def _build(request: requests.BuildRequest, root: str) -> dict[str, Any]:
    from nb2pkg import api

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


def _preview(request: requests.PreviewRequest) -> dict[str, Any]:
    """Build into a private temporary folder and return the package's Python modules."""
    from nb2pkg import api

    scratch = Path(tempfile.mkdtemp(prefix="nb2pkg-preview-"))
    try:
        result = api.build(
            [request.notebook], scratch / "pkg", name=request.name, root=request.notebook.parent
        )
        payload = result.to_json()
        sources = scratch / "pkg" / "src"
        modules = sorted(sources.rglob("*.py")) if result.ok else []
        return {
            "ok": result.ok,
            "package": payload["package"],
            "diagnostics": payload["diagnostics"],
            "files": [
                {"path": m.relative_to(sources).as_posix(), "content": m.read_text("utf-8")}
                for m in modules
            ],
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _shown(path: Path, root: str) -> str:
    """A path inside the root as the user sees it; any other path unchanged."""
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)
