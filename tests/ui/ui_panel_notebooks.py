"""The notebooks of the Package panel's browser tests (test_lab_panel.py), written by code."""

from __future__ import annotations

from typing import Any

from ui_notebooks import _code, _markdown, _notebook

LONG_TEST_NAME = "test_" + "_".join(["the_scaled_values_keep_their_order"] * 4)


def plan_notebook() -> dict[str, Any]:
    """A `function:NAME` + `skip` cell, a function over two cells, an untagged cell, a test
    with a very long name, and a function with a long signature."""
    return _notebook(
        [
            _code("params", "factor = 3", ["parameters"]),
            _code("skipped", "junk = 1", ["function:load", "skip"]),
            _code("two-a", "data = [1, 2, 3]", ["function:load_two"]),
            _code("two-b", "doubled = [v * factor for v in data]", ["function:load_two"]),
            _code("plain", "total = sum(doubled)"),
            _code("long-test", "assert total > 0", [f"test:{LONG_TEST_NAME}"]),
            _code(
                "wide",
                "\n".join(
                    [
                        "alpha_coefficient_value = total * 2",
                        "beta_coefficient_value = total * 3",
                        "gamma_coefficient_value = total * 4",
                        "delta_coefficient_value = total * 5",
                    ]
                ),
                ["function:compute_every_coefficient_of_the_model"],
            ),
        ]
    )


def duplicate_names_notebook() -> dict[str, Any]:
    """Two separate cells named `function:step_one`: a build fails with NB104."""
    return _notebook(
        [
            _code("a", "x = 1", ["function:step_one"]),
            _code("m", "z = x", ["function:middle"]),
            _code("b", "y = x + 1", ["function:step_one"]),
        ]
    )


def versioned_notebook(extra_function: str | None = None) -> dict[str, Any]:
    cells = [
        _code("params", "factor = 2", ["parameters"]),
        _code("load", "data = [1, 2, 3]", ["function:load"]),
        _code("scale", "scaled = [v * factor for v in data]", ["function:scale"]),
    ]
    if extra_function:
        cells.append(_code("extra", "total = sum(scaled)", [f"function:{extra_function}"]))
    return _notebook(cells)


def untagged_notebook() -> dict[str, Any]:
    return _notebook(
        [
            _code("imports", "import math"),
            _code("params", "factor = 2"),
            _markdown("md-load", "## Load the numbers"),
            _code("load", "data = [math.floor(v * factor) for v in (1.5, 2.5)]"),
            _markdown("md-total", "## Sum them"),
            _code("total", "total = sum(data)"),
        ]
    )


def inverting_notebook(values: str = "[1, 2, 4]") -> dict[str, Any]:
    """Three steps; with a 0 among the values, the `invert` step (cell 3) fails."""
    return _notebook(
        [
            _code("params", "scale = 2", ["parameters"]),
            _code("load", f"data = [v * scale for v in {values}]", ["function:load"]),
            _code("invert", "inverted = [1 / v for v in data]", ["function:invert"]),
            _code("total", "total = sum(inverted)", ["function:total", "metrics"]),
        ]
    )
