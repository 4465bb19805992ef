"""What a write would do to the output directory: which files it adds, changes, removes or
leaves alone, and which files on disk the hand-edit guard protects (see ``nb2pkg.builder.writer``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from nb2pkg.builder.confine import file_sha256
from nb2pkg.builder.manifest import MANIFEST_PATH, Manifest, is_plain_relative_path

STATE_DIR = ".nb2pkg"
BACKUP_DIR = f"{STATE_DIR}/backup"


@dataclass(frozen=True)
class WritePlan:
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


def plan_write(
    out_dir: Path, wanted: dict[str, bytes], previous: Manifest | None, carried_over: frozenset[str]
) -> WritePlan:
    recorded = dict(previous.files) if previous else {}
    added, changed, unchanged = set(), set(), set()
    conflicting: list[tuple[str, str]] = []
    for path, data in wanted.items():
        on_disk = file_sha256(out_dir / path)
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
        on_disk = file_sha256(out_dir / path)
        if on_disk is None:
            continue
        removed.add(path)
        if on_disk != digest:
            conflicting.append((path, "hand-edited"))
    return WritePlan(
        frozenset(added),
        frozenset(changed),
        frozenset(removed),
        frozenset(unchanged),
        tuple(sorted(conflicting)),
    )


def generatable(path: str) -> bool:
    """A relative path inside the output directory, and not where backups are kept."""
    return is_plain_relative_path(path) and not path.startswith(BACKUP_DIR + "/")
