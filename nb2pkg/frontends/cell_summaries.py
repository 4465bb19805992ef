"""What an analysis shows of each cell's plan (``CellSummary``) and of each step
(``FunctionSummary``), made again only for the cells planned again after an edit.

Planning again after an edit (``nb2pkg.plan.replanning``) keeps the plan of every cell the edit
does not reach: the same object. The summaries of the last analysis of each notebook are kept
by the plans they were made from, and a plan seen before gets its summary back; a cell planned
again whose summary is equal to the one before gets that one (the same object), so the
server's answer reuses its text (``nb2pkg.frontends.server.answers``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from nb2pkg.frontends.analysis_result import CellParam, CellSummary, FunctionSummary, MergedPart
from nb2pkg.ir import ParamPlan, Role, StepPlan

if TYPE_CHECKING:  # the plans come with the analysis, which a fast build does not import
    from nb2pkg.plan.cell_plans import CellPlan, NotebookPlan

S = TypeVar("S")

Known = dict[int, tuple[Any, Any]]
"""Summaries by the id of what they summarise, each with that object (kept alive: its id
stays its own while it is here)."""


class RecentSummaries:
    """The cell and function summaries of the last analysis of each of ``keep`` notebooks."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._known: OrderedDict[Hashable, tuple[Known, dict[str, CellSummary]]] = OrderedDict()
        self.made = 0
        """Cell summaries made so far (the others were reused; for tests)."""

    def clear(self) -> None:
        with self._lock:
            self._known.clear()

    def of(
        self, key: Hashable, plan: NotebookPlan
    ) -> tuple[tuple[CellSummary, ...], tuple[FunctionSummary, ...]]:
        """The summaries of ``plan``'s cells and steps, equal to ``cell_summary``'s and
        ``function_summary``'s; ``key`` names the notebook."""
        with self._lock:
            known, by_cell = self._known.pop(key, ({}, {}))
        now: Known = {}
        cells: list[CellSummary] = []
        functions: list[FunctionSummary] = []
        for cell in plan.cells:
            hit = known.get(id(cell))
            if hit is not None and hit[0] is cell:
                summary = hit[1]
            else:
                summary = cell_summary(cell)
                self.made += 1
                earlier = by_cell.get(summary.cell_id)
                if earlier == summary:  # planned again, shown as before: the same object
                    summary = earlier
            now[id(cell)] = (cell, summary)
            cells.append(summary)
            if cell.step is not None:
                functions.append(_recall(known, now, cell.step, function_summary))
        with self._lock:
            self._known[key] = (now, {c.cell_id: c for c in cells})
            while len(self._known) > self.keep:
                self._known.popitem(last=False)
        return tuple(cells), tuple(functions)


def _recall(known: Known, now: Known, thing: Any, make: Callable[[Any], S]) -> S:
    """``make(thing)``, or the summary ``known`` holds for this very object."""
    hit = known.get(id(thing))
    summary: S = hit[1] if hit is not None and hit[0] is thing else make(thing)
    now[id(thing)] = (thing, summary)
    return summary


def function_summary(step: StepPlan) -> FunctionSummary:
    return FunctionSummary(step.name, step.cell_id, step.cell_number, step.signature)


def cell_summary(cell: CellPlan) -> CellSummary:
    step = cell.step
    params: tuple[ParamPlan, ...] = (
        step.params if step else (cell.test.fixtures if cell.test else ())
    )
    return CellSummary(
        cell_id=cell.cell.cell_id,
        number=cell.cell.number,
        parts=tuple(MergedPart(part.number, part.cell_id) for part in cell.cell.parts),
        role=cell.tagged.role.value,
        name=cell.tagged.name,
        module=cell.tagged.module,
        metrics=cell.tagged.metrics,
        signature=_signature(cell, params),
        params=tuple(CellParam(p.name, p.source.value, p.default) for p in params),
        returns=step.returns if step else (),
        mutates=step.mutates if step else (),
        model=cell.tagged.model,
        predict=cell.tagged.predict,
    )


def _signature(cell: CellPlan, params: tuple[ParamPlan, ...]) -> str:
    """A step's or test's signature; for parameters and export cells, the names they hold."""
    if cell.step is not None:
        return cell.step.signature
    if cell.test is not None:
        return f"{cell.test.name}({', '.join(p.name for p in params)})"
    if cell.tagged.role is Role.PARAMETERS:
        return "parameters: " + ", ".join(n for n, _ in cell.parsed.analysis.literal_assignments)
    if cell.tagged.role is Role.EXPORT:
        names = cell.parsed.analysis.defines or cell.parsed.analysis.binds
        return "export: " + ", ".join(names)
    return ""
