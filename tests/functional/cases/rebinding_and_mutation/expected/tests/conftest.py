"""Fixtures for the tests generated from test cells, with the default parameters.

Step outputs come from the pipeline's `steps()`, advanced lazily: each step runs at most
once per test session, and a test sees a value as it was right after its step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from golden.pipeline import steps


class PipelineState:
    """The pipeline run so far: the outputs of each step that has run."""

    def __init__(self) -> None:
        self._steps: Iterator[tuple[str, dict[str, Any]]] | None = None
        self._outputs: dict[str, dict[str, Any]] = {}

    def after(self, step: str) -> dict[str, Any]:
        if self._steps is None:
            pytest.fail(
                "the pipeline needs inputs only unmarked notebook cells define (offset); mark those cells so the tests can run it"
            )
            self._steps = steps()
        while step not in self._outputs:
            name, values = next(self._steps)
            self._outputs[name] = values
        return self._outputs[step]


@pytest.fixture(scope="session")
def pipeline_state() -> PipelineState:
    return PipelineState()


@pytest.fixture(scope="session")
def count(pipeline_state: PipelineState) -> Any:
    return pipeline_state.after("count_big")["count"]


@pytest.fixture(scope="session")
def rows(pipeline_state: PipelineState) -> Any:
    return pipeline_state.after("order")["rows"]
