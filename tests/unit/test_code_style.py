"""Generated code is laid out by one `ruff format` run per batch (nb2pkg.emit.code_style)."""

from __future__ import annotations

from nb2pkg.emit.code_style import formatted, formatted_all


def test_a_batch_comes_back_formatted_in_order() -> None:
    sources = ["x=1\n", "def f( a ):\n  return a # kept\n", "x=1\n", "   \n"]
    assert formatted_all(sources) == [
        "x = 1\n",
        "def f(a):\n    return a  # kept\n",
        "x = 1\n",
        "   \n",
    ]


def test_code_the_formatter_cannot_parse_is_returned_as_it_is() -> None:
    broken = "def (:\n    pass\n"
    assert formatted_all([broken, "y=[1,2]\n"]) == [broken, "y = [1, 2]\n"]


def test_one_source_is_formatted_as_in_a_batch() -> None:
    source = "values = {'a':1,\n'b':2}\n"
    assert formatted(source) == formatted_all([source])[0] == 'values = {"a": 1, "b": 2}\n'
