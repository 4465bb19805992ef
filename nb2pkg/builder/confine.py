"""Where a build may read: files it reads must resolve (symbolic links followed) inside its root.

A build reads more than its notebooks: helper modules beside them (copied into the package),
data files they name (made ``run()`` parameters), and the output directory's manifest and
CHANGELOG. A symbolic link among those must not pull a file from elsewhere on the machine
into a package (or into a diagnostic): such a file is refused with NB514 and not opened.

The root is ``confine_to`` when the build has one (the Jupyter server's root directory);
otherwise the project: the folder of the ``pyproject.toml`` (or the working directory), the
notebooks' folders and the output directory.

Its diagnostic code, NB514, is described in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nb2pkg.ir import Diagnostic, Location, Severity
from nb2pkg.notebook.reader import NotRegularFileError, read_regular_file


@dataclass(frozen=True)
class ReadScope:
    roots: tuple[Path, ...]
    """Resolved folders; a path is readable when it resolves inside one of them."""
    described: str
    """How messages name the root."""
    detail: str = ""
    """What the root is made of, for hints."""

    @classmethod
    def of(cls, folders: Iterable[Path], described: str, detail: str = "") -> ReadScope:
        roots = tuple(dict.fromkeys(_resolved(Path(f)) for f in folders))
        return cls(tuple(r for r in roots if r is not None), described, detail)

    def allows(self, path: Path) -> bool:
        real = _resolved(path)
        return real is not None and any(real == r or r in real.parents for r in self.roots)

    def refusal(
        self,
        path: Path,
        what: str,
        location: Location | None,
        *,
        severity: Severity = Severity.ERROR,
        consequence: str = "nothing was read",
    ) -> Diagnostic:
        where = self.detail or self.described
        if self._linked_out(path):
            return Diagnostic(
                "NB514",
                severity,
                f"{what} {path.name} is a symbolic link to a file outside {self.described}; "
                f"{consequence}",
                location,
                f"copy the file in instead of linking to it: a build reads only files inside "
                f"{where}",
            )
        return Diagnostic(
            "NB514",
            severity,
            f"{what} {Path(os.path.relpath(path)).as_posix()} is outside {self.described}; "
            f"{consequence}",
            location,
            f"build from a folder that holds it, or copy it in: a build reads only files inside "
            f"{where}",
        )

    def _linked_out(self, path: Path) -> bool:
        """Whether ``path``, its links left unfollowed, lies inside the scope: a link in it
        leads out."""
        spelled = Path(os.path.abspath(path))
        return any(spelled == r or r in spelled.parents for r in self.roots)


def build_scope(
    project_root: Path, notebooks: Iterable[Path], out_dir: Path, confine_to: Path | None
) -> ReadScope:
    if confine_to is not None:
        return ReadScope.of([confine_to], "the server's root directory")
    folders = [project_root, out_dir, *(Path(n).parent for n in notebooks)]
    return ReadScope.of(
        folders,
        "the project",
        "the project's folder (of its pyproject.toml, else the working directory), the "
        "notebooks' folders and the output directory",
    )


def file_sha256(path: Path) -> str | None:
    """The sha256 of the regular file at ``path``; None when there is none.

    A symbolic link is hashed as the link (its target's name), never followed: comparing an
    output directory with its manifest reads nothing from elsewhere, and a link nb2pkg did
    not put there never matches a file it wrote.
    """
    try:
        if path.is_symlink():
            return hashlib.sha256(b"symbolic link to " + os.fsencode(os.readlink(path))).hexdigest()
        return hashlib.sha256(read_regular_file(path)).hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, NotRegularFileError):
        return None


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
