"""What an analyze answer reuses of the answers before it, and when it may not.

The text of each cell summary of a notebook's last answer is reused when the next analysis has
an equal summary; the answer is the same text as encoding it afresh, paths of the server's
disk made root-relative as always. The default package name is worked out again only when the
notebook's folder changed. A notebook changed on disk gets a new answer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from server_notebooks import code_cell, scaling_notebook
from test_handlers import Fetch, post

from nb2pkg.frontends import api
from nb2pkg.frontends.analysis_result import CellSummary, FunctionSummary, NotebookAnalysis
from nb2pkg.frontends.server.answers import RecentAnswers, root_relative_json

LONG_AGO_NS = 1_000_000_000_000_000_000
"""A folder time (2001) far enough in the past for the package names to keep their answer."""


def analysis_of(content: dict[str, object], folder: Path) -> NotebookAnalysis:
    return api.analyze_notebook(content, "reuse.ipynb", path=str(folder / "reuse.ipynb"))


def test_an_answer_after_an_edit_encodes_only_the_cell_summaries_that_changed(
    tmp_path: Path,
) -> None:
    answers, root = RecentAnswers(), str(tmp_path)
    content = scaling_notebook()
    before = analysis_of(content, tmp_path)
    first = answers.text(before, root)
    encoded = answers.cells_encoded
    # an edit that changes one step's signature: it reads the loaded data no more
    scale = next(c for c in content["cells"] if c["id"] == "scale")
    scale["source"] = "scaled = [v * factor for v in [4, 5, 6]]"
    after = analysis_of(content, tmp_path)

    text = answers.text(after, root)

    changed = [c for c in after.cells if c not in before.cells]
    assert [c.cell_id for c in changed] == ["scale"]
    assert answers.cells_encoded == encoded + 1
    assert text == json.dumps(after.to_json()) == root_relative_json(after.to_json(), root)
    assert text != first


def test_a_reused_cell_text_naming_the_root_is_still_shown_relative_to_it(
    tmp_path: Path,
) -> None:
    answers, root = RecentAnswers(), str(tmp_path / "root")
    inside = CellSummary(
        cell_id="load",
        number=1,
        parts=(),
        role="function",
        name="load",
        module=None,
        metrics=False,
        signature=f"load() reads {tmp_path}/root/data/raw.csv",
        params=(),
        returns=(),
        mutates=(),
    )
    other = CellSummary(**{**inside.__dict__, "cell_id": "other", "signature": "other()"})
    answers.text(NotebookAnalysis("nb.ipynb", "nb", "nb", cells=(inside,)), root)

    text = answers.text(NotebookAnalysis("nb.ipynb", "nb", "nb", cells=(inside, other)), root)

    assert answers.cells_encoded == 2
    signatures = [c["signature"] for c in json.loads(text)["cells"]]
    assert signatures == ["load() reads data/raw.csv", "other()"]
    assert str(tmp_path) not in text


def test_the_package_name_follows_a_module_added_beside_the_notebook(tmp_path: Path) -> None:
    names = api.PackageNames()
    notebook = tmp_path / "churn_model.ipynb"
    notebook.write_text("{}")
    os.utime(tmp_path, ns=(LONG_AGO_NS, LONG_AGO_NS))
    assert names.name(notebook) == "churn_model"
    assert names.name(notebook) == "churn_model"  # kept: the folder is as it was

    (tmp_path / "churn_model.py").write_text("")
    os.utime(tmp_path, ns=(LONG_AGO_NS + 1, LONG_AGO_NS + 1))

    assert names.name(notebook) == "churn_model_pipeline"


def test_a_package_folder_beside_the_notebook_is_looked_at_each_time(tmp_path: Path) -> None:
    names = api.PackageNames()
    notebook = tmp_path / "churn_model.ipynb"
    notebook.write_text("{}")
    (tmp_path / "churn_model").mkdir()
    os.utime(tmp_path, ns=(LONG_AGO_NS, LONG_AGO_NS))
    assert names.name(notebook) == "churn_model"

    # a file added inside that folder leaves the notebook's folder's time as it was
    (tmp_path / "churn_model" / "__init__.py").write_text("")
    os.utime(tmp_path, ns=(LONG_AGO_NS, LONG_AGO_NS))

    assert names.name(notebook) == "churn_model_pipeline"


async def test_a_notebook_changed_on_disk_gets_a_new_answer(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    content = scaling_notebook()
    write_notebook("changing.ipynb", content)
    first = await post(jp_fetch, "analyze", {"path": "changing.ipynb"})
    assert await post(jp_fetch, "analyze", {"path": "changing.ipynb"}) == first

    content["cells"].append(code_cell("extra", "extra = 1", ["function:extra"]))
    write_notebook("changing.ipynb", content)
    changed = await post(jp_fetch, "analyze", {"path": "changing.ipynb"})

    assert [f["name"] for f in first["functions"]] == ["load", "scale"]
    assert [f["name"] for f in changed["functions"]] == ["load", "scale", "extra"]
    assert [c["cell_id"] for c in changed["cells"]][-1] == "extra"


def summary(cell_id: str, signature: str) -> CellSummary:
    return CellSummary(cell_id, 1, (), "function", cell_id, None, False, signature, (), (), ())


def test_a_function_summary_kept_from_the_last_answer_is_not_encoded_again(
    tmp_path: Path,
) -> None:
    answers, root = RecentAnswers(), str(tmp_path)
    load, scale = FunctionSummary("load", "a", 1, "load()"), FunctionSummary("scale", "b", 2, "s()")
    answers.text(NotebookAnalysis("nb.ipynb", "nb", "nb", functions=(load, scale)), root)
    encoded = answers.functions_encoded
    renamed = FunctionSummary("rescale", "b", 2, "rescale()")
    after = NotebookAnalysis("nb.ipynb", "nb", "nb", functions=(load, renamed))

    text = answers.text(after, root)

    assert answers.functions_encoded == encoded + 1
    assert text == json.dumps(after.to_json())


def test_a_folder_named_only_in_a_reused_function_text_is_still_made_relative(
    tmp_path: Path,
) -> None:
    answers, root = RecentAnswers(), str(tmp_path / "root")
    load = FunctionSummary("load", "a", 1, f"load() reads {tmp_path}/root/raw.csv")
    answers.text(NotebookAnalysis("nb.ipynb", "nb", "nb", functions=(load,)), root)
    after = NotebookAnalysis(
        "nb.ipynb", "nb", "nb", cells=(summary("b", "b()"),), functions=(load,)
    )

    text = answers.text(after, root)

    assert json.loads(text)["functions"][0]["signature"] == "load() reads raw.csv"
    assert text == root_relative_json(after.to_json(), root)


def test_a_root_named_with_the_text_between_two_summaries_gets_the_same_answer(
    tmp_path: Path,
) -> None:
    # the root's name holds the text between two summaries: only the whole answer shows it
    first, second = summary("a", "a()"), summary("b", "b()")
    between = json.dumps(first.to_json())[-12:] + ", " + json.dumps(second.to_json())[:12]
    root = str(tmp_path / between)
    analysis = NotebookAnalysis("nb.ipynb", "nb", "nb", cells=(first, second))

    text = RecentAnswers().text(analysis, root)

    assert text == root_relative_json(analysis.to_json(), root)
