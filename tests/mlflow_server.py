"""A real MLflow tracking server on 127.0.0.1 (SQLite backend) for the integration tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

SERVER_START_TIMEOUT_SECONDS = 180
SERVER_STOP_TIMEOUT_SECONDS = 30
MLFLOW_SETTINGS = ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID")
RUN_TIMEOUT_SECONDS = 600
"""Guards against a hung generated package; never used to judge speed."""
"""Environment variables that would point a child process at another store."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def tracking_server_at(root: Path, *, artifacts_option: str) -> Iterator[str]:
    """Run ``mlflow server`` with its store in ``root``; yields its URL. ``artifacts_option``
    is ``--default-artifact-root`` (clients write artifacts themselves) or
    ``--artifacts-destination`` (the server proxies them, as the model registry wants)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = root / "server.log"
    env = {k: v for k, v in os.environ.items() if k not in MLFLOW_SETTINGS}
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
        artifacts_option, str(root / "artifacts"),
    ]  # fmt: skip
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while not is_healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlflow server did not start:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        stop_process_group(server)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server and the workers it started; SIGKILL whatever outlives the wait."""
    group = process.pid  # start_new_session made it the group leader
    try:
        os.killpg(group, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        process.wait()
    # Workers may outlive the leader for a moment; make sure none is left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


class PythonEnvironment(Protocol):
    """A virtual environment a generated package is installed in (``FreshVenv``)."""

    @property
    def python(self) -> Path: ...

    def environment(self) -> dict[str, str]: ...


def run_in(
    venv: PythonEnvironment, args: list[str], *, cwd: Path, **settings: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` in the venv with exactly these MLflow settings."""
    env = {k: v for k, v in venv.environment().items() if k not in MLFLOW_SETTINGS}
    env.update(settings)
    return subprocess.run(
        [str(venv.python), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
