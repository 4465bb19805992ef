"""Confine every path a request names to the server's root directory.

A request path is relative to the root, as in Jupyter's contents API. It is resolved with
symlinks followed (``os.path.realpath``), then compared with the resolved root, so neither
``..`` segments nor a symlink inside the root that points outside can lead a request out.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class PathOutsideRoot(Exception):
    """The path, once resolved, is not inside the server's root directory."""

    def __init__(self, requested: str) -> None:
        super().__init__(requested)
        self.requested = requested


MAX_PATH_CHARS = 1024
"""Longest request path resolved; Linux refuses paths over 4096 bytes anyway."""
MAX_PATH_SEGMENTS = 64
"""Most ``/``-separated segments in a request path (resolution costs grow with them)."""


class PathTooLong(Exception):
    """The path is longer, or has more segments, than the server resolves."""

    def __init__(self, requested: str, reason: str) -> None:
        super().__init__(reason)
        self.requested = requested
        self.reason = reason


class InvalidPath(Exception):
    """The path is not a usable relative path (empty, absolute, not Unicode, or with a NUL)."""

    def __init__(self, requested: str, reason: str) -> None:
        super().__init__(f"{requested!r}: {reason}")
        self.requested = requested
        self.reason = reason


def resolve_inside(root: str | Path, requested: str) -> Path:
    """The real absolute path of ``requested`` (relative to ``root``), or raise.

    Paths over the bounds are refused before any resolution (``PathTooLong``).

    The target need not exist: an output directory that a build will create is resolved
    through its nearest existing parent, which is what ``realpath`` does.
    """
    if not isinstance(requested, str) or not requested.strip():
        raise InvalidPath(str(requested), "the path is empty")
    check_bounds(requested)
    if "\x00" in requested:
        raise InvalidPath(requested, "the path contains a NUL byte")
    if not is_valid_unicode(requested):
        raise InvalidPath(requested, "the path is not valid Unicode (it holds a lone surrogate)")
    if PurePosixPath(requested).is_absolute() or Path(requested).is_absolute():
        raise InvalidPath(requested, "paths are relative to the server's root directory")
    real_root = Path(os.path.realpath(root))
    real_target = Path(os.path.realpath(real_root / requested))
    if real_target != real_root and real_root not in real_target.parents:
        raise PathOutsideRoot(requested)
    return real_target


def check_bounds(requested: str) -> None:
    """Refuse a path over the length or segment bounds, in time linear in its length."""
    if len(requested) > MAX_PATH_CHARS:
        raise PathTooLong(
            requested, f"the path has {len(requested)} characters; the limit is {MAX_PATH_CHARS}"
        )
    segments = requested.replace("\\", "/").count("/") + 1
    if segments > MAX_PATH_SEGMENTS:
        raise PathTooLong(
            requested, f"the path has {segments} segments; the limit is {MAX_PATH_SEGMENTS}"
        )


def is_valid_unicode(text: str) -> bool:
    """False for a string with a lone surrogate (JSON lets ``"\\ud800"`` through)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def relative_to_root(root: str | Path, path: Path) -> str:
    """``path`` (already resolved inside ``root``) as the user sees it: POSIX, root-relative."""
    return Path(path).relative_to(os.path.realpath(root)).as_posix()
