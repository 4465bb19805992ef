"""The pipeline of `golden`: every step in notebook order.

`steps()` runs them one at a time; `run()` runs them all inside an MLflow run.
Generated file: edit the notebooks, then run `nb2pkg build`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import tracking
from ._build import BUILD_TAGS
from .input import load_scores, scale_scores, summarise

PACKAGE = "golden"
VERSION = "0.1.0"
AUTOLOG = False
METRIC_STEPS = frozenset({"summarise"})


def steps(
    *,
    passing_mark: int = 50,
    scale: float = 1.5,
    labels: Any = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run the steps in notebook order, yielding each step's name and outputs."""
    if labels is None:
        labels = ['low', 'high']
    scores = load_scores()
    yield "load_scores", {"scores": scores}
    scaled, passed = scale_scores(scores, scale=scale, passing_mark=passing_mark)
    yield "scale_scores", {"scaled": scaled, "passed": passed}
    mean_score, pass_rate = summarise(scaled, passed)
    yield "summarise", {"mean_score": mean_score, "pass_rate": pass_rate}


def run(
    *,
    passing_mark: int = 50,
    scale: float = 1.5,
    labels: Any = None,
    track: bool = True,
) -> dict[str, Any]:
    """Run the whole pipeline and return every step's outputs by name.

    Logs an MLflow run (parameters, step durations, metrics) unless `track` is False.

    Args:
        passing_mark: pipeline parameter.
        scale: pipeline parameter.
        labels: pipeline parameter.
    """
    if labels is None:
        labels = ['low', 'high']
    params: dict[str, Any] = {"passing_mark": passing_mark, "scale": scale, "labels": labels}
    outputs: dict[str, Any] = {}
    with tracking.pipeline_run(
        package=PACKAGE,
        version=VERSION,
        params=params,
        tags=BUILD_TAGS,
        track=track,
        autolog=AUTOLOG,
    ) as recorder:
        for step_name, values in recorder.timed(steps(**params)):
            outputs.update(values)
            if step_name in METRIC_STEPS:
                recorder.log_metrics(values)
    return outputs
