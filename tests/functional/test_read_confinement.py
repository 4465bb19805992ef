"""A build reads nothing outside its root through a symbolic link (nb2pkg.builder.confine).

Helper modules, data files, the output directory's CHANGELOG and the files ``--force`` backs up
are each planted as a link to a secret outside the project; the build refuses with NB514 (or,
for a data file, warns and leaves it alone), and the secret appears nowhere: not in the
package, not in a diagnostic, not in a backup, not in the server's preview.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nb2pkg.frontends.api import build
from nb2pkg.frontends.server.handlers import _preview
from nb2pkg.frontends.server.requests import PreviewRequest
from nb2pkg.frontends.server.workload import WorkLimits
from tests.helpers import write_notebook

ROOT = Path(__file__).resolve().parents[2]
SECRET = "API_TOKEN = 'not-for-any-package'"
HELPER_CELLS = [
    ("import helpers\nn = 3", ["export"]),
    ("total = helpers.double(n)", ["function:compute"]),
]


def nb2pkg(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "nb2pkg", *args],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def everything_under(folder: Path) -> str:
    """The text of every regular file under ``folder`` (links not followed)."""
    return "".join(
        p.read_text(errors="replace")
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    )


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.py"
    secret.write_text(SECRET + "\ndef double(x):\n    return 2 * x\n")
    return secret


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("target", ["secret.py", "notes.txt"])
def test_a_helper_module_linked_outside_the_project_is_refused_and_never_read(
    project: Path, secret: Path, target: str
) -> None:
    linked = secret if target == "secret.py" else secret.with_name(target)
    if linked != secret:
        linked.write_text(SECRET + "\nnot python at all: [\n")  # would not compile (NB901)
    write_notebook(project / "demo.ipynb", HELPER_CELLS)
    (project / "helpers.py").symlink_to(linked)

    result = nb2pkg(project, "build", "demo.ipynb", "--format", "json")

    assert result.returncode == 1
    assert '"NB514"' in result.stdout and "NB901" not in result.stdout
    assert "helper module helpers.py is a symbolic link to a file outside the project" in (
        result.stdout
    )
    assert '"where": "demo.ipynb:cell 1 [id cell-1]"' in result.stdout
    assert "not-for-any-package" not in result.stdout + result.stderr
    assert not (project / "demo-pkg").exists()


def test_a_helper_module_inside_the_project_is_still_copied(project: Path) -> None:
    write_notebook(project / "demo.ipynb", HELPER_CELLS)
    shared = project / "shared"
    shared.mkdir()
    (shared / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (project / "helpers.py").symlink_to(shared / "helpers.py")

    result = nb2pkg(project, "build", "demo.ipynb")

    assert result.returncode == 0, result.stderr
    assert (project / "demo-pkg/src/demo/helpers.py").read_text().startswith("def double")


def test_a_data_file_linked_outside_is_not_made_a_parameter(project: Path, secret: Path) -> None:
    write_notebook(
        project / "demo.ipynb",
        [("rows = open('rows.csv').read().splitlines()", ["function:load"])],
    )
    (project / "rows.csv").symlink_to(secret)

    result = nb2pkg(project, "build", "demo.ipynb")

    assert result.returncode == 0, result.stderr
    assert (
        "NB514" in result.stderr
        and "data file rows.csv is a symbolic link to a file outside" in result.stderr
    )
    assert "rows_csv_path" not in (project / "demo-pkg/src/demo/pipeline.py").read_text()
    assert "not-for-any-package" not in everything_under(project)


def test_a_changelog_linked_outside_the_project_is_refused(project: Path, secret: Path) -> None:
    notebook = write_notebook(project / "demo.ipynb", [("total = 1 + 2", ["function:add"])])
    assert nb2pkg(project, "build", "demo.ipynb").returncode == 0
    write_notebook(notebook, [("total = 1 + 3", ["function:add"])])
    changelog = project / "demo-pkg/CHANGELOG.md"
    changelog.unlink()
    changelog.symlink_to(secret)

    result = nb2pkg(project, "build", "demo.ipynb")

    assert result.returncode == 1
    assert (
        "NB514" in result.stderr
        and "CHANGELOG.md is a symbolic link to a file outside" in result.stderr
    )
    assert changelog.is_symlink()
    assert "not-for-any-package" not in everything_under(project)


def test_force_backs_up_a_linked_readme_as_the_link(project: Path, secret: Path) -> None:
    notebook = write_notebook(project / "demo.ipynb", [("total = 1 + 2", ["function:add"])])
    assert nb2pkg(project, "build", "demo.ipynb").returncode == 0
    write_notebook(notebook, [("total = 1 + 3", ["function:add"])])
    readme = project / "demo-pkg/README.md"
    readme.unlink()
    readme.symlink_to(secret)

    refused = nb2pkg(project, "build", "demo.ipynb")
    forced = nb2pkg(project, "build", "demo.ipynb", "--force")

    assert refused.returncode == 1 and "README.md was edited by hand" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    (kept,) = (project / "demo-pkg/.nb2pkg/backup").rglob("README.md")
    assert kept.is_symlink() and os.readlink(kept) == str(secret)
    assert not readme.is_symlink()
    assert "not-for-any-package" not in everything_under(project)


def test_a_confined_build_refuses_a_helper_linked_outside_its_root(
    tmp_path: Path, secret: Path
) -> None:
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    notebook = write_notebook(root / "notebooks/demo.ipynb", HELPER_CELLS)
    (root / "notebooks/helpers.py").symlink_to(secret)

    result = build([notebook], root / "pkg", name="demo", root=notebook.parent, confine_to=root)

    assert not result.ok
    assert [d.code for d in result.diagnostics if d.is_error] == ["NB514"]
    assert "the server's root directory" in result.diagnostics[0].message
    assert SECRET not in str(result.to_json())
    assert not (root / "pkg").exists()


def test_the_preview_refuses_a_helper_linked_outside_the_root(tmp_path: Path, secret: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    notebook = write_notebook(root / "demo.ipynb", HELPER_CELLS)
    (root / "helpers.py").symlink_to(secret)

    answer = _preview(PreviewRequest(notebook, "demo"), str(root), WorkLimits(10_000, 1_000_000))

    assert answer["ok"] is False and answer["files"] == []
    assert [d["code"] for d in answer["diagnostics"]] == ["NB514"]
    assert "not-for-any-package" not in str(answer)
