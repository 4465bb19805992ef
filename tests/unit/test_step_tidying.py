"""Each pass that tidies a step is one the sliced path asks before giving its text."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from nb2pkg.emit.step_options import StepOptions
from nb2pkg.emit.step_tidying import TIDY_PASSES, tidied, tidying_changes

# One step per pass that the pass changes (what a real cell left there looks like).
EXAMPLES = {
    "int_casts": "def clean(rows):\n    x = int(math.ceil(len(rows) / 2))\n    return x\n",
    "rebound_names": (
        "def clean(rows):\n    total = total_of(rows)\n    total_of = 3\n"
        "    return total, total_of\n"
    ),
    "nested_prints": (
        "def clean(rows):\n    x = 0\n    for r in rows:\n        print(r)\n"
        "        x += r\n    return x\n"
    ),
    "nested_plots": (
        "def clean(rows):\n    x = 0\n    for r in rows:\n        x += r\n"
        "        plt.plot(x)\n    return x\n"
    ),
    "unused_values": "def clean(rows):\n    x = rows[0]\n    y = rows[1]\n    return x\n",
}
EVERY_PASS = StepOptions(
    (), (), frozenset(), "", "p", drop_prints=True, drop_plots=True, imported={"math": "math"}
)


def test_every_pass_has_an_example() -> None:
    assert set(EXAMPLES) == {tidy.name for tidy in TIDY_PASSES}


@pytest.mark.parametrize("tidy", TIDY_PASSES, ids=lambda tidy: tidy.name)
def test_a_step_a_pass_changes_is_left_to_libcst(tidy: object) -> None:
    """The pass changes its example, and tidying_changes says so (the sliced path then
    leaves the step to libcst): a pass cannot run in one path only."""
    assert tidy in TIDY_PASSES
    code = EXAMPLES[tidy.name]  # type: ignore[attr-defined]
    module = cst.parse_module(code)
    changed = tidy.apply(module, code, None, EVERY_PASS)  # type: ignore[attr-defined]
    assert changed.code != code
    assert tidied(module, EVERY_PASS) != code
    assert tidying_changes(ast.parse(code), code, EVERY_PASS)


def test_passes_not_asked_for_leave_the_step_alone() -> None:
    options = StepOptions((), (), frozenset(), "", "p")
    for name in ("nested_prints", "nested_plots"):
        code = EXAMPLES[name]
        assert tidied(cst.parse_module(code), options) == code
        assert not tidying_changes(ast.parse(code), code, options)


def test_a_tidy_step_is_left_as_it_is() -> None:
    code = "def clean(rows):\n    x = rows[0]\n    return x\n"
    assert tidied(cst.parse_module(code), EVERY_PASS) == code
    assert not tidying_changes(ast.parse(code), code, EVERY_PASS)
