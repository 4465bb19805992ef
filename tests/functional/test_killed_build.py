"""A real build process killed (SIGKILL) after each file it installs, then built again.

The next build, after the user edited the notebook again, first finishes the killed build's
install (so the package is entirely the one that build was installing, with its manifest), then
builds the edit on top of it: no file is taken for a hand edit (NB501), nothing is mixed.
The exact bytes after each kill are checked in tests/unit/test_write.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nb2pkg.builder.manifest import load
from nb2pkg.builder.writer import interrupted
from nb2pkg.frontends.api import build
from tests.helpers import write_notebook

ROOT = Path(__file__).resolve().parents[2]

CELLS_V1 = [
    ("n = 10", ["parameters"]),
    ("data = list(range(n))", ["function:load"]),
    ("total = sum(data)", ["function:train"]),
    ("assert total > 0", ["test"]),
]
CELLS_V2 = [  # a new step and a changed one: most generated files change
    ("n = 10\nscale = 2", ["parameters"]),
    ("data = list(range(n))", ["function:load"]),
    ("total = sum(data) * scale", ["function:train"]),
    ("report = f'total={total}'", ["function:report"]),
    ("assert total > 0", ["test"]),
]
CELLS_V3 = [*CELLS_V2[:3], ("report = f'total is {total}'", ["function:report"]), CELLS_V2[4]]

DIE_AFTER = """
import os, signal, sys
from nb2pkg.builder.orchestrate import build
from nb2pkg.builder.config import resolve_config

config, _ = resolve_config([sys.argv[1]], out_dir=sys.argv[2], name="demo")
installed = []

def die(path):
    installed.append(path)
    if len(installed) == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)

sys.exit(0 if build(config, after_each_file=die).ok else 1)
"""


def build_killed_after(notebook: Path, out: Path, files: int) -> int:
    """Run a build in its own process that kills itself after ``files`` installed files."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000"}
    done = subprocess.run(
        [sys.executable, "-c", DIE_AFTER, str(notebook), str(out), str(files)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode in (-signal.SIGKILL, 0), done.stderr
    return done.returncode


def files_match_manifest(out: Path) -> str:
    """The version of the package on disk, after checking every file against the manifest."""
    manifest, problems = load(out)
    assert manifest is not None, problems
    for path, digest in manifest.files.items():
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == digest, path
    return manifest.version


def test_a_build_killed_after_each_installed_file_is_finished_and_the_next_edit_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    template = tmp_path / "template"
    template.mkdir()
    notebook = write_notebook(template / "demo.ipynb", CELLS_V1)
    first = build([notebook], template / "out", name="demo")
    assert first.ok, first.diagnostics
    (template / "out" / "NOTES.md").write_text("our own notes\n")  # not nb2pkg's: never touched

    killed = 0
    for files in range(1, 100):
        project = tmp_path / f"killed-after-{files}"
        shutil.copytree(template, project, symlinks=True)
        notebook, out = project / "demo.ipynb", project / "out"
        write_notebook(notebook, CELLS_V2)

        if build_killed_after(notebook, out, files) == 0:
            break  # fewer files than that: every boundary was tried
        killed += 1
        assert interrupted(out)  # the journal the next build replays before anything else
        write_notebook(notebook, CELLS_V3)  # the user edits the notebook, then builds
        edited = build([notebook], out, name="demo")

        assert edited.ok, [d.to_json() for d in edited.diagnostics]
        assert "NB501" not in {d.code for d in edited.diagnostics}
        # 0.2.0 (the killed build's new step) was finished first, then patched.
        assert (edited.previous_version, edited.version) == ("0.2.0", "0.2.1")
        assert files_match_manifest(out) == "0.2.1"
        assert not list((out / ".nb2pkg").glob("tmp-*"))
        assert (out / "NOTES.md").read_text() == "our own notes\n"
    assert killed >= 8, f"only {killed} file boundaries: the edit should touch more files"


def test_check_names_an_interrupted_build_until_the_next_build_finishes_it(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "demo.ipynb", CELLS_V1)
    out = tmp_path / "out"
    assert build([notebook], out, name="demo").ok
    write_notebook(notebook, CELLS_V2)
    assert build_killed_after(notebook, out, 3) == -signal.SIGKILL

    check = subprocess.run(
        [sys.executable, "-m", "nb2pkg", "check", str(notebook), "-o", str(out), "--name", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert check.returncode == 3, check.stderr
    assert "interrupted" in check.stdout + check.stderr

    assert build([notebook], out, name="demo").ok
    assert files_match_manifest(out) == "0.2.0"
