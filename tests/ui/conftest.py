"""A real JupyterLab for browser tests, and headless Chromium from the system driven by
Playwright.

JupyterLab runs as a subprocess on a free port with a token, rooted in a temporary folder,
with its own config, settings and workspaces folders (so nothing from the machine's user
leaks in) and the news pop-up turned off by an ``overrides.json``. The nb2pkg server
extension is enabled by that config and the labextension built in ``nb2pkg/labextension``
is put on the extension path, so the test exercises this checkout whether nb2pkg is
installed editable or not. Every process started here is stopped here.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from lab_process import (
    ARTIFACTS,
    BUILT_EXTENSION,
    CHROMIUM,
    CHROMIUM_FLAGS,
    Lab,
    free_port,
    wait_until_ready,
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not (BUILT_EXTENSION / "package.json").is_file():
        pytest.fail(
            "the labextension is not built: run `jlpm install && jlpm build:prod` in labextension/"
        )
    base = tmp_path_factory.mktemp("lab")
    root, config, settings, app_settings, extensions = (
        base / name for name in ("root", "config", "settings", "app-settings", "extensions")
    )
    for folder in (root, config, settings, app_settings, extensions):
        folder.mkdir()
    (extensions / "nb2pkg").symlink_to(BUILT_EXTENSION, target_is_directory=True)
    (app_settings / "overrides.json").write_text(
        json.dumps(
            {
                "@jupyterlab/apputils-extension:notification": {
                    "checkForUpdates": False,
                    "fetchNews": "false",
                }
            }
        )
    )
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{error}\n{error.stack}"))
    page.errors = errors
    try:
        yield page
    finally:
        context.close()
