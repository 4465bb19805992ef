"""What the browser tests share: where things are, the Chromium flags, and the running Lab."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BUILT_EXTENSION = REPO / "nb2pkg" / "labextension"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("NB2PKG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    query: str = ""
    """Added to page addresses, e.g. ``reset`` to start from an empty workspace."""

    def page_url(self, notebook: str) -> str:
        extra = f"&{self.query}" if self.query else ""
        return f"{self.url}lab/tree/{notebook}?token={self.token}{extra}"

    def post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}nb2pkg/{endpoint}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(url: str, token: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"jupyter lab not ready after 120 s:\n{log.read_text()[-3000:]}")


@contextmanager
def running_lab(base: Path, lab_settings: dict[str, Any] | None = None) -> Iterator[Lab]:
    """A JupyterLab in its own folders under ``base``, stopped (and its log kept) on exit.

    ``lab_settings`` are extra plugin settings for the lab's ``overrides.json``.
    """
    root, config, settings, app_settings, extensions = (
        base / name for name in ("root", "config", "settings", "app-settings", "extensions")
    )
    for folder in (root, config, settings, app_settings, extensions):
        folder.mkdir()
    (extensions / "nb2pkg").symlink_to(BUILT_EXTENSION, target_is_directory=True)
    overrides = {
        "@jupyterlab/apputils-extension:notification": {
            "checkForUpdates": False,
            "fetchNews": "false",
        },
        **(lab_settings or {}),
    }
    (app_settings / "overrides.json").write_text(json.dumps(overrides))
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"nb2pkg": True}},
                "LabServerApp": {"extra_labextensions_path": [str(extensions)]},
            }
        )
    )
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
    }
    log = base / "jupyter-lab.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                f"--LabApp.app_settings_dir={app_settings}",
                "--LabApp.expose_app_in_browser=True",
            ],
            cwd=root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_ready(url, token, process, log)
        yield Lab(url, token, root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / f"jupyter-lab-{port}.log")
