"""Fixtures for the server extension tests: a real jupyter_server (pytest-jupyter) with
nb2pkg's extension enabled, rooted in a temporary folder, and small notebooks in it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# pytest-jupyter registers no entry point: its fixtures and hooks are imported here,
# so they apply to this folder only.
from pytest_jupyter.jupyter_server import *  # noqa: F403
from traitlets.config import Config

BODY_LIMIT = 256 * 1024
"""A small request limit so the 413 test needs no huge allocation."""


@pytest.fixture
def jp_server_config() -> Config:  # type: ignore[no-redef]
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"nb2pkg": True}},
            "Nb2pkgServer": {"max_body_bytes": BODY_LIMIT},
        }
    )


def code_cell(cell_id: str, source: str, tags: list[str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"tags": tags} if tags else {}
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": metadata,
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def notebook_json(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": cells,
    }


def scaling_notebook() -> dict[str, Any]:
    """parameters → load → scale → a test: the smallest notebook with every role the UI shows."""
    return notebook_json(
        [
            code_cell("params", "factor = 2", ["parameters"]),
            code_cell("load", "data = [1, 2, 3]", ["function:load"]),
            code_cell("scale", "scaled = [v * factor for v in data]", ["function:scale"]),
            code_cell("check", "assert len(scaled) == 3", ["test"]),
        ]
    )


@pytest.fixture
def write_notebook(jp_root_dir: Path) -> Callable[[str, dict[str, Any]], Path]:
    def write(relative: str, content: dict[str, Any]) -> Path:
        path = jp_root_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
        return path

    return write
