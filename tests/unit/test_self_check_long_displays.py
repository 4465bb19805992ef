"""A long dict or list display is checked a slice of entries at a time, with the tree the whole
statement gives (nb2pkg.emit.long_displays, used by nb2pkg.emit.self_check)."""

from __future__ import annotations

import ast

from nb2pkg.emit.long_displays import long_display_assignment
from nb2pkg.emit.self_check import _check_module
from nb2pkg.ir import Diagnostic, EmittedFile


def long_table(entries: int) -> str:
    """A module ending in an assignment of a nested dict display, with tricky entries."""
    lines = ['"""Doc."""', "", "from typing import Any", "", "", "def f() -> int:", "    return 1"]
    lines += ["", "", "GRAPH: dict[str, Any] = {"]
    for index in range(entries):
        lines += [
            f'    "step_{index}": {{',
            '        "needs": ["a", "b"],',
            '        "text": """line,\n    "fake": {,\n    """,',
            f'        "n": {index},  # a comment,',
            "    },",
        ]
    lines += ["    **{'last': 1},", "}"]
    return "\n".join(lines) + "\n"


def test_a_long_display_gives_the_tree_of_the_whole_statement() -> None:
    source = long_table(1500)
    tree = long_display_assignment(source, "m.py", 0)
    assert tree is not None
    assert ast.dump(tree, include_attributes=True) == ast.dump(
        ast.parse(source), include_attributes=True
    )


def test_a_long_list_display_gives_the_tree_of_the_whole_statement() -> None:
    source = "VALUES = [\n" + "".join(f"    ({i}, 'x,'),\n" for i in range(5000)) + "]\n"
    tree = long_display_assignment(source, "m.py", 0)
    assert tree is not None
    assert ast.dump(tree, include_attributes=True) == ast.dump(
        ast.parse(source), include_attributes=True
    )


def test_without_its_entries_only_the_assignment_is_kept() -> None:
    tree = long_display_assignment(long_table(1500), "m.py", 0, keep_entries=False)
    assert tree is not None
    statement = tree.body[-1]
    assert isinstance(statement, ast.AnnAssign) and isinstance(statement.value, ast.Dict)
    assert statement.value.keys == []


def test_a_short_display_or_other_code_is_parsed_whole() -> None:
    assert long_display_assignment("X = {\n    1: 2,\n}\n", "m.py", 0) is None
    body = "".join(f"    x_{i} = {i}\n" for i in range(3000))
    assert long_display_assignment(f"def f():\n{body}", "m.py", 0) is None
    at_the_margin = long_table(1500).replace('    """,', '""",', 1)
    assert long_display_assignment(at_the_margin, "m.py", 0) is None


def test_an_entry_that_does_not_compile_is_nb901_at_its_line() -> None:
    source = long_table(1500).replace('"n": 700,', '"n": 700 +,')
    assert long_display_assignment(source, "m.py", 0) is None
    problems = check_package_file(source)
    assert [p.code for p in problems] == ["NB901"]
    location = problems[0].location
    assert location is not None
    assert location.line == source[: source.index("700 +")].count("\n") + 1


def test_entries_that_are_not_separated_by_commas_do_not_pass() -> None:
    source = long_table(1500).replace('    },\n    "step_900"', '    }\n    "step_900"')
    assert long_display_assignment(source, "m.py", 0) is None
    assert [p.code for p in check_package_file(source)] == ["NB901"]


def check_package_file(source: str) -> list[Diagnostic]:
    return _check_module(EmittedFile("src/demo/steps_io.py", source), None)
