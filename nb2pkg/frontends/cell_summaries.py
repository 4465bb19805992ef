"""What an analysis shows of each cell's plan (``CellSummary``) and of each step
(``FunctionSummary``), made again only for the cells planned again after an edit.

Planning again after an edit (``nb2pkg.plan.replanning``) keeps the plan of every cell the edit
does not reach: the same object. The summaries of the last analysis of each notebook are kept
by the plans they were made from, and a plan seen before gets its summary back; a cell planned
again whose summary is equal to the one before gets that one (the same object), so the
server's answer reuses its text (``nb2pkg.frontends.server.answers``). When the cells are as
many as before, each with a step where it had one, the plans are compared place by place (at
C speed) and only the summaries of the plans that are new are made.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nb2pkg.frontends.analysis_result import CellParam, CellSummary, FunctionSummary, MergedPart
from nb2pkg.ir import ParamPlan, Role, StepPlan
from nb2pkg.plan.plan_state_views import changed_places

if TYPE_CHECKING:  # the plans come with the analysis, which a fast build does not import
    from nb2pkg.plan.cell_plans import CellPlan, NotebookPlan


@dataclass
class Shown:
    """The summaries of one analysis, with the plans they were made from."""

    cells: tuple[CellPlan, ...]
    summaries: list[CellSummary]
    functions: list[FunctionSummary]
    function_at: list[int]
    """For each cell, the index of its step's summary in ``functions`` (-1: no step)."""


class RecentSummaries:
    """The cell and function summaries of the last analysis of each of ``keep`` notebooks."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._known: OrderedDict[Hashable, Shown] = OrderedDict()
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
            previous = self._known.pop(key, None)
        shown = None if previous is None else self._in_place(previous, plan.cells)
        if shown is None:
            shown = self._by_identity(previous, plan.cells)
        with self._lock:
            self._known[key] = shown
            while len(self._known) > self.keep:
                self._known.popitem(last=False)
        return tuple(shown.summaries), tuple(shown.functions)

    def _in_place(self, previous: Shown, cells: tuple[CellPlan, ...]) -> Shown | None:
        """The previous summaries with those of the cells planned again at the same places
        made again; None when cells came or went or a cell gained or lost its step."""
        if len(previous.cells) != len(cells):
            return None
        replanned = changed_places(previous.cells, cells)
        if any((cells[i].step is None) != (previous.function_at[i] < 0) for i in replanned):
            return None
        summaries, functions = list(previous.summaries), list(previous.functions)
        for index in replanned:
            cell = cells[index]
            summary = cell_summary(cell)
            self.made += 1
            if summary != summaries[index]:  # planned again, shown as before: the same object
                summaries[index] = summary
            if cell.step is not None:
                function = _function_of(cell.step, summary)
                at = previous.function_at[index]
                if function != functions[at]:
                    functions[at] = function
        return Shown(cells, summaries, functions, previous.function_at)

    def _by_identity(self, previous: Shown | None, cells: tuple[CellPlan, ...]) -> Shown:
        """The summaries of ``cells``, those of a plan seen before (the same object) and
        those equal to the summary of a cell of the same id reused."""
        known: dict[int, tuple[CellPlan, CellSummary, FunctionSummary | None]] = {}
        by_cell: dict[str, CellSummary] = {}
        if previous is not None:
            for cell, summary, at in zip(
                previous.cells, previous.summaries, previous.function_at, strict=True
            ):
                known[id(cell)] = (cell, summary, previous.functions[at] if at >= 0 else None)
                by_cell[summary.cell_id] = summary
        summaries: list[CellSummary] = []
        functions: list[FunctionSummary] = []
        function_at: list[int] = []
        for cell in cells:
            hit = known.get(id(cell))
            if hit is not None and hit[0] is cell:  # the previous cells are alive: ids are theirs
                _, summary, function = hit
            else:
                summary = cell_summary(cell)
                self.made += 1
                earlier = by_cell.get(summary.cell_id)
                if earlier == summary:
                    summary = earlier
                function = _function_of(cell.step, summary) if cell.step is not None else None
            summaries.append(summary)
            if function is not None:
                function_at.append(len(functions))
                functions.append(function)
            else:
                function_at.append(-1)
        return Shown(cells, summaries, functions, function_at)


def function_summary(step: StepPlan) -> FunctionSummary:
    return FunctionSummary(step.name, step.cell_id, step.cell_number, step.signature)


def _function_of(step: StepPlan, summary: CellSummary) -> FunctionSummary:
    """``function_summary(step)``, the signature taken from its cell's summary (the same
    text, made once)."""
    return FunctionSummary(step.name, step.cell_id, step.cell_number, summary.signature)


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
