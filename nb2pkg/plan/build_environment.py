"""What a plan learns from the machine it is built on, passed in as one explicit input.

The plan looks nothing up itself: the build gives it a :class:`BuildEnvironment`
(``nb2pkg.builder.environment.InstalledEnvironment``) that answers which distributions are
installed and which helper files sit beside the notebooks.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


class BuildEnvironment(Protocol):
    def installed(self, module: str) -> tuple[str, str] | None:
        """(canonical distribution name, version) of the installed distribution providing a
        top-level module; None when none is installed."""

    def reachable_dependencies(self, distributions: Iterable[str]) -> set[str]:
        """The distributions these may load: their requirements, followed through the
        required ones, and every optional extra met on the way (named, not followed further)."""

    def is_file(self, path: Path) -> bool:
        """Whether ``path`` is a regular file (or a link to one)."""

    def read_source(self, path: Path) -> str | None:
        """The text of a Python file; None when it cannot be read."""
