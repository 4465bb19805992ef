"""The install step of a package write, recorded on disk so that a killed build is finished.

A write stages every new file and keeps the old bytes of every file it replaces or removes in
a staging directory ``<out>/.nb2pkg/tmp-*/``, then writes ``journal.json`` there, *before* the
first file of the package changes. The journal lists, in install order (the manifest last),
each path with where its new bytes are staged and where its old bytes are kept. Each install
is one ``os.replace``, so whatever instant the process dies at, every path holds either its
old or its new bytes, and the journal tells which way to finish:

- ``forward`` (the install was under way): the next build moves the remaining staged files in
  and removes the dropped ones, so the package is entirely the new one with its new manifest;
- ``backward`` (the write had failed and was undoing itself): the kept bytes go back and the
  added files away, so the package is entirely the old one.

Replaying a journal is idempotent: a staged file that is gone was installed, a kept file that
is gone was restored. A staging directory without a journal was never installed from and is
simply removed. Backups made by ``--force`` are staged too and moved into
``.nb2pkg/backup/<n>`` as the first step, so a killed forced build leaves no half backup.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nb2pkg.builder.confine import file_sha256
from nb2pkg.builder.manifest import is_plain_relative_path
from nb2pkg.builder.pending_installs import JOURNAL as JOURNAL
from nb2pkg.builder.pending_installs import pending as pending

FORWARD = "forward"
BACKWARD = "backward"
_FORMAT = 1


class JournalError(ValueError):
    """A journal that cannot be read or does not have the expected shape."""


@dataclass(frozen=True)
class Step:
    path: str
    """The package file, relative to the output directory."""
    replaced: bool
    """True when new bytes go there (staged under ``new/<path>``); False when it is removed."""
    kept: str | None
    """Name under ``old/`` of the path's previous bytes; None when nothing was there."""
    kept_sha256: str | None


@dataclass(frozen=True)
class Journal:
    out_dir: Path
    staging: Path
    steps: tuple[Step, ...]
    backup: str | None = None
    """``.nb2pkg/backup/<n>`` relative to the output directory, staged under ``backup/``."""

    # ------------------------------------------------------------------ locations

    def new(self, step: Step) -> Path:
        return self.staging / "new" / step.path

    def old(self, step: Step) -> Path | None:
        return None if step.kept is None else self.staging / "old" / step.kept

    def target(self, step: Step) -> Path:
        return self.out_dir / step.path

    @property
    def staged_backup(self) -> Path:
        return self.staging / "backup"

    # ------------------------------------------------------------------ on disk

    def save(self, direction: str) -> None:
        """Write the journal (atomically: a reader sees the old one or the new one)."""
        data = {
            "format": _FORMAT,
            "direction": direction,
            "backup": self.backup,
            "steps": [
                {
                    "path": s.path,
                    "replaced": s.replaced,
                    "kept": s.kept,
                    "kept_sha256": s.kept_sha256,
                }
                for s in self.steps
            ],
        }
        partial = self.staging / (JOURNAL + ".partial")
        partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(partial, self.staging / JOURNAL)

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.staging / JOURNAL).unlink()
        shutil.rmtree(self.staging, ignore_errors=True)

    # ------------------------------------------------------------------ forward

    def install_backup(self) -> None:
        if self.backup is not None and self.staged_backup.exists():
            destination = self.out_dir / self.backup
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.staged_backup, destination)

    def install(self, step: Step) -> list[Path]:
        """Do one step; return the directories it had to create."""
        target = self.target(step)
        created: list[Path] = []
        if step.replaced:
            staged = self.new(step)
            if not os.path.lexists(staged):
                return created  # installed before
            if target.is_file():
                shutil.copymode(target, staged)  # a file made executable by hand stays so
            else:
                created = _make_parents(target, self.out_dir)
            os.replace(staged, target)
        elif os.path.lexists(target) and _sha256_of(target) == step.kept_sha256:
            target.unlink()
        return created

    def finish_forward(self) -> None:
        self.install_backup()
        for step in self.steps:
            self.install(step)
        prune_empty_parents((self.target(s) for s in self.steps if not s.replaced), self.out_dir)

    # ------------------------------------------------------------------ backward

    def finish_backward(self) -> None:
        """Put every path back as it was; a path that cannot be restored does not stop the rest."""
        for step in reversed(self.steps):
            with contextlib.suppress(OSError):
                self._restore(step)
        prune_empty_parents((self.target(s) for s in self.steps if s.kept is None), self.out_dir)
        if self.backup is not None:
            installed = self.out_dir / self.backup
            if installed.exists() and not self.staged_backup.exists():
                shutil.rmtree(installed)
            prune_empty_parents([installed], self.out_dir)

    def _restore(self, step: Step) -> None:
        kept = self.old(step)
        target = self.target(step)
        if kept is not None:
            if os.path.lexists(kept):
                _make_parents(target, self.out_dir)
                os.replace(kept, target)  # a no-op when it is still the same file
        elif not os.path.lexists(self.new(step)) and os.path.lexists(target):
            target.unlink()  # added by this write

    def finish(self, direction: str) -> None:
        if direction == BACKWARD:
            self.finish_backward()
        else:
            self.finish_forward()


def load(out_dir: Path, staging: Path) -> tuple[Journal, str]:
    """The journal in ``staging`` and its direction; JournalError when it is unusable."""
    try:
        data = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JournalError(f"cannot read it ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise JournalError("it is not a journal this version of nb2pkg wrote")
    direction = data.get("direction")
    backup = data.get("backup")
    raw_steps = data.get("steps")
    if direction not in (FORWARD, BACKWARD) or not isinstance(raw_steps, list):
        raise JournalError("it has no direction or no steps")
    if backup is not None and not (
        isinstance(backup, str)
        and is_plain_relative_path(backup)
        and backup.startswith(".nb2pkg/backup/")
    ):
        raise JournalError(f"its backup folder {backup!r} is not inside .nb2pkg/backup/")
    steps = []
    for raw in raw_steps:
        if not isinstance(raw, dict):
            raise JournalError("a step is not an object")
        path, kept, digest = raw.get("path"), raw.get("kept"), raw.get("kept_sha256")
        if not isinstance(path, str) or not is_plain_relative_path(path):
            raise JournalError(f"the path {path!r} is not a plain relative path")
        if kept is not None and not (isinstance(kept, str) and kept.isdigit()):
            raise JournalError(f"the kept file {kept!r} is not one the writer names")
        if digest is not None and not isinstance(digest, str):
            raise JournalError("a hash is not a string")
        steps.append(Step(path, bool(raw.get("replaced")), kept, digest))
    return Journal(out_dir, staging, tuple(steps), backup), direction


def prune_empty_parents(paths: Iterable[Path], out_dir: Path) -> None:
    """Remove the directories above ``paths`` that are now empty, up to ``out_dir``."""
    for path in paths:
        directory = path.parent
        while directory != out_dir and out_dir in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                break
            directory = directory.parent


def _make_parents(target: Path, out_dir: Path) -> list[Path]:
    missing = []
    parent = target.parent
    while not parent.exists() and parent != out_dir:
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir()
    return list(reversed(missing))


def _sha256_of(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except OSError:
        return None
