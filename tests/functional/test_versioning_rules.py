"""Each version rule of DESIGN.md, on real notebook edits built with ``nb2pkg.frontends.api.build``.

A small notebook is built once at 1.0.0 (so major, minor and patch bumps are distinct), then
edited the way a data scientist would (drop a cell, rename a variable, ...) and built again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nb2pkg.builder.config import resolve_config
from nb2pkg.builder.orchestrate import build as run_build
from nb2pkg.frontends.api import build
from tests.helpers import package_files

CellSpec = tuple[str, str, str]
"""(cell id, tag or "" for an unmarked cell, source)."""

BASE_CELLS: list[CellSpec] = [
    ("params", "parameters", "lr = 0.1\nn = 10"),
    ("load", "function:load", "data = list(range(n))"),
    ("clean", "function:clean", "cleaned = [x for x in data if x % 2 == 0]"),
    ("train", "function:train", "model = sum(cleaned) * lr + len(data)"),
    ("report", "function:report", 'summary = f"model={model}"'),
    ("check", "test", "assert model > 0"),
]
BODY_CHANGED = "model = (sum(cleaned) * lr + len(data)) * 2"


def write_notebook(path: Path, cells: list[CellSpec]) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {
                "id": cell_id,
                "cell_type": "code",
                "execution_count": None,
                "metadata": {"tags": [tag]} if tag else {},
                "outputs": [],
                "source": source,
            }
            for cell_id, tag, source in cells
        ],
    }
    path.write_text(json.dumps(notebook, indent=1) + "\n")


def replace_source(cells: list[CellSpec], cell_id: str, source: str) -> list[CellSpec]:
    return [(i, tag, source if i == cell_id else text) for i, tag, text in cells]


def without(cells: list[CellSpec], cell_id: str) -> list[CellSpec]:
    return [cell for cell in cells if cell[0] != cell_id]


def built(notebook: Path, out: Path, **options: Any) -> dict[str, Any]:
    result = build([notebook], out, **options)
    data: dict[str, Any] = result.to_json()
    errors = [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert result.ok, errors
    return data


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A notebook built once at version 1.0.0: (notebook path, output dir)."""
    monkeypatch.chdir(tmp_path)
    notebook = tmp_path / "demo.ipynb"
    write_notebook(notebook, BASE_CELLS)
    first = built(notebook, tmp_path / "out", name="demo", version="1.0.0")
    assert (first["version"], first["bump"]) == ("1.0.0", "initial")
    return notebook, tmp_path / "out"


EDITS: list[tuple[str, Callable[[list[CellSpec]], list[CellSpec]], str, str, list[str]]] = [
    (
        "remove a function cell",
        lambda cells: without(cells, "report"),
        "major",
        "2.0.0",
        ["removed function `report`"],
    ),
    (
        "rename a parameter",
        lambda cells: replace_source(
            replace_source(cells, "params", "learning_rate = 0.1\nn = 10"),
            "train",
            "model = sum(cleaned) * learning_rate + len(data)",
        ),
        "major",
        "2.0.0",
        [
            "`train`: parameter `lr` renamed to `learning_rate`",
            "`run`: parameter `lr` renamed to `learning_rate`",
        ],
    ),
    (
        "reorder parameters",
        lambda cells: replace_source(cells, "train", "model = len(data) + sum(cleaned) * lr"),
        "major",
        "2.0.0",
        ["`train`: parameters reordered from (cleaned, data, lr) to (data, cleaned, lr)"],
    ),
    (
        "add a required parameter",
        lambda cells: replace_source(
            cells, "report", 'summary = f"model={model} n={len(cleaned)}"'
        ),
        "major",
        "2.0.0",
        ["`report`: added required parameter `cleaned`"],
    ),
    (
        "add a function",
        lambda cells: [*cells, ("score", "function:score", "score = model / 2")],
        "minor",
        "1.1.0",
        ["added function `score`"],
    ),
    (
        "add an optional parameter",
        lambda cells: replace_source(
            replace_source(cells, "params", "lr = 0.1\nn = 10\nseed = 0"),
            "train",
            "model = sum(cleaned) * lr + len(data) + seed",
        ),
        "minor",
        "1.1.0",
        ["`train`: added optional parameter `seed=0`", "`run`: added optional parameter `seed=0`"],
    ),
    (
        "change a body",
        lambda cells: replace_source(cells, "train", BODY_CHANGED),
        "patch",
        "1.0.1",
        ["`train`: code changed"],
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected_bump", "expected_version", "expected_changes"),
    [edit[1:] for edit in EDITS],
    ids=[edit[0] for edit in EDITS],
)
def test_a_notebook_edit_bumps_the_version_and_names_the_change_in_the_changelog(
    project: tuple[Path, Path],
    edit: Callable[[list[CellSpec]], list[CellSpec]],
    expected_bump: str,
    expected_version: str,
    expected_changes: list[str],
) -> None:
    notebook, out = project
    write_notebook(notebook, edit(BASE_CELLS))

    result = built(notebook, out)

    assert (result["bump"], result["version"], result["previous_version"]) == (
        expected_bump,
        expected_version,
        "1.0.0",
    )
    assert result["changes"] == expected_changes
    changelog = (out / "CHANGELOG.md").read_text()
    newest = changelog[changelog.index(f"## [{expected_version}]") : changelog.index("## [1.0.0]")]
    for change in expected_changes:
        assert change in newest
    assert f'__version__ = "{expected_version}"' in _init_of(out)
    assert f'version = "{expected_version}"' in (out / "pyproject.toml").read_text()


def test_breaking_change_while_0x_bumps_the_minor_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notebook = tmp_path / "demo.ipynb"
    write_notebook(notebook, BASE_CELLS)
    assert built(notebook, tmp_path / "out", name="demo")["version"] == "0.1.0"
    write_notebook(notebook, without(BASE_CELLS, "report"))

    result = built(notebook, tmp_path / "out")

    assert (result["bump"], result["version"]) == ("minor", "0.2.0")
    assert "removed function `report`" in result["changes"]


def test_rebuild_with_nothing_changed_is_up_to_date_and_touches_no_file(
    project: tuple[Path, Path],
) -> None:
    notebook, out = project
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in package_files(out)}

    result = built(notebook, out)

    assert result["up_to_date"] is True
    assert (result["bump"], result["version"], result["changes"]) == ("none", "1.0.0", [])
    assert result["changed_files"] == []
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in package_files(out)}
    assert after == before


