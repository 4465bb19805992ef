"""Tagging again after an edit (``nb2pkg.frontends.retagging``): the last tagging with the edited
cells put in when only their text changed and nothing across cells can change, and always
what ``tag_cells`` gives for the edited notebook."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nb2pkg.frontends.retagging import RecentTagging
from nb2pkg.ir import Notebook
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.roles.resolve import tag_cells
from tests.helpers import make_notebook, markdown_cell


def pipeline() -> dict[str, Any]:
    return make_notebook(
        [
            markdown_cell("# Demo"),
            ("raw = 5\n", ["function:load"]),
            ("scaled = raw * 2\n", ["function:scale"]),
            ("extra = scaled + 1\n", ["function:more"]),
            ("assert scaled > 0\n", ["test"]),
            ("print(scaled)\n", []),
        ]
    )


def read(content: dict[str, Any], shown: str = "demo.ipynb") -> Notebook:
    notebook, problems = notebook_from_json(
        copy.deepcopy(content), "/nb/demo.ipynb", shown, "", full_schema=False
    )
    assert notebook is not None, problems
    return notebook


def retagged(content: dict[str, Any], edit: Any, shown: str = "demo.ipynb") -> tuple[Any, int]:
    tagging = RecentTagging()
    tagging.tag("demo", read(content))
    edit(content)
    notebook = read(content, shown)
    result = tagging.tag("demo", notebook)
    assert result == tag_cells(notebook)
    return result, tagging.reused


def set_source(index: int, source: str) -> Any:
    def edit(content: dict[str, Any]) -> None:
        content["cells"][index]["source"] = source

    return edit


def test_an_edit_of_a_step_text_puts_the_edited_cell_in_the_last_tagging() -> None:
    content = pipeline()
    (tagged, _), reused = retagged(content, set_source(2, "scaled = raw * 3\n"))

    assert reused == 1
    assert tagged[1].cell.source == "scaled = raw * 3\n"


@pytest.mark.parametrize(
    "edit",
    [
        set_source(4, "assert scaled > 1\n"),  # a test: tests are numbered in order
        set_source(2, "#| export\nscaled = raw * 3\n"),  # an nbdev directive changes the role
        set_source(2, "#| exporti\nscaled = raw * 3\n"),
        lambda c: c["cells"][2]["metadata"].update(tags=["function:load"]),  # merged
        lambda c: c["cells"][2]["metadata"].update(tags=["test"]),
        lambda c: c["cells"][2]["metadata"].update(tags=["function:1bad"]),  # a tag problem
        lambda c: c["cells"][1].update(cell_type="markdown", outputs=None),
        lambda c: c["cells"].insert(2, markdown_cell("More")),
        lambda c: c["cells"][2].update(id="other"),
    ],
)
def test_any_other_edit_is_tagged_from_scratch(edit: Any) -> None:
    _, reused = retagged(pipeline(), edit)

    assert reused == 0


def set_tags(index: int, tags: list[str]) -> Any:
    def edit(content: dict[str, Any]) -> None:
        content["cells"][index]["metadata"]["tags"] = tags

    return edit


@pytest.mark.parametrize(
    "edit",
    [
        set_tags(2, ["function:rescale"]),
        set_tags(2, ["skip"]),
        set_tags(5, ["function:shown"]),
        set_tags(3, ["function:load"]),  # a duplicate name, not next to the other cell
    ],
)
def test_a_step_renamed_or_given_another_role_is_tagged_alone(edit: Any) -> None:
    _, reused = retagged(pipeline(), edit)

    assert reused == 1


def test_a_duplicate_name_that_goes_away_is_no_longer_reported() -> None:
    content = pipeline()
    set_tags(3, ["function:load"])(content)
    tagging = RecentTagging()
    _, first = tagging.tag("demo", read(content))
    set_tags(3, ["function:more"])(content)
    notebook = read(content)

    result = tagging.tag("demo", notebook)

    assert [d.code for d in first] == ["NB104"]
    assert result == tag_cells(notebook) == (result[0], [])
    assert tagging.reused == 1


def test_a_cell_after_a_cell_of_the_same_function_is_tagged_from_scratch() -> None:
    # the second cell is not merged while it uses IPython syntax; the edit removes it
    content = make_notebook(
        [
            ("raw = 5\n", ["function:load"]),
            ("%time more = raw + 1\n", ["function:load"]),
        ]
    )
    (tagged, _), reused = retagged(content, set_source(1, "more = raw + 1\n"))

    assert reused == 0
    assert len(tagged) == 1


def test_another_display_path_is_tagged_from_scratch() -> None:
    _, reused = retagged(pipeline(), set_source(2, "scaled = raw * 3\n"), shown="moved.ipynb")

    assert reused == 0
