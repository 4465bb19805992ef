"""The pipeline of `golden`: every step in notebook order.

`steps()` runs them one at a time; `run()` runs them all inside an MLflow run.
Generated file: edit the notebooks, then run `nb2pkg build`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._build import BUILD_TAGS
from ._runner import run_steps
from .input import load_scores, scale_scores, summarise

PACKAGE = "golden"
VERSION = "0.1.0"
AUTOLOG = False
METRIC_STEPS = frozenset({"summarise"})
# Each step, in order, and the notebook cell it was built from (for error messages;
# the cell id, not its number, so that moving other cells changes nothing here).
STEP_CELLS: dict[str, str] = {
    "load_scores": "input.ipynb [id c03]",
    "scale_scores": "input.ipynb [id c06]",
    "summarise": "input.ipynb [id c07]",
}


def steps(
    *,
    passing_mark: int = 50,
    scale: float = 1.5,
    labels: Any = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run the steps in notebook order, yielding each step's name and outputs."""
    if labels is None:
        labels = ["low", "high"]
    scores = load_scores()
    yield ("load_scores", {"scores": scores})
    scaled, passed = scale_scores(scores, scale=scale, passing_mark=passing_mark)
    yield ("scale_scores", {"scaled": scaled, "passed": passed})
    mean_score, pass_rate = summarise(scaled, passed)
    yield ("summarise", {"mean_score": mean_score, "pass_rate": pass_rate})


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
        labels = ["low", "high"]
    params: dict[str, Any] = {
        "passing_mark": passing_mark,
        "scale": scale,
        "labels": labels,
    }
    return run_steps(
        steps(**params),
        params=params,
        track=track,
        package=PACKAGE,
        version=VERSION,
        tags=BUILD_TAGS,
        autolog=AUTOLOG,
        step_cells=STEP_CELLS,
        metric_steps=METRIC_STEPS,
    )


# Each step: the function it calls, the steps it reads from (`needs`), which stored
# value each argument comes from (`inputs`: argument -> step), the run() parameters it
# takes, and the values it stores (`outputs`: returns, then inputs changed in place).
GRAPH: dict[str, dict[str, Any]] = {
    "load_scores": {
        "module": "input",
        "function": "load_scores",
        "needs": [],
        "inputs": {},
        "params": [],
        "outputs": ["scores"],
        "returns": ["scores"],
    },
    "scale_scores": {
        "module": "input",
        "function": "scale_scores",
        "needs": ["load_scores"],
        "inputs": {"scores": "load_scores"},
        "params": ["scale", "passing_mark"],
        "outputs": ["scaled", "passed"],
        "returns": ["scaled", "passed"],
    },
    "summarise": {
        "module": "input",
        "function": "summarise",
        "needs": ["scale_scores"],
        "inputs": {"scaled": "scale_scores", "passed": "scale_scores"},
        "params": [],
        "outputs": ["mean_score", "pass_rate"],
        "returns": ["mean_score", "pass_rate"],
    },
}


def graph() -> dict[str, tuple[str, ...]]:
    """Each step and the steps whose outputs it reads, in pipeline order."""
    return {name: tuple(node["needs"]) for name, node in GRAPH.items()}
