"""The notebooks the browser tests open, written by code so every cell is reviewable here.

``demo_notebook``: markdown headings above code cells (the name suggestion comes from the
heading), a parameters cell, one function already marked, one cell to mark through the UI,
filler cells so the jump-to-cell has to scroll, and far below a ``metrics`` tag on a cell
that is no function: the warning NB107 the test clicks.

``large_notebook``: 300 cells (150 markdown + 150 marked function cells chained through
their outputs) for the badge latency measurement.
"""

from __future__ import annotations

from typing import Any

DEMO_FUNCTION_CELL = 4
"""0-based index of the code cell the test marks as a function."""
DEMO_PROBLEM_CELL = 40
"""0-based index of the cell with the misplaced ``metrics`` tag."""
LARGE_EDIT_CELL = 200
"""0-based index of the function cell the latency test types into."""


def _markdown(cell_id: str, text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def _code(cell_id: str, source: str, tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": {"tags": tags} if tags else {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def _notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": cells,
    }


def demo_notebook() -> dict[str, Any]:
    cells = [
        _markdown("intro", "# Scaling demo\nA tiny pipeline."),
        _code("params", "factor = 3", ["parameters"]),
        _code("load", "data = [1, 2, 3, 4]", ["function:load_numbers"]),
        _markdown("scale-md", "## Scale the data"),
        _code("scale", "scaled = [value * factor for value in data]"),
        _code("check", "assert len(scaled) == len(data)", ["test"]),
    ]
    for i in range(len(cells), DEMO_PROBLEM_CELL):
        cells.append(_markdown(f"note-{i}", f"Exploration note {i}: nothing to package here."))
    cells.append(_code("problem", "total = sum(scaled)", ["metrics"]))
    cells.append(_markdown("end", "The end."))
    return _notebook(cells)


def chain_notebook(steps: int) -> dict[str, Any]:
    """A parameters cell, then per step a heading and a function cell ``step_I`` that reads
    the value of the step before it (cell ``2 * I``), and a closing markdown cell."""
    cells = [_code("params", "offset = 1", ["parameters"])]
    previous = "offset"
    for i in range(1, steps + 1):
        cells.append(_markdown(f"md-{i}", f"## Step {i}"))
        cells.append(_code(f"step-{i}", f"value_{i} = {previous} + {i}", [f"function:step_{i}"]))
        previous = f"value_{i}"
    cells.append(_markdown("md-end", "Done."))
    return _notebook(cells)


def large_notebook() -> dict[str, Any]:
    notebook = chain_notebook(149)
    assert len(notebook["cells"]) == 300
    return notebook


def slow_to_analyse_notebook(cells: int, salt: str) -> dict[str, Any]:
    """``cells`` marked cells of names unique to ``salt``: seconds of analysis that no cache
    of an earlier analysis shortens (the browser test holds the server's turn with it)."""
    return _notebook(
        [
            _code(
                f"c{i}",
                f"v_{salt}_{i} = {i} * 2\nw_{salt}_{i} = v_{salt}_{i} + 1",
                [f"function:f_{salt}_{i}"],
            )
            for i in range(cells)
        ]
    )
