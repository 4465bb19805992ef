"""The planner's state made once from all the cells before its passes, kept up to date cell by
cell when a notebook is planned again (nb2pkg.plan.replanning).

Made from scratch (nb2pkg.plan.planner_state) it costs a walk over every cell; here each
whole-notebook value is kept with an index of the cells that give it, and an edit of some cells
updates only what those cells gave:

- ``parsed``: each tagged cell's analysis, by its id;
- ``final_binder``: name → the last cell that binds it (the index: name → the positions of the
  cells that bind it);
- ``imported_anywhere`` (and the MLflow names among them), ``star_imported_anywhere``: made
  again from the cells that import anything, when an edited cell imports or imported;
- ``requirements``: the ``%pip install`` requirements of the cells, in order;
- ``saves_figures``: whether a cell's code names ``savefig`` (the cells that do, by position).

Each update says which keys of ``parsed``, ``imported_anywhere`` and ``final_binder`` changed,
for the cells that read them to be planned again.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.analysis.mlflow_calls import is_mlflow_name, qualified_names
from nb2pkg.analysis.saved_figures import SAVING_METHOD
from nb2pkg.ir import CellAnalysis, ImportBinding, Role, TaggedCell

MISSING: Any = object()


def final_names(item: TaggedCell, analysis: CellAnalysis) -> tuple[str, ...]:
    """The names whose value at the end of the notebook the cell may give: what it binds or
    imports, and (a function) what it changes in place; a skipped cell gives none."""
    if item.role is Role.SKIP:
        return ()
    names = (*analysis.binds, *(b.bound for b in analysis.imports))
    return (*names, *analysis.mutations) if item.role is Role.FUNCTION else names


def imports_anywhere(
    tagged: Iterable[TaggedCell], parsed: dict[str, ParsedCell]
) -> dict[str, ImportBinding]:
    """Each name some cell imports → its first import (skipped cells import nothing)."""
    found: dict[str, ImportBinding] = {}
    for item in tagged:
        if item.role is Role.SKIP:
            continue
        for binding in parsed[item.cell.cell_id].analysis.imports:
            found.setdefault(binding.bound, binding)
    return found


def mlflow_names_of(imported: dict[str, ImportBinding]) -> dict[str, str]:
    """The imported names that are MLflow's, with what they name."""
    return {
        name: target
        for name, target in qualified_names(imported.values()).items()
        if is_mlflow_name(target)
    }


def _insort(positions: list[int], position: int) -> None:
    at = bisect.bisect_left(positions, position)
    if at == len(positions) or positions[at] != position:
        positions.insert(at, position)


def _remove(positions: list[int], position: int) -> None:
    at = bisect.bisect_left(positions, position)
    if at < len(positions) and positions[at] == position:
        del positions[at]


