"""Re-analysis after an edit (``nb2pkg.frontends.reanalysis``): which edits reuse the previous
analysis, and that the answer is always the analysis made from scratch."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nb2pkg.frontends import api
from nb2pkg.frontends.analysis_result import NotebookAnalysis
from nb2pkg.frontends.reanalysis import RecentAnalyses
from nb2pkg.frontends.server.answers import RecentAnswers, root_relative_json
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.roles.resolve import tag_cells
from tests.helpers import make_notebook, markdown_cell


@pytest.fixture(autouse=True)
def recent() -> Iterator[RecentAnalyses]:
    """A record of nothing for each test (and the module's own record put back after it)."""
    saved = api.RECENT
    api.RECENT = RecentAnalyses()
    try:
        yield api.RECENT
    finally:
        api.RECENT = saved


def pipeline() -> dict[str, Any]:
    return make_notebook(
        [
            markdown_cell("# Demo"),
            ("rate = 0.5  # how fast\n", ["parameters"]),
            ("raw = 5\n", []),
            (
                "values = list(range(3))\nscaled = [v * rate + 1 for v in values]\n",
                ["function:load"],
            ),
            ("total = sum(scaled) + raw * 2\n", ["function:summarise"]),
            ("assert total > 0\n", ["test"]),
        ]
    )


def analyse(notebook: dict[str, Any], folder: Path) -> NotebookAnalysis:
    return api.analyze_notebook(
        copy.deepcopy(notebook), "demo.ipynb", path=str(folder / "demo.ipynb")
    )


def from_scratch(notebook: dict[str, Any], folder: Path) -> NotebookAnalysis:
    saved = api.RECENT
    api.RECENT = RecentAnalyses()
    try:
        return analyse(notebook, folder)
    finally:
        api.RECENT = saved


def code(notebook: dict[str, Any], index: int) -> dict[str, Any]:
    cell: dict[str, Any] = notebook["cells"][index]
    return cell


def test_the_same_notebook_again_is_the_same_analysis(
    recent: RecentAnalyses, tmp_path: Path
) -> None:
    notebook = pipeline()
    first = analyse(notebook, tmp_path)

    again = analyse(notebook, tmp_path)

    assert again is first
    assert recent.reused == 1


def test_typing_inside_an_expression_reuses_the_analysis(
    recent: RecentAnalyses, tmp_path: Path
) -> None:
    notebook = pipeline()
    first = analyse(notebook, tmp_path)
    code(notebook, 3)["source"] = (
        "values = list(range(3))\nscaled = [v * rate + 17 for v in values]\n"
    )

    edited = analyse(notebook, tmp_path)

    assert edited is first
    assert recent.reused == 1
    assert edited == from_scratch(notebook, tmp_path)


def test_typing_a_literal_a_step_assigns_reuses_the_analysis(
    recent: RecentAnalyses, tmp_path: Path
) -> None:
    notebook = pipeline()
    first = analyse(notebook, tmp_path)
    load = code(notebook, 3)
    load["source"] += "limit = 105\n"
    second = analyse(notebook, tmp_path)
    load["source"] = load["source"].replace("105", "1050")

    third = analyse(notebook, tmp_path)

    assert second is not first  # a new name: planned again
    assert third is second
    assert recent.reused == 1
    assert third == from_scratch(notebook, tmp_path)


def test_a_new_name_read_later_rewires_the_steps(recent: RecentAnalyses, tmp_path: Path) -> None:
    notebook = pipeline()
    analyse(notebook, tmp_path)
    code(notebook, 3)["source"] += "offset = 4\n"
    code(notebook, 4)["source"] = "total = sum(scaled) + raw * 2 + offset\n"

    edited = analyse(notebook, tmp_path)

    assert recent.reused == 0
    assert [c.signature for c in edited.cells if c.role == "function"] == [
        "load(rate) -> values, scaled, offset",
        "summarise(scaled, raw, offset) -> total",
    ]
    assert edited == from_scratch(notebook, tmp_path)


@pytest.mark.parametrize(
    ("index", "source", "tags"),
    [
        (1, "rate = 0.5  # how fast it grows\n", ["parameters"]),  # its comment describes it
        (
            3,
            "values = list(range(3))\nscaled = [v * rate + 1 for v in values]\n",
            ["function:fetch"],
        ),
        (0, "# Demo, revised", None),  # a markdown cell
        (2, "raw = 5\n", ["skip"]),
    ],
    ids=["parameters comment", "renamed function", "markdown", "tag added"],
)
def test_edits_beyond_the_text_of_a_step_are_planned_again(
    recent: RecentAnalyses, tmp_path: Path, index: int, source: str, tags: list[str] | None
) -> None:
    notebook = pipeline()
    analyse(notebook, tmp_path)
    cell = code(notebook, index)
    cell["source"] = source
    if tags is not None:
        cell["metadata"]["tags"] = tags

    edited = analyse(notebook, tmp_path)

    assert recent.reused == 0
    assert edited == from_scratch(notebook, tmp_path)


def test_a_line_a_diagnostic_shows_is_shown_as_edited(
    recent: RecentAnalyses, tmp_path: Path
) -> None:
    notebook = pipeline()
    before = analyse(notebook, tmp_path)
    code(notebook, 4)["source"] = "total = sum(scaled) + raw * 3\n"

    edited = analyse(notebook, tmp_path)

    shown = [d.source_line for d in edited.diagnostics if d.code == "NB302"]
    assert shown == ["total = sum(scaled) + raw * 3"]
    assert [d.source_line for d in before.diagnostics if d.code == "NB302"] != shown
    assert recent.reused == 0
    assert edited == from_scratch(notebook, tmp_path)


def test_a_notebook_using_mlflow_is_planned_again_after_each_edit(
    recent: RecentAnalyses, tmp_path: Path
) -> None:
    notebook = make_notebook(
        [("import mlflow\nscore = 0.5\nmlflow.log_metric('score', score)\n", ["function:f"])]
    )
    analyse(notebook, tmp_path)
    code(notebook, 0)["source"] = "import mlflow\nscore = 0.5\nmlflow.log_param('score', score)\n"

    edited = analyse(notebook, tmp_path)

    assert recent.reused == 0
    assert edited == from_scratch(notebook, tmp_path)


def test_a_data_file_that_appears_is_seen_though_the_notebook_did_not_change(
    recent: RecentAnalyses, tmp_path: Path
) -> None:
    notebook = make_notebook([("text = open('data/input.csv').read()\n", ["function:load"])])
    before = analyse(notebook, tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "input.csv").write_text("a,b\n", encoding="utf-8")

    after = analyse(notebook, tmp_path)

    assert recent.reused == 0
    assert before.cells[0].signature == "load() -> text"
    assert after.cells[0].signature == "load(input_path) -> text"
    assert after == from_scratch(notebook, tmp_path)
    assert analyse(notebook, tmp_path) is after  # and asked again: nothing changed since


def test_each_notebook_keeps_its_own_record_and_old_ones_are_dropped(tmp_path: Path) -> None:
    api.RECENT = recent = RecentAnalyses(keep=2)
    notebook = pipeline()
    folders = [tmp_path / name for name in ("a", "b", "c")]
    for folder in folders:
        analyse(notebook, folder)

    analyse(notebook, folders[2])
    analyse(notebook, folders[0])  # dropped when the third was recorded

    assert recent.reused == 1


def test_tags_resolved_again_belong_to_the_cells_given() -> None:
    data = pipeline()
    first, _ = notebook_from_json(data, "/nb/demo.ipynb", "demo.ipynb")
    second, _ = notebook_from_json(copy.deepcopy(data), "/nb/demo.ipynb", "demo.ipynb")
    assert first is not None and second is not None

    tagged_once, problems_once = tag_cells(first)
    tagged_again, problems_again = tag_cells(second)

    assert tagged_again == tagged_once
    assert problems_again == problems_once
    assert [t.cell for t in tagged_again] == list(second.code_cells)
    assert all(t.cell is c for t, c in zip(tagged_again, second.code_cells, strict=True))


def test_an_answer_is_made_once_per_analysis_and_root(tmp_path: Path) -> None:
    answers = RecentAnswers()
    notebook = pipeline()
    analysis = analyse(notebook, tmp_path)
    root = str(tmp_path)

    text = answers.text(analysis, root)

    assert json.loads(text) == json.loads(root_relative_json(analysis.to_json(), root))
    assert answers.text(analysis, root) is text
    assert answers.text(analysis, str(tmp_path / "other")) is not text
    made_again = from_scratch(notebook, tmp_path)
    assert made_again == analysis and made_again is not analysis
    assert answers.text(made_again, root) == text
    assert answers.text(made_again, root) is not text