def test_bump_and_version_overrides(project: tuple[Path, Path]) -> None:
    notebook, out = project
    write_notebook(notebook, replace_source(BASE_CELLS, "train", BODY_CHANGED))

    assert built(notebook, out, bump="major")["version"] == "2.0.0"
    write_notebook(
        notebook, replace_source(BASE_CELLS, "train", "model = (sum(cleaned) * lr + len(data)) * 3")
    )
    assert built(notebook, out, version="2.5.0")["version"] == "2.5.0"

    refused = build([notebook], out, version="2.0.0").to_json()
    assert refused["ok"] is False
    assert [d["code"] for d in refused["diagnostics"] if d["severity"] == "error"] == ["NB503"]


def _init_of(out: Path) -> str:
    (init,) = out.glob("src/*/__init__.py")
    return init.read_text()


def _nb2pkg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg.frontends.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        check=False,
    )


def test_check_is_green_after_a_build_and_red_after_a_notebook_edit(
    project: tuple[Path, Path],
) -> None:
    notebook, out = project

    green = _nb2pkg("check", notebook.name, "-o", out.name, cwd=notebook.parent)
    assert green.returncode == 0, green.stdout + green.stderr

    write_notebook(notebook, replace_source(BASE_CELLS, "train", BODY_CHANGED))
    red = _nb2pkg("check", notebook.name, "-o", out.name, cwd=notebook.parent)

    assert red.returncode != 0
    assert "demo.py" in red.stdout + red.stderr


def test_check_names_a_hand_edited_file(project: tuple[Path, Path]) -> None:
    notebook, out = project
    (generated,) = out.glob("src/*/pipeline.py")
    generated.write_text(generated.read_text() + "# tuned by hand\n")

    red = _nb2pkg("check", notebook.name, "-o", out.name, cwd=notebook.parent)

    assert red.returncode != 0
    assert "pipeline.py" in red.stdout + red.stderr
    assert "hand" in red.stdout + red.stderr


def test_build_over_a_hand_edited_file_keeps_the_edit_and_names_the_file(
    project: tuple[Path, Path],
) -> None:
    notebook, out = project
    (module,) = [p for p in out.glob("src/*/*.py") if "def train(" in p.read_text()]
    edited = module.read_text().replace("len(data)", "len(data)  # tuned by hand")
    module.write_text(edited)
    write_notebook(notebook, replace_source(BASE_CELLS, "train", BODY_CHANGED))

    refused = build([notebook], out).to_json()

    assert refused["ok"] is False
    errors = [d for d in refused["diagnostics"] if d["severity"] == "error"]
    assert [d["code"] for d in errors] == ["NB501"]
    assert module.relative_to(out).as_posix() in errors[0]["message"]
    assert module.read_text() == edited

    forced = built(notebook, out, force=True)
    assert forced["version"] == "1.0.1"
    backups = list((out / ".nb2pkg/backup").rglob(module.name))
    assert [b.read_text() for b in backups] == [edited]
    assert "tuned by hand" not in module.read_text()


def test_build_interrupted_midway_leaves_the_previous_package_intact_byte_for_byte(
    project: tuple[Path, Path],
) -> None:
    notebook, out = project
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    write_notebook(notebook, [*BASE_CELLS, ("score", "function:score", "score = model / 2")])
    config, problems = resolve_config([notebook], out_dir=out)
    assert config is not None, problems
    installed: list[str] = []

    def disk_fails_after_three_files(path: str) -> None:
        installed.append(path)
        if len(installed) == 3:
            raise OSError(28, "No space left on device", path)

    interrupted = run_build(config, after_each_file=disk_fails_after_three_files)

    assert interrupted.ok is False
    assert [d.code for d in interrupted.diagnostics if d.is_error] == ["NB508"]
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert built(notebook, out)["version"] == "1.1.0"


def test_a_deleted_generated_file_is_restored_by_the_next_build(project: tuple[Path, Path]) -> None:
    notebook, out = project
    (tracking,) = out.glob("src/*/tracking.py")
    expected = tracking.read_bytes()
    tracking.unlink()

    result = built(notebook, out)

    assert tracking.read_bytes() == expected
    assert result["changed_files"] == [tracking.relative_to(out).as_posix()]


def test_a_note_added_to_the_changelog_by_hand_survives_the_next_build(
    project: tuple[Path, Path],
) -> None:
    notebook, out = project
    changelog = out / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + "\nReleased to the team wiki.\n")
    write_notebook(notebook, replace_source(BASE_CELLS, "train", BODY_CHANGED))

    result = built(notebook, out)

    text = changelog.read_text()
    assert result["version"] == "1.0.1"
    assert text.index("## [1.0.1]") < text.index("## [1.0.0]") < text.index("team wiki")
