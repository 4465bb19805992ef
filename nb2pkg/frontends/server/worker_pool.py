"""The analysis worker processes of the server extension, seen from the server.

Analyses and builds are CPU-bound Python: run on the server's threads they hold the GIL the
event loop needs to answer anything else (``/api/status``, the tags, the kernels). Here they run
in worker processes started with the extension (``analysis_worker.py``), which import the
analysis before the first request comes; the event loop only writes a request to a pipe and
reads an answer back (a thread per worker reads, so the loop never blocks on a pipe).

A worker that dies is started again at once (or, if it died before it was ready, on the next
request); the request it was working on is answered 503 with code NB814, never left waiting.
A job that takes longer than ``timeout`` seconds has its worker killed, with the same answer.
The workers exit when the server stops: ``stop`` closes their pipes (``stop_all`` runs at the
server's exit), and a worker whose server died finds its pipe closed.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import json
import logging
import os
import subprocess
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nb2pkg
from nb2pkg.frontends.server.analysis_worker import STATS
from nb2pkg.frontends.server.errors import WORKER_STOPPED, RequestProblem
from nb2pkg.frontends.server.idle_workers import IdleWorkers
from nb2pkg.frontends.server.worker_frames import read_frame, write_frame
from nb2pkg.frontends.server.workload import WorkLimits

MAX_CLIENTS_SERVED = 1024
"""Clients whose last worker the pool remembers (more than the workers hold notebooks for)."""
MOVE_AFTER = 2
"""Requests already waiting for the worker holding a client's notebook from which the client's
delta takes another, idle worker instead (refused there: its notebook is sent in full)."""
STOP_GRACE_SECONDS = 5.0
"""How long a stopping worker may take to exit after its pipe is closed before it is killed."""


@dataclass(frozen=True)
class WorkerSettings:
    root: str
    limits: WorkLimits
    warm_notebooks: int
    max_bytes: int
    reads_requests: bool = False
    """A request reader: it reads request bodies (``request_reading.py``), analyses nothing."""
    niceness: int = 0
    """Added to the worker's niceness (its CPU priority below the server's)."""

    def argument(self) -> str:
        return json.dumps(
            {
                "root": self.root,
                "max_code_lines": self.limits.max_code_lines,
                "max_code_chars": self.limits.max_code_chars,
                "warm_notebooks": self.warm_notebooks,
                "max_bytes": self.max_bytes,
                "reads_requests": self.reads_requests,
                "niceness": self.niceness,
            }
        )


def _stopped(message: str) -> RequestProblem:
    return RequestProblem(
        503,
        WORKER_STOPPED,
        message,
        "send the request again; if this recurs, the server log says why the worker stopped",
    )


class AnalysisWorker:
    """One worker process, started again when it dies; one job at a time."""

    def __init__(self, pool: WorkerPool, number: int) -> None:
        self.pool, self.number = pool, number
        self._lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.ready = threading.Event()
        self._pending: dict[int, _Waiting] = {}
        """The job in progress, by its number, with the process it was written to."""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        env = dict(os.environ)
        package_parent = Path(nb2pkg.__file__).resolve().parent.parent
        if package_parent.name not in ("site-packages", "dist-packages"):
            # a source checkout: the worker runs the same nb2pkg as the server
            env["PYTHONPATH"] = os.pathsep.join(
                [str(package_parent), *filter(None, [env.get("PYTHONPATH")])]
            )
        command = [
            sys.executable,
            "-m",
            "nb2pkg.frontends.server.analysis_worker",
            self.pool.settings.argument(),
        ]
        with self._lock:
            self.ready.clear()
            # a session of its own: Ctrl-C in the server's terminal is the server's to handle
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                start_new_session=True,
            )  # fmt: skip
            self.process = process
        threading.Thread(
            target=self._read_answers,
            args=(process,),
            name=f"nb2pkg-worker-{self.number}-answers",
            daemon=True,
        ).start()
        self.pool.log.info(
            "nb2pkg %s %d started (pid %d)", self.pool.kind, self.number, process.pid
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def run(self, job: tuple[Any, ...], timeout: float) -> Any:
        """The answer of ``job`` (name, request, root, limits): its text, or a request
        reader's ``ReadRequest``; or raise its refusal."""
        if not self.running():
            with self.pool.starting:
                if not self.running():
                    self.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        job_id = next(self.pool.job_numbers)
        process = self.process
        assert process is not None and process.stdin is not None
        with self._lock:
            # its reader sets the exit code before it answers the jobs left: none is forgotten
            if process.returncode is not None:
                raise _stopped(f"the analysis worker stopped (exit code {process.returncode})")
            self._pending[job_id] = _Waiting(loop, future, process)
        self.pool.sent += 1

        def send() -> None:
            # a worker that died meanwhile: its reader answers the job
            with contextlib.suppress(OSError, ValueError):
                write_frame(process.stdin.fileno(), (job_id, *job))  # type: ignore[union-attr]

        try:
            await loop.run_in_executor(self.pool.writers, send)
            kind, value = await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            self.pool.log.warning(
                "nb2pkg analysis worker %d took over %.0f s: killed", self.number, timeout
            )
            process.kill()
            raise _stopped(
                f"the analysis took longer than {timeout:.0f} s and was stopped; "
                "the analysis worker was restarted"
            ) from None
        finally:
            with self._lock:
                self._pending.pop(job_id, None)
        if kind == "ok":
            return value
        if kind == "refused":
            raise RequestProblem(*value)
        self.pool.log.error(
            "nb2pkg analysis worker %d failed on a request:\n%s", self.number, value
        )
        raise RuntimeError("the analysis worker failed on this request")

    def _read_answers(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        while True:
            try:
                message = read_frame(fd)
            except (EOFError, OSError):
                break
            if message[0] == "ready":
                self.ready.set()
                self.pool.log.info("nb2pkg %s %d ready", self.pool.kind, self.number)
                continue
            job_id, kind, value = message
            with self._lock:
                waiting = self._pending.get(job_id)
            if waiting is not None:
                _resolve(waiting, (kind, value))
        code = process.wait()
        process.stdout.close()
        if process.stdin is not None:
            process.stdin.close()
        with self._lock:
            orphans = [w for w in self._pending.values() if w.process is process]
        for waiting in orphans:
            _resolve(
                waiting,
                _stopped(
                    f"the analysis worker stopped (exit code {code}) while working on this "
                    "request; it was restarted"
                ),
            )
        self.pool.worker_exited(self, process, code)


@dataclass(frozen=True)
class _Waiting:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    process: subprocess.Popen[bytes]


def _resolve(waiting: _Waiting, value: Any) -> None:
    loop, future = waiting.loop, waiting.future

    def settle() -> None:
        if future.done():
            return
        if isinstance(value, BaseException):
            future.set_exception(value)
        else:
            future.set_result(value)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
        loop.call_soon_threadsafe(settle)


class WorkerPool:
    """``size`` analysis worker processes; a request takes an idle one (first come, first
    served) and gives it back when answered.

    The first worker starts alone, the others once it answered its first job (or when a
    request takes one before): starting together, they would share the cores the server still
    needs to start, and the first request would wait for all of them to be ready instead of
    one, then share the cores with their start while it is analysed."""

    def __init__(
        self, size: int, settings: WorkerSettings, *, timeout: float, log: logging.Logger
    ) -> None:
        self.settings, self.timeout, self.log = settings, timeout, log
        self.kind = "request reader" if settings.reads_requests else "analysis worker"
        self.workers = [AnalysisWorker(self, number) for number in range(size)]
        self.job_numbers = itertools.count(1)
        self.writers = _writer_threads(size)
        self.idle = IdleWorkers(self.workers)
        self.stopping = False
        self.sent = 0
        """Jobs written to a worker (for tests and benchmarks)."""
        self.restarts = 0
        """Workers started again after they died."""
        self.starting = threading.Lock()
        """Held while a worker not running is started (by a request, or the first's answer)."""
        self._served: OrderedDict[tuple[str, str], AnalysisWorker] = OrderedDict()
        """The worker that last answered each client (and notebook path), the most recent."""
        self._running: dict[AnalysisWorker, str] = {}
        """The name of the job each busy worker runs (once sent)."""

    def start(self) -> None:
        self.workers[0].start()
        if not STARTED:
            atexit.register(stop_all)
        STARTED.add(self)

    async def acquire(
        self, client: tuple[str, str] | None = None, *, delta: bool = False
    ) -> AnalysisWorker:
        """The worker ``claim`` gives, once it is free."""
        return await self.idle.claimed(self.claim(client, delta=delta))

    def claim(
        self, client: tuple[str, str] | None = None, *, delta: bool = False
    ) -> asyncio.Future[AnalysisWorker]:
        """The next idle worker; a ready one rather than one still starting; the one that last
        answered ``client`` (a client and notebook path) when it is idle, as it holds the
        notebook that client's deltas build on (``notebook_deltas.py``); for a ``delta``, that
        one once it is free (another would refuse the delta, and the client send its notebook
        in full), unless another is idle while that one runs a longer job than an analysis (a
        build) or ``MOVE_AFTER`` requests already wait for it: then the client moves to the
        idle one. Claimed in the order of the calls."""
        last = self._served.get(client) if client is not None else None
        if last is None or not last.ready.is_set():
            return self.idle.claim_any(_is_ready)
        if self.idle.holds(last) or (delta and (not self.idle or self._soon_free(last))):
            return self.idle.claim(last)
        return self.idle.claim_any(_is_ready)

    def _soon_free(self, worker: AnalysisWorker) -> bool:
        """Whether busy ``worker`` runs an analysis (or nothing yet) and fewer than
        ``MOVE_AFTER`` requests wait for it."""
        running = self._running.get(worker, "analyze")
        return running == "analyze" and self.idle.waiting_for(worker) < MOVE_AFTER

    def release(self, worker: AnalysisWorker) -> None:
        self.idle.give_back(worker)

    async def run(
        self, worker: AnalysisWorker, job: tuple[Any, ...], client: tuple[str, str] | None = None
    ) -> Any:
        """Run ``job`` on ``worker`` (acquired) and give the worker back; ``client`` (a client
        and notebook path) is served by ``worker`` next time when it is idle."""
        self._running[worker] = job[0]
        try:
            answer = await worker.run(job, self.timeout)
            if client is not None:
                self._served.pop(client, None)
                self._served[client] = worker
                if len(self._served) > MAX_CLIENTS_SERVED:
                    self._served.popitem(last=False)
            return answer
        finally:
            self._running.pop(worker, None)
            self.release(worker)
            if worker is self.workers[0]:
                self._start_the_others()

    async def stats(self) -> list[dict[str, Any]]:
        """What each worker did so far (it answers between two warm-up steps)."""
        answers = []
        for _ in self.workers:
            worker = await self.acquire()
            answers.append(json.loads(await self.run(worker, (STATS, None, "", None))))
        return answers

    def _start_the_others(self) -> None:
        """The first worker answered a job: start the others not started yet."""
        with self.starting:
            for other in self.workers[1:]:
                if other.process is None and not self.stopping:
                    other.start()

    def worker_exited(
        self, worker: AnalysisWorker, process: subprocess.Popen[bytes], code: int
    ) -> None:
        if self.stopping or worker.process is not process:
            return
        self.log.warning("nb2pkg analysis worker %d exited with code %d", worker.number, code)
        if worker.ready.is_set():  # it worked before: start it again now, not on next request
            worker.start()
            self.restarts += 1
        else:
            worker.process = None

    def stop(self) -> None:
        """Close the workers' pipes, wait for them to exit, kill those that do not."""
        with self.starting:  # no worker starts after this
            self.stopping = True
            processes = [w.process for w in self.workers if w.process is not None]
        for process in processes:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
        for process in processes:
            try:
                process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.writers.shutdown(wait=False)
        STARTED.discard(self)


STARTED: set[WorkerPool] = set()
"""The pools started and not yet stopped (in this process)."""


def stop_all() -> None:
    """Stop every pool started (at exit)."""
    for pool in list(STARTED):
        pool.stop()


def _writer_threads(size: int) -> Any:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="nb2pkg-to-worker")


def _is_ready(worker: AnalysisWorker) -> bool:
    return worker.ready.is_set()
