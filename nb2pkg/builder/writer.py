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

Diagnostic codes:
  NB501 a generated file was edited by hand since the last build (would be overwritten/removed)
  NB502 the output directory holds a file nb2pkg did not generate, at a path the build writes
  NB507 a generated path is not a relative path inside the output directory, or is repeated
  NB508 writing failed (permissions, disk full, a directory in the way); nothing was changed
  NB509 another build changed the output directory after this build read its manifest
  NB512 a write would leave the directory given as ``confine_to`` (a symbolic link points out)
  NB513 an interrupted build left a journal that cannot be replayed (damaged, or not nb2pkg's)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from nb2pkg.builder import install
from nb2pkg.builder.confine import file_sha256
from nb2pkg.builder.manifest import MANIFEST_PATH, Manifest, is_plain_relative_path, sha256_text
from nb2pkg.builder.manifest import load as load_manifest
from nb2pkg.ir import Diagnostic, EmittedFile, Location, Severity

STATE_DIR = ".nb2pkg"
BACKUP_DIR = f"{STATE_DIR}/backup"

FileHook = Callable[[str], None]
"""Called with each relative path right after it is installed or removed (tests inject failures)."""


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


class Difference(str, Enum):
    STALE = "stale"
    """On disk as the last build wrote it, but a build now would write something else."""
    HAND_EDITED = "hand-edited"
    """Differs from what the last build wrote."""
    MISSING = "missing"
    EXTRA = "extra"
    """The last build wrote it; a build now would remove it."""


@dataclass(frozen=True)
class FileDifference:
    path: str
    kind: Difference

    def __str__(self) -> str:
        return f"{self.path}: {self.kind.value}"


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
    problems = _check_paths(out_dir, files)
    if problems:
        return None, problems
    if confine_to is not None:
        recorded = previous.files if previous is not None else {}
        escaping = _escaping(out_dir, [*(f.path for f in files), *recorded], confine_to)
        if escaping:
            return None, escaping

    wanted = {f.path: f.content.encode("utf-8") for f in files}
    transaction = _Transaction(out_dir)
    try:
        transaction.make_parents(out_dir / "x")
    except OSError as exc:
        return None, [_write_failed(out_dir, exc)]
    with _exclusive(out_dir):
        unfinished = _finish_pending(out_dir, confine_to)
        if unfinished or _manifest_now(out_dir) != previous:
            transaction.roll_back()
            return None, unfinished or [_raced(out_dir)]
        _remove_abandoned_staging(out_dir)
        plan = _plan(out_dir, wanted, previous, frozenset(carried_over))
        conflicts = _conflicts(out_dir, plan, previous)
        if conflicts and not force:
            transaction.roll_back()
            return None, conflicts
        try:
            backup_dir = _apply(plan, wanted, transaction, after_each_file)
        except OSError as exc:
            transaction.roll_back()
            return None, [_write_failed(out_dir, exc)]
        except BaseException:
            transaction.roll_back()
            raise
        transaction.commit()
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


def differences(out_dir: Path, files: Sequence[EmittedFile]) -> list[FileDifference]:
    """How ``out_dir`` differs from what writing ``files`` would leave there (reads only).

    Uses ``out_dir``'s own manifest to tell a stale file from a hand-edited one and to find the
    files a build would remove. An unreadable manifest counts as no manifest.
    """
    out_dir = Path(out_dir)
    previous, _ = load_manifest(out_dir)
    recorded = dict(previous.files) if previous else {}
    found: list[FileDifference] = []
    for emitted in files:
        on_disk = _sha256_of(out_dir / emitted.path)
        if on_disk is None:
            found.append(FileDifference(emitted.path, Difference.MISSING))
        elif on_disk != sha256_text(emitted.content):
            edited = emitted.path in recorded and recorded[emitted.path] != on_disk
            kind = Difference.HAND_EDITED if edited else Difference.STALE
            found.append(FileDifference(emitted.path, kind))
    generated = {f.path for f in files}
    for path in recorded:
        if path not in generated and (out_dir / path).is_file():
            found.append(FileDifference(path, Difference.EXTRA))
    return sorted(found, key=lambda d: d.path)


def changed_files(out_dir: Path, files: Sequence[EmittedFile]) -> list[str]:
    """The paths a build writing ``files`` would add, change or remove in ``out_dir``."""
    return [d.path for d in differences(out_dir, files)]


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Plan:
    added: frozenset[str]
    changed: frozenset[str]
    removed: frozenset[str]
    unchanged: frozenset[str]
    conflicting: tuple[tuple[str, str], ...]
    """(path, why) for each file on disk the guard protects: ``hand-edited`` or ``foreign``."""

    @property
    def to_write(self) -> list[str]:
        return sorted(self.added | self.changed)

    def install_order(self) -> list[str]:
        # The manifest goes last: until it is in, it describes the previous package, so an
        # interrupted install is recognised (the guard compares with the new bytes too).
        paths = sorted(self.added | self.changed | self.removed)
        return sorted(paths, key=lambda p: p == MANIFEST_PATH)


def _plan(
    out_dir: Path, wanted: dict[str, bytes], previous: Manifest | None, carried_over: frozenset[str]
) -> _Plan:
    recorded = dict(previous.files) if previous else {}
    added, changed, unchanged = set(), set(), set()
    conflicting: list[tuple[str, str]] = []
    for path, data in wanted.items():
        on_disk = _sha256_of(out_dir / path)
        new = hashlib.sha256(data).hexdigest()
        if on_disk is None:
            added.add(path)
        elif on_disk == new:
            unchanged.add(path)
        else:
            changed.add(path)
            if path == MANIFEST_PATH or path in carried_over:
                continue
            if path not in recorded:
                conflicting.append((path, "foreign"))
            elif recorded[path] != on_disk:
                conflicting.append((path, "hand-edited"))
    removed = set()
    for path, digest in recorded.items():
        if path in wanted:
            continue
        on_disk = _sha256_of(out_dir / path)
        if on_disk is None:
            continue
        removed.add(path)
        if on_disk != digest:
            conflicting.append((path, "hand-edited"))
    return _Plan(
        frozenset(added),
        frozenset(changed),
        frozenset(removed),
        frozenset(unchanged),
        tuple(sorted(conflicting)),
    )


def _conflicts(out_dir: Path, plan: _Plan, previous: Manifest | None) -> list[Diagnostic]:
    problems = []
    for path, why in plan.conflicting:
        shown = str(out_dir / path)
        if why == "hand-edited":
            action = "removed" if path in plan.removed else "overwritten"
            problems.append(
                Diagnostic(
                    code="NB501",
                    severity=Severity.ERROR,
                    message=f"{path} was edited by hand since the last build; it would be {action}",
                    location=Location(shown),
                    hint=(
                        "move the change into the notebook (generated files are rewritten from it), "
                        "or rebuild with --force, which keeps a copy under .nb2pkg/backup/"
                    ),
                )
            )
        else:
            origin = (
                "this directory was not made by nb2pkg (it has no .nb2pkg/manifest.json)"
                if previous is None
                else "the last build did not write it"
            )
            problems.append(
                Diagnostic(
                    code="NB502",
                    severity=Severity.ERROR,
                    message=f"{path} would be overwritten, and {origin}",
                    location=Location(shown),
                    hint=(
                        "choose another output directory (-o), or rebuild with --force, "
                        "which keeps a copy under .nb2pkg/backup/"
                    ),
                )
            )
    return problems


def _check_paths(out_dir: Path, files: Sequence[EmittedFile]) -> list[Diagnostic]:
    problems = []
    seen: set[str] = set()
    for emitted in files:
        if not _generatable(emitted.path):
            why = f"is not a plain relative path inside {out_dir}"
        elif emitted.path in seen:
            why = "is repeated"
        else:
            seen.add(emitted.path)
            continue
        problems.append(
            Diagnostic(
                code="NB507",
                severity=Severity.ERROR,
                message=f"generated path {emitted.path!r} {why}",
                location=Location(str(out_dir)),
                hint="this is a bug in nb2pkg; please report it with the notebook",
            )
        )
    return problems


def _generatable(path: str) -> bool:
    """A relative path inside the output directory, and not where backups are kept."""
    return is_plain_relative_path(path) and not path.startswith(BACKUP_DIR + "/")


def _escaping(out_dir: Path, paths: Sequence[str], root: Path) -> list[Diagnostic]:
    """Paths whose directory (symlinks resolved) lies outside ``root``."""
    inside = root.resolve()
    candidates = [out_dir / STATE_DIR / "x", *(out_dir / p for p in paths)]
    problems = []
    for path in candidates:
        where = path.parent.resolve()
        if where != inside and inside not in where.parents:
            problems.append(
                Diagnostic(
                    code="NB512",
                    severity=Severity.ERROR,
                    message=f"{path.parent} leads outside {root} (through a symbolic link); nothing was written",
                    location=Location(str(path)),
                    hint="build into a directory inside the server's root that has no symbolic links out of it",
                )
            )
    return problems


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
            return [_unfinishable(out_dir, staging, str(exc))]
        if confine_to is not None:
            escaping = _escaping(out_dir, [s.path for s in journal.steps], confine_to)
            if escaping:
                return escaping
        try:
            journal.finish(direction)
        except OSError as exc:
            return [_write_failed(out_dir, exc)]
        journal.discard()
    return []


def _unfinishable(out_dir: Path, staging: Path, why: str) -> Diagnostic:
    return Diagnostic(
        code="NB513",
        severity=Severity.ERROR,
        message=(
            f"a build into {out_dir} was interrupted while installing, and its journal "
            f"{staging.name}/{install.JOURNAL} cannot be used: {why}; nothing was written"
        ),
        location=Location(str(staging / install.JOURNAL)),
        hint=(
            f"compare the package with its notebooks (nb2pkg check), remove {staging}, "
            "then build again (with --force if files are reported as edited)"
        ),
    )


def _remove_abandoned_staging(out_dir: Path) -> None:
    """Staging directories of a build killed before it journalled (nothing was installed)."""
    state = out_dir / STATE_DIR
    if state.is_dir():
        for leftover in state.glob("tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True)


def _raced(out_dir: Path) -> Diagnostic:
    return Diagnostic(
        code="NB509",
        severity=Severity.ERROR,
        message=f"another build changed {out_dir} while this one was being prepared; nothing was written",
        location=Location(str(out_dir)),
        hint="build again",
    )


def _sha256_of(path: Path) -> str | None:
    """The file's sha256 (a symbolic link's own, not followed), or None when there is none."""
    return file_sha256(path)


def _write_failed(out_dir: Path, exc: OSError) -> Diagnostic:
    target = exc.filename or out_dir
    return Diagnostic(
        code="NB508",
        severity=Severity.ERROR,
        message=f"could not write the package: {exc.strerror or exc} ({target}); nothing was changed",
        location=Location(str(out_dir)),
        hint="check permissions and free space in the output directory, then build again",
    )


# --------------------------------------------------------------------------- the transaction


def _apply(
    plan: _Plan,
    wanted: dict[str, bytes],
    transaction: _Transaction,
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


class _Transaction:
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

    def prepare(self, plan: _Plan, wanted: dict[str, bytes]) -> install.Journal:
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
            digest = _sha256_of(target) if kept is not None else None
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
