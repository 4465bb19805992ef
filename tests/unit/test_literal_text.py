"""A literal assignment's value text read from the ``ast`` is the text libcst gives, or
nothing (then libcst is asked)."""

from __future__ import annotations

import ast
import io

import libcst as cst
import pytest

from nb2pkg.analysis.literal_text import plain_value_text

CASES = [
    "rate = 0.1",
    "rate = 0.1  # per round",
    "label: str = 'demo'",
    "a = b = -3",
    "sizes = [1, 2,  # two\n    3]",
    "options = {\n    'a': 1,\n    'b': (2, 3),\n}\n",
    "pair = (1, 2)",
    "pair = 1, 2",
    "single = 1,",
    "wrapped = (1)",
    "wrapped = (  # why\n    'x'\n)",
    "negative = -(1)",
    "joined = 'a' 'b'",
    "joined = ('a'\n    'b')",
    "continued = \\\n    5",
    "name = 'café'  # é",
    "unicode_ñame = 'ü'",
    "text = '''one\ntwo'''",
    "flag = None;",
    "x: int",
    "x += 1",
]


def libcst_text(source: str) -> str | None:
    statement = cst.parse_module(source).body[0]
    assert isinstance(statement, cst.SimpleStatementLine)
    value = getattr(statement.body[0], "value", None)
    if value is None:
        return None
    return cst.parse_module(source).code_for_node(value).strip()


@pytest.mark.parametrize("source", CASES)
def test_the_ast_text_is_libcst_text_or_none(source: str) -> None:
    lines = io.StringIO(source, newline="").readlines()
    plain = plain_value_text(lines, ast.parse(source).body[0])
    assert plain is None or plain == libcst_text(source)


def test_the_common_shapes_need_no_libcst() -> None:
    plain = [
        plain_value_text([source], ast.parse(source).body[0])
        for source in ("rate = 0.1  # per round", "label: str = 'demo'", "pair = (1, 2)")
    ]
    assert plain == ["0.1", "'demo'", "(1, 2)"]


def test_a_wrapped_value_is_left_to_libcst() -> None:
    for source in ("wrapped = (1)", "wrapped = (  # why\n    'x'\n)", "continued = \\\n    5"):
        lines = io.StringIO(source, newline="").readlines()
        assert plain_value_text(lines, ast.parse(source).body[0]) is None
