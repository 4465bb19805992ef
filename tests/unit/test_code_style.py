"""Generated code is laid out by one `ruff format` run per batch (nb2pkg.emit.code_style)."""

from __future__ import annotations

from nb2pkg.emit import code_style
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


def test_generated_functions_come_back_as_each_would_alone() -> None:
    functions = [
        "# nb2pkg: a.ipynb [id c1]\ndef f( a ):\n  x = [1,\n 2]\n  return a # kept\n",
        "@cache\ndef g():\n    with open('a') as a:\n        with open('b') as b:\n"
        "            return a.read(), b.read()\n  # trailing comment\n",
        "def h(x):\n    # fmt: off\n    y = [1,2]\n    # fmt: on\n    return '%d' % x, y\n",
        "# nb2pkg: a.ipynb [id c2]\n\n\n# two blocks of comments\ndef k():\n    pass\n\n\n\n",
    ]
    assert [code_style._joinable("generated", f) for f in functions] == [True, True, False, True]
    alone, _ = code_style._ruff_files([("generated", f) for f in functions])
    assert formatted_all(functions, ["generated"] * len(functions)) == alone
    assert (
        alone[0] == "# nb2pkg: a.ipynb [id c1]\ndef f(a):\n    x = [1, 2]\n    return a  # kept\n"
    )


def test_a_generated_function_that_does_not_parse_leaves_the_others_formatted() -> None:
    broken = "def f(:\n    pass\n"
    good = "def g( a ):\n  return a\n"
    assert formatted_all([broken, good], ["generated", "generated"]) == [
        broken,
        "def g(a):\n    return a\n",
    ]


def test_only_generated_functions_are_joined_with_others() -> None:
    assert code_style._joinable("generated", "def f():\n    return 1\n")
    assert not code_style._joinable("as_written", "def f():\n    return 1\n")
    assert not code_style._joinable("generated", '"""Module."""\ndef f():\n    return 1\n')
    assert not code_style._joinable("generated", "def f():\n    return 1\nx = f()\n")
    # a step and the helpers moved beside it
    assert code_style._joinable("generated", "def f():\n    return 1\n@d\ndef g():\n    pass\n")
    assert not code_style._joinable("generated", "def f(\n    a,\n):\n    return a\n")
    assert not code_style._joinable("generated", "def f():\n    x = '''\nraw\n'''\n")
    assert not code_style._joinable("generated", "def f():\n    return 1  # noqa: E501\n")


def test_a_header_import_nothing_uses_leaves_and_no_blank_line_is_left_twice() -> None:
    header = (
        '"""Doc."""\n\n'
        "from sklearn.metrics import (\n"
        "    auc,\n"
        "    classification_report,\n"
        "    confusion_matrix,\n"
        ")\n\n"
        "from pkg.helpers import shown\n\n"
        '__all__ = ["step"]\n'
    )
    # The step's own unused import is ruff's to report there, not a reason to keep the header.
    rest = "\n\ndef step(y, p):\n    import json\n    return auc(y, p)\n"

    head = code_style.header_without_unused_imports(header, rest, ("pkg",))

    assert head == (
        '"""Doc."""\n\nfrom sklearn.metrics import (\n    auc,\n)\n\n__all__ = ["step"]\n'
    )


def test_a_value_only_a_query_reads_is_marked_and_each_text_keeps_its_lines() -> None:
    # pandas reads `@threshold` from the function's locals; ruff sees no read (F841).
    head = '"""Doc."""\n\nimport datetime as dt\n'
    first = "def keep(df):\n    threshold = 25\n    return df.query('n >= @threshold')\n"
    second = "def stamp():\n    return dt.datetime.today()\n"

    marked = code_style.with_module_noqa([head, first, second])

    assert marked == [
        head,
        first.replace("= 25\n", "= 25  # noqa: F841\n"),
        second.replace("today()\n", "today()  # noqa: DTZ002\n"),
    ]
