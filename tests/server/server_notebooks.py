"""Small notebooks (as JSON) for the server extension tests, and the request limit they use."""

from __future__ import annotations

from typing import Any

BODY_LIMIT = 256 * 1024
"""A small request limit (set in conftest's server config) so the 413 test needs no huge body."""
WORK_LIMIT_LINES = 2000
"""A small cap on the lines of code per request (conftest's server config), for the NB812 tests."""


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
