"""The pipeline of `golden`: every step in notebook order.

`steps()` runs them one at a time; `run()` runs them all inside an MLflow run.
Generated file: edit the notebooks, then run `nb2pkg build`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._build import BUILD_TAGS
from ._runner import run_steps
from .input import collect_names, read_records
from .reporting import summarise

PACKAGE = "golden"
VERSION = "0.1.0"
AUTOLOG = False
METRIC_STEPS: frozenset[str] = frozenset()
# Each step, in order, and the notebook cell it was built from (for error messages;
# the cell id, not its number, so that moving other cells changes nothing here).
STEP_CELLS: dict[str, str] = {
    "read_records": "input.ipynb [id c01]",
    "summarise": "input.ipynb [id c02]",
    "collect_names": "input.ipynb [id c03]",
}


def steps() -> Iterator[tuple[str, dict[str, Any]]]:
    """Run the steps in notebook order, yielding each step's name and outputs."""
    lines, records = read_records()
    yield ("read_records", {"lines": lines, "records": records})
    total, banner, first = summarise(records)
    yield ("summarise", {"total": total, "banner": banner, "first": first})
    names = collect_names(records)
    yield ("collect_names", {"names": names})


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
    "read_records": {
        "module": "input",
        "function": "read_records",
        "needs": [],
        "inputs": {},
        "params": [],
        "outputs": ["lines", "records"],
        "returns": ["lines", "records"],
    },
    "summarise": {
        "module": "reporting",
        "function": "summarise",
        "needs": ["read_records"],
        "inputs": {"records": "read_records"},
        "params": [],
        "outputs": ["total", "banner", "first"],
        "returns": ["total", "banner", "first"],
    },
    "collect_names": {
        "module": "input",
        "function": "collect_names",
        "needs": ["read_records"],
        "inputs": {"records": "read_records"},
        "params": [],
        "outputs": ["names"],
        "returns": ["names"],
    },
}


def graph() -> dict[str, tuple[str, ...]]:
    """Each step and the steps whose outputs it reads, in pipeline order."""
    return {name: tuple(node["needs"]) for name, node in GRAPH.items()}
