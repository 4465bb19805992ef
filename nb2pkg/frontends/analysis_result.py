"""What ``nb2pkg.frontends.api.analyze_*`` returns: a notebook's plan as the user interfaces show it.

Typed here; turned into JSON (``to_json``) only where it leaves Python — the server's answers,
``nb2pkg show --format json``, the magic's ``_nb2pkg_build``-style results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nb2pkg.ir import Diagnostic, has_errors


@dataclass(frozen=True)
class MergedPart:
    """One notebook cell of a step that spans several (merged cells)."""

    number: int
    cell_id: str


@dataclass(frozen=True)
class CellParam:
    name: str
    source: str
    """Where the value comes from: ``ParamSource``'s value (a step's output, a parameter, …)."""
    default: str | None


@dataclass(frozen=True)
class CellSummary:
    cell_id: str
    number: int
    parts: tuple[MergedPart, ...]
    role: str
    name: str | None
    module: str | None
    metrics: bool
    signature: str
    """``name(a, b) -> c`` for a step or a test; what the cell holds for parameters/export."""
    params: tuple[CellParam, ...]
    returns: tuple[str, ...]
    mutates: tuple[str, ...]
    model: str | None = None
    """The ``model`` tag's name ("" for a bare ``model``); None when the cell has none."""
    predict: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "cell_id": self.cell_id,
            "number": self.number,
            "parts": [{"number": p.number, "cell_id": p.cell_id} for p in self.parts],
            "role": self.role,
            "name": self.name,
            "module": self.module,
            "metrics": self.metrics,
            "model": self.model,
            "predict": self.predict,
            "signature": self.signature,
            "params": [
                {"name": p.name, "source": p.source, "default": p.default} for p in self.params
            ],
            "returns": list(self.returns),
            "mutates": list(self.mutates),
        }


@dataclass(frozen=True)
class FunctionSummary:
    name: str
    cell_id: str
    number: int
    signature: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cell_id": self.cell_id,
            "number": self.number,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class NotebookTest:
    name: str
    cell_id: str
    number: int


@dataclass(frozen=True)
class RunParameter:
    """A parameter of the package's ``run()``."""

    name: str
    default: str | None
    annotation: str


@dataclass(frozen=True)
class NotebookAnalysis:
    notebook: str
    """The notebook's path as the user sees it."""
    package: str
    module: str
    """The module the notebook becomes ("" when it could not be read)."""
    cells: tuple[CellSummary, ...] = ()
    functions: tuple[FunctionSummary, ...] = ()
    tests: tuple[NotebookTest, ...] = ()
    parameters: tuple[RunParameter, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def has_errors(self) -> bool:
        return has_errors(self.diagnostics)

    def to_json(self, *, summaries: bool = True) -> dict[str, Any]:
        """The analysis as JSON values; ``summaries=False``: with empty ``cells`` and
        ``functions`` lists (for a caller that encodes those itself)."""
        return {
            "notebook": self.notebook,
            "package": self.package,
            "module": self.module,
            "cells": [c.to_json() for c in self.cells] if summaries else [],
            "functions": [f.to_json() for f in self.functions] if summaries else [],
            "tests": [
                {"name": t.name, "cell_id": t.cell_id, "number": t.number} for t in self.tests
            ],
            "parameters": [
                {"name": p.name, "default": p.default, "annotation": p.annotation}
                for p in self.parameters
            ],
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }
