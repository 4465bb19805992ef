"""Cells that do not change packaged code never change the package (issue: false bumps).

Inserting, deleting or moving markdown and unmarked cells renumbers every cell after them; the
generated package must stay byte for byte the same, `build` must answer "up to date" without a
version bump, and `check` must pass. Only the manifest's record of the notebooks follows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "example_notebooks"
MANIFEST = ".nb2pkg/manifest.json"


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(folder, *args, env={"SOURCE_DATE_EPOCH": "1700000000"})


def _package_bytes(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.relative_to(out).as_posix() != MANIFEST
    }


def _is_marked(cell: dict[str, Any]) -> bool:
    return cell["cell_type"] == "code" and bool(cell.get("metadata", {}).get("tags"))


def _free_positions(cells: list[dict[str, Any]]) -> list[int]:
    """Indexes where a new cell would not sit right above a marked cell (its docstring source)
    nor be the notebook's first cell (its title)."""
    return [i for i in range(1, len(cells) + 1) if i == len(cells) or not _is_marked(cells[i])]


def _edit(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert markdown and an unmarked cell, delete a markdown cell, move an unmarked one."""
    cells = list(cells)
    free = _free_positions(cells)
    cells.insert(
        free[0],
        {
            "cell_type": "markdown",
            "id": "added-note",
            "metadata": {},
            "source": "Some thoughts on the data, written later.",
        },
    )
    free = _free_positions(cells)
    cells.insert(
        free[len(free) // 2],
        {
            "cell_type": "code",
            "id": "added-scratch",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "scratch_value_nobody_reads = 41 + 1\nscratch_value_nobody_reads",
        },
    )
    deletable = [
        i
        for i, c in enumerate(cells)
        if i > 0
        and c["cell_type"] == "markdown"
        and c.get("id") != "added-note"
        and (i + 1 == len(cells) or not _is_marked(cells[i + 1]))
    ]
    if deletable:
        del cells[deletable[-1]]
    moved = cells.pop(next(i for i, c in enumerate(cells) if c.get("id") == "added-scratch"))
    cells.insert(_free_positions(cells)[-1], moved)
    return cells


@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.ipynb")), ids=str)
def test_markdown_and_unmarked_cells_leave_the_package_byte_identical(
    example: str, tmp_path: Path
) -> None:
    work = tmp_path / "project"
    shutil.copytree(EXAMPLES, work)
    notebook = work / f"{example}.ipynb"
    first = _cli(work, "build", notebook.name, "-o", "out")
    assert first.returncode == 0, first.stderr
    before = _package_bytes(work / "out")
    recorded = json.loads((work / "out" / MANIFEST).read_text(encoding="utf-8"))

    data = json.loads(notebook.read_text(encoding="utf-8"))
    original_count = len(data["cells"])
    data["cells"] = _edit(data["cells"])
    assert len(data["cells"]) != original_count or data["cells"] != data["cells"][::-1]
    notebook.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    check = _cli(work, "check", notebook.name, "-o", "out")
    assert check.returncode == 0, check.stdout + check.stderr
    again = _cli(work, "build", notebook.name, "-o", "out")
    assert again.returncode == 0, again.stderr
    assert "is up to date" in again.stdout and "->" not in again.stdout, again.stdout
    assert _package_bytes(work / "out") == before

    manifest = json.loads((work / "out" / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["version"] == recorded["version"]
    assert manifest["sources"] != recorded["sources"]  # the record follows the notebook
    third = _cli(work, "build", notebook.name, "-o", "out")
    assert "is up to date" in third.stdout
    assert _cli(work, "check", notebook.name, "-o", "out").returncode == 0
