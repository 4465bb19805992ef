"""Real builds killed (SIGKILL) at well over a hundred points, in every kind of write.

Each kill is one build process that kills itself: after its k-th installed file (the build's
``after_each_file`` hook), or at its n-th filesystem change (a replace, rename, link, unlink,
mkdir, rmdir or file opened for writing), n drawn from a seeded schedule, so points inside the
staging, the journal, each install and the clean-up are hit, the same ones on every run. The
scenarios: a first build, a rebuild with changes, ``force`` over a hand edit, a build that removes
files, and a chain of builds each killed while finishing the previous killed build's journal.

After each kill the package is checked: once the journal is finished it is entirely the old
package or entirely the new one (byte for byte, the manifest included), and the next build,
after a further edit, succeeds with no false hand-edit report (NB501) and files that match its
manifest. Killing is the only way to stop a process at an exact point, so it is one process per
kill (about half a second each).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from nb2pkg.builder.writer import finish_interrupted, interrupted
from nb2pkg.frontends.api import build
from tests.functional.test_killed_build import CELLS_V1, CELLS_V2, CELLS_V3, files_match_manifest
from tests.helpers import write_notebook

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261127
HAND_EDIT = "# edited by hand\n"

KILLED_BUILD = """
import builtins, io, os, signal, sys
from nb2pkg.builder import writer as write
from nb2pkg.builder.orchestrate import build
from nb2pkg.builder.config import resolve_config

notebook, out, unit, at, force = sys.argv[1:6]
at = int(at)
config, _ = resolve_config([notebook], out_dir=out, name="demo")
count = {"ops": 0, "files": 0, "counting": unit != "replay-op"}

def tick():
    if count["counting"]:
        count["ops"] += 1
        if unit in ("op", "replay-op") and count["ops"] == at:
            os.kill(os.getpid(), signal.SIGKILL)

def counted(function):
    def run(*args, **kwargs):
        tick()
        return function(*args, **kwargs)
    return run

for name in ("replace", "rename", "link", "unlink", "remove", "mkdir", "rmdir"):
    setattr(os, name, counted(getattr(os, name)))

