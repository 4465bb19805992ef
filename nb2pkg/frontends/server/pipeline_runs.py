"""Run the pipeline of a built package from JupyterLab: ``POST /nb2pkg/run``,
``/nb2pkg/run/status`` and ``/nb2pkg/run/cancel``.

Each run is a subprocess of the server's Python (``nb2pkg.frontends.server.run_driver``), never code
run inside the server: it imports the package from its output folder and reports each step
as it finishes. A thread per run reads those reports; the status request answers the run's
state at once (no worker thread, no waiting behind analyses). Cancel stops the run's whole
process group.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tornado.web

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.answers import with_root_relative_paths
from nb2pkg.frontends.server.errors import NOT_FOUND, RequestProblem
from nb2pkg.frontends.server.handlers import Nb2pkgHandler
from nb2pkg.frontends.server.run_driver import EVENT_PREFIX

LOG_LINES = 200
"""The last lines of the pipeline's own output kept per run."""
KEPT_RUNS = 20
"""Finished runs remembered per server (the oldest are forgotten first)."""
STOP_GRACE_SECONDS = 5.0


@dataclass
class PipelineRun:
    run_id: str
    package: str
    out_dir: Path
    process: subprocess.Popen[str]
    status: str = "running"
    """running → done | failed | cancelled."""
    steps: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    log: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    started: float = field(default_factory=time.time)
    ended: float | None = None
    cancelled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            end = self.ended if self.ended is not None else time.time()
            return {
                "id": self.run_id,
                "package": self.package,
                "out_dir": str(self.out_dir),
                "status": self.status,
                "steps": [dict(step) for step in self.steps],
                "outputs": dict(self.outputs),
                "metrics": dict(self.metrics),
                "error": self.error,
                "log": list(self.log),
                "seconds": round(end - self.started, 3),
            }

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        with self.lock:
            if kind == "started":
                self.steps = [{**step, "status": "pending"} for step in event.get("steps", [])]
            elif kind in ("running", "step"):
                for step in self.steps:
                    if step["name"] == event.get("name"):
                        step["status"] = "running" if kind == "running" else "done"
                        if kind == "step":
                            step["seconds"] = event.get("seconds")
            elif kind == "done":
                self.outputs = dict(event.get("outputs", {}))
                self.metrics = dict(event.get("metrics", {}))
            elif kind == "failed":
                self.error = {
                    "step": event.get("step"),
                    "cell_id": event.get("cell_id"),
                    "message": str(event.get("message", "")),
                }
                for step in self.steps:
                    if step["name"] == event.get("step"):
                        step["status"] = "failed"

    def finish(self, returncode: int) -> None:
        with self.lock:
            self.ended = time.time()
            if self.cancelled:
                self.status = "cancelled"
                for step in self.steps:
                    if step["status"] == "running":
                        step["status"] = "cancelled"
            elif returncode == 0 and self.error is None:
                self.status = "done"
            else:
                self.status = "failed"
                if self.error is None:
                    last = self.log[-1] if self.log else ""
                    self.error = {
                        "step": None,
                        "cell_id": None,
                        "message": f"the pipeline exited with status {returncode}: {last}",
                    }


class PipelineRuns:
    """The runs one server started; every run still going is stopped when the server exits."""

    def __init__(self) -> None:
        self._runs: dict[str, PipelineRun] = {}
        self._lock = threading.Lock()
        atexit.register(self.stop_all)

    def start(self, package: str, out_dir: Path, *, track: bool) -> PipelineRun:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(out_dir / "src"), env.get("PYTHONPATH", "")) if p
        )
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
        command = [sys.executable, "-m", "nb2pkg.frontends.server.run_driver", package]
        if not track:
            command.append("--no-track")
        process = subprocess.Popen(
            command,
            cwd=out_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,  # cancel stops the run and whatever it started
        )
        run = PipelineRun(uuid.uuid4().hex, package, out_dir, process)
        with self._lock:
            self._runs[run.run_id] = run
            self._forget_old()
        threading.Thread(target=_follow, args=(run,), daemon=True, name="nb2pkg-run").start()
        return run

    def get(self, run_id: str) -> PipelineRun:
        with self._lock:
            run = self._runs.get(run_id)
        if run is None:
            raise RequestProblem(
                404, NOT_FOUND, f"no pipeline run {run_id!r}", "start the run again"
            )
        return run

    def cancel(self, run_id: str) -> PipelineRun:
        run = self.get(run_id)
        with run.lock:
            going = run.status == "running"
            run.cancelled = run.cancelled or going
        if going:
            _stop(run.process)
        return run

    def stop_all(self) -> None:
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            if run.process.poll() is None:
                run.cancelled = True
                _stop(run.process)

    def _forget_old(self) -> None:
        finished = [r for r in self._runs.values() if r.status != "running"]
        for run in sorted(finished, key=lambda r: r.started)[: max(0, len(finished) - KEPT_RUNS)]:
            del self._runs[run.run_id]


