"""The shared vocabulary of nb2pkg: frozen dataclasses, no logic beyond formatting, no I/O.

Data flows one way:

    .ipynb -> Notebook -> TaggedCell... -> CellAnalysis... -> PackagePlan -> EmittedFile... -> disk

Every stage returns its result plus a list of ``Diagnostic``; only the CLI and the
server turn diagnostics into exit codes or HTTP statuses.

The notebook, tag, analysis and plan records live in ``nb2pkg.ir_cells`` and are defined when
first asked for here: a rebuild with nothing changed needs only diagnostics and files.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Location:
    """Where a diagnostic points: ``notebook.ipynb:cell 7:line 3:col 5``.

    ``cell_number`` is 1-based, as the user counts cells in the notebook;
    ``line`` and ``col`` are 1-based within the cell's source.
    """

    notebook: str
    cell_number: int | None = None
    cell_id: str | None = None
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        parts = [self.notebook]
        if self.cell_number is not None:
            parts.append(f"cell {self.cell_number}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.col is not None:
            parts.append(f"col {self.col}")
        text = ":".join(parts)
        if self.cell_id:
            text += f" [id {self.cell_id}]"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "cell_number": self.cell_number,
            "cell_id": self.cell_id,
            "line": self.line,
            "col": self.col,
        }


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the input, with a stable code and a hint on how to fix it."""

    code: str
    severity: Severity
    message: str
    location: Location | None = None
    hint: str = ""
    source_line: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_json() if self.location else None,
            "where": str(self.location) if self.location else None,
            "hint": self.hint,
            "source_line": self.source_line,
        }


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    return any(d.is_error for d in diagnostics)


@dataclass(frozen=True)
class EmittedFile:
    path: str
    """POSIX path relative to the output directory."""
    content: str


# --------------------------------------------------------------------------- API snapshot


@dataclass(frozen=True)
class ParamApi:
    name: str
    default: str | None
    """Source of the default, or None when the parameter is required."""


@dataclass(frozen=True)
class FunctionApi:
    name: str
    module: str
    params: tuple[ParamApi, ...]
    returns: tuple[str, ...]
    body_sha256: str
    """Hash of the function's generated source, to tell code-only changes."""
    kind: str = "function"
    """``function`` (a step or an exported ``def``) or ``class`` (from an export cell)."""


@dataclass(frozen=True)
class ApiSnapshot:
    functions: tuple[FunctionApi, ...]
    run_params: tuple[ParamApi, ...]


# --------------------------------------------------------------------------- the rest, on first use

if TYPE_CHECKING:
    from nb2pkg.ir_cells import (
        Cell as Cell,
    )
    from nb2pkg.ir_cells import (
        CellAnalysis as CellAnalysis,
    )
    from nb2pkg.ir_cells import (
        CellPart as CellPart,
    )
    from nb2pkg.ir_cells import (
        ImportBinding as ImportBinding,
    )
    from nb2pkg.ir_cells import (
        MagicUse as MagicUse,
    )
    from nb2pkg.ir_cells import (
        Notebook as Notebook,
    )
    from nb2pkg.ir_cells import (
        ParamPlan as ParamPlan,
    )
    from nb2pkg.ir_cells import (
        ParamSource as ParamSource,
    )
    from nb2pkg.ir_cells import (
        Role as Role,
    )
    from nb2pkg.ir_cells import (
        RunParam as RunParam,
    )
    from nb2pkg.ir_cells import (
        StepPlan as StepPlan,
    )
    from nb2pkg.ir_cells import (
        TaggedCell as TaggedCell,
    )
    from nb2pkg.ir_cells import (
        TestPlan as TestPlan,
    )

_DEFINED_ON_FIRST_USE = frozenset(
    {
        "Cell",
        "CellPart",
        "Notebook",
        "Role",
        "TaggedCell",
        "ImportBinding",
        "MagicUse",
        "CellAnalysis",
        "ParamSource",
        "ParamPlan",
        "StepPlan",
        "TestPlan",
        "RunParam",
    }
)


def __getattr__(name: str) -> Any:
    """The records of ``nb2pkg.ir_cells``, defined when first asked for."""
    if name not in _DEFINED_ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from nb2pkg import ir_cells

    value = getattr(ir_cells, name)
    globals()[name] = value
    return value
