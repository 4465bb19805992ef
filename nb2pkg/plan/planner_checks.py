"""Whole-notebook checks: execution order, name clashes, skipped cells' effects; imports."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.ir import Cell, Diagnostic, ImportBinding, Location, Role, Severity, TaggedCell
from nb2pkg.plan.cell_plans import PACKAGED, CellPlan
from nb2pkg.plan.planner_state import PlannerState
from nb2pkg.plan.random_draws import free_draws


class PlannerChecks(PlannerState):
    def _check_execution_order(self) -> None:
        previous: tuple[int, Cell] | None = None
        ran = [
            c
            for c in self.notebook.cells
            if c.execution_count is not None and c.cell_type == "code"
        ]
        for cell in ran:
            if cell.execution_count is None:
                continue
            if previous is not None and cell.execution_count < previous[0]:
                self.diagnostics.append(
                    Diagnostic(
                        "NB301",
                        Severity.WARNING,
                        f"cells ran out of order: this cell ran as [{cell.execution_count}] after cell "
                        f"{previous[1].number} ran as [{previous[0]}]; the package follows document order",
                        Location(self.notebook.display_path, cell.number, cell.cell_id),
                        "restart the kernel and run all cells to check the notebook works top to bottom",
                    )
                )
                return
            previous = (cell.execution_count, cell)

    def _check_name_clashes(self, cells: tuple[CellPlan, ...]) -> None:
        module_level: dict[str, set[str]] = {}
        used = _all_uses(cells)
        for plan in cells:
            analysis = plan.parsed.analysis
            names = module_level.setdefault(plan.module, set())
            if plan.tagged.role is Role.EXPORT:
                names.update(analysis.binds)
            if plan.tagged.role in PACKAGED:
                names.update(b.bound for b in analysis.imports if b.bound in used)
        for plan in cells:
            if plan.step is not None and plan.step.name in module_level.get(plan.module, set()):
                self._report_name_clash(plan)

    def _report_name_clash(self, plan: CellPlan) -> None:
        """A step named as a name imported or defined at module level in its module."""
        assert plan.step is not None
        self._report(
            plan.tagged,
            "NB311",
            Severity.ERROR,
            f"function name `{plan.step.name}` clashes with a name imported or "
            f"defined at module level in `{plan.module}`",
            f"rename the function, e.g. function:{plan.step.name}_step",
            None,
        )

    def _check_skipped_effects(self, item: TaggedCell, parsed: ParsedCell) -> None:
        """A skipped cell that draws from the global RNG, sets options or writes a file a
        later step reads: the package computes something else than the notebook."""
        later = [
            t for t in self.tagged if t.role is Role.FUNCTION and t.cell.number > item.cell.number
        ]
        if not later:
            return
        analysis = parsed.analysis
        if item.cell.cell_id in self._free_draws:
            return  # what it draws changes nothing a packaged cell after it computes
        for what, line in analysis.global_state:
            self._report(
                item,
                "NB314",
                Severity.WARNING,
                f"this skipped cell calls `{what}`: it changes the global random state or an "
                "option, so packaged cells after it compute something else than the notebook",
                "seed a generator where the values are drawn (np.random.default_rng(0)), pass "
                "random_state=..., or package this cell instead of skipping it",
                line,
            )
        read_later = {
            value for t in later for value, _ in self.parsed[t.cell.cell_id].analysis.file_literals
        }
        for call, line, path in analysis.file_writes:
            if path and path in read_later:
                self._report(
                    item,
                    "NB314",
                    Severity.WARNING,
                    f"this skipped cell writes `{path}` ({call}), which a packaged cell after "
                    "it reads: the package will not write it",
                    "package this cell (tag it function:NAME) instead of skipping it",
                    line,
                )

    @functools.cached_property
    def _free_draws(self) -> set[str]:
        """Ids of the cells whose random draws no packaged cell after them depends on."""
        analyses = [
            p.analysis if (p := self.parsed[t.cell.cell_id]).parses else None for t in self.tagged
        ]
        free = free_draws(analyses, [t.role in PACKAGED for t in self.tagged])
        return {self.tagged[i].cell.cell_id for i in free}

    def _imports_by_module(
        self, cells: tuple[CellPlan, ...]
    ) -> dict[str, tuple[ImportBinding, ...]]:
        wanted: dict[str, dict[str, ImportBinding]] = {}
        for plan in cells:
            found = cell_imports(
                plan, self.import_latest, self.imported_anywhere, self.mlflow_names
            )
            if found is None:
                continue
            target, bindings = found
            bucket = wanted.setdefault(target, {})
            for name, binding in bindings:
                if name not in bucket:
                    bucket[name] = binding
        return {module: tuple(bucket.values()) for module, bucket in wanted.items()}


CellImports = tuple[str, tuple[tuple[str, ImportBinding], ...]]
"""The module a cell's code lands in (``tests`` for a test) and the imports it needs there, by
name, in name order."""


def cell_imports(
    plan: CellPlan,
    import_latest: Mapping[str, ImportBinding],
    imported_anywhere: Mapping[str, ImportBinding],
    mlflow_names: Mapping[str, str],
) -> CellImports | None:
    """The imports a cell's code needs (None: the cell is not packaged or does not parse);
    ``import_latest``: the last import of each name in the notebook."""
    if plan.tagged.role not in PACKAGED or not plan.parsed.parses:
        return None
    target = "tests" if plan.tagged.role is Role.TEST else plan.module
    analysis = plan.parsed.analysis
    own = {b.bound: b for b in analysis.imports}
    # A name the cell binds before any read is its own value, not the import's.
    rebound = set(analysis.binds) - set(analysis.reads) - own.keys()
    imported = analysis.uses & ((own.keys() | import_latest.keys()) - rebound)
    if plan.step is None:  # a step's seeds run in run(), others' where they are
        imported |= analysis.seed_uses & imported_anywhere.keys()
    found = []
    for name in sorted(imported):
        if plan.step is not None and name in mlflow_names:
            continue  # the step's MLflow calls are left out of the function
        binding = own.get(name) or import_latest.get(name) or imported_anywhere.get(name)
        if binding is not None:
            found.append((name, binding))
    return target, tuple(found)


def _all_uses(cells: tuple[CellPlan, ...]) -> set[str]:
    return {n for c in cells if c.tagged.role in PACKAGED for n in c.parsed.analysis.uses}
