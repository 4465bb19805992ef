"""Casts to ``int`` of values that are already integers go (ruff's RUF046), by the imports."""

from __future__ import annotations

import libcst as cst
import pytest

from nb2pkg.emit.int_casts import without_int_casts

MATH = {"math": "math", "ceil": "math.ceil", "np": "numpy"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("k = int(round(x))\n", "k = round(x)\n"),
        ("k = int(math.ceil(n / 2.0))\n", "k = math.ceil(n / 2.0)\n"),
        ("k = int(ceil(n))\n", "k = ceil(n)\n"),
        ("k = int(\n    round(x)\n)\n", "k = round(x)\n"),
        ("k = int(  # whole\n    round(x)\n)\n", "k = int(  # whole\n    round(x)\n)\n"),
        ("k = int(\n    round(x)  # half\n)\n", "k = int(\n    round(x)  # half\n)\n"),
        # not an integer already, or not known to be one: kept
        ("k = int(round(x, 2))\n", "k = int(round(x, 2))\n"),
        ("k = int(np.ceil(x))\n", "k = int(np.ceil(x))\n"),
        ("k = int(floor(x))\n", "k = int(floor(x))\n"),
        ("k = int(x)\n", "k = int(x)\n"),
    ],
)
def test_a_cast_of_an_integer_goes(source: str, expected: str) -> None:
    assert without_int_casts(cst.parse_module(source), MATH).code == expected


@pytest.mark.parametrize(
    "source",
    [
        "def f(x, round):\n    return int(round(x))\n",  # `round` is the caller's
        "import numpy as math\nk = int(math.ceil(x))\n",  # `math` is bound here
        "int = float\nk = int(round(x))\n",
    ],
)
def test_a_name_the_code_binds_is_not_the_builtin(source: str) -> None:
    assert without_int_casts(cst.parse_module(source), MATH).code == source


def test_a_module_imported_under_another_name_is_not_math() -> None:
    source = "k = int(math.ceil(x))\n"
    assert without_int_casts(cst.parse_module(source), {"math": "numpy"}).code == source
