"""Property: re-analysing a notebook after random single-cell edits gives exactly the analysis
of the edited notebook made from scratch.

The notebooks are the golden cases' and the examples' (parameters, merged functions, tests,
exports, magics, plots, MLflow, data files, nbformat 4.0 without ids). Each example applies a
sequence of edits of one cell each — a digit typed, a comment, a new name bound (read later or
not), a line removed, a syntax error, a magic, a tag added or removed, a markdown heading — and
after each one compares ``api.analyze_notebook`` (which may reuse the previous analysis) with
an analysis by a fresh ``RecentAnalyses`` record of nothing.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.frontends import api
from nb2pkg.frontends.analysis_result import NotebookAnalysis
from nb2pkg.frontends.reanalysis import RecentAnalyses

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(
    [
        *(REPO / "tests" / "functional" / "cases").glob("*/input.ipynb"),
        *(REPO / "example_notebooks").glob("*.ipynb"),
    ]
)

EDITS = (
    "digit",
    "comment",
    "unread_name",
    "read_later",
    "drop_line",
    "syntax_error",
    "magic",
    "add_tag",
    "drop_tags",
    "markdown",
)


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def edit(notebook: dict[str, Any], kind: str, index: int, number: int) -> None:
    """Apply one edit of ``kind`` to the cell at ``index`` (of the kind's cells, wrapped)."""
    cells = notebook["cells"]
    wanted = "markdown" if kind == "markdown" else "code"
    candidates = [c for c in cells if c.get("cell_type") == wanted]
    if not candidates:
        return
    cell = candidates[index % len(candidates)]
    text = _source(cell)
    if kind == "digit":
        digits = [m.start() for m in re.finditer(r"\d", text)]
        if digits:
            at = digits[number % len(digits)]
            text = text[:at] + str(number % 10) + text[at + 1 :]
        else:
            text += f"\nvalue_{number} = {number}\n"
    elif kind == "comment":
        text += f"\n# a note {number}\n"
    elif kind == "unread_name":
        text += f"\nunread_{number} = {number}\n"
    elif kind == "read_later":
        text += f"\nshared_{number} = {number}\n"
        later = candidates[(index + 1) % len(candidates)]
        later["source"] = _source(later) + f"\nseen_{number} = shared_{number} + 1\n"
    elif kind == "drop_line":
        lines = text.splitlines()
        if lines:
            del lines[number % len(lines)]
        text = "\n".join(lines)
    elif kind == "syntax_error":
        text += "\nbroken = (\n"
    elif kind == "magic":
        text = f"%time marker_{number} = 1\n" + text
    elif kind == "add_tag":
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        tags.append(["skip", f"function:step_{number}", "test", "metrics"][number % 4])
    elif kind == "drop_tags":
        cell.setdefault("metadata", {})["tags"] = []
    elif kind == "markdown":
        text += f"\n# Heading {number}\n"
    cell["source"] = text


def _analysis(notebook: dict[str, Any], path: Path) -> NotebookAnalysis:
    return api.analyze_notebook(notebook, path.name, path=str(path))


def _from_scratch(notebook: dict[str, Any], path: Path) -> NotebookAnalysis:
    saved = api.RECENT
    api.RECENT = RecentAnalyses()
    try:
        return _analysis(copy.deepcopy(notebook), path)
    finally:
        api.RECENT = saved


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(EDITS), st.integers(0, 50), st.integers(0, 999)),
        min_size=1,
        max_size=4,
    )
)
def test_reanalysis_after_edits_equals_analysis_from_scratch(
    path: Path, edits: list[tuple[str, int, int]]
) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    api.RECENT.clear()
    assert _analysis(notebook, path) == _from_scratch(notebook, path)
    for kind, index, number in edits:
        edit(notebook, kind, index, number)
        # the editor sends a new copy of its notebook with each request
        again = _analysis(copy.deepcopy(notebook), path)
        assert again == _from_scratch(notebook, path), (kind, index, number)
