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

from collections.abc import Iterator
from typing import Any

import pytest
from lab_process import BUILT_EXTENSION, CHROMIUM, CHROMIUM_FLAGS, Lab, running_lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not (BUILT_EXTENSION / "package.json").is_file():
        pytest.fail(
            "the labextension is not built: run `jlpm install && jlpm build:prod` in labextension/"
        )
    with running_lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


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
