"""``POST /nb2pkg/runs``: the last MLflow runs of the notebook's built package.

Body ``{"path", "out_dir"?, "name"?, "limit"?}``. The runs are read by a subprocess of the
server's Python (``nb2pkg.frontends.server.runs_reader``) in the package's output folder, on a worker
thread: MLflow is never imported into the server, and analyses do not wait behind it.
Without ``MLFLOW_TRACKING_URI`` and without the default store in that folder, the answer is
an empty list (reading would create an empty store).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import tornado.web

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.answers import with_root_relative_paths
from nb2pkg.frontends.server.errors import INVALID_REQUEST, RequestProblem
from nb2pkg.frontends.server.handlers import Nb2pkgHandler
from nb2pkg.frontends.server.mlflow_ui import mlflow_ui
from nb2pkg.frontends.server.pipeline_runs import built_package

DEFAULT_STORE = "mlflow.db"
"""MLflow's default store, in the working directory the package ran in."""
READ_TIMEOUT_SECONDS = 120
MAX_RUNS = 50


def read_runs(package: str, out_dir: Path, limit: int) -> dict[str, Any]:
    if not os.environ.get("MLFLOW_TRACKING_URI") and not (out_dir / DEFAULT_STORE).is_file():
        return {"runs": [], "store": None, "diagnostics": []}
    # The URI itself may hold a password: the answer names the variable instead.
    store = (
        "$MLFLOW_TRACKING_URI"
        if os.environ.get("MLFLOW_TRACKING_URI")
        else str(out_dir / DEFAULT_STORE)
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "nb2pkg.frontends.server.runs_reader", package, str(limit)],
            cwd=out_dir,
            capture_output=True,
            text=True,
            timeout=READ_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _unreadable(store, f"reading it took more than {READ_TIMEOUT_SECONDS} s")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no error message"])[-1]
        return _unreadable(store, last)
    try:
        runs = json.loads(done.stdout.strip().splitlines()[-1])["runs"]
    except (ValueError, IndexError, KeyError, TypeError):
        return _unreadable(store, "its answer was not the expected JSON")
    return {"runs": runs, "store": store, "diagnostics": []}


def _unreadable(store: str, why: str) -> dict[str, Any]:
    from nb2pkg.ir import Diagnostic, Location, Severity

    problem = Diagnostic(
        "NB806",
        Severity.ERROR,
        f"the MLflow store {store} cannot be read: {why}",
        Location(store),
        "check that mlflow is installed in the server's environment and the store is intact",
    )
    return {"runs": [], "store": store, "diagnostics": [problem.to_json()]}


class RunsHandler(Nb2pkgHandler):
    """POST {"path", "out_dir"?, "name"?, "limit"?} → {"runs", "store", "diagnostics",
    "mlflow_ui"?} (``mlflow_ui``: how to open MLflow's UI on them, see ``mlflow_ui.py``)."""

    @tornado.web.authenticated
    async def post(self) -> None:
        root = self.root_dir
        data = requests.parse_body(self.request.body or b"", self.server_options.max_body_bytes)
        limit = data.get("limit", 10)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_RUNS:
            raise RequestProblem(
                400, INVALID_REQUEST, f"`limit` must be a whole number from 1 to {MAX_RUNS}"
            )

        def work() -> dict[str, Any]:
            found = built_package(requests.preview_request(data, root), root)
            if isinstance(found, dict):
                return {"runs": [], "store": None, **found}
            package, out_dir = found
            return {
                **read_runs(package, out_dir, limit),
                "mlflow_ui": mlflow_ui(out_dir, DEFAULT_STORE),
            }

        answer = await self.off_loop(work)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(with_root_relative_paths(answer, root)))
