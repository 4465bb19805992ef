"""Fixtures for the tests generated from test cells, with the default parameters.

Step outputs come from the pipeline's `steps()`, advanced lazily: each step runs at most
once per test session, and a test sees a value as it was right after its step.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golden.pipeline import steps

PACKAGE_FOLDER = Path(__file__).resolve().parent.parent
DATA_FILES = {
    "sales_path": "../data/sales.csv",
}
"""Each data-file parameter → the file the notebook read, relative to this package."""


def data_files() -> dict[str, str]:
    found = {name: PACKAGE_FOLDER / path for name, path in DATA_FILES.items()}
    return {name: str(path) for name, path in found.items() if path.exists()}


class PipelineState:
    """The pipeline run so far: the outputs of each step that has run."""

    def __init__(self) -> None:
        self._steps: Iterator[tuple[str, dict[str, Any]]] | None = None
        self._outputs: dict[str, dict[str, Any]] = {}

    def after(self, step: str) -> dict[str, Any]:
        if self._steps is None:
            self._steps = steps(**data_files())
        while step not in self._outputs:
            name, values = next(self._steps)
            self._outputs[name] = values
        return self._outputs[step]


@pytest.fixture(scope="session")
def pipeline_state() -> PipelineState:
    return PipelineState()


@pytest.fixture(scope="session")
def totals(pipeline_state: PipelineState) -> Any:
    return pipeline_state.after("total_by_region")["totals"]
