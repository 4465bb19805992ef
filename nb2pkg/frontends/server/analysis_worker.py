"""The analysis worker process: runs the jobs of ``jobs.py`` for the server, one at a time.

    python -m nb2pkg.frontends.server.analysis_worker '{"root": ..., "warm_notebooks": ...}'

Started by the server extension (``worker_pool.py``). It imports the analysis and runs it once,
says it is ready, then answers the jobs the server writes to its standard input, on its
standard output (``worker_frames.py``); whatever else would print goes to standard error.
While no job waits it analyses the notebooks at the top of the root (``root_warm_up.py``).
Started with ``"reads_requests": true`` it is the request reader instead: it reads request
bodies into typed requests (``request_reading.py``), imports no analysis and warms nothing.
It exits when the server closes its standard input, i.e. when the server stops or dies.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import sys
import traceback
from collections.abc import Iterator
from typing import Any

from nb2pkg.frontends.server.errors import RequestProblem
from nb2pkg.frontends.server.worker_frames import read_frame, write_frame
from nb2pkg.frontends.server.workload import WorkLimits

STATS = "stats"
"""The job that answers what the worker did (for tests and benchmarks)."""


class Worker:
    def __init__(self, settings: dict[str, Any], jobs_in: int, answers_out: int) -> None:
        self.root = str(settings["root"])
        self.jobs_in, self.answers_out = jobs_in, answers_out
        limits = WorkLimits(int(settings["max_code_lines"]), int(settings["max_code_chars"]))
        from nb2pkg.frontends.server.root_warm_up import warm_up_steps

        # between two steps it looks for a waiting job with select(), which takes pipes on
        # POSIX systems only (elsewhere ``main`` imports IPython before the worker is ready)
        self.warm_up: Iterator[int] | None = None
        if os.name == "posix" and not settings.get("reads_requests"):
            warm = int(settings["warm_notebooks"])
            notebooks = warm_up_steps(self.root, warm, limits, int(settings["max_bytes"]))
            self.warm_up = itertools.chain(_ipython_step(), notebooks)
        self.warmed_cells = 0
        self.jobs_done = 0

    def serve(self) -> None:
        while True:
            if self.warm_up is not None and not self._job_waiting():
                try:
                    self.warmed_cells = next(self.warm_up)
                except StopIteration:
                    self.warm_up = None
                continue
            try:
                job = read_frame(self.jobs_in)
            except EOFError:
                return
            write_frame(self.answers_out, self.answer(*job))

    def answer(
        self, job_id: int, name: str, request: Any, root: str, limits: WorkLimits
    ) -> tuple[int, str, Any]:
        from nb2pkg.frontends.server.jobs import run_job
        from nb2pkg.frontends.server.request_reading import READ, read_request

        if name == STATS:
            return job_id, "ok", json.dumps(self.stats())
        try:
            if name == READ:
                answer: Any = read_request(request, root)
            else:
                answer = run_job(name, request, root, limits)
        except RequestProblem as problem:
            return job_id, "refused", (problem.status, problem.code, problem.message, problem.hint)
        except Exception:
            return job_id, "failed", traceback.format_exc()
        self.jobs_done += 1
        return job_id, "ok", answer

    def stats(self) -> dict[str, Any]:
        stats = {
            "pid": os.getpid(),
            "warming_up": self.warm_up is not None,
            "warmed_cells": self.warmed_cells,
            "jobs_done": self.jobs_done,
        }
        if "nb2pkg.analysis.cell" in sys.modules:  # a request reader analyses nothing
            from nb2pkg.analysis.cell import analyze_cell

            stats["cell_analyses"] = analyze_cell.cache_info().misses
        return stats

    def _job_waiting(self) -> bool:
        return bool(select.select([self.jobs_in], [], [], 0)[0])


def _ipython_step() -> Iterator[int]:
    """The first warm-up step: IPython's transformer (``jobs.warm_ipython``)."""
    from nb2pkg.frontends.server.jobs import warm_ipython

    warm_ipython()
    yield 0


def main(argv: list[str]) -> int:
    settings = json.loads(argv[1])
    if hasattr(os, "nice"):  # below the server, whose event loop answers every request
        os.nice(int(settings.get("niceness", 0)))
    # The answers get the standard output's pipe; anything printed goes to standard error.
    answers_out = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    if settings.get("reads_requests"):
        settings["warm_notebooks"] = 0
    else:
        from nb2pkg.frontends.server.jobs import warm_imports, warm_ipython

        warm_imports()
        if os.name != "posix":  # no warm-up steps between jobs there
            warm_ipython()
    worker = Worker(settings, sys.stdin.fileno(), answers_out)
    write_frame(answers_out, ("ready", os.getpid()))
    with contextlib.suppress(BrokenPipeError):  # the server went away meanwhile
        worker.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
