"""Places that read the tag vocabulary or the code table on their own drifted apart; no longer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nb2pkg.builder.config import resolve_config
from nb2pkg.frontends.cli.tag_command import main as tag_main
from nb2pkg.ir import Role
from nb2pkg.notebook.reader import read_notebook
from nb2pkg.roles.diagnostic_codes import CODES
from nb2pkg.roles.resolve import tag_cells
from tests.helpers import run_cli, write_notebook


def _roles(path: Path) -> list[Role]:
    notebook, problems = read_notebook(path)
    assert notebook is not None, problems
    return [t.role for t in tag_cells(notebook)[0]]


def _tags(path: Path, index: int) -> list[str]:
    cell = json.loads(path.read_text(encoding="utf-8"))["cells"][index]
    tags: list[str] = cell.get("metadata", {}).get("tags", [])
    return tags


def test_marking_a_cell_tagged_hide_as_a_function_makes_it_one(tmp_path: Path) -> None:
    # Given a cell nbdev hides (the build reads `hide` as skip)
    path = write_notebook(tmp_path / "nb.ipynb", [("x = 1", ["hide", "nbval-skip"])])
    assert _roles(path) == [Role.SKIP]

    # When it is marked as a function
    assert tag_main(["tag", str(path), "--cell", "1", "--as", "function:make_x"]) == 0

    # Then `hide` made way for the new role, and the build sees a function
    assert _tags(path, 0) == ["nbval-skip", "function:make_x"]
    assert _roles(path) == [Role.FUNCTION]


def test_marking_a_cell_an_nbdev_directive_hides_is_refused_not_reported_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", [("#| hide\nx = 1", [])])
    before = path.read_bytes()

    assert tag_main(["tag", str(path), "--cell", "1", "--as", "function:make_x"]) == 1

    assert path.read_bytes() == before
    stderr = capsys.readouterr().err
    assert "NB605" in stderr and "#| hide" in stderr
    # An nbdev `#| export` line conflicts the same way (the build would report NB106)
    path = write_notebook(tmp_path / "nb.ipynb", [("#| export\nx = 1", [])])
    assert tag_main(["tag", str(path), "--cell", "1", "--as", "parameters"]) == 1
    assert tag_main(["tag", str(path), "--cell", "1", "--as", "export"]) == 0


def test_the_config_and_the_tag_command_no_longer_share_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", [("x = 1", ["function:make_x"])])
    (tmp_path / "pyproject.toml").write_text("[tool.nb2pkg]\nname = 3\n", encoding="utf-8")

    _, config_problems = resolve_config([path], root=tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    _, no_notebooks = resolve_config([], root=empty, stop_at=empty)
    assert tag_main(["tag", str(path), "--cell", "9", "--as", "test"]) == 1
    assert tag_main(["tag", str(path), "--cell", "1", "--as", "fonction:x"]) == 1
    tag_output = capsys.readouterr().err

    assert [p.code for p in config_problems] == ["NB521"]
    assert [p.code for p in no_notebooks] == ["NB522"]
    assert "NB601" in tag_output and "NB602" in tag_output
    assert "pyproject.toml" in CODES["NB521"].title
    assert CODES["NB522"].title.startswith("no notebooks to build")
    assert "nb2pkg tag" in CODES["NB601"].title and "nb2pkg tag" in CODES["NB602"].title


def test_the_cli_reports_the_config_codes(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "build")
    assert result.returncode == 1
    assert "error[NB522]" in result.stderr
