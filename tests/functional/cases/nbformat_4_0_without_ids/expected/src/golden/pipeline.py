"""The pipeline of `golden`: every step in notebook order.

`steps()` runs them one at a time; `run()` runs them all inside an MLflow run.
Generated file: edit the notebooks, then run `nb2pkg build`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._build import BUILD_TAGS
from ._runner import run_steps
from .input import make_cube, make_square

PACKAGE = "golden"
VERSION = "0.1.0"
AUTOLOG = False
METRIC_STEPS: frozenset[str] = frozenset()
# Each step, in order, and the notebook cell it was built from (for error messages;
# the cell id, not its number, so that moving other cells changes nothing here).
STEP_CELLS: dict[str, str] = {
    "make_square": "input.ipynb [id hbb9a73a79cf]",
    "make_cube": "input.ipynb [id h98fd1171e89]",
}


def steps(
    *,
    base: int = 2,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run the steps in notebook order, yielding each step's name and outputs."""
    square = make_square(base=base)
    yield ("make_square", {"square": square})
    cube = make_cube(square, base=base)
    yield ("make_cube", {"cube": cube})


def run(
    *,
    base: int = 2,
    track: bool = True,
) -> dict[str, Any]:
    """Run the whole pipeline and return every step's outputs by name.

    Logs an MLflow run (parameters, step durations, metrics) unless `track` is False.

    Args:
        base: pipeline parameter.
    """
    params: dict[str, Any] = {"base": base}
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
    "make_square": {
        "module": "input",
        "function": "make_square",
        "needs": [],
        "inputs": {},
        "params": ["base"],
        "outputs": ["square"],
        "returns": ["square"],
    },
    "make_cube": {
        "module": "input",
        "function": "make_cube",
        "needs": ["make_square"],
        "inputs": {"square": "make_square"},
        "params": ["base"],
        "outputs": ["cube"],
        "returns": ["cube"],
    },
}


def graph() -> dict[str, tuple[str, ...]]:
    """Each step and the steps whose outputs it reads, in pipeline order."""
    return {name: tuple(node["needs"]) for name, node in GRAPH.items()}
