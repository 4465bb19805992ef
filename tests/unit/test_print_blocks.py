"""One rule for blocks that only print: the emitter drops them from a step, and the
auto-marker counts them as showing text, on the same headers (if/while/for/try; never with)."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from nb2pkg.analysis.display_blocks import only_prints, read_outside_prints
from nb2pkg.emit.nested_prints import without_prints


def _step(body: str) -> str:
    return "def step(names, d, verbose, path):\n" + textwrap.indent(textwrap.dedent(body), "    ")


def _emitter_drops_first_block(body: str) -> bool:
    code = _step(body)
    kept = without_prints(cst.parse_module(code)).code
    function = ast.parse(kept).body[0]
    assert isinstance(function, ast.FunctionDef)
    first = ast.parse(code).body[0]
    assert isinstance(first, ast.FunctionDef)
    return len(function.body) < len(first.body)


def _marker_sees_only_prints(body: str) -> bool:
    tree = ast.parse(textwrap.dedent(body))
    return only_prints(tree.body[0], read_outside_prints(tree))


@pytest.mark.parametrize(
    ("body", "dropped"),
    [
        ("if verbose:\n    print('x')\nx = 1\n", True),
        ("while verbose:\n    print('x')\nx = 1\n", True),
        ("for name in names:\n    print(name)\nx = 1\n", True),
        ("for k, v in d.items():\n    print(k, v)\nx = 1\n", True),
        # a Counter's commonest items: a view, like `d.items()`
        ("for key, value in d.most_common(10):\n    print(key, value)\nx = 1\n", True),
        ("try:\n    print('a')\nexcept Exception:\n    print('b')\nx = 1\n", True),
        # the loop leaves `name` bound, and the step reads it after
        ("for name in names:\n    print(name)\nx = name\n", False),
        # entering a `with` runs code
        ("with open(path) as f:\n    print('x')\nx = 1\n", False),
        # the header does work
        ("if d.pop('a'):\n    print('x')\nx = 1\n", False),
        ("while d.popitem():\n    print('x')\nx = 1\n", False),
        # a loop target that changes an object
        ("for d['k'] in names:\n    print('x')\nx = 1\n", False),
    ],
)
def test_emitter_and_auto_marker_apply_the_same_block_rule(body: str, dropped: bool) -> None:
    assert _emitter_drops_first_block(body) is dropped
    assert _marker_sees_only_prints(body) is dropped
