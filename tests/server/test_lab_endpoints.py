"""The endpoints behind the Package panel's newer actions, on a real jupyter_server:
the preview of the next build (version included) and the proposed marking."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server_notebooks import code_cell, notebook_json, scaling_notebook
from test_handlers import Fetch, post, refused


def _markdown(cell_id: str, text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def untagged_notebook() -> dict[str, Any]:
    return notebook_json(
        [
            code_cell("imports", "import math"),
            code_cell("params", "factor = 2"),
            _markdown("md-load", "## Load the numbers"),
            code_cell("load", "data = [math.floor(v * factor) for v in (1.5, 2.5)]"),
            code_cell("show", "data"),
        ]
    )


async def test_preview_shows_the_version_the_next_build_writes(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    # Given a package built twice: 0.1.0, then 0.2.0 after a new function
    write_notebook("scaling.ipynb", scaling_notebook())
    request = {"path": "scaling.ipynb", "out_dir": "scaler-pkg", "name": "scaler"}
    assert (await post(jp_fetch, "build", request))["version"] == "0.1.0"
    grown = scaling_notebook()
    grown["cells"].append(code_cell("total", "total = sum(scaled)", ["function:total"]))
    write_notebook("scaling.ipynb", grown)
    assert (await post(jp_fetch, "build", request))["version"] == "0.2.0"
    on_disk = sorted(p.relative_to(jp_root_dir) for p in jp_root_dir.rglob("*"))
    # When the notebook is previewed, unchanged and then changed again
    unchanged = await post(jp_fetch, "preview", request)
    renamed = json.loads(json.dumps(grown).replace("function:total", "function:grand_total"))
    write_notebook("scaling.ipynb", renamed)
    changed = await post(jp_fetch, "preview", request)
    # Then the module carries the version on disk, or the one the next build would write
    assert unchanged["ok"] and changed["ok"], (unchanged, changed)
    init = {f["path"]: f["content"] for f in unchanged["files"]}["scaler/__init__.py"]
    assert '__version__ = "0.2.0"' in init
    assert unchanged["version"] == "0.2.0"
    assert changed["version"] == "0.3.0"  # a removed function is a breaking change before 1.0
    # And nothing in the root changed but the notebook
    after = sorted(p.relative_to(jp_root_dir) for p in jp_root_dir.rglob("*"))
    assert after == on_disk


async def test_preview_of_unsaved_content_shows_the_edit_and_writes_nothing(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    # Given a package built from the saved notebook (0.1.0)
    saved = write_notebook("scaling.ipynb", scaling_notebook())
    request = {"path": "scaling.ipynb", "out_dir": "scaler-pkg", "name": "scaler"}
    assert (await post(jp_fetch, "build", request))["version"] == "0.1.0"
    on_disk = {p: p.read_bytes() for p in jp_root_dir.rglob("*") if p.is_file()}
    # When the editor holds a new function the file does not have yet
    edited = scaling_notebook()
    edited["cells"].append(code_cell("total", "total = sum(scaled)", ["function:total"]))
    preview = await post(jp_fetch, "preview", {**request, "notebook": edited})
    # Then the preview is the package the edit makes (a new function: a minor bump) ...
    assert preview["ok"], preview
    modules = "".join(f["content"] for f in preview["files"])
    assert "def total(" in modules
    assert preview["version"] == "0.2.0"
    # ... while the saved file's preview does not have it, and nothing on disk changed
    from_file = await post(jp_fetch, "preview", request)
    assert "def total(" not in "".join(f["content"] for f in from_file["files"])
    assert from_file["version"] == "0.1.0"
    assert {p: p.read_bytes() for p in jp_root_dir.rglob("*") if p.is_file()} == on_disk
    assert saved.read_bytes() == on_disk[saved]
    # A `notebook` that is not a JSON object is refused
    status, error = await refused(jp_fetch, "preview", {**request, "notebook": [1]})
    assert (status, error["code"]) == (400, "NB804")


async def test_propose_returns_the_automatic_marking_without_writing(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    from nb2pkg.plan.automark import propose

    saved = write_notebook("raw.ipynb", untagged_notebook())
    before = saved.read_bytes()
    # From the saved file, and from unsaved content sent by the editor
    from_disk = await post(jp_fetch, "propose", {"path": "raw.ipynb"})
    unsaved = untagged_notebook()
    unsaved["cells"][3]["source"] = "data = [v * factor for v in (1, 2)]"
    from_editor = await post(jp_fetch, "propose", {"path": "raw.ipynb", "notebook": unsaved})
    # Both are what `nb2pkg tag --auto` proposes for that content
    for answer, content in ((from_disk, untagged_notebook()), (from_editor, unsaved)):
        expected = propose(content["cells"])
        assert answer["notebook"] == "raw.ipynb"
        assert answer["diagnostics"] == []
        assert [c["cell_id"] for c in answer["cells"]] == [p.cell_id for p in expected]
        assert [c["role_tag"] for c in answer["cells"]] == [p.role_tag for p in expected]
        assert [c["tags"] for c in answer["cells"]] == [list(p.tags) for p in expected]
    assert any(c["role_tag"] == "function:load_numbers" for c in from_disk["cells"])
    assert all(c["reason"] for c in from_disk["cells"])
    assert saved.read_bytes() == before


async def test_propose_answers_a_file_that_is_no_notebook_with_a_diagnostic(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    (jp_root_dir / "broken.ipynb").write_text("{not json")
    answer = await post(jp_fetch, "propose", {"path": "broken.ipynb"})
    assert answer["cells"] == []
    assert [d["code"] for d in answer["diagnostics"]] == ["NB001"]


async def test_propose_is_authenticated_and_confined_to_the_root(
    jp_fetch: Fetch, jp_root_dir: Path, write_notebook: Callable[..., Path]
) -> None:
    write_notebook("raw.ipynb", untagged_notebook())
    status, error = await refused(
        jp_fetch, "propose", {"path": "raw.ipynb"}, headers={"Authorization": ""}
    )
    assert (status, error["code"]) == (403, "NB807")
    outside = jp_root_dir.parent / "outside-propose"
    outside.mkdir(exist_ok=True)
    (outside / "nb.ipynb").write_text(json.dumps(untagged_notebook()))
    (jp_root_dir / "escape").symlink_to(outside, target_is_directory=True)
    for path in ("../outside-propose/nb.ipynb", "escape/nb.ipynb"):
        status, error = await refused(jp_fetch, "propose", {"path": path})
        assert (status, error["code"]) == (403, "NB803")


async def test_preview_refuses_an_output_folder_outside_the_root(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    write_notebook("scaling.ipynb", scaling_notebook())
    status, error = await refused(
        jp_fetch, "preview", {"path": "scaling.ipynb", "out_dir": "../elsewhere"}
    )
    assert (status, error["code"]) == (403, "NB803")


async def test_suggest_name_gives_the_name_the_tag_command_gives(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    from nb2pkg.frontends.name_suggestion import suggested_function_name
    from nb2pkg.notebook.reader import read_notebook

    saved = write_notebook("raw.ipynb", untagged_notebook())
    before = saved.read_bytes()
    answer = await post(jp_fetch, "suggest-name", {"path": "raw.ipynb", "cell_id": "load"})
    notebook, _ = read_notebook(saved)
    assert notebook is not None
    cell = next(c for c in notebook.code_cells if c.cell_id == "load")
    assert answer == {"name": suggested_function_name(notebook, cell)} == {"name": "load_numbers"}
    # The editor's unsaved heading counts; a cell that is not there gets no suggestion.
    unsaved = untagged_notebook()
    unsaved["cells"][2]["source"] = "## Scaling the inputs"
    answer = await post(
        jp_fetch, "suggest-name", {"path": "raw.ipynb", "notebook": unsaved, "cell_id": "load"}
    )
    assert answer == {"name": "scale_inputs"}
    missing = await post(jp_fetch, "suggest-name", {"path": "raw.ipynb", "cell_id": "nope"})
    assert missing == {"name": ""}
    status, error = await refused(jp_fetch, "suggest-name", {"path": "raw.ipynb"})
    assert status == 400 and "cell_id" in error["message"]
    assert saved.read_bytes() == before
