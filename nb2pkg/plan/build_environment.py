"""What a plan learns from the machine it is built on, passed in as one explicit input.

The plan looks nothing up itself: the build gives it a :class:`BuildEnvironment`
(``nb2pkg.builder.environment.InstalledEnvironment``) that answers which distributions are
installed and which helper and data files sit beside the notebooks (a notebook is planned
with just the :class:`FileLookup` part).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


class FileLookup(Protocol):
    def is_file(self, path: Path) -> bool:
        """Whether ``path`` is a regular file (or a link to one)."""


class NoFiles:
    """A lookup that finds no file: for plans of cells that are not in a folder (a proposal
    planned in memory), where no literal names a data file."""

    def is_file(self, path: Path) -> bool:
        return False


class BuildEnvironment(FileLookup, Protocol):
    def installed(self, module: str) -> tuple[str, str] | None:
        """(canonical distribution name, version) of the installed distribution providing a
        top-level module; None when none is installed."""

    def reachable_dependencies(self, distributions: Iterable[str]) -> set[str]:
        """The distributions these may load: their requirements, followed through the
        required ones, and every optional extra met on the way (named, not followed further)."""

    def read_source(self, path: Path) -> str | None:
        """The text of a Python file; None when it cannot be read."""

    def python_files(self, package: Path) -> tuple[Path, ...]:
        """The ``.py`` files of a package folder and its subfolders, sorted (caches, hidden
        folders and folders that are no packages left out)."""
