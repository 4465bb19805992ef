"""The pipeline of `golden`: every step in notebook order.

`steps()` runs them one at a time; `run()` runs them all inside an MLflow run.
Generated file: edit the notebooks, then run `nb2pkg build`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._build import BUILD_TAGS
from ._runner import run_steps
from .input import read_sales, total_by_region

PACKAGE = "golden"
VERSION = "0.1.0"
AUTOLOG = False
METRIC_STEPS: frozenset[str] = frozenset()
# Each step, in order, and the notebook cell it was built from (for error messages;
# the cell id, not its number, so that moving other cells changes nothing here).
STEP_CELLS: dict[str, str] = {
    "read_sales": "input.ipynb [id d3]",
    "total_by_region": "input.ipynb [id d4]",
}


def steps(
    *,
    minimum: int = 1,
    sales_path: str = "data/sales.csv",
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run the steps in notebook order, yielding each step's name and outputs."""
    rows = read_sales(sales_path=sales_path)
    yield ("read_sales", {"rows": rows})
    totals, amount = total_by_region(rows, minimum=minimum)
    yield ("total_by_region", {"totals": totals, "amount": amount})


def run(
    *,
    minimum: int = 1,
    sales_path: str = "data/sales.csv",
    track: bool = True,
) -> dict[str, Any]:
    """Run the whole pipeline and return every step's outputs by name.

    Logs an MLflow run (parameters, step durations, metrics) unless `track` is False.

    Args:
        minimum: pipeline parameter.
        sales_path: data file the notebook reads.
    """
    params: dict[str, Any] = {"minimum": minimum, "sales_path": sales_path}
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
    "read_sales": {
        "module": "input",
        "function": "read_sales",
        "needs": [],
        "inputs": {},
        "params": ["sales_path"],
        "outputs": ["rows"],
        "returns": ["rows"],
    },
    "total_by_region": {
        "module": "input",
        "function": "total_by_region",
        "needs": ["read_sales"],
        "inputs": {"rows": "read_sales"},
        "params": ["minimum"],
        "outputs": ["totals", "amount"],
        "returns": ["totals", "amount"],
    },
}


def graph() -> dict[str, tuple[str, ...]]:
    """Each step and the steps whose outputs it reads, in pipeline order."""
    return {name: tuple(node["needs"]) for name, node in GRAPH.items()}