def _follow(run: PipelineRun) -> None:
    """Read the run's output until it ends: events update its state, other lines its log."""
    assert run.process.stdout is not None
    for line in run.process.stdout:
        if line.startswith(EVENT_PREFIX):
            try:
                run.on_event(json.loads(line[len(EVENT_PREFIX) :]))
            except ValueError:
                continue
        else:
            with run.lock:
                run.log.append(line.rstrip("\n"))
    run.finish(run.process.wait())


def _stop(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def built_package(request: requests.PreviewRequest, root: str) -> tuple[str, Path] | dict[str, Any]:
    """(package, output folder) of the built package a build of ``request`` writes; else
    the diagnostic that says why there is none to run."""
    from nb2pkg.builder.confine import build_scope
    from nb2pkg.builder.manifest import MANIFEST_PATH
    from nb2pkg.ir import Diagnostic, Location, Severity

    config, problems = requests.preview_config(request, root)
    if config is None:
        return {"diagnostics": [d.to_json() for d in problems]}
    scope = build_scope(config.root, config.notebooks, config.out_dir, Path(root))
    manifest = config.out_dir / MANIFEST_PATH
    if not manifest.is_file() or not scope.allows(manifest):
        missing = Diagnostic(
            "NB805",
            Severity.ERROR,
            f"no package built for {request.notebook.name} yet: nothing to run",
            Location(str(config.out_dir)),
            "build it first (the Build button of the Package panel), then run it",
        )
        return {"diagnostics": [missing.to_json()]}
    return config.package, config.out_dir


def _runs(handler: tornado.web.RequestHandler) -> PipelineRuns:
    runs = handler.settings.get("nb2pkg_pipeline_runs")
    if not isinstance(runs, PipelineRuns):
        runs = PipelineRuns()
        handler.application.settings["nb2pkg_pipeline_runs"] = runs
    return runs


def _run_id(data: dict[str, Any]) -> str:
    run_id = data.get("id")
    if not isinstance(run_id, str) or not run_id:
        raise RequestProblem(400, "NB804", "the request needs `id`", "send the id /run answered")
    return run_id


class RunHandler(Nb2pkgHandler):
    """POST {"path", "out_dir"?, "name"?, "track"?} → the new run's state (its `id` first)."""

    @tornado.web.authenticated
    async def post(self) -> None:
        root, runs = self.root_dir, _runs(self)

        def start(data: dict[str, Any]) -> dict[str, Any]:
            request = requests.preview_request(data, root)
            track = data.get("track", True)
            if not isinstance(track, bool):
                raise RequestProblem(400, "NB804", "`track` must be true or false")
            found = built_package(request, root)
            if isinstance(found, dict):
                return {"status": "refused", **found}
            package, out_dir = found
            return {**runs.start(package, out_dir, track=track).to_json(), "diagnostics": []}

        await self.answer(start)


class RunStatusHandler(Nb2pkgHandler):
    """POST {"id"} → the run's state: status, steps, outputs, metrics, error, log tail."""

    @tornado.web.authenticated
    async def post(self) -> None:
        data = requests.parse_body(self.request.body or b"", self.server_options.max_body_bytes)
        self._reply(_runs(self).get(_run_id(data)).to_json())

    def _reply(self, answer: dict[str, Any]) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(with_root_relative_paths(answer, self.root_dir)))


class RunCancelHandler(RunStatusHandler):
    """POST {"id"} → stops the run (its process group); answers its state."""

    @tornado.web.authenticated
    async def post(self) -> None:
        data = requests.parse_body(self.request.body or b"", self.server_options.max_body_bytes)
        runs, run_id = _runs(self), _run_id(data)
        run = await self.off_loop(lambda: runs.cancel(run_id))
        self._reply(run.to_json())
