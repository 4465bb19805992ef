"""POST /nb2pkg/run, /run/status, /run/cancel on a real jupyter_server: the built package's
pipeline runs in a subprocess, step by step, and can be stopped."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server_notebooks import code_cell, notebook_json, scaling_notebook
from test_handlers import Fetch, post, refused

from tests.mlflow_server import MLFLOW_SETTINGS, free_port, is_healthy, stop_process_group

READ_SECONDS = 150
"""Reading runs starts a Python that imports MLflow: on a loaded machine, more than the
default 20 s request timeout (the server's own limit is 120 s)."""


async def wait_for(jp_fetch: Fetch, run_id: str, *statuses: str) -> dict[str, Any]:
    for _ in range(600):
        state = await post(jp_fetch, "run/status", {"id": run_id})
        if state["status"] in statuses:
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} never reached {statuses}: {state}")


async def test_a_built_pipeline_runs_step_by_step_in_a_subprocess(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    notebook = scaling_notebook()
    notebook["cells"].append(
        code_cell("total", "total = sum(scaled)", ["function:total", "metrics"])
    )
    write_notebook("scaling.ipynb", notebook)
    request = {"path": "scaling.ipynb", "out_dir": "scaler-pkg", "name": "scaler"}
    assert (await post(jp_fetch, "build", request))["ok"]
    started = await post(jp_fetch, "run", {**request, "track": False})
    assert started["status"] == "running" and started["diagnostics"] == []
    state = await wait_for(jp_fetch, started["id"], "done", "failed")
    assert state["status"] == "done", state
    assert [(s["name"], s["status"]) for s in state["steps"]] == [
        ("load", "done"),
        ("scale", "done"),
        ("total", "done"),
    ]
    assert [s["cell_id"] for s in state["steps"]] == ["load", "scale", "total"]
    assert state["outputs"]["scaled"] == "[2, 4, 6]"
    assert state["metrics"] == {"total": 12}
    assert state["out_dir"] == "scaler-pkg"
    assert state["error"] is None


async def test_a_failing_step_points_at_its_cell(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    notebook = notebook_json(
        [
            code_cell("load", "data = [1, 2, 0]", ["function:load"]),
            code_cell("invert", "inverted = [1 / v for v in data]", ["function:invert"]),
        ]
    )
    write_notebook("inv.ipynb", notebook)
    request = {"path": "inv.ipynb", "out_dir": "inv-pkg"}
    assert (await post(jp_fetch, "build", request))["ok"]
    started = await post(jp_fetch, "run", {**request, "track": False})
    state = await wait_for(jp_fetch, started["id"], "done", "failed")
    assert state["status"] == "failed"
    assert state["error"]["step"] == "invert" and state["error"]["cell_id"] == "invert"
    assert "ZeroDivisionError" in state["error"]["message"]
    assert [s["status"] for s in state["steps"]] == ["done", "failed"]


async def test_cancel_stops_the_run_and_its_processes(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    notebook = notebook_json(
        [
            code_cell("load", "data = [1]", ["function:load"]),
            code_cell(
                "wait",
                "import time\nfrom pathlib import Path\n"
                "Path('waiting').write_text('yes')\ntime.sleep(120)\nwaited = data",
                ["function:wait"],
            ),
        ]
    )
    write_notebook("slow.ipynb", notebook)
    request = {"path": "slow.ipynb", "out_dir": "slow-pkg"}
    assert (await post(jp_fetch, "build", request))["ok"]
    started = await post(jp_fetch, "run", {**request, "track": False})
    running = await wait_for(jp_fetch, started["id"], "running")
    for _ in range(300):
        if (jp_root_dir / "slow-pkg" / "waiting").exists():
            break
        await asyncio.sleep(0.1)
    state = await post(jp_fetch, "run/cancel", {"id": running["id"]})
    assert state["status"] == "cancelled"
    assert [s["status"] for s in state["steps"]] == ["done", "cancelled"]
    assert state["seconds"] < 60


async def test_run_needs_a_built_package_the_token_and_a_known_id(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    write_notebook("scaling.ipynb", scaling_notebook())
    answer = await post(jp_fetch, "run", {"path": "scaling.ipynb", "out_dir": "none-pkg"})
    assert answer["status"] == "refused"
    assert [d["code"] for d in answer["diagnostics"]] == ["NB805"]
    for endpoint, body in (("run", {"path": "scaling.ipynb"}), ("run/status", {"id": "x"})):
        status, error = await refused(jp_fetch, endpoint, body, headers={"Authorization": ""})
        assert (status, error["code"]) == (403, "NB807")
    status, error = await refused(jp_fetch, "run/status", {"id": "unknown"})
    assert (status, error["code"]) == (404, "NB805")
    status, error = await refused(jp_fetch, "run", {"path": "../elsewhere.ipynb"})
    assert (status, error["code"]) == (403, "NB803")


async def test_the_last_runs_come_from_the_package_mlflow_store(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path, monkeypatch: Any
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    write_notebook("scaling.ipynb", scaling_notebook())
    request = {"path": "scaling.ipynb", "out_dir": "scaler-pkg", "name": "scaler"}
    assert (await post(jp_fetch, "build", request))["ok"]
    # Before any tracked run: no store, no runs, and none created by asking
    empty = await post(jp_fetch, "runs", request, request_timeout=READ_SECONDS)
    assert {k: v for k, v in empty.items() if k != "mlflow_ui"} == {
        "runs": [],
        "store": None,
        "diagnostics": [],
    }
    assert not (jp_root_dir / "scaler-pkg" / "mlflow.db").exists()
    # Two tracked runs from the panel
    for _ in range(2):
        started = await post(jp_fetch, "run", request)
        state = await wait_for(jp_fetch, started["id"], "done", "failed")
        assert state["status"] == "done", state
    answer = await post(jp_fetch, "runs", {**request, "limit": 5}, request_timeout=READ_SECONDS)
    assert answer["diagnostics"] == [] and answer["store"] == "scaler-pkg/mlflow.db"
    runs = answer["runs"]
    assert [r["status"] for r in runs] == ["FINISHED", "FINISHED"]
    assert {r["version"] for r in runs} == {"0.1.0"}
    assert all(r["params"].get("factor") == "2" for r in runs), runs
    assert runs[0]["start_time"] >= runs[1]["start_time"]
    assert all(r["seconds"] is not None and r["seconds"] >= 0 for r in runs)


async def test_the_runs_answer_says_how_to_open_mlflow_ui_on_the_package_store(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path, monkeypatch: Any
) -> None:
    for name in MLFLOW_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    write_notebook("scaling.ipynb", scaling_notebook())
    request = {"path": "scaling.ipynb", "out_dir": "my pkg", "name": "scaler"}
    assert (await post(jp_fetch, "build", request))["ok"]
    started = await post(jp_fetch, "run", request)
    assert (await wait_for(jp_fetch, started["id"], "done", "failed"))["status"] == "done"
    ui = (await post(jp_fetch, "runs", request, request_timeout=READ_SECONDS))["mlflow_ui"]
    # MLflow is installed here: the exact command, its folder named inside the root
    assert ui["installed"] is True
    assert ui["command"] == (
        "cd 'my pkg' && python -m mlflow ui --backend-store-uri sqlite:///mlflow.db --port 5000"
    )
    assert str(jp_root_dir) not in json.dumps(ui)
    # The command, run from the root as a terminal there would, serves the package's run.
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in MLFLOW_SETTINGS}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    ui_process = subprocess.Popen(
        ["bash", "-c", ui["command"].replace("--port 5000", f"--host 127.0.0.1 --port {port}")],
        cwd=jp_root_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not is_healthy(url):
            assert ui_process.poll() is None and time.monotonic() < deadline, (
                "mlflow ui did not start"
            )
            await asyncio.sleep(0.5)
        search = urllib.request.Request(
            f"{url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=scaler"
        )
        with urllib.request.urlopen(search, timeout=30) as response:
            experiment = json.loads(response.read())["experiment"]
        runs = urllib.request.Request(
            f"{url}/api/2.0/mlflow/runs/search",
            data=json.dumps({"experiment_ids": [experiment["experiment_id"]]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(runs, timeout=30) as response:
            found = json.loads(response.read())["runs"]
        assert [run["info"]["status"] for run in found] == ["FINISHED"]
    finally:
        stop_process_group(ui_process)  # type: ignore[arg-type]


async def test_without_mlflow_the_runs_answer_says_to_install_it(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], monkeypatch: Any
) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "mlflow" else real_find_spec(name, *args),
    )
    write_notebook("scaling.ipynb", scaling_notebook())
    request = {"path": "scaling.ipynb", "out_dir": "scaler-pkg"}
    assert (await post(jp_fetch, "build", request))["ok"]
    ui = (await post(jp_fetch, "runs", request, request_timeout=READ_SECONDS))["mlflow_ui"]
    assert ui["installed"] is False and ui["command"] is None
    assert "pip install mlflow" in ui["note"]
