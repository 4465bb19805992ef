"""`nb2pkg where` and `nb2pkg check` as a CI user meets them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.functional.test_cli import CELLS, nb2pkg
from tests.helpers import markdown_cell, write_notebook


def _line_of(file: Path, text: str) -> int:
    return next(i for i, line in enumerate(file.read_text().splitlines(), 1) if text in line)


def test_where_gives_the_line_within_the_cell_and_follows_renumbering(tmp_path: Path) -> None:
    cells = [
        *CELLS[:3],
        ("clean = [x for x in data if x % 2 == 0]\nclean = clean[:5]", ["function:clean_data"]),
        *CELLS[4:],
    ]
    write_notebook(tmp_path / "churn.ipynb", cells)
    assert nb2pkg(tmp_path, "build", "churn.ipynb", "-o", "pkg").returncode == 0
    module = tmp_path / "pkg" / "src" / "churn" / "churn.py"
    line = _line_of(module, "clean = clean[:5]")

    found = nb2pkg(tmp_path, "where", f"pkg/src/churn/churn.py:{line}")
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip().startswith("churn.ipynb:cell 4:line 2 [id ")

    # A traceback shows the installed copy: no manifest beside it, no -o needed.
    installed = tmp_path / "venv" / "lib" / "site-packages" / "churn"
    shutil.copytree(module.parent, installed)
    from_install = nb2pkg(tmp_path, "where", f"{installed / 'churn.py'}:{line}")
    assert from_install.returncode == 0, from_install.stderr
    assert from_install.stdout == found.stdout

    # A markdown cell added above renumbers the cell; where says where it is now.
    data = json.loads((tmp_path / "churn.ipynb").read_text())
    data["cells"].insert(0, markdown_cell("# Churn\nNotes.", cell_id="md-new"))
    (tmp_path / "churn.ipynb").write_text(json.dumps(data))
    moved = nb2pkg(tmp_path, "where", f"pkg/src/churn/churn.py:{line}")
    assert moved.stdout.strip().startswith("churn.ipynb:cell 5:line 2 [id ")


def test_check_without_notebooks_is_worded_for_check(tmp_path: Path) -> None:
    result = nb2pkg(tmp_path, "check")
    assert result.returncode == 1
    assert "no notebooks to check" in result.stderr
    assert "nb2pkg check NOTEBOOK.ipynb -o PACKAGE_DIR" in result.stderr
    assert "to build" not in result.stderr


def test_check_before_any_build_says_what_to_run(tmp_path: Path) -> None:
    write_notebook(tmp_path / "churn.ipynb", CELLS)
    result = nb2pkg(tmp_path, "check", "churn.ipynb", "-o", "pkg")
    assert result.returncode == 3
    assert "no package built here yet" in result.stdout
    assert "nb2pkg build churn.ipynb -o" in result.stdout
