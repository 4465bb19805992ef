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


def test_user_code_gets_safe_fixes_and_a_named_noqa_for_what_only_a_rewrite_would_fix() -> None:
    source = (
        "def f(path, x):\n"
        "    with open(path) as a:\n"
        "        with open(path) as b:\n"
        "            text = a.read() + b.read()\n"
        "    handle = open(path)\n"
        '    return "{}".format(x), "%d" % x, text, handle\n'
    )
    fixed = formatted_all([source], ["generated"])[0]
    # safe fixes: nested `with` joined, str.format → f-string (same behaviour)
    assert "    with open(path) as a, open(path) as b:\n" in fixed
    assert 'f"{x}"' in fixed
    # no safe fix: kept as written, the rule named on its line
    assert "    handle = open(path)  # noqa: SIM115\n" in fixed
    assert '"%d" % x' in fixed and "UP031" in fixed


def test_errors_in_user_code_are_never_silenced_and_templates_are_only_formatted() -> None:
    used_before_bound = "def f():\n    g()\n\n    def g():\n        pass\n"
    assert "noqa" not in formatted_all([used_before_bound], ["generated"])[0]
    template = "def f(path):\n    handle = open(path)\n    return handle\n"
    assert formatted_all([template]) == [template]


def test_the_notebooks_own_statements_keep_their_syntax_tree_and_get_a_named_noqa() -> None:
    source = "class Point(object):\n    pass\n"
    kept = formatted_all([source], ["as_written"])[0]
    assert kept == "class Point(object):  # noqa: UP004\n    pass\n"
    assert formatted_all([source], ["generated"])[0] == "class Point:\n    pass\n"
