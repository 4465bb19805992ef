"""Where a build may read files from: an explicit input of the plan.

The build passes one in (``nb2pkg.builder.confine.ReadScope``); the plan asks it before it
looks at a helper module or a data file beside a notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from nb2pkg.ir import Diagnostic, Location, Severity


class ReadScope(Protocol):
    def allows(self, path: Path) -> bool:
        """Whether ``path`` resolves inside the scope (a symbolic link out of it does not)."""

    def refusal(
        self,
        path: Path,
        what: str,
        location: Location | None,
        *,
        severity: Severity = ...,
        consequence: str = ...,
    ) -> Diagnostic:
        """The NB514 diagnostic for a ``path`` the scope does not allow."""
