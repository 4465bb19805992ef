"""The tag grammar: a cell's tags (and nbdev directives) in, its role and the tag problems out."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from nb2pkg.ir import Diagnostic, Role, Severity, TaggedCell
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.roles.resolve import FOREIGN_TAGS, tag_cells
from tests.helpers import make_notebook


def tagged(*cells: tuple[str, Sequence[str]]) -> tuple[list[TaggedCell], list[Diagnostic]]:
    notebook, problems = notebook_from_json(
        make_notebook(list(cells)), "/nb/demo.ipynb", "demo.ipynb"
    )
    assert notebook is not None, problems
    return tag_cells(notebook)


def role_of(tags: Sequence[str], source: str = "x = 1") -> TaggedCell:
    cells, problems = tagged((source, tags))
    assert not problems, problems
    return cells[0]


def codes(problems: list[Diagnostic]) -> list[str]:
    return [p.code for p in problems]


# ------------------------------------------------------------------ our vocabulary


@pytest.mark.parametrize(
    ("tags", "role", "name"),
    [
        (["function:load_data"], Role.FUNCTION, "load_data"),
        (["parameters"], Role.PARAMETERS, None),
        (["export"], Role.EXPORT, None),
        (["skip"], Role.SKIP, None),
        (["test:shape"], Role.TEST, "test_shape"),
        (["test:test_shape"], Role.TEST, "test_shape"),
        ([], Role.EXPLORATION, None),
        ([" function: load "], Role.FUNCTION, "load"),
    ],
)
def test_role_from_our_tags(tags: list[str], role: Role, name: str | None) -> None:
    cell = role_of(tags)

    assert (cell.role, cell.name) == (role, name)


def test_bare_test_tags_are_numbered_among_tests_not_cells() -> None:
    cells, _ = tagged(
        ("x = 1", ["function:load"]),
        ("assert x == 1", ["test"]),
        ("y = 2", []),
        ("assert x < 2", ["test:bounds"]),
        ("assert x > 0", ["test"]),
    )

    assert [c.name for c in cells if c.role is Role.TEST] == ["test_1", "test_bounds", "test_2"]


def test_metrics_and_module_qualify_a_function() -> None:
    cell = role_of(["function:evaluate", "metrics", "module:scoring"])

    assert (cell.role, cell.name, cell.metrics, cell.module) == (
        Role.FUNCTION,
        "evaluate",
        True,
        "scoring",
    )


def test_skip_wins_over_any_other_role() -> None:
    assert role_of(["function:load", "skip"]).role is Role.SKIP


def test_metrics_without_a_function_is_a_warning_and_is_ignored() -> None:
    cells, problems = tagged(("x = 1", ["metrics"]), ("y = 1", ["test", "metrics"]))

    assert codes(problems) == ["NB107", "NB107"]
    assert all(p.severity is Severity.WARNING for p in problems)
    assert not cells[0].metrics and not cells[1].metrics


# ------------------------------------------------------------------ other tools' vocabularies


@pytest.mark.parametrize(
    ("source", "role"),
    [
        ("#| export\ndef f():\n    return 1\n", Role.EXPORT),
        ("#|export\nimport os\n", Role.EXPORT),
        ("# | exporti\nx = 1\n", Role.EXPORT),
        ("#| hide\nx = 1\n", Role.SKIP),
        ("\n#| hide\nx = 1\n", Role.SKIP),
    ],
)
def test_nbdev_directives(source: str, role: Role) -> None:
    assert role_of([], source).role is role


def test_an_nbdev_directive_counts_only_before_the_code() -> None:
    cell = role_of([], "x = 1\n#| export\n")

    assert cell.role is Role.EXPLORATION


@pytest.mark.parametrize(
    ("tags", "role", "name", "metrics"),
    [
        (["step:load"], Role.FUNCTION, "load", False),
        (["block:load"], Role.FUNCTION, "load", False),
        (["step:train", "prev:load"], Role.FUNCTION, "train", False),
        (["pipeline-parameters"], Role.PARAMETERS, None, False),
        (["step:evaluate", "pipeline-metrics"], Role.FUNCTION, "evaluate", True),
        (["imports"], Role.EXPORT, None, False),
        (["functions"], Role.EXPORT, None, False),
        (["skip"], Role.SKIP, None, False),
    ],
)
def test_kale_aliases(tags: list[str], role: Role, name: str | None, metrics: bool) -> None:
    cell = role_of(tags)

    assert (cell.role, cell.name, cell.metrics) == (role, name, metrics)


@pytest.mark.parametrize("tag", sorted(FOREIGN_TAGS))
def test_test_tools_tags_are_respected_and_never_reported(tag: str) -> None:
    cells, problems = tagged(("x = 1", [tag]), ("y = 1", [tag, "function:load"]))

    assert problems == []
    assert cells[0].role is Role.EXPLORATION
    assert (cells[1].role, cells[1].name) == (Role.FUNCTION, "load")


def test_an_unrelated_tag_is_not_reported() -> None:
    _, problems = tagged(("x = 1", ["todo", "slow", "figure-1"]))

    assert problems == []


# ------------------------------------------------------------------ problems


@pytest.mark.parametrize(
    ("tag", "suggestion"),
    [
        ("fucntion:load", "function:load"),
        ("functon:load", "function:load"),
        ("paramters", "parameters"),
        ("tset", "test"),
        ("expotr", "export"),
        ("metric", "metrics"),
    ],
)
def test_a_typo_of_our_tags_is_a_warning_suggesting_the_tag(tag: str, suggestion: str) -> None:
    cells, problems = tagged(("x = 1", [tag]))

    assert codes(problems) == ["NB105"]
    assert problems[0].severity is Severity.WARNING
    assert repr(suggestion) in problems[0].hint
    assert cells[0].role is Role.EXPLORATION


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("function:load-data", "NB101"),
        ("function:2nd_step", "NB101"),
        ("function:", "NB101"),
        ("function:class", "NB102"),
        ("function:lambda", "NB102"),
        ("function:sum", "NB103"),
        ("function:print", "NB103"),
        ("function:run", "NB103"),
        ("function:pipeline", "NB103"),
        ("test:my-check", "NB101"),
    ],
)
def test_invalid_names_are_errors_and_the_cell_stays_out(tag: str, code: str) -> None:
    cells, problems = tagged(("x = 1", [tag]))

    assert codes(problems) == [code]
    problem = problems[0]
    assert problem.severity is Severity.ERROR
    assert problem.location is not None
    assert (problem.location.cell_number, problem.location.cell_id) == (1, "cell-1")
    assert problem.hint
    assert cells[0].role is Role.EXPLORATION


def test_an_invalid_identifier_gets_a_valid_suggestion() -> None:
    _, problems = tagged(("x = 1", ["function:Load Data!"]))

    suggestion = problems[0].hint.rsplit("e.g. ", 1)[1]
    assert suggestion.isidentifier()


def test_a_test_may_use_a_builtin_like_name() -> None:
    cell = role_of(["test:sum"])

    assert (cell.role, cell.name) == (Role.TEST, "test_sum")


def test_duplicate_function_names_point_at_the_second_cell() -> None:
    # Adjacent cells with one name form one function; apart, the name is a duplicate.
    _, problems = tagged(
        ("x = 1", ["function:load"]), ("z = 0", ["function:other"]), ("y = 2", ["function:load"])
    )

    assert codes(problems) == ["NB104"]
    assert problems[0].location is not None
    assert problems[0].location.cell_number == 3
    assert "cell 1" in problems[0].message


def test_duplicate_test_names_are_reported() -> None:
    _, problems = tagged(("assert 1", ["test:a"]), ("assert 2", ["test:test_a"]))

    assert codes(problems) == ["NB104"]


def test_the_same_function_name_in_two_modules_is_allowed() -> None:
    _, problems = tagged(
        ("x = 1", ["function:load", "module:train"]),
        ("y = 2", ["function:load", "module:serve"]),
    )

    assert problems == []


@pytest.mark.parametrize(
    "tags",
    [
        ["function:load", "parameters"],
        ["function:load", "function:clean"],
        ["function:load", "test"],
        ["export", "parameters"],
    ],
)
def test_conflicting_roles_are_an_error(tags: list[str]) -> None:
    cells, problems = tagged(("x = 1", tags))

    assert codes(problems) == ["NB106"]
    assert all(tag in problems[0].message for tag in tags)
    assert cells[0].role is Role.EXPLORATION


def test_an_nbdev_export_plus_a_function_tag_conflicts() -> None:
    _, problems = tagged(("#| export\nx = 1\n", ["function:load"]))

    assert codes(problems) == ["NB106"]


def test_an_invalid_module_name_is_reported() -> None:
    _, problems = tagged(("x = 1", ["function:load", "module:my-module"]))

    assert codes(problems) == ["NB101"]
