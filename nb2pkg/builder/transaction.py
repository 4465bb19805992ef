"""One write's transaction: stage the new bytes, keep the old ones, journal the install, then
install; or put everything back (see ``nb2pkg.builder.writer`` and ``nb2pkg.builder.install``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from nb2pkg.builder import install
from nb2pkg.builder.confine import file_sha256
from nb2pkg.builder.write_plan import BACKUP_DIR, STATE_DIR, WritePlan

FileHook = Callable[[str], None]
"""Called with each relative path right after it is installed or removed (tests inject failures)."""


def apply_plan(
    plan: WritePlan,
    wanted: dict[str, bytes],
    transaction: Transaction,
    after_each_file: FileHook | None,
) -> Path | None:
    """Stage everything, journal it, then install; return the backup folder (None: none)."""
    journal = transaction.prepare(plan, wanted)
    journal.install_backup()
    for step in journal.steps:
        transaction.created(journal.install(step))
        if after_each_file is not None:
            after_each_file(step.path)
    return None if journal.backup is None else journal.out_dir / journal.backup


def _next_backup(out_dir: Path) -> str:
    root = out_dir / BACKUP_DIR
    taken = [int(p.name) for p in root.iterdir() if p.name.isdigit()] if root.is_dir() else []
    return f"{BACKUP_DIR}/{max(taken, default=0) + 1}"


class Transaction:
    """One write: the staging directory, its on-disk journal, and the directories it made."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._created_dirs: list[Path] = []
        self._staging: Path | None = None
        self._journal: install.Journal | None = None

    def staging(self) -> Path:
        if self._staging is None:
            state = self.out_dir / STATE_DIR
            self.make_parents(state / "x")
            self._staging = Path(tempfile.mkdtemp(prefix="tmp-", dir=state))
        return self._staging

    def make_parents(self, path: Path) -> None:
        missing = []
        parent = path.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for directory in reversed(missing):
            directory.mkdir()
            self._created_dirs.append(directory)

    def created(self, directories: Sequence[Path]) -> None:
        self._created_dirs.extend(directories)

    def prepare(self, plan: WritePlan, wanted: dict[str, bytes]) -> install.Journal:
        """Stage new bytes, keep old ones and back up conflicts; then save the journal.

        Until the journal is saved nothing in the package has changed; from then on a killed
        build is finished by the next one (see ``nb2pkg.builder.install``).
        """
        staging = self.staging()
        backup = _next_backup(self.out_dir) if plan.conflicting else None
        for path, _ in plan.conflicting:
            copy = staging / "backup" / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            # A symbolic link is backed up as the link: what it points to is not ours to read.
            shutil.copy2(self.out_dir / path, copy, follow_symlinks=False)
        steps = []
        for number, path in enumerate(plan.install_order(), start=1):
            target = self.out_dir / path
            replaced = path in plan.added or path in plan.changed
            if replaced:
                staged = staging / "new" / path
                staged.parent.mkdir(parents=True, exist_ok=True)
                staged.write_bytes(wanted[path])
            kept = None
            if path in plan.changed or path in plan.removed:
                kept = str(number)
                _keep(target, staging / "old" / kept)
            digest = file_sha256(target) if kept is not None else None
            steps.append(install.Step(path, replaced, kept, digest))
        journal = install.Journal(self.out_dir, staging, tuple(steps), backup)
        journal.save(install.FORWARD)
        self._journal = journal
        return journal

    def roll_back(self) -> None:
        if self._journal is not None:
            # Say so first: a build killed while undoing is undone by the next one.
            with contextlib.suppress(OSError):
                self._journal.save(install.BACKWARD)
            self._journal.finish_backward()
            self._journal.discard()
            self._journal = None
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        for directory in reversed(self._created_dirs):
            with contextlib.suppress(OSError):
                directory.rmdir()
        self._created_dirs.clear()

    def commit(self) -> None:
        if self._journal is not None:
            self._journal.discard()
            removed = [self.out_dir / s.path for s in self._journal.steps if not s.replaced]
            install.prune_empty_parents(removed, self.out_dir)
            self._journal = None
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None


def _keep(target: Path, kept: Path) -> None:
    """Keep the current bytes (and mtime) of ``target`` until the write is over."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(target, kept, follow_symlinks=False)
    except OSError:
        shutil.copy2(target, kept, follow_symlinks=False)
