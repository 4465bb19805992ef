"""The pipeline of `golden`: every step in notebook order.

`steps()` runs them one at a time; `run()` runs them all inside an MLflow run.
Generated file: edit the notebooks, then run `nb2pkg build`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._build import BUILD_TAGS
from ._runner import run_steps
from .input import add_y, count_big, drop_small, load, order

PACKAGE = "golden"
VERSION = "0.1.0"
AUTOLOG = False
METRIC_STEPS: frozenset[str] = frozenset()
# Each step, in order, and the notebook cell it was built from (for error messages;
# the cell id, not its number, so that moving other cells changes nothing here).
STEP_CELLS: dict[str, str] = {
    "load": "input.ipynb [id c01]",
    "drop_small": "input.ipynb [id c02]",
    "add_y": "input.ipynb [id c04]",
    "order": "input.ipynb [id c05]",
    "count_big": "input.ipynb [id c06]",
}


def steps(
    *,
    threshold: int = 3,
    offset,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run the steps in notebook order, yielding each step's name and outputs."""
    rows = load()
    yield ("load", {"rows": rows})
    rows = drop_small(rows)
    yield ("drop_small", {"rows": rows})
    rows = add_y(rows, offset)
    yield ("add_y", {"rows": rows})
    rows, big = order(rows, threshold=threshold)
    yield ("order", {"rows": rows, "big": big})
    count = count_big(big)
    yield ("count_big", {"count": count})


def run(
    *,
    threshold: int = 3,
    offset,
    track: bool = True,
) -> dict[str, Any]:
    """Run the whole pipeline and return every step's outputs by name.

    Logs an MLflow run (parameters, step durations, metrics) unless `track` is False.

    Args:
        threshold: pipeline parameter.
        offset: defined only by unmarked cell 4.
    """
    params: dict[str, Any] = {"threshold": threshold, "offset": offset}
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
    "load": {
        "module": "input",
        "function": "load",
        "needs": [],
        "inputs": {},
        "params": [],
        "outputs": ["rows"],
        "returns": ["rows"],
    },
    "drop_small": {
        "module": "input",
        "function": "drop_small",
        "needs": ["load"],
        "inputs": {"rows": "load"},
        "params": [],
        "outputs": ["rows"],
        "returns": ["rows"],
    },
    "add_y": {
        "module": "input",
        "function": "add_y",
        "needs": ["drop_small"],
        "inputs": {"rows": "drop_small"},
        "params": ["offset"],
        "outputs": ["rows"],
        "returns": ["rows"],
    },
    "order": {
        "module": "input",
        "function": "order",
        "needs": ["add_y"],
        "inputs": {"rows": "add_y"},
        "params": ["threshold"],
        "outputs": ["rows", "big"],
        "returns": ["rows", "big"],
    },
    "count_big": {
        "module": "input",
        "function": "count_big",
        "needs": ["order"],
        "inputs": {"big": "order"},
        "params": [],
        "outputs": ["count"],
        "returns": ["count"],
    },
}


def graph() -> dict[str, tuple[str, ...]]:
    """Each step and the steps whose outputs it reads, in pipeline order."""
    return {name: tuple(node["needs"]) for name, node in GRAPH.items()}
