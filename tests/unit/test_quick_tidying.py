"""The tidying verdict from the cell's tree says what ``tidying_changes`` says of the step's text.

Every case where the verdict is True or False is checked against the full check on the text
``nb2pkg.emit.sliced_functions`` wrote: False only where the text parses and no pass would
change it, True only where the full check (or the parse) would send the step to libcst.
"""

from __future__ import annotations

import ast
import itertools

import pytest

from nb2pkg.emit import sliced_functions
from nb2pkg.emit.quick_tidying import tidying_verdict
from nb2pkg.emit.sliced_functions import sliced_function_source
from nb2pkg.emit.step_options import StepOptions
from nb2pkg.emit.step_tidying import tidying_changes
from nb2pkg.ir import ParamPlan, ParamSource

PARAMS = (
    ParamPlan("rows", ParamSource.STEP),
    ParamPlan("rate", ParamSource.PARAMETER, "0.1", "float"),
)
CELLS = [
    "x = rows[0]\n",
    "x = rows[0]\ny = 2\n",  # y is never read
    "x = rows[0]\ndel x\n",  # `del` reads x
    "c = 0\nc += 1\n",  # `c += 1` reads c
    "limit = 3\nx = rows.query('a > @limit')\n",  # read through the string
    "limit = 3\nx = rows.query('a > @other')\n",
    "x = 1\ny = eval('x')\n",  # a dynamic read keeps every value
    "x = 1\ny = locals()\n",
    "try:\n    x = rows[0]\nexcept IndexError as err:\n    x = 0\n",  # err never read
    "try:\n    x = rows[0]\nexcept IndexError as err:\n    x = err\n",
    "if rate:\n    import math\n    x = 1\n",  # an import nested in a block, never read
    "if rate:\n    import math\n    x = math.pi\n",
    "if rate:\n    from os import *\n    x = 1\n",
    "if rate:\n    import os.path\n    x = os.path.sep\n",
    "if rate:\n    import numpy as np\n    x = np\n",
    "clean = 1\nx = clean + 1\n",
    "x = clean(rows)\nclean = 2\n",  # rebound: read first, bound later
    "clean = clean + 1\nx = clean\n",  # read in its own value
    "rate = rate * 2\nx = rate\n",  # a parameter is no rebound name
    "x = clean(rows)\nif rate:\n    clean = 1\nclean = 2\n",  # bound in a block first
    "x = np.mean(rows)\nif rate:\n    import numpy as np\nnp = 3\n",  # imported in the step
    "x: int = len(rows)\ny: int\n",  # annotated, with and without a value
    "x = total(rows)\ntotal: int = 2\n",
    "for r in rows:\n    x = r\n",
    "x = [r for r in rows]\n",
    "x = int(rate)\n",  # a cast the passes look at
    "print(rows)\nx = 1\n",
    "x = 1\nfor r in rows:\n    print(r)\n",
    "x = 1\nplt.plot(rows)\n",  # a plot: the verdict leaves it to the full check
    "def helper(a):\n    return a\nx = helper(rows)\n",  # a function inside the step
    "x = sorted(rows, key=lambda r: r)\n",
    "global g\nx = 1\n",
    "x = rows\nx\n",
    "rows\n",
    "x = rows\nlen(x)\n",
    "x, y = rows\n",
    "(x := len(rows))\nz = x\n",
    "with open(rows) as f:\n    x = f.read()\n",
    "x = {**rows, 'a': 1}\n",
    "x = f'{rows!r:>{rate}}'\n",
    "match rows:\n    case [a]:\n        x = a\n",
]
DOCSTRINGS = ["", "Clean the rows.", 'Rows "as given" @limit.', "Rows @x\n\nmore @y.", "A\\b"]
RETURNS: list[tuple[str, ...]] = [("x",), ("x", "y"), ()]


def _options(docstring: str, returns: tuple[str, ...], result: int | None) -> StepOptions:
    return StepOptions(
        params=PARAMS,
        returns=returns,
        drop=frozenset(),
        docstring=docstring,
        provenance="nb2pkg: demo.ipynb [id cell-1]",
        result=result,
        drop_prints=True,
        drop_plots=True,
    )


def _verdicts(
    monkeypatch: pytest.MonkeyPatch, source: str, options: StepOptions
) -> list[tuple[bool | None, str]]:
    """(verdict, code) of each call the slicing makes for ``source``."""
    seen: list[tuple[bool | None, str]] = []

    def spy(
        code: str, groups: list[list[ast.stmt]], options: StepOptions, returned: int | None
    ) -> bool | None:
        verdict = tidying_verdict(code, groups, options, returned)
        seen.append((verdict, code))
        return verdict

    monkeypatch.setattr(sliced_functions, "tidying_verdict", spy)
    sliced_function_source("step", source, options)
    return seen


@pytest.mark.parametrize(
    ("source", "docstring", "returns"), list(itertools.product(CELLS, DOCSTRINGS, RETURNS))
)
def test_the_verdict_is_the_full_check(
    monkeypatch: pytest.MonkeyPatch, source: str, docstring: str, returns: tuple[str, ...]
) -> None:
    last = len(ast.parse(source).body) - 1
    for result in (None, last) if not returns else (None,):
        options = _options(docstring, returns, result)
        for verdict, code in _verdicts(monkeypatch, source, options):
            if verdict is None:
                continue
            try:
                full = tidying_changes(ast.parse(code), code, options)
            except SyntaxError:
                full = True
            assert verdict == full, code


def test_a_rebound_name_and_an_unused_value_are_found() -> None:
    options = _options("", ("x",), None)
    rebound = "x = clean(rows)\nclean = 2\n"
    assert sliced_function_source("step", rebound, options) is None
    assert sliced_function_source("step", "x = rows[0]\ny = 2\n", options) is None
    assert sliced_function_source("step", "y = 2\nx = rows[y]\n", options) is not None


@pytest.mark.parametrize(
    "source",
    [
        "x = 1\nplt.plot(rows)\n",
        "def helper(a):\n    return a\nx = helper(rows)\n",
        "x = sorted(rows, key=lambda r: r)\n",
    ],
)
def test_plots_and_inner_scopes_are_left_to_the_full_check(
    monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    assert [v for v, _ in _verdicts(monkeypatch, source, _options("", ("x",), None))] == [None]


def test_a_mutable_default_is_left_to_the_full_check(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _options("", ("x",), None)
    options = StepOptions(
        **{**options.__dict__, "params": (ParamPlan("seen", ParamSource.PARAMETER, "[]", "list"),)}
    )
    assert [v for v, _ in _verdicts(monkeypatch, "x = seen\n", options)] == [None]


@pytest.mark.parametrize("name", ["class", "two words", "step"])
def test_a_step_name_that_does_not_parse_is_left_to_the_full_check(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    options = _options("", ("x",), None)
    seen: list[bool | None] = []

    def spy(
        code: str, groups: list[list[ast.stmt]], options: StepOptions, returned: int | None
    ) -> bool | None:
        seen.append(tidying_verdict(code, groups, options, returned))
        return seen[-1]

    monkeypatch.setattr(sliced_functions, "tidying_verdict", spy)
    sliced_function_source(name, "x = rows[0]\n", options)
    assert seen == ([False] if name == "step" else [None])