def writing(function):
    def run(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            tick()
        return function(file, mode, *args, **kwargs)
    return run

builtins.open = io.open = writing(io.open)

finish = write.finish_interrupted
def replay(*args, **kwargs):
    count["counting"] = True
    try:
        return finish(*args, **kwargs)
    finally:
        count["counting"] = unit != "replay-op"
write.finish_interrupted = replay

def after_file(path):
    count["files"] += 1
    if unit == "file" and count["files"] == at:
        os.kill(os.getpid(), signal.SIGKILL)

result = build(config, force=force == "force", after_each_file=after_file)
print(count["ops"])
sys.exit(0 if result.ok else 1)
"""


def killed_build(notebook: Path, out: Path, unit: str, at: int, *, force: bool = False) -> int:
    """Run a build killed at its ``at``-th installed file (unit ``file``) or filesystem change
    (``op``; ``replay-op`` counts only while finishing an earlier killed build). Returns the exit
    status: -SIGKILL, or 0 when the build had fewer points than that."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000"}
    arguments = [str(notebook), str(out), unit, str(at), "force" if force else "-"]
    done = subprocess.run(
        [sys.executable, "-c", KILLED_BUILD, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode in (-signal.SIGKILL, 0), done.stderr
    return done.returncode


def changes_it_makes(notebook: Path, out: Path, *, force: bool = False) -> int:
    """The number of filesystem changes a build makes (run to the end, in a process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000"}
    arguments = [str(notebook), str(out), "count", "0", "force" if force else "-"]
    done = subprocess.run(
        [sys.executable, "-c", KILLED_BUILD, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    return int(done.stdout.split()[-1])


def package_files(out: Path) -> dict[str, bytes]:
    """The package on disk: every file but nb2pkg's working state (the manifest is kept)."""
    files = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if path.is_file() and (
            not relative.startswith(".nb2pkg/") or relative == ".nb2pkg/manifest.json"
        ):
            files[relative] = path.read_bytes()
    return files


def differing(on_disk: dict[str, bytes], *packages: dict[str, bytes]) -> list[list[str]]:
    """For each package, the paths whose bytes on disk are not its own."""
    return [
        sorted(p for p in {*on_disk, *package} if on_disk.get(p) != package.get(p))
        for package in packages
    ]


class Scenario:
    """A project before a write (``prepare``), the notebook the write builds, and the package
    before and after that write, built once without a kill."""

    def __init__(
        self,
        base: Path,
        prepare: Callable[[Path], None],
        cells: list[tuple[str, list[str]]],
        *,
        force: bool = False,
    ) -> None:
        self.base, self.cells, self.force = base, cells, force
        # Every copy is made at the same path, as the package names its notebook's path.
        self.work = base / "project"
        self.work.mkdir()
        write_notebook(self.work / "demo.ipynb", CELLS_V1)
        prepare(self.work)
        self.old = package_files(self.work / "out") if (self.work / "out").exists() else {}
        self.template = self.work.rename(base / "template")
        reference = self.fresh()
        assert build([reference / "demo.ipynb"], reference / "out", name="demo", force=force).ok
        self.new = package_files(reference / "out")
        assert self.new != self.old
        self.kills = 0

    def fresh(self) -> Path:
        """The project as it was before the write, with the write's notebook."""
        if self.work.exists():
            shutil.rmtree(self.work)
        shutil.copytree(self.template, self.work, symlinks=True)
        write_notebook(self.work / "demo.ipynb", self.cells)
        return self.work

    def check_after_kill(self, project: Path) -> None:
        """Finished, the package is entirely old or entirely new; the next edit then builds."""
        out = project / "out"
        self.kills += 1
        if self.kills % 2:  # half the time the journal is finished on its own, and looked at
            assert not finish_interrupted(out)
            on_disk = package_files(out) if out.exists() else {}
            assert on_disk in (self.old, self.new), differing(on_disk, self.old, self.new)
        write_notebook(project / "demo.ipynb", CELLS_V3)
        readme = out / "README.md"
        if readme.exists() and HAND_EDIT in readme.read_text():
            # The forced build was killed before it began to install: the hand edit is still
            # there, the only one reported, and a forced build takes it over.
            refused = build([project / "demo.ipynb"], out, name="demo")
            found = [d.to_json() for d in refused.diagnostics]
            assert not refused.ok and {d.code for d in refused.diagnostics} == {"NB501"}, found
            assert "README.md" in str(found), found
            edited = build([project / "demo.ipynb"], out, name="demo", force=True)
        else:
            edited = build([project / "demo.ipynb"], out, name="demo")
            assert "NB501" not in {d.code for d in edited.diagnostics}
        if self.force:  # the hand edit was kept as a backup, whichever build took it over
            assert HAND_EDIT in (out / ".nb2pkg/backup/1/README.md").read_text()
        assert edited.ok, [d.to_json() for d in edited.diagnostics]
        files_match_manifest(out)
        assert not interrupted(out) and not list((out / ".nb2pkg").glob("tmp-*"))


def first_build(project: Path) -> None:
    """Nothing built yet."""


def built_v1(project: Path) -> None:
    assert build([project / "demo.ipynb"], project / "out", name="demo").ok


def built_v2(project: Path) -> None:
    write_notebook(project / "demo.ipynb", CELLS_V2)
    assert build([project / "demo.ipynb"], project / "out", name="demo").ok


def built_v1_and_edited_by_hand(project: Path) -> None:
    built_v1(project)
    readme = project / "out" / "README.md"
    readme.write_text(readme.read_text() + HAND_EDIT)


SCENARIOS = {
    "first build": (first_build, CELLS_V2, False),
    "rebuild with changes": (built_v1, CELLS_V2, False),
    "force over a hand edit": (built_v1_and_edited_by_hand, CELLS_V2, True),
    "a build removing files": (built_v2, CELLS_V1, False),
}


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS), ids=str)
def test_killed_at_each_installed_file(tmp_path: Path, scenario: str) -> None:
    prepare, cells, force = SCENARIOS[scenario]
    story = Scenario(tmp_path, prepare, cells, force=force)
    kills = 0
    for files in range(1, 100):
        project = story.fresh()
        status = killed_build(project / "demo.ipynb", project / "out", "file", files, force=force)
        if status == 0:
            break  # every boundary was tried
        kills += 1
        assert interrupted(project / "out")
        story.check_after_kill(project)
    assert kills >= 5, kills
    print(f"\n{scenario}: {kills} kills at file boundaries")


@pytest.mark.parametrize(
    ("scenario", "kills"),
    [
        ("rebuild with changes", 30),
        ("first build", 12),
        ("force over a hand edit", 12),
        ("a build removing files", 12),
    ],
    ids=str,
)
def test_killed_at_seeded_points_inside_the_write(
    tmp_path: Path, scenario: str, kills: int
) -> None:
    prepare, cells, force = SCENARIOS[scenario]
    story = Scenario(tmp_path, prepare, cells, force=force)
    counting = story.fresh()
    changes = changes_it_makes(counting / "demo.ipynb", counting / "out", force=force)
    assert changes > kills
    schedule = sorted(random.Random(f"{SEED}-{scenario}").sample(range(1, changes + 1), kills))
    for at in schedule:
        project = story.fresh()
        status = killed_build(project / "demo.ipynb", project / "out", "op", at, force=force)
        assert status == -signal.SIGKILL, at
        story.check_after_kill(project)
    print(f"\n{scenario}: {kills} kills at filesystem changes {schedule} of {changes}")


@pytest.mark.parametrize("first_kill", [1, 4, 8])
def test_builds_killed_while_finishing_a_killed_build(tmp_path: Path, first_kill: int) -> None:
    # Given a rebuild killed after its first_kill-th installed file
    story = Scenario(tmp_path, built_v1, CELLS_V2)
    project = story.fresh()
    notebook, out = project / "demo.ipynb", project / "out"
    assert killed_build(notebook, out, "file", first_kill) == -signal.SIGKILL
    kills = 1
    # When each next build is killed while replaying the journal, one change further each time
    for at in range(1, 60):
        if killed_build(notebook, out, "replay-op", at) == 0:
            break
        kills += 1
    else:
        pytest.fail("the journal was never finished")
    # Then the last build finished it: the package is entirely the new one, and edits build
    assert package_files(out) == story.new
    story.check_after_kill(project)
    assert kills >= 3, kills
    print(f"\nkilled at file {first_kill}, then {kills - 1} replays killed")
