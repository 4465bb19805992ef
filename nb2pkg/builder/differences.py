"""How the output directory differs from what a build would write (for `nb2pkg check`; reads only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from nb2pkg.builder.confine import file_sha256
from nb2pkg.builder.manifest import load as load_manifest
from nb2pkg.builder.manifest import sha256_text
from nb2pkg.ir import EmittedFile


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
        on_disk = file_sha256(out_dir / emitted.path)
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
