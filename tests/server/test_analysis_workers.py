"""The analysis worker process of a real jupyter_server: it analyses, it is started again
when it dies (the request it was working on gets a 503 with code NB814, never a hang), it has
analysed the notebooks of the root before the first request, and it stops with the server.

No timing decides anything: the worker is stopped (SIGSTOP) while a request waits for it,
and the tests count what the worker did (its analyses of cells, its jobs, its restarts).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.serverapp import ServerApp
from server_notebooks import BODY_LIMIT, WORK_LIMIT_LINES, code_cell, notebook_json
from test_handlers import Fetch, post, refused
from traitlets.config import Config

from nb2pkg.frontends.server.analysis_worker import STATS
from nb2pkg.frontends.server.jobs import run_job
from nb2pkg.frontends.server.requests import analyze_request
from nb2pkg.frontends.server.work_queue import WORK_QUEUE_SETTING, WorkQueue
from nb2pkg.frontends.server.worker_pool import WorkerPool, WorkerSettings
from nb2pkg.frontends.server.workload import WorkLimits


@pytest.fixture  # type: ignore[no-redef]  # one worker, whatever the cores: the one killed
def jp_server_config() -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"nb2pkg": True}},
            "Nb2pkgServer": {
                "max_body_bytes": BODY_LIMIT,
                "max_code_lines": WORK_LIMIT_LINES,
                "analysis_processes": 1,
            },
        }
    )


def steps_notebook(prefix: str, count: int) -> dict[str, Any]:
    """A parameters cell, then ``count`` steps each reading the one before."""
    cells = [code_cell(f"{prefix}-params", f"{prefix}_rate = 2", ["parameters"])]
    previous = f"{prefix}_rate"
    for number in range(count):
        name = f"{prefix}_value_{number}"
        source = f"{name} = {previous} * {number + 1}\n"
        cells.append(code_cell(f"{prefix}-{number}", source, [f"function:{prefix}_step_{number}"]))
        previous = name
    return notebook_json(cells)


@pytest.fixture
def notebook_there_at_start(jp_root_dir: Path) -> dict[str, Any]:
    """A notebook in the root before the server starts (as a user's folder has them)."""
    content = steps_notebook("warm", 12)
    (jp_root_dir / "opened.ipynb").write_text(json.dumps(content), encoding="utf-8")
    return content


def worker_pool(app: ServerApp) -> WorkerPool:
    queue = app.web_app.settings[WORK_QUEUE_SETTING]
    assert isinstance(queue, WorkQueue) and queue.pool is not None
    return queue.pool


def two_workers(app: ServerApp) -> WorkerPool:
    """A pool of two analysis workers of its own (not started) for the app's root."""
    root = str(app.root_dir)
    settings = WorkerSettings(root, WorkLimits(WORK_LIMIT_LINES, 1_000_000), 0, BODY_LIMIT)
    return WorkerPool(2, settings, timeout=60, log=app.log)


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def warmed_up(pool: WorkerPool) -> dict[str, Any]:
    while True:
        (stats,) = await pool.stats()
        if not stats["warming_up"]:
            return stats
        await asyncio.sleep(0.05)


async def test_the_first_analysis_is_served_by_the_worker_that_analysed_the_root_at_start(
    notebook_there_at_start: dict[str, Any], jp_fetch: Fetch, jp_serverapp: ServerApp
) -> None:
    pool = worker_pool(jp_serverapp)
    # Given the worker started with the server, done analysing the root's notebooks
    before = await warmed_up(pool)
    assert before["warmed_cells"] == len(notebook_there_at_start["cells"])
    # When the browser opens that notebook and asks for its analysis
    request = {"path": "opened.ipynb", "notebook": notebook_there_at_start, "client": "panel"}
    answer = await post(jp_fetch, "analyze", request)
    # Then the same worker answered it without analysing any cell again
    (after,) = await pool.stats()
    assert after["pid"] == before["pid"] and pool.restarts == 0
    assert after["jobs_done"] == before["jobs_done"] + 1
    assert after["cell_analyses"] == before["cell_analyses"]
    # And its answer is the analysis this process makes of the same request
    root = str(jp_serverapp.root_dir)
    limits = WorkLimits(WORK_LIMIT_LINES, 1_000_000)
    expected = run_job("analyze", analyze_request(request, root), root, limits)
    assert answer == json.loads(expected)
    assert [f["name"] for f in answer["functions"]] == [f"warm_step_{n}" for n in range(12)]
    # While a notebook made after the start has its cells analysed when it is asked for
    fresh = steps_notebook("fresh", 5)
    await post(jp_fetch, "analyze", {"path": "fresh.ipynb", "notebook": fresh})
    (later,) = await pool.stats()
    assert later["cell_analyses"] == after["cell_analyses"] + len(fresh["cells"])


async def test_a_worker_that_dies_during_a_request_is_started_again_and_the_request_refused(
    jp_fetch: Fetch, jp_serverapp: ServerApp, write_notebook: Callable[..., Path]
) -> None:
    write_notebook("steps.ipynb", steps_notebook("s", 3))
    pool = worker_pool(jp_serverapp)
    (worker,) = pool.workers
    await warmed_up(pool)
    dead = worker.pid
    assert dead is not None
    # Given the worker holding a request (stopped, so the request surely reaches it first)
    os.kill(dead, signal.SIGSTOP)
    sent = pool.sent
    waiting = asyncio.ensure_future(refused(jp_fetch, "analyze", {"path": "steps.ipynb"}))
    await until(lambda: pool.sent == sent + 1)
    # When the worker dies
    os.kill(dead, signal.SIGKILL)
    # Then the request is answered: the worker stopped, ask again
    status, error = await waiting
    assert (status, error["code"]) == (503, "NB814")
    assert "stopped" in error["message"] and "again" in error["diagnostics"][0]["hint"]
    # And the next request is analysed by a new worker
    answer = await post(jp_fetch, "analyze", {"path": "steps.ipynb"})
    assert [f["name"] for f in answer["functions"]] == ["s_step_0", "s_step_1", "s_step_2"]
    assert pool.restarts == 1 and worker.pid not in (None, dead)


async def test_a_worker_that_dies_between_requests_is_started_again_at_once(
    jp_fetch: Fetch, jp_serverapp: ServerApp, write_notebook: Callable[..., Path]
) -> None:
    write_notebook("steps.ipynb", steps_notebook("s", 2))
    pool = worker_pool(jp_serverapp)
    (worker,) = pool.workers
    await warmed_up(pool)
    dead = worker.pid
    assert dead is not None
    # When the idle worker is killed
    os.kill(dead, signal.SIGKILL)
    # Then it is started again before any request asks for it
    await until(lambda: pool.restarts == 1)
    assert worker.pid != dead
    answer = await post(jp_fetch, "analyze", {"path": "steps.ipynb"})
    assert [f["name"] for f in answer["functions"]] == ["s_step_0", "s_step_1"]
    assert pool.restarts == 1


async def test_stopping_the_pool_ends_its_workers(jp_serverapp: ServerApp) -> None:
    pool = worker_pool(jp_serverapp)
    (worker,) = pool.workers
    await warmed_up(pool)
    process = worker.process
    assert process is not None
    pool.stop()
    # the worker saw its pipe close and exited by itself, and was not started again
    assert process.poll() == 0 and pool.restarts == 0 and worker.process is process


def test_a_jupyter_server_stops_its_worker_when_it_stops(tmp_path: Path) -> None:
    # Given a jupyter server with the extension, in a process of its own
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--port=0",
            "--ip=127.0.0.1",
            "--no-browser",
            "--allow-root",
            f"--ServerApp.root_dir={tmp_path}",
            "--ServerApp.jpserver_extensions=nb2pkg=True",
            "--Nb2pkgServer.analysis_processes=1",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    worker, serving, lines = None, False, []
    for line in server.stderr:
        lines.append(line)
        if "nb2pkg analysis worker 0 started (pid " in line:
            worker = int(line.rsplit("pid ", 1)[1].split(")")[0])
        if "http://127.0.0.1:" in line:
            serving = True
            break
    assert serving and worker is not None and server.poll() is None, "".join(lines)
    os.kill(worker, 0)  # the worker runs
    # When the server is asked to stop
    server.send_signal(signal.SIGTERM)
    server.communicate(timeout=60)
    # Then its worker process is gone too
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)


