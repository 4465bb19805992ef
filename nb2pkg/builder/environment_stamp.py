"""A stamp of the installed environment: a rebuild with nothing changed skips looking up versions.

Looking up the installed version of each recorded dependency (``importlib.metadata``, then
``packaging`` to compare it with the recorded range) costs a no-op rebuild more than the rest of
its work. Installing, upgrading or removing a distribution adds, replaces or removes its
``*.dist-info`` (or ``*.egg-info``) entry in a folder of ``sys.path``; so the environment is the
one last found to fit while the interpreter, its ``sys.path``, the distribution entries in each
of its folders (names and modification times) and the package's ``pyproject.toml`` are as the
stamp says. Other changes in those folders (a notebook saved in the working directory, which
``python -m`` puts on the path) leave the stamp as it is.

The stamp is this machine's (``.nb2pkg/environment.json``, ignored by git). It is written only
after a full check found the environment fitting, and not while a distribution entry changed
too recently for a later change in the same clock tick to show in its time.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any

STAMP_PATH = ".nb2pkg/environment.json"
SETTLED_NS = 2_000_000_000
"""An entry changed longer ago than this (2 s) shows any later change in its time."""
_DISTRIBUTION_SUFFIXES = (".dist-info", ".egg-info", ".egg-link")


def current_stamp(pyproject_sha256: str) -> dict[str, Any]:
    """The interpreter, the distribution entries of each ``sys.path`` folder (a zip file's
    modification time; None: not there) and the hash of the package's ``pyproject.toml``."""
    return {
        "python": sys.executable,
        "version": sys.version,
        "path": [
            [os.path.abspath(entry or "."), _distributions_in(entry or ".")] for entry in sys.path
        ],
        "pyproject": pyproject_sha256,
    }


def _distributions_in(entry: str) -> list[list[Any]] | int | None:
    """[name, modification time] of each distribution entry in folder ``entry``, by name; a
    file's (a zip) modification time; None when there is nothing there."""
    try:
        with os.scandir(entry) as found:
            return sorted(
                [item.name, item.stat(follow_symlinks=False).st_mtime_ns]
                for item in found
                if item.name.endswith(_DISTRIBUTION_SUFFIXES)
            )
    except NotADirectoryError:
        pass
    except OSError:
        return None
    try:
        return os.stat(entry).st_mtime_ns
    except OSError:
        return None


def matches_stamp(out_dir: Path, stamp: dict[str, Any]) -> bool:
    """Whether the stamp the last full check left in ``out_dir`` is ``stamp``."""
    try:
        recorded = json.loads((out_dir / STAMP_PATH).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return bool(recorded == stamp)


def settled(stamp: dict[str, Any]) -> bool:
    """No entry changed so recently that a change in the same clock tick could go unseen."""
    now = time.time_ns()
    times: list[int] = []
    for _, found in stamp["path"]:
        if isinstance(found, int):
            times.append(found)
        elif found is not None:
            times.extend(changed for _, changed in found)
    return all(now - changed > SETTLED_NS for changed in times)


def record_stamp(out_dir: Path, stamp: dict[str, Any]) -> None:
    """Keep ``stamp`` in ``out_dir``'s state folder, when that is a real folder and the stamp
    has settled; a stamp that cannot be written is left out (it only saves time)."""
    import tempfile  # (only when a stamp is written)

    state = out_dir / Path(STAMP_PATH).parent
    try:
        if not stat.S_ISDIR(os.lstat(state).st_mode) or not settled(stamp):
            return
        descriptor, temporary = tempfile.mkstemp(dir=state, prefix=".environment-")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(stamp, handle)
        os.replace(temporary, out_dir / STAMP_PATH)  # replaces a link, never writes through it
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
