"""The pipeline of `golden`: every step in notebook order.

`steps()` runs them one at a time; `run()` runs them all inside an MLflow run.
Generated file: edit the notebooks, then run `nb2pkg build`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._build import BUILD_TAGS
from ._runner import run_steps
from .input import compute_area, compute_circumference, touch_area

PACKAGE = "golden"
VERSION = "0.1.0"
AUTOLOG = False
METRIC_STEPS: frozenset[str] = frozenset()
# Each step, in order, and the notebook cell it was built from (for error messages;
# the cell id, not its number, so that moving other cells changes nothing here).
STEP_CELLS: dict[str, str] = {
    "compute_area": "input.ipynb [id c01]",
    "compute_circumference": "input.ipynb [id c02]",
    "touch_area": "input.ipynb [id c03]",
}


def steps() -> Iterator[tuple[str, dict[str, Any]]]:
    """Run the steps in notebook order, yielding each step's name and outputs."""
    radius, area = compute_area()
    yield ("compute_area", {"radius": radius, "area": area})
    circumference = compute_circumference(radius)
    yield ("compute_circumference", {"circumference": circumference})
    area = touch_area(area)
    yield ("touch_area", {"area": area})


def run(
    *,
    track: bool = True,
) -> dict[str, Any]:
    """Run the whole pipeline and return every step's outputs by name.

    Logs an MLflow run (parameters, step durations, metrics) unless `track` is False.
    """
    params: dict[str, Any] = {}
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
    "compute_area": {
        "module": "input",
        "function": "compute_area",
        "needs": [],
        "inputs": {},
        "params": [],
        "outputs": ["radius", "area"],
        "returns": ["radius", "area"],
    },
    "compute_circumference": {
        "module": "input",
        "function": "compute_circumference",
        "needs": ["compute_area"],
        "inputs": {"radius": "compute_area"},
        "params": [],
        "outputs": ["circumference"],
        "returns": ["circumference"],
    },
    "touch_area": {
        "module": "input",
        "function": "touch_area",
        "needs": ["compute_area"],
        "inputs": {"area": "compute_area"},
        "params": [],
        "outputs": ["area"],
        "returns": ["area"],
    },
}


def graph() -> dict[str, tuple[str, ...]]:
    """Each step and the steps whose outputs it reads, in pipeline order."""
    return {name: tuple(node["needs"]) for name, node in GRAPH.items()}
