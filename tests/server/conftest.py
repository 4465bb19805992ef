"""Fixtures for the server extension tests: a real jupyter_server (pytest-jupyter) with
nb2pkg's extension enabled, rooted in a temporary folder, and small notebooks in it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# pytest-jupyter registers no entry point: its fixtures and hooks are imported here,
# so they apply to this folder only.
from pytest_jupyter.jupyter_server import *  # noqa: F403
from server_notebooks import BODY_LIMIT, WORK_LIMIT_LINES
from traitlets.config import Config

from nb2pkg.frontends.server.worker_pool import stop_all


@pytest.fixture  # type: ignore[no-redef]  # replaces pytest-jupyter's fixture
def jp_server_config() -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"nb2pkg": True}},
            "Nb2pkgServer": {"max_body_bytes": BODY_LIMIT, "max_code_lines": WORK_LIMIT_LINES},
        }
    )


@pytest.fixture
def write_notebook(jp_root_dir: Path) -> Callable[[str, dict[str, Any]], Path]:
    def write(relative: str, content: dict[str, Any]) -> Path:
        path = jp_root_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def stop_analysis_workers() -> Iterator[None]:
    """Each test's server stops its analysis worker processes when the test ends (a server
    process stops them at its exit; the servers of these tests all run in pytest's process)."""
    yield
    stop_all()
