"""The only module that writes to disk: install a generated package without ever losing work.

``write_package`` follows DESIGN.md's "Nothing lost":

1. **Guard.** Before anything is written, every file the build would overwrite or remove is
   compared with the previous manifest. A file whose bytes changed since the last build was
   edited by hand: the build stops, writes nothing and names it (NB501). A file the build would
   overwrite in a directory nb2pkg never wrote (no manifest), or one the manifest does not list,
   belongs to someone else: same (NB502). ``force=True`` copies each such file to
   ``<out>/.nb2pkg/backup/<n>/<relpath>`` (``n`` counts up from 1) and goes on.
2. **Stage.** Every new or changed file is written into a temporary directory inside
   ``<out>/.nb2pkg/`` (the same filesystem, so installing is a rename); the old bytes of every
   file that will be replaced or removed are kept there too (a hard link, or a copy), and so
   are the ``force`` backups. Then a journal listing the install is saved beside them.
3. **Install.** Each staged file replaces its target with ``os.replace``; files the previous
   manifest listed that the build no longer generates are removed. The manifest is installed
   last, so it describes the files on disk at every step. Any failure midway puts every
   touched path back as it was, byte for byte, before the error is reported; a build killed
   midway (SIGKILL, power cut of the process) is finished by the next build, which replays
   the journal before it reads the manifest (``nb2pkg.builder.install``). Unchanged files are never
   touched (their mtime stays).

The whole write holds an exclusive lock on the output directory (``flock``; POSIX only), so a
build from the CLI and one from JupyterLab never interleave; a build whose ``previous`` manifest
is no longer the one on disk stops (NB509) instead of undoing the other build's work.

The steps live beside it: ``write_plan`` (what changes, what the guard protects),
``transaction`` (stage, journal, install, roll back), ``write_problems`` (the diagnostics, whose
codes are described in ``nb2pkg.roles.diagnostic_codes``) and ``differences`` (for `check`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from nb2pkg.builder import install
from nb2pkg.builder.manifest import Manifest
from nb2pkg.builder.manifest import load as load_manifest
from nb2pkg.builder.transaction import FileHook, Transaction, apply_plan
from nb2pkg.builder.write_plan import STATE_DIR, WritePlan, plan_write
from nb2pkg.builder.write_problems import (
    check_paths,
    conflicts,
    escaping,
    raced,
    unfinishable,
    write_failed,
)
from nb2pkg.ir import Diagnostic, EmittedFile


@dataclass(frozen=True)
class WriteResult:
    out_dir: Path
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    backup_dir: Path | None = None
    """Where ``force`` kept the hand-edited or foreign files it overwrote; None when none."""

    @property
    def touched(self) -> tuple[str, ...]:
        return tuple(sorted((*self.added, *self.changed, *self.removed)))


def write_package(
    out_dir: Path,
    files: Sequence[EmittedFile],
    previous: Manifest | None,
    *,
    force: bool = False,
    carried_over: Collection[str] = (),
    confine_to: Path | None = None,
    after_each_file: FileHook | None = None,
) -> tuple[WriteResult | None, list[Diagnostic]]:
    """Make ``out_dir`` hold exactly ``files`` (plus its backups), or change nothing.

    ``files`` includes the manifest (``.nb2pkg/manifest.json``) when the caller wants one
    written; it is never subject to the hand-edit guard and is installed last.
    ``previous`` is the manifest read from ``out_dir`` before the build (None on a first build).
    ``carried_over`` names files whose new content the caller built from their current text on
    disk (``CHANGELOG.md``: the new entry goes above what is there), so a hand edit in them
    survives and the guard need not stop the build for it.
    ``confine_to`` (the Jupyter server's root) refuses any write that symlinks would lead
    outside that directory.
    ``after_each_file`` is called with each path right after it is installed or removed.
    """
    out_dir = Path(out_dir)
    refused = _refused(out_dir, files, previous, confine_to)
    if refused:
        return None, refused
    wanted = {f.path: f.content.encode("utf-8") for f in files}
    transaction = Transaction(out_dir)
    try:
        transaction.make_parents(out_dir / "x")
    except OSError as exc:
        return None, [write_failed(out_dir, exc)]
    with _exclusive(out_dir):
        plan, backup_dir, problems = _write_locked(
            out_dir,
            wanted,
            previous,
            transaction,
            carried_over=frozenset(carried_over),
            force=force,
            confine_to=confine_to,
            after_each_file=after_each_file,
        )
    if plan is None:
        return None, problems
    return (
        WriteResult(
            out_dir=out_dir,
            added=tuple(sorted(plan.added)),
            changed=tuple(sorted(plan.changed)),
            removed=tuple(sorted(plan.removed)),
            unchanged=tuple(sorted(plan.unchanged)),
            backup_dir=backup_dir,
        ),
        [],
    )


def _refused(
    out_dir: Path, files: Sequence[EmittedFile], previous: Manifest | None, confine_to: Path | None
) -> list[Diagnostic]:
    """Paths no write may take: not plain relative ones, repeated, or leading out of ``confine_to``."""
    problems = check_paths(out_dir, files)
    if problems or confine_to is None:
        return problems
    recorded = previous.files if previous is not None else {}
    return escaping(out_dir, [*(f.path for f in files), *recorded], confine_to)


def _write_locked(
    out_dir: Path,
    wanted: dict[str, bytes],
    previous: Manifest | None,
    transaction: Transaction,
    *,
    carried_over: frozenset[str],
    force: bool,
    confine_to: Path | None,
    after_each_file: FileHook | None,
) -> tuple[WritePlan | None, Path | None, list[Diagnostic]]:
    """Guard, stage and install while holding the lock; the plan applied and the backup folder,
    or None and why nothing was written."""
    unfinished = _finish_pending(out_dir, confine_to)
    if unfinished or _manifest_now(out_dir) != previous:
        transaction.roll_back()
        return None, None, unfinished or [raced(out_dir)]
    _remove_abandoned_staging(out_dir)
    plan = plan_write(out_dir, wanted, previous, carried_over)
    guarded = conflicts(out_dir, plan, previous)
    if guarded and not force:
        transaction.roll_back()
        return None, None, guarded
    try:
        backup_dir = apply_plan(plan, wanted, transaction, after_each_file)
    except OSError as exc:
        transaction.roll_back()
        return None, None, [write_failed(out_dir, exc)]
    except BaseException:
        transaction.roll_back()
        raise
    transaction.commit()
    return plan, backup_dir, []


@contextlib.contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` so two builds (CLI, server) never interleave."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory directory locks; builds are not serialised.
        yield
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _manifest_now(out_dir: Path) -> Manifest | None:
    manifest, _ = load_manifest(out_dir)
    return manifest


def finish_interrupted(out_dir: Path, *, confine_to: Path | None = None) -> list[Diagnostic]:
    """Finish the install of a build that was killed midway; a build calls this first.

    Afterwards the package is entirely the one the killed build was installing (or, when it
    was undoing a failed write, entirely the previous one), with the matching manifest.
    """
    out_dir = Path(out_dir)
    if not install.pending(out_dir):
        return []
    with _exclusive(out_dir):
        return _finish_pending(out_dir, confine_to)


def interrupted(out_dir: Path) -> bool:
    """Whether a build was killed while installing into ``out_dir`` (reads only)."""
    return bool(install.pending(Path(out_dir)))


def _finish_pending(out_dir: Path, confine_to: Path | None) -> list[Diagnostic]:
    """Replay each journal left in ``out_dir``; the caller holds the lock."""
    for staging in install.pending(out_dir):
        try:
            journal, direction = install.load(out_dir, staging)
        except install.JournalError as exc:
            return [unfinishable(out_dir, staging, str(exc))]
        if confine_to is not None:
            escaping_paths = escaping(out_dir, [s.path for s in journal.steps], confine_to)
            if escaping_paths:
                return escaping_paths
        try:
            journal.finish(direction)
        except OSError as exc:
            return [write_failed(out_dir, exc)]
        journal.discard()
    return []


def _remove_abandoned_staging(out_dir: Path) -> None:
    """Staging directories of a build killed before it journalled (nothing was installed)."""
    state = out_dir / STATE_DIR
    if state.is_dir():
        for leftover in state.glob("tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True)
