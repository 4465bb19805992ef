"""Reading notebooks: nbformat 4.0 to 4.5 into ``Notebook``, every bad file into a diagnostic."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.frontends.api import analyze_notebook
from nb2pkg.ir import Notebook, Severity
from nb2pkg.notebook.reader import notebook_from_json, read_notebook
from tests.helpers import code_cell, make_notebook, markdown_cell, write_notebook


def read_json(data: dict[str, Any]) -> Notebook:
    notebook, problems = notebook_from_json(data, "/nb/demo.ipynb", "demo.ipynb")
    assert notebook is not None, problems
    assert problems == []
    return notebook


def problem_codes(data: Any) -> list[str]:
    notebook, problems = notebook_from_json(data, "/nb/demo.ipynb", "demo.ipynb")
    assert notebook is None
    assert all(p.severity is Severity.ERROR and p.hint for p in problems)
    return [p.code for p in problems]


@pytest.mark.parametrize("minor", [0, 1, 2, 3, 4, 5])
def test_the_test_builder_writes_valid_notebooks(minor: int) -> None:
    data = make_notebook([("x = 1", ["function:f"]), markdown_cell("# t")], nbformat_minor=minor)

    nbformat.validate(nbformat.from_dict(data))  # type: ignore[no-untyped-call]


# ------------------------------------------------------------------ cells


def test_cells_keep_number_id_type_source_tags_and_settings() -> None:
    notebook = read_json(
        make_notebook(
            [
                markdown_cell("# Title"),
                code_cell(
                    "x = 1\n",
                    ["function:load", "metrics"],
                    execution_count=7,
                    settings={"outputs": ["x"]},
                ),
            ]
        )
    )

    title, cell = notebook.cells
    assert (title.number, title.cell_id, title.cell_type) == (1, "cell-1", "markdown")
    assert (cell.number, cell.cell_id, cell.cell_type) == (2, "cell-2", "code")
    assert cell.source == "x = 1\n"
    assert cell.tags == ("function:load", "metrics")
    assert cell.execution_count == 7
    assert cell.settings == {"outputs": ["x"]}
    assert notebook.code_cells == (cell,)
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)


def test_source_given_as_a_list_of_lines_is_joined() -> None:
    data = make_notebook([code_cell("")])
    data["cells"][0]["source"] = ["a = 1\n", "b = 2"]

    assert read_json(data).cells[0].source == "a = 1\nb = 2"


def test_cells_without_tags_have_none() -> None:
    assert read_json(make_notebook([("x = 1", [])])).cells[0].tags == ()


# ------------------------------------------------------------------ derived ids


def ids_of(sources: list[str], minor: int) -> list[str]:
    notebook = read_json(make_notebook([(s, []) for s in sources], nbformat_minor=minor))
    return [c.cell_id for c in notebook.cells]


@pytest.mark.parametrize("minor", [0, 1, 2, 3, 4])
def test_cells_without_ids_get_stable_derived_ids(minor: int) -> None:
    first = ids_of(["a = 1", "b = a", "c = b"], minor)

    assert len(set(first)) == 3
    assert first == ids_of(["a = 1", "b = a", "c = b"], minor)


def test_derived_ids_survive_inserting_and_moving_cells() -> None:
    sources = ["a = 1", "b = a", "c = b"]
    before = dict(zip(sources, ids_of(sources, 4), strict=True))

    after = ids_of(["new = 0", "c = b", "a = 1", "b = a"], 4)

    assert after[1:] == [before["c = b"], before["a = 1"], before["b = a"]]
    assert after[0] not in before.values()


def test_cells_with_the_same_source_get_distinct_ids() -> None:
    ids = ids_of(["print(x)", "print(x)", "print(x)"], 4)

    assert len(set(ids)) == 3


def test_real_ids_are_kept_in_nbformat_4_5() -> None:
    data = make_notebook([code_cell("x = 1", cell_id="my-own-id")])

    assert read_json(data).cells[0].cell_id == "my-own-id"


# ------------------------------------------------------------------ kernels


def metadata(kernelspec: dict[str, str], language_info: dict[str, str]) -> dict[str, Any]:
    """Notebook metadata with only the parts given (the schema wants a name in each)."""
    parts = {"kernelspec": kernelspec, "language_info": language_info}
    return {key: value for key, value in parts.items() if value}


@pytest.mark.parametrize(
    ("kernelspec", "language_info"),
    [
        ({"name": "python3", "display_name": "Python 3", "language": "python"}, {}),
        ({"name": "conda-env-ml-py", "display_name": "ml"}, {"name": "python"}),
        ({"name": "python3", "display_name": "Python 3"}, {}),
        ({}, {}),
    ],
)
def test_python_kernels_are_accepted(
    kernelspec: dict[str, str], language_info: dict[str, str]
) -> None:
    data = make_notebook([("x = 1", [])])
    data["metadata"] = metadata(kernelspec, language_info)

    assert read_json(data).kernel_language.lower().startswith(("python", "ipython"))


@pytest.mark.parametrize(
    ("kernelspec", "language_info", "language"),
    [
        ({"name": "ir", "display_name": "R", "language": "R"}, {"name": "R"}, "R"),
        ({"name": "julia-1.10", "display_name": "Julia"}, {}, "julia-1.10"),
        ({"name": "python3", "display_name": "Python 3"}, {"name": "scala"}, "scala"),
    ],
)
def test_non_python_kernels_are_refused(
    kernelspec: dict[str, str], language_info: dict[str, str], language: str
) -> None:
    data = make_notebook([("x = 1", [])])
    data["metadata"] = metadata(kernelspec, language_info)

    notebook, problems = notebook_from_json(data, "/nb/demo.ipynb", "demo.ipynb")

    assert notebook is None
    assert [p.code for p in problems] == ["NB004"]
    assert repr(language) in problems[0].message


# ------------------------------------------------------------------ bad files


def test_nbformat_3_is_refused_with_the_upgrade_command() -> None:
    data = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}

    notebook, problems = notebook_from_json(data, "/nb/old.ipynb", "old.ipynb")

    assert notebook is None
    assert [p.code for p in problems] == ["NB003"]
    assert "nbconvert" in problems[0].hint and "old.ipynb" in problems[0].hint


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([1, 2, 3], "NB002"),
        ({"hello": "world"}, "NB002"),
        ({"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}, "NB003"),
        ({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"x": 1}]}, "NB002"),
        (make_notebook([]), "NB005"),
        (make_notebook([markdown_cell("only text")]), "NB005"),
        (make_notebook([("   \n", ["function:f"]), ("", [])]), "NB005"),
    ],
)
def test_bad_notebook_json_is_a_diagnostic(data: Any, code: str) -> None:
    assert problem_codes(data) == [code]


def test_a_schema_violation_names_the_problem() -> None:
    data = make_notebook([("x = 1", [])])
    data["cells"][0]["cell_type"] = "cod"

    notebook, problems = notebook_from_json(data, "/nb/demo.ipynb", "demo.ipynb")

    assert notebook is None
    assert [p.code for p in problems] == ["NB002"]
    assert problems[0].message.startswith("invalid notebook: ")


def test_invalid_json_points_at_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{\n  "cells": [,]\n}\n', encoding="utf-8")

    notebook, problems = read_notebook(path, "broken.ipynb")

    assert notebook is None
    (problem,) = problems
    assert problem.code == "NB001"
    assert problem.location is not None
    assert (problem.location.line, problem.location.col) == (2, 13)
    assert problem.source_line == '  "cells": [,]'


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "not found"),
        (b"\xff\xfe\x00\x01", "not UTF-8"),
        (b"", "invalid JSON"),
    ],
)
def test_unreadable_files_are_a_diagnostic(
    tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    path = tmp_path / "nb.ipynb"
    if content is not None:
        path.write_bytes(content)

    notebook, problems = read_notebook(path, "nb.ipynb")

    assert notebook is None
    assert [p.code for p in problems] == ["NB001"]
    assert fragment in problems[0].message


def test_a_directory_is_a_diagnostic(tmp_path: Path) -> None:
    notebook, problems = read_notebook(tmp_path, "folder")

    assert notebook is None
    assert [p.code for p in problems] == ["NB001"]


# ------------------------------------------------------------------ file facts


def test_read_notebook_records_path_display_path_and_hash(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "demo.ipynb", [("x = 1", ["function:f"])])

    notebook, problems = read_notebook(path, "shown/demo.ipynb")

    assert problems == []
    assert notebook is not None
    assert notebook.path == str(path.resolve())
    assert notebook.display_path == "shown/demo.ipynb"
    assert notebook.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_hash_of_parsed_json_ignores_key_order() -> None:
    data = make_notebook([("x = 1", [])])
    shuffled = json.loads(json.dumps(data, sort_keys=True))

    assert read_json(data).sha256 == read_json(shuffled).sha256


def test_a_repeated_cell_id_is_made_unique() -> None:
    data = make_notebook([("a = 1", ["function:f"]), ("b = a + 1", ["function:g"])])
    data["cells"][1]["id"] = data["cells"][0]["id"]

    first, second = read_json(data).cells

    assert first.cell_id == "cell-1"
    assert second.cell_id not in ("cell-1", "")
    plan = analyze_notebook(data, "demo.ipynb")
    assert [c.signature for c in plan.cells] == ["f() -> a", "g(a) -> b"]


def test_a_lone_surrogate_is_a_diagnostic_not_a_crash() -> None:
    data = make_notebook([('x = 1\ny = "\ud800"', ["function:f"])])

    plan = analyze_notebook(data, "demo.ipynb")

    assert [(d.code, d.location and d.location.line) for d in plan.diagnostics] == [("NB201", 2)]


# ------------------------------------------------------------------ never raises

_SOURCE_TEXT = st.lists(
    st.sampled_from([*"abxy_01 =+*()[]{}:,.'\"%!?#|\n\t", "def ", "import ", "    ", "%%"]),
    max_size=40,
).map("".join)
_TAGS = st.lists(
    st.sampled_from(
        [
            "function:f",
            "function:g",
            "function:",
            "function:class",
            "test",
            "parameters",
            "export",
            "skip",
            "metrics",
            "module:m",
            "step:f",
            "fucntion:h",
            "nbval-skip",
        ]
    ),
    max_size=3,
    unique=True,
)


@settings(max_examples=150, deadline=None, database=None)  # writes nothing into the repo
@given(st.lists(st.tuples(_SOURCE_TEXT, _TAGS), max_size=6))
def test_any_cells_and_tags_give_a_plan_never_an_exception(
    cells: list[tuple[str, list[str]]],
) -> None:
    plan = analyze_notebook(make_notebook(cells), "fuzz.ipynb")

    assert {d.code[:2] for d in plan.diagnostics} <= {"NB"}
    numbers = {d.location.cell_number for d in plan.diagnostics if d.location}
    assert numbers <= {None, *range(1, len(cells) + 1)}
