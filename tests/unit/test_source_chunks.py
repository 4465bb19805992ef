"""Large generated modules are read a piece at a time, with the statements and line numbers of
the whole (nb2pkg.emit.source_chunks), by the checks that read them (name check, self-check)."""

from __future__ import annotations

import ast

import pytest

from nb2pkg.emit.name_check import unbound_reads
from nb2pkg.emit.source_chunks import PIECE_LINES, pieces

TRICKY = '''"""Module docstring
that spans lines
and holds a line at column 0:
x = 1
"""

import os


@decorator
@other(
    1,
)
def first(a):
    return a


TEXT = """
def not_a_function():
    pass
"""
if os.sep:
    value = 1
elif os.name:
    value = 2
else:
    value = 3
try:
    pass
except ValueError:
    pass
finally:
    pass
total = 1 + \\
2
# a comment at column 0
items = [
1,
2,
]
'''


def _statements(source: str, piece_lines: int) -> list[str]:
    return [
        ast.dump(statement, include_attributes=True)
        for tree in pieces(source, ast.parse, piece_lines=piece_lines)
        for statement in tree.body
    ]


@pytest.mark.parametrize("piece_lines", [1, 2, 3, 5, 8, 1000])
def test_pieces_hold_the_statements_and_lines_of_the_whole(piece_lines: int) -> None:
    whole = [ast.dump(s, include_attributes=True) for s in ast.parse(TRICKY).body]
    assert _statements(TRICKY, piece_lines) == whole


def test_a_large_module_is_parsed_in_several_pieces() -> None:
    source = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(PIECE_LINES))
    trees = list(pieces(source, ast.parse))
    assert len(trees) > 1
    names = [s.name for tree in trees for s in tree.body if isinstance(s, ast.FunctionDef)]
    assert names == [f"f{i}" for i in range(PIECE_LINES)]
    last = trees[-1].body[-1]
    assert last.lineno == 4 * (PIECE_LINES - 1) + 1


def test_a_module_that_does_not_parse_gives_the_error_of_the_whole() -> None:
    source = TRICKY + "broken = (\n" + "x = 1\n" * 20
    with pytest.raises(SyntaxError) as whole:
        ast.parse(source)
    with pytest.raises(SyntaxError) as piecewise:
        _statements(source, 3)
    assert (piecewise.value.msg, piecewise.value.lineno) == (whole.value.msg, whole.value.lineno)


def test_unbound_reads_of_a_large_module_are_those_of_the_whole() -> None:
    # Module-level bindings in one piece bind names read in every other piece; a name read at
    # module level in a later piece is reported at its first read after that table starts.
    functions = "".join(
        f"def step_{i}(x):\n    return x + helper + missing_in_function\n\n\n"
        for i in range(PIECE_LINES)
    )
    source = f"{functions}helper = 1\nprint(missing_at_top)\nmissing_in_function = 2\n"
    top_line = source.count("\n", 0, source.index("print(missing_at_top)")) + 1
    assert unbound_reads(source) == [("missing_at_top", top_line)]


def test_a_star_import_anywhere_in_a_large_module_assumes_every_name() -> None:
    functions = "".join(f"def step_{i}():\n    return unknown\n\n\n" for i in range(PIECE_LINES))
    assert unbound_reads(functions)[0][0] == "unknown"
    assert unbound_reads(functions + "from os import *\n") == []


@pytest.mark.parametrize(
    ("source", "unbound"),
    [
        # A function named `top` reads its own locals (the symtable module takes any table
        # named `top` for the module's, and called them globals).
        ("def top():\n    x = 1\n    return x\n", []),
        ("class Stack:\n    @property\n    def top(self):\n        return self\n", []),
        ("def top():\n    return y\n", [("y", 2)]),
        # `global` in a function binds the name for the module; a class reads module names.
        ("def f():\n    global z\n    z = 1\n\ndef g():\n    return z\n", []),
        ("class C:\n    a = b\n", [("b", 2)]),
        ("def f():\n    def g():\n        return h\n    return g\n", [("h", 3)]),
        ("print(w)\nw = 1\n", []),
        ("def f(p, *a, k=q, **kw):\n    return p, a, k, kw, len(a)\n", [("q", 1)]),
    ],
)
def test_unbound_reads_follow_python_scopes(source: str, unbound: list[tuple[str, int]]) -> None:
    assert unbound_reads(source) == unbound