class FixedFacts:
    """The fixed state of one notebook's planner, from its tagged cells."""

    def __init__(
        self,
        tagged: Sequence[TaggedCell],
        parsed: dict[str, ParsedCell],
        analyze: Callable[[str], ParsedCell],
    ) -> None:
        self.analyze = analyze
        self.tagged = list(tagged)
        self.parsed = dict(parsed)
        self.binders: dict[str, list[int]] = {}
        self.final_binder: dict[str, str] = {}
        self.importers: list[int] = []
        self.star_importers: set[int] = set()
        self.requirement_cells: list[int] = []
        self.figure_savers: set[int] = set()
        """The positions of the cells whose code names ``savefig`` (nb2pkg.plan.saved_figure_files)."""
        for position, item in enumerate(self.tagged):
            self._add(position, item)
        for name, positions in self.binders.items():
            self.final_binder[name] = self.tagged[positions[-1]].cell.cell_id
        self.imported_anywhere = self._imports()
        self.mlflow_names = mlflow_names_of(self.imported_anywhere)
        self.requirements = self._requirements()

    @property
    def star_imported_anywhere(self) -> bool:
        return bool(self.star_importers)

    @property
    def saves_figures(self) -> bool:
        """Whether some cell's code names ``savefig`` (else no figure is read back)."""
        return bool(self.figure_savers)

    def _analysis(self, item: TaggedCell) -> CellAnalysis:
        return self.parsed[item.cell.cell_id].analysis

    def _add(self, position: int, item: TaggedCell) -> set[str]:
        """Index the cell at ``position``; the names it may give the final value of."""
        analysis = self._analysis(item)
        names = set(final_names(item, analysis))
        for name in names:
            _insort(self.binders.setdefault(name, []), position)
        if item.role is not Role.SKIP:
            if analysis.imports:
                _insort(self.importers, position)
            if analysis.star_imports:
                self.star_importers.add(position)
        if analysis.pip_requirements:
            _insort(self.requirement_cells, position)
        if SAVING_METHOD in analysis.python_source:
            self.figure_savers.add(position)
        return names

    def _drop(self, position: int, item: TaggedCell) -> set[str]:
        analysis = self._analysis(item)
        names = set(final_names(item, analysis))
        for name in names:
            _remove(self.binders[name], position)
        _remove(self.importers, position)
        self.star_importers.discard(position)
        _remove(self.requirement_cells, position)
        self.figure_savers.discard(position)
        return names

    def _imports(self) -> dict[str, ImportBinding]:
        return imports_anywhere((self.tagged[p] for p in self.importers), self.parsed)

    def _requirements(self) -> tuple[str, ...]:
        return tuple(
            r
            for p in self.requirement_cells
            for r in self._analysis(self.tagged[p]).pip_requirements
        )

    def update(self, tagged: Sequence[TaggedCell], changed: Sequence[int]) -> dict[str, set[Any]]:
        """Hold ``tagged`` instead, the cells at the ``changed`` positions being new; the keys
        of ``parsed``, ``imported_anywhere`` and ``final_binder`` whose value changed."""
        old = {position: self.tagged[position] for position in changed}
        self.tagged = list(tagged)
        touched: set[str] = set()
        old_parsed: dict[str, ParsedCell] = {}
        imports_before = requirements_before = False
        for position, item in old.items():
            analysis = self._analysis(item)
            imports_before |= bool(analysis.imports) and item.role is not Role.SKIP
            requirements_before |= bool(analysis.pip_requirements)
            touched |= self._drop(position, item)
        for item in old.values():
            old_parsed[item.cell.cell_id] = self.parsed.pop(item.cell.cell_id)
        imports_after = requirements_after = False
        for position in changed:
            item = self.tagged[position]
            parsed = self.parsed[item.cell.cell_id] = self.analyze(item.cell.source)
            imports_after |= bool(parsed.analysis.imports) and item.role is not Role.SKIP
            requirements_after |= bool(parsed.analysis.pip_requirements)
            touched |= self._add(position, item)
        changes: dict[str, set[Any]] = {
            "parsed": {
                cell_id
                for cell_id in old_parsed.keys() | {self.tagged[p].cell.cell_id for p in changed}
                if _differs(old_parsed.get(cell_id, MISSING), self.parsed.get(cell_id, MISSING))
            },
            "final_binder": self._renew_final_binders(touched),
            "imported_anywhere": set(),
        }
        if imports_before or imports_after:
            imported, self.imported_anywhere = self.imported_anywhere, self._imports()
            changes["imported_anywhere"] = {
                key for key, _ in imported.items() ^ self.imported_anywhere.items()
            }
            if changes["imported_anywhere"]:
                self.mlflow_names = mlflow_names_of(self.imported_anywhere)
        if requirements_before or requirements_after:
            self.requirements = self._requirements()
        return changes

    def _renew_final_binders(self, names: set[str]) -> set[str]:
        changed = set()
        for name in names:
            positions = self.binders.get(name)
            if positions:
                binder = self.tagged[positions[-1]].cell.cell_id
                if self.final_binder.get(name) != binder:
                    self.final_binder[name] = binder
                    changed.add(name)
            else:
                self.binders.pop(name, None)
                if self.final_binder.pop(name, None) is not None:
                    changed.add(name)
        return changed


def _differs(before: Any, after: Any) -> bool:
    return before is not after and (before is MISSING or after is MISSING or before != after)
