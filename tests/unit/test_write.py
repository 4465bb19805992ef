"""The package writer: transactional install, hand-edit guard, foreign directories."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nb2pkg.builder import install
from nb2pkg.builder.differences import Difference, changed_files, differences
from nb2pkg.builder.manifest import MANIFEST_PATH, Manifest, file_hashes, load, parse
from nb2pkg.builder.transaction import FileHook
from nb2pkg.builder.writer import (
    WriteResult,
    finish_interrupted,
    interrupted,
    write_package,
)
from nb2pkg.ir import ApiSnapshot, Diagnostic, EmittedFile

EMPTY_API = ApiSnapshot(functions=(), run_params=())


def package(version: str, contents: dict[str, str]) -> list[EmittedFile]:
    """Generated files plus a manifest recording their hashes, as a build hands them over."""
    files = [EmittedFile(path, text) for path, text in contents.items()]
    manifest = Manifest(
        package="demo", version=version, sources=(), api=EMPTY_API, files=file_hashes(files)
    )
    return [*files, EmittedFile(MANIFEST_PATH, manifest.to_json())]


def build(
    out: Path,
    files: list[EmittedFile],
    *,
    force: bool = False,
    after_each_file: FileHook | None = None,
) -> tuple[WriteResult | None, list[Diagnostic]]:
    """Write as a build does: finish a killed build, then read the manifest and write."""
    assert finish_interrupted(out) == []
    previous, problems = load(out)
    assert problems == []
    return write_package(out, files, previous, force=force, after_each_file=after_each_file)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes: equal snapshots mean an untouched tree."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def dirs(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


V1 = package(
    "0.1.0",
    {
        "README.md": "v1 readme\n",
        "src/demo/a.py": "A = 1\n",
        "src/demo/b.py": "B = 1\n",
        "src/demo/old.py": "OLD\n",
    },
)
V2 = package(
    "0.2.0",
    {
        "README.md": "v2 readme\n",
        "src/demo/a.py": "A = 1\n",
        "src/demo/b.py": "B = 2\n",
        "src/demo/sub/c.py": "C\n",
    },
)


def test_first_build_writes_every_file_and_leaves_no_staging(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    result, problems = build(out, V1)
    assert problems == []
    assert result is not None
    assert set(result.added) == {f.path for f in V1}
    assert snapshot(out) == {f.path: f.content.encode() for f in V1}
    assert dirs(out / ".nb2pkg") == set()


def test_rebuild_replaces_changed_adds_new_removes_dropped_and_keeps_unchanged_mtime(
    tmp_path: Path,
) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    unchanged = out / "src/demo/a.py"
    os.utime(unchanged, ns=(1_000_000_000, 1_000_000_000))

    result, problems = build(out, V2)

    assert problems == []
    assert result is not None
    assert result.changed == (".nb2pkg/manifest.json", "README.md", "src/demo/b.py")
    assert result.added == ("src/demo/sub/c.py",)
    assert result.removed == ("src/demo/old.py",)
    assert result.unchanged == ("src/demo/a.py",)
    assert snapshot(out) == {f.path: f.content.encode() for f in V2}
    assert unchanged.stat().st_mtime_ns == 1_000_000_000


def test_rebuild_with_identical_files_touches_nothing(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    for path in out.rglob("*"):
        os.utime(path, ns=(7_000_000_000, 7_000_000_000))

    result, problems = build(out, V1)

    assert problems == []
    assert result is not None and result.touched == ()
    assert all(p.stat().st_mtime_ns == 7_000_000_000 for p in out.rglob("*") if p.is_file())


@pytest.mark.parametrize("installed_before_failure", [0, 1, 2, 4])
def test_build_interrupted_midway_leaves_previous_package_intact_byte_for_byte(
    tmp_path: Path, installed_before_failure: int
) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    before = snapshot(out)
    before_dirs = dirs(out)
    installed: list[str] = []

    def crash_after_some_files(path: str) -> None:
        installed.append(path)
        if len(installed) > installed_before_failure:
            raise OSError(28, "No space left on device", str(out / path))

    result, problems = build(out, V2, after_each_file=crash_after_some_files)

    assert result is None
    assert [p.code for p in problems] == ["NB508"]
    assert "No space left on device" in problems[0].message
    assert snapshot(out) == before
    assert dirs(out) == before_dirs
    # The next build still works from the intact previous state.
    result, problems = build(out, V2)
    assert problems == [] and result is not None
    assert snapshot(out) == {f.path: f.content.encode() for f in V2}


def test_interrupt_that_is_not_an_os_error_rolls_back_then_propagates(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    before = snapshot(out)

    def interrupt(path: str) -> None:
        if path == "src/demo/b.py":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(out, V2, after_each_file=interrupt)
    assert snapshot(out) == before


def test_failed_first_build_leaves_no_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "pkg"

    def fail(path: str) -> None:
        raise OSError(13, "Permission denied", path)

    result, problems = build(out, V1, after_each_file=fail)

    assert result is None and [p.code for p in problems] == ["NB508"]
    assert not (tmp_path / "deep").exists()


def test_hand_edited_file_is_kept_and_the_error_names_it(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    edited = out / "src/demo/b.py"
    edited.write_text("B = 1  # tuned by hand\n")
    before = snapshot(out)

    result, problems = build(out, V2)

    assert result is None
    assert [p.code for p in problems] == ["NB501"]
    assert "src/demo/b.py" in problems[0].message
    assert "--force" in problems[0].hint
    assert snapshot(out) == before


def test_hand_edited_file_the_build_would_remove_is_guarded_too(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    (out / "src/demo/old.py").write_text("OLD but precious\n")

    result, problems = build(out, V2)

    assert result is None
    assert [(p.code, "src/demo/old.py" in p.message, "removed" in p.message) for p in problems] == [
        ("NB501", True, True)
    ]
    assert (out / "src/demo/old.py").read_text() == "OLD but precious\n"


def test_force_backs_up_hand_edits_then_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    (out / "src/demo/b.py").write_text("edit one\n")

    result, problems = build(out, V2, force=True)

    assert problems == [] and result is not None
    assert result.backup_dir == out / ".nb2pkg/backup/1"
    assert (out / ".nb2pkg/backup/1/src/demo/b.py").read_text() == "edit one\n"
    assert (out / "src/demo/b.py").read_text() == "B = 2\n"

    (out / "src/demo/b.py").write_text("edit two\n")
    result, _ = build(out, V1, force=True)
    assert result is not None and result.backup_dir == out / ".nb2pkg/backup/2"
    assert (out / ".nb2pkg/backup/2/src/demo/b.py").read_text() == "edit two\n"
    assert (out / ".nb2pkg/backup/1/src/demo/b.py").read_text() == "edit one\n"


def test_failed_forced_build_removes_its_backup(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    (out / "src/demo/b.py").write_text("edit\n")
    before = snapshot(out)

    def fail(path: str) -> None:
        raise OSError(5, "Input/output error", path)

    result, _ = build(out, V2, force=True, after_each_file=fail)

    assert result is None
    assert snapshot(out) == before
    assert not (out / ".nb2pkg/backup").exists()


def test_directory_not_made_by_nb2pkg_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "project"
    out.mkdir()
    (out / "README.md").write_text("my project\n")
    (out / "notes.txt").write_text("unrelated\n")
    before = snapshot(out)

    result, problems = write_package(out, V1, None)

    assert result is None
    assert [p.code for p in problems] == ["NB502"]
    assert "README.md" in problems[0].message
    assert snapshot(out) == before


def test_directory_not_made_by_nb2pkg_is_fine_when_nothing_would_be_overwritten(
    tmp_path: Path,
) -> None:
    out = tmp_path / "project"
    out.mkdir()
    (out / "notes.txt").write_text("unrelated\n")

    result, problems = write_package(out, V1, None)

    assert problems == [] and result is not None
    assert (out / "notes.txt").read_text() == "unrelated\n"


def test_forced_build_over_a_foreign_directory_keeps_a_backup(tmp_path: Path) -> None:
    out = tmp_path / "project"
    out.mkdir()
    (out / "README.md").write_text("my project\n")

    result, problems = write_package(out, V1, None, force=True)

    assert problems == [] and result is not None
    assert (out / ".nb2pkg/backup/1/README.md").read_text() == "my project\n"
    assert (out / "README.md").read_text() == "v1 readme\n"


def test_file_left_by_an_interrupted_install_is_not_taken_for_a_hand_edit(tmp_path: Path) -> None:
    # A killed process can leave new bytes on disk with the old manifest: those bytes are
    # exactly what the build writes, so there is nothing to protect.
    out = tmp_path / "pkg"
    build(out, V1)
    (out / "src/demo/b.py").write_text("B = 2\n")

    result, problems = build(out, V2)

    assert problems == [] and result is not None
    assert "src/demo/b.py" in result.unchanged


def test_paths_outside_the_output_directory_are_rejected(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    files = [
        EmittedFile("../escape.py", "x\n"),
        EmittedFile("a.py", "1\n"),
        EmittedFile("a.py", "2\n"),
        EmittedFile(".nb2pkg/backup/1/a.py", "3\n"),
    ]

    result, problems = write_package(out, files, None)

    assert result is None
    assert [(p.code, p.message.split()[-1]) for p in problems] == [
        ("NB507", str(out)),
        ("NB507", "repeated"),
        ("NB507", str(out)),
    ]
    assert not (tmp_path / "escape.py").exists() and not out.exists()


def test_directory_in_the_way_is_a_diagnostic_and_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    (out / "src/demo/sub/c.py").mkdir(parents=True)
    before = snapshot(out)

    result, problems = build(out, V2)

    assert result is None and [p.code for p in problems] == ["NB508"]
    assert snapshot(out) == before


def test_differences_name_stale_hand_edited_missing_and_extra_files(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    (out / "README.md").unlink()
    (out / "src/demo/a.py").write_text("A = 'edited'\n")

    found = {d.path: d.kind for d in differences(out, V2)}

    assert found == {
        ".nb2pkg/manifest.json": Difference.STALE,
        "README.md": Difference.MISSING,
        "src/demo/a.py": Difference.HAND_EDITED,
        "src/demo/b.py": Difference.STALE,
        "src/demo/sub/c.py": Difference.MISSING,
        "src/demo/old.py": Difference.EXTRA,
    }
    assert changed_files(out, V2) == sorted(found)


def test_no_differences_right_after_a_write(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V2)
    assert differences(out, V2) == []


def test_a_file_carried_over_from_disk_keeps_its_hand_edit_without_stopping_the_build(
    tmp_path: Path,
) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    readme = out / "README.md"
    readme.write_text("v1 readme\nA note of ours.\n")
    carried = [
        EmittedFile(f.path, "v2 entry\n" + readme.read_text()) if f.path == "README.md" else f
        for f in V2
    ]

    previous, _ = load(out)
    result, problems = write_package(out, carried, previous, carried_over={"README.md"})

    assert problems == [] and result is not None
    assert readme.read_text() == "v2 entry\nv1 readme\nA note of ours.\n"


def test_a_build_prepared_against_an_older_manifest_stops_instead_of_undoing_a_newer_build(
    tmp_path: Path,
) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    read_before_the_other_build, _ = load(out)
    build(out, V2)
    after_other_build = snapshot(out)

    result, problems = write_package(out, V1, read_before_the_other_build)

    assert result is None and [p.code for p in problems] == ["NB509"]
    assert snapshot(out) == after_other_build


def test_staging_left_by_a_killed_build_is_cleaned_up(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    abandoned = out / ".nb2pkg/tmp-killed/new/src/demo"
    abandoned.mkdir(parents=True)
    (abandoned / "b.py").write_text("half written")

    result, problems = build(out, V2)

    assert problems == [] and result is not None
    assert not (out / ".nb2pkg/tmp-killed").exists()


def _install_slowly(
    out: Path, started: Path, go: Path, results: multiprocessing.Queue[object]
) -> None:
    """Child process: a build that pauses inside its install until told to go on."""

    def pause_once(path: str) -> None:
        if not started.exists():
            started.touch()
            _wait_until(go.exists)

    previous, _ = load(out)
    result, problems = write_package(out, V2, previous, after_each_file=pause_once)
    results.put(("first", result is not None, [p.code for p in problems]))


def _install_with(out: Path, previous_json: str, results: multiprocessing.Queue[object]) -> None:
    """Child process: a build prepared against the manifest read before the other build."""
    previous, _ = parse(previous_json, MANIFEST_PATH)
    result, problems = write_package(out, V1, previous)
    results.put(("second", result is not None, [p.code for p in problems]))


def _wait_until(condition: Callable[[], bool]) -> None:
    """Poll; a generous ceiling keeps a broken build from hanging the test run."""
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting after 60 s")
        time.sleep(0.005)


def _waiting_for_a_lock(pid: int) -> bool:
    # /proc/locks marks a process blocked on a lock with "->" before the lock type.
    with open("/proc/locks") as locks:
        return any(
            line.split()[1:3] == ["->", "FLOCK"] and line.split()[5] == str(pid) for line in locks
        )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/locks")
def test_two_builds_at_once_never_interleave(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    previous_json = (out / MANIFEST_PATH).read_text()
    started, go = tmp_path / "started", tmp_path / "go"
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[object] = context.Queue()
    first = context.Process(target=_install_slowly, args=(out, started, go, results))
    second = context.Process(target=_install_with, args=(out, previous_json, results))
    try:
        first.start()
        _wait_until(lambda: started.exists() or not first.is_alive())
        second.start()
        _wait_until(lambda: _waiting_for_a_lock(second.pid or -1) or not second.is_alive())
        assert second.is_alive(), "the second build did not wait for the first"
        go.touch()
        outcomes = sorted([results.get(timeout=60), results.get(timeout=60)])  # type: ignore[type-var]
    finally:
        go.touch()
        for process in (first, second):
            process.join(timeout=60)
            if process.is_alive():
                process.kill()

    assert outcomes == [("first", True, []), ("second", False, ["NB509"])]
    assert snapshot(out) == {f.path: f.content.encode() for f in V2}


def test_a_replaced_file_keeps_its_permission_bits(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    (out / "README.md").chmod(0o640)

    build(out, V2)

    assert (out / "README.md").read_text() == "v2 readme\n"
    assert (out / "README.md").stat().st_mode & 0o777 == 0o640


def test_rollback_restores_a_symlink_as_a_symlink(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    shared = tmp_path / "shared-readme.md"
    shared.write_text("v1 readme\n")
    (out / "README.md").unlink()
    (out / "README.md").symlink_to(shared)

    def fail(path: str) -> None:
        raise OSError(28, "No space left on device", path)

    result, _ = build(out, V2, after_each_file=fail)

    assert result is None
    assert (out / "README.md").is_symlink()
    assert (out / "README.md").resolve() == shared.resolve()


def test_confined_build_refuses_a_symlink_that_leads_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    out = root / "pkg"
    (out / "src").mkdir(parents=True)
    (out / "src" / "demo").symlink_to(outside, target_is_directory=True)

    result, problems = write_package(out, V1, None, confine_to=root)

    assert result is None
    assert {p.code for p in problems} == {"NB512"}
    assert any("src/demo" in p.message for p in problems)
    assert list(outside.iterdir()) == []


def test_confined_build_inside_the_root_writes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    result, problems = write_package(root / "pkg", V1, None, confine_to=root)
    assert problems == [] and result is not None


# --------------------------------------------------------------------------- killed builds

KILLED = -9  # a child's return code after SIGKILL


def _install_then_die(out: Path, files: list[EmittedFile], force: bool, kill_at: int) -> None:
    """Child process: a build that kills itself (SIGKILL) right after its ``kill_at``-th file."""
    import signal

    installed: list[str] = []

    def die(path: str) -> None:
        installed.append(path)
        if len(installed) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    previous, _ = load(out)
    write_package(out, files, previous, force=force, after_each_file=die)
    os._exit(0)  # fewer files than kill_at: the install ended normally


def _killed_at(out: Path, files: list[EmittedFile], kill_at: int, *, force: bool = False) -> int:
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_install_then_die, args=(out, files, force, kill_at))
    child.start()
    child.join(timeout=60)
    assert child.exitcode is not None, "the build neither finished nor died"
    return child.exitcode


def package_files(files: list[EmittedFile]) -> dict[str, bytes]:
    return {f.path: f.content.encode() for f in files}


@pytest.mark.parametrize("force", [False, True])
def test_a_build_killed_after_any_installed_file_is_finished_by_the_next_one(
    tmp_path: Path, force: bool
) -> None:
    touched = {f.path for f in V2} - {"src/demo/a.py"} | {"src/demo/old.py"}
    for kill_at in range(1, len(touched) + 1):
        out = tmp_path / f"killed-after-{kill_at}"
        build(out, V1)
        if force:
            (out / "src/demo/b.py").write_text("B = 1  # tuned by hand\n")

        assert _killed_at(out, V2, kill_at, force=force) == KILLED

        assert interrupted(out)
        assert finish_interrupted(out) == []
        assert not interrupted(out)
        on_disk = snapshot(out)
        backups = {p: b for p, b in on_disk.items() if p.startswith(".nb2pkg/backup/")}
        assert {p: b for p, b in on_disk.items() if p not in backups} == package_files(V2)
        assert dirs(out / ".nb2pkg") == (
            {"backup", "backup/1", "backup/1/src", "backup/1/src/demo"} if force else set()
        )
        assert backups == (
            {".nb2pkg/backup/1/src/demo/b.py": b"B = 1  # tuned by hand\n"} if force else {}
        )
        # The next build goes on from the new package: nothing is taken for a hand edit.
        result, problems = build(out, V1)
        assert problems == [] and result is not None
        assert snapshot(out) == {**package_files(V1), **backups}


def test_a_build_killed_while_undoing_a_failed_write_is_undone_by_the_next_one(
    tmp_path: Path,
) -> None:
    for kill_at in range(1, 6):
        out = tmp_path / f"killed-after-{kill_at}"
        build(out, V1)
        before = snapshot(out)
        assert _killed_at(out, V2, kill_at) == KILLED
        (staging,) = install.pending(out)
        journal, _ = install.load(out, staging)
        journal.save(install.BACKWARD)  # as the write does before it starts undoing

        assert finish_interrupted(out) == []

        assert snapshot(out) == before
        assert dirs(out / ".nb2pkg") == set()


def test_a_build_killed_before_its_journal_leaves_the_package_untouched(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    before = snapshot(out)
    staging = out / ".nb2pkg/tmp-staged-only"
    (staging / "new/src/demo").mkdir(parents=True)
    (staging / "new/src/demo/b.py").write_text("B = 2\n")

    assert not interrupted(out)
    result, problems = build(out, V2)

    assert problems == [] and result is not None
    assert snapshot(out) == package_files(V2) != before


def test_a_damaged_journal_stops_the_build_and_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out, V1)
    assert _killed_at(out, V2, 2) == KILLED
    (staging,) = install.pending(out)
    (staging / install.JOURNAL).write_text(
        '{"format": 1, "direction": "forward", "steps": [{"path": "../../etc/passwd"}]}'
    )
    before = snapshot(out)

    problems = finish_interrupted(out)

    assert [p.code for p in problems] == ["NB513"]
    assert "../../etc/passwd" in problems[0].message and str(staging) in problems[0].hint
    assert snapshot(out) == before
    previous, _ = load(out)
    result, problems = write_package(out, V2, previous)
    assert result is None and [p.code for p in problems] == ["NB513"]
    assert snapshot(out) == before


def test_force_backs_up_a_symbolic_link_as_the_link_not_what_it_points_to(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the package\n")
    build(out, V1)
    (out / "README.md").unlink()
    (out / "README.md").symlink_to(secret)

    result, problems = build(out, V2, force=True)

    assert problems == [] and result is not None and result.backup_dir is not None
    kept = result.backup_dir / "README.md"
    assert kept.is_symlink() and os.readlink(kept) == str(secret)
    assert (out / "README.md").read_text() == "v2 readme\n" and not (out / "README.md").is_symlink()
    assert secret.read_text() == "not for the package\n"


def test_a_confined_build_does_not_finish_an_install_that_a_link_leads_outside(
    tmp_path: Path,
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    out = root / "pkg"
    build(out, V1)
    assert _killed_at(out, V2, 2) == KILLED
    (out / "src/demo").rename(outside)
    (out / "src/demo").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)

    problems = finish_interrupted(out, confine_to=root)

    assert {p.code for p in problems} == {"NB512"}
    assert snapshot(outside) == before
    assert interrupted(out)