async def answered_by_the_first(pool: WorkerPool) -> None:
    worker = await pool.acquire()
    assert worker is pool.workers[0]
    await pool.run(worker, (STATS, None, "", None))


async def test_the_other_workers_start_once_the_first_answered_a_job(
    jp_serverapp: ServerApp,
) -> None:
    pool = two_workers(jp_serverapp)
    try:
        pool.start()
        first, second = pool.workers
        # started alone: the first request waits for one worker to be ready, not for both
        assert first.process is not None and second.process is None
        await until(first.ready.is_set)
        # and is analysed while no other worker starts on the cores it needs
        assert second.process is None
        await answered_by_the_first(pool)
        assert second.process is not None
        await until(second.ready.is_set)
        assert len(await pool.stats()) == 2
    finally:
        pool.stop()
    assert all(w.process is not None and w.process.poll() == 0 for w in pool.workers)


async def test_a_request_takes_a_ready_worker_rather_than_one_still_starting(
    jp_serverapp: ServerApp,
) -> None:
    pool = two_workers(jp_serverapp)
    try:
        pool.start()
        first, second = pool.workers
        await answered_by_the_first(pool)
        await until(first.ready.is_set)
        assert second.process is not None
        os.kill(second.process.pid, signal.SIGSTOP)  # still starting, as long as need be
        second.ready.clear()
        pool.release(await pool.acquire())  # the first in line goes to the back
        assert await pool.acquire() is first
    finally:
        if second.process is not None:
            os.kill(second.process.pid, signal.SIGCONT)
        pool.stop()


def test_a_worker_is_ready_before_it_imports_ipython() -> None:
    # only cells with IPython syntax need its transformer: imported after "ready", between jobs
    script = (
        "import sys\n"
        "from nb2pkg.frontends.server.jobs import warm_imports, warm_ipython\n"
        "warm_imports()\n"
        "print('IPython' in sys.modules)\n"
        "warm_ipython()\n"
        "print('IPython' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]
