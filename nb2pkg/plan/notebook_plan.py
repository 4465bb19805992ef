"""Cross-cell dataflow: reaching definitions in document order → each step's signature.

For every packaged cell, each name it reads before binding is wired from its latest definition
in an earlier cell: an earlier function's output (a parameter fed by that step), a literal of
the ``parameters`` cell (a parameter with that default), an import (hoisted to module top), an
``export`` cell (a module-level name), or an unmarked cell (a required ``run()`` input, with a
warning naming the cell). Names a function binds that later packaged cells read become its
return values.

Its diagnostics (NB204, NB301, NB302, NB303, NB304, NB305, NB306, NB307, NB308, NB309, NB310, NB311,
NB314, NB316, NB317, NB318, NB514, NB401, NB402) are described once, in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence
from typing import TYPE_CHECKING

from nb2pkg.analysis.packagable import packaging_problems
from nb2pkg.ir import Notebook, ParamPlan, Role, Severity, TaggedCell
from nb2pkg.plan.build_environment import FileLookup
from nb2pkg.plan.cell_plans import PACKAGED, CellPlan, NotebookPlan
from nb2pkg.plan.fixed_facts import FixedFacts
from nb2pkg.plan.planner_checks import PlannerChecks
from nb2pkg.plan.planner_reads import PlannerReads
from nb2pkg.plan.planner_state import ReadScope, module_name_for
from nb2pkg.plan.planner_steps import PlannerSteps, seeds_handed_on
from nb2pkg.plan.rebound_imports import rebound_import_reads, source_of
from nb2pkg.plan.star_import_order import Source, rebound_star_reads

if TYPE_CHECKING:
    from nb2pkg.plan.plan_facts import PlanFacts

__all__ = ["CellPlan", "NotebookPlan", "Planner", "module_name_for", "plan_notebook"]


def plan_notebook(
    notebook: Notebook,
    tagged: Sequence[TaggedCell],
    *,
    files: FileLookup,
    read_scope: ReadScope | None = None,
) -> NotebookPlan:
    """Wire the notebook's cells together. Never raises; problems come back as diagnostics.

    ``files``: which data files named by the cells exist beside the notebook (the build's
    ``nb2pkg.builder.environment.InstalledEnvironment``); ``read_scope``: where they may be
    (None: anywhere).
    """
    return Planner(notebook, tagged, files, read_scope).plan()


class Planner(PlannerReads, PlannerSteps, PlannerChecks):
    """Plans one notebook: ``plan()`` at once, or cell by cell (nb2pkg.plan.replanning)."""

    def plan(self) -> NotebookPlan:
        self._check_execution_order()
        resolved: dict[str, tuple[list[ParamPlan], list[str]]] = {}
        for item in self.tagged:
            self.read_cell(item, resolved)
        return self.finish(tuple(self._cell_plan(item, resolved) for item in self.tagged))

    def read_cell(
        self, item: TaggedCell, resolved: MutableMapping[str, tuple[list[ParamPlan], list[str]]]
    ) -> None:
        """The first pass over a cell, in document order: its problems, where the names it
        reads come from (into ``resolved``), what it defines for the cells below."""
        parsed = self.parsed[item.cell.cell_id]
        self._report_cell_problems(item, parsed.problems)
        if item.role is Role.SKIP:
            self._check_skipped_effects(item, parsed)
            return
        if item.role in PACKAGED and parsed.parses:
            self._report_cell_problems(item, packaging_problems(parsed.analysis))
        if item.role in PACKAGED and parsed.parses:
            resolved[item.cell.cell_id] = self._resolve_reads(item, parsed)
        self._record_definitions(item, parsed)

    def finish(
        self,
        cells: tuple[CellPlan, ...],
        facts: PlanFacts | None = None,
        fixed: FixedFacts | None = None,
    ) -> NotebookPlan:
        """The whole-notebook checks over the cells' plans, and the notebook's plan.

        ``facts``, ``fixed``: what the checks read of the cells' plans and of the cells, kept
        up to date by planning again (nb2pkg.plan.replanning); None: read here."""
        if facts is None:
            self._check_name_clashes(cells)
            imports = self._imports_by_module(cells)
        else:
            for plan in facts.clashing_steps():
                self._report_name_clash(plan)
            imports = facts.imports_by_module()
        self._report_rebound_imports(fixed)
        if self.star_imported_anywhere:
            self._report_rebound_star_reads(fixed)
        if facts is None or facts.seeded:
            handed = seeds_handed_on(cells)
            self._report_seeds_handed_on(cells, handed)
        else:  # no step seeds: none hands seeds on
            handed = cells
        return NotebookPlan(
            notebook=self.notebook,
            module=self.module,
            cells=handed,
            run_params=tuple(self.params.values()),
            imports=imports,
            star_imports=tuple(self.star_imports),
            requirements=self._requirements() if fixed is None else fixed.requirements,
            data_files=dict(self.data_files),
            diagnostics=tuple(self.diagnostics),
            title=self._title(),
            markdown_above=self.markdown_above,
            module_constants={
                m: tuple((n, d, c) for n, (d, c) in v.items())
                for m, v in self.module_constants.items()
            },
        )

    def _importing_cells(self, fixed: FixedFacts | None, *, star: bool) -> Iterable[int]:
        """The positions of the cells that run an import (a star import, with ``star``)."""
        if fixed is not None:
            return fixed.star_importers if star else fixed.importers
        return [
            position
            for position, item in enumerate(self.tagged)
            if item.role is not Role.SKIP
            and (analysis := self.parsed[item.cell.cell_id].analysis)
            and (analysis.star_imports if star else analysis.imports)
        ]

    def _report_rebound_imports(self, fixed: FixedFacts | None) -> None:
        import_cells = self._importing_cells(fixed, star=False)
        for found in rebound_import_reads(self.tagged, self.parsed, import_cells):
            later = found.later
            what, now = source_of(found.read)[0], source_of(later)[0]
            spelled = (
                f"from {later.module} import {later.name}"
                if later.name
                else f"import {later.module}"
            )
            self._report(
                found.item,
                "NB317",
                Severity.ERROR,
                f"`{found.name}` here is `{what}`, imported above, but cell "
                f"{found.later_cell} binds `{found.name}` to `{now}`: the package imports "
                "each name once, at the top of its module, so this cell would use the later one",
                f"import one of them under another name ({spelled} as "
                f"{later.module.split('.')[-1]}_{found.name}) and use that name below it",
                found.line,
            )

    def _report_rebound_star_reads(self, fixed: FixedFacts | None) -> None:
        star_cells = self._importing_cells(fixed, star=True)
        for found in rebound_star_reads(self.tagged, self.parsed, star_cells):
            shown = ", ".join(f"`{name}`" for name in found.names[:3])
            more = f" and {len(found.names) - 3} more" if len(found.names) > 3 else ""
            read, given = found.read, found.given
            star = given.module if given.star else read.module
            self._report(
                found.item,
                "NB316",
                Severity.ERROR,
                f"{shown}{more} here came from {self._import_text(read, found.names[0])}, "
                f"but the package runs every import first, and there "
                f"{self._import_text(given, found.names[0])} gives "
                f"{'them' if len(found.names) > 1 else 'it'}",
                f"import from {star} by name (from {star} import a, b) or as a module "
                f"(import {star}), not with *",
                found.line,
            )

    def _import_text(self, source: Source, name: str) -> str:
        imported = "*" if source.star else name
        number = self.tagged[source.position].cell.number
        return f"`from {source.module} import {imported}` (cell {number})"

    def _requirements(self) -> tuple[str, ...]:
        return tuple(
            r for t in self.tagged for r in self.parsed[t.cell.cell_id].analysis.pip_requirements
        )
