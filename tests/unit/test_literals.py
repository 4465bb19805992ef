"""User text → generated literals and comments: the value survives, nothing escapes its literal."""

from __future__ import annotations

import ast

import tomllib
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.emit.literals import comment, docstring, python_string, toml_string

# Characters that end literals, lines or comments, or that Python and TOML refuse as themselves.
TRICKY = st.sampled_from(
    list("\"'\\\n\r\t\x00\x0b\x0c\x1f\x7f\x85\u2028\ud800\udfff#{}é🚀\uff52 ax")
)
TEXT = st.lists(st.one_of(TRICKY, st.characters()), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_a_python_string_literal_evaluates_to_the_text(text: str) -> None:
    assert ast.literal_eval(python_string(text)) == text


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_a_docstring_is_one_plain_constant_holding_the_text(text: str) -> None:
    source = f"def f():\n    {docstring(text, '    ')}\n    return 1\n"

    function = ast.parse(source).body[0]

    assert isinstance(function, ast.FunctionDef)
    assert [type(s) for s in function.body] == [ast.Expr, ast.Return]
    value = function.body[0].value  # type: ignore[attr-defined]
    assert isinstance(value, ast.Constant)
    if "\n" not in text:
        assert value.value == text.replace("\r\n", "\n")


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_a_comment_stays_on_its_line(text: str) -> None:
    source = f"{comment(text)}\nx = 1\n"

    tree = ast.parse(source)

    assert len(tree.body) == 1
    assert source.count("\n") == 2


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_a_toml_string_is_valid_toml_with_the_text(text: str) -> None:
    value = tomllib.loads(f"key = {toml_string(text)}\n")["key"]

    assert value == "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def test_the_file_name_of_the_issue_stays_inside_the_docstring() -> None:
    name = 'report""" if __import__("os").system("touch PWNED") else """.ipynb'

    tree = ast.parse(docstring(f"Code of {name}.\n\nGenerated file."))

    assert len(tree.body) == 1
    assert ast.get_docstring(tree) == f"Code of {name}.\n\nGenerated file."
