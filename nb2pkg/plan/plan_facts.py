"""What the whole-notebook checks read of the cells' plans, kept up to date cell by cell when a
notebook is planned again (nb2pkg.plan.replanning).

The checks (nb2pkg.plan.planner_checks) walk every cell's plan; here each thing they compute is
kept with an index of the cells that give it, and a new plan of some cells updates only what
those cells gave:

- the steps whose name clashes with a name their module imports or defines (NB311): the names
  packaged cells use, each module's exported and imported names, the steps by module and name;
- the imports each module needs: each cell's (``cell_imports``), and by module, the cells that
  need each name (the first one's import is the module's); when the imports the notebook ends
  with change, made again for the cells that load a name whose import changed;
- the steps that seed the random generators (when there is none, no seed is handed on).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from nb2pkg.ir import ImportBinding, Role
from nb2pkg.plan.cell_plans import PACKAGED, CellPlan
from nb2pkg.plan.planner_checks import CellImports, cell_imports

ImportContext = tuple[Mapping[str, ImportBinding], Mapping[str, ImportBinding], Mapping[str, str]]
"""What a cell's imports depend on beyond its plan: the imports the notebook ends with, the
first import of each name anywhere, the MLflow names."""


class PlanFacts:
    """The whole-notebook facts of one notebook's cell plans."""

    def __init__(self, cells: Sequence[CellPlan], context: ImportContext) -> None:
        self._build(cells, context)

    def _build(self, cells: Sequence[CellPlan], context: ImportContext) -> None:
        self.cells = list(cells)
        self.context = context
        self.used: Counter[str] = Counter()
        self.exported: dict[str, Counter[str]] = {}
        self.imported: dict[str, Counter[str]] = {}
        self.steps: dict[tuple[str, str], set[int]] = {}
        self.seeded: set[int] = set()
        self.needs: list[CellImports | None] = [None] * len(self.cells)
        self.targets: dict[str, list[int]] = {}
        """Module → the positions of the cells whose code lands in it."""
        self.providers: dict[str, dict[str, list[int]]] = {}
        """Module → name → the positions of the cells that need its import there."""
        self.imports: dict[str, tuple[ImportBinding, ...]] = {}
        self.users: dict[str, set[int]] = {}
        """Name → the positions of the cells whose imports depend on the context's entry for
        it (the cells that load it)."""
        for position, plan in enumerate(self.cells):
            self._add(position, plan)
        self._renew_imports(set(self.targets))

    def clashing_steps(self) -> list[CellPlan]:
        """The cells whose step is named as a name imported or defined at module level in its
        module, in order (``PlannerChecks._check_name_clashes``'s)."""
        positions: set[int] = set()
        for module, names in self.exported.items():
            for name in names:
                positions |= self.steps.get((module, name), set())
        for module, names in self.imported.items():
            for name in names:
                if self.used[name]:
                    positions |= self.steps.get((module, name), set())
        return [self.cells[p] for p in sorted(positions)]

    def imports_by_module(self) -> dict[str, tuple[ImportBinding, ...]]:
        """``PlannerChecks._imports_by_module``'s, in the same order."""
        return dict(self.imports)

    def update(
        self, cells: Sequence[CellPlan], changed: Iterable[int], context: ImportContext
    ) -> None:
        """Hold ``cells`` instead: those at the ``changed`` positions are new plans."""
        changed = set(changed)
        if context != self.context:
            for name in _changed_names(self.context, context):
                changed |= self.users.get(name, set())
            self.context = context
        changed = sorted(changed)
        touched: set[str] = set()
        for position in changed:
            touched |= self._drop(position, self.cells[position])
        self.cells = list(cells)
        for position in changed:
            touched |= self._add(position, self.cells[position])
        self._renew_imports(touched)

    def _module_names(self, plan: CellPlan) -> tuple[str, set[str], set[str]]:
        analysis = plan.parsed.analysis
        exported = set(analysis.binds) if plan.tagged.role is Role.EXPORT else set()
        imported = {b.bound for b in analysis.imports} if plan.tagged.role in PACKAGED else set()
        return plan.module, exported, imported

    def _add(self, position: int, plan: CellPlan) -> set[str]:
        """Index a cell's plan; the modules whose imports it changes."""
        if plan.tagged.role in PACKAGED:
            self.used.update(plan.parsed.analysis.uses)
        module, exported, imported = self._module_names(plan)
        self.exported.setdefault(module, Counter()).update(exported)
        self.imported.setdefault(module, Counter()).update(imported)
        if plan.step is not None:
            self.steps.setdefault((module, plan.step.name), set()).add(position)
            if plan.step.seeds:
                self.seeded.add(position)
        needs = self.needs[position] = cell_imports(plan, *self.context)
        if needs is None:
            return set()
        analysis = plan.parsed.analysis
        for name in analysis.uses | analysis.seed_uses:
            self.users.setdefault(name, set()).add(position)
        target, bindings = needs
        bisect.insort(self.targets.setdefault(target, []), position)
        providers = self.providers.setdefault(target, {})
        for name, _ in bindings:
            bisect.insort(providers.setdefault(name, []), position)
        return {target}

    def _drop(self, position: int, plan: CellPlan) -> set[str]:
        if plan.tagged.role in PACKAGED:
            self.used.subtract(plan.parsed.analysis.uses)
            _forget_zeros(self.used, plan.parsed.analysis.uses)
        module, exported, imported = self._module_names(plan)
        self.exported[module].subtract(exported)
        _forget_zeros(self.exported[module], exported)
        self.imported[module].subtract(imported)
        _forget_zeros(self.imported[module], imported)
        if plan.step is not None:
            self.steps[(module, plan.step.name)].discard(position)
            self.seeded.discard(position)
        needs = self.needs[position]
        self.needs[position] = None
        if needs is None:
            return set()
        analysis = plan.parsed.analysis
        for name in analysis.uses | analysis.seed_uses:
            self.users[name].discard(position)
        target, bindings = needs
        _remove(self.targets[target], position)
        for name, _ in bindings:
            _remove(self.providers[target][name], position)
        return {target}

    def _renew_imports(self, targets: set[str]) -> None:
        for target in targets:
            positions = self.targets.get(target)
            if not positions:
                self.targets.pop(target, None)
                self.providers.pop(target, None)
                self.imports.pop(target, None)
                continue
            providers = self.providers[target]
            first: list[tuple[int, str, ImportBinding]] = []
            for name, where in list(providers.items()):
                if not where:
                    del providers[name]
                    continue
                needs = self.needs[where[0]]
                assert needs is not None
                first.append((where[0], name, dict(needs[1])[name]))
            self.imports[target] = tuple(binding for _, _, binding in sorted(first, key=_place))
        ordered = sorted(self.imports, key=lambda target: self.targets[target][0])
        self.imports = {target: self.imports[target] for target in ordered}


def _changed_names(before: ImportContext, after: ImportContext) -> set[str]:
    """The names whose entry in one of the context's mappings changed."""
    return {
        name
        for old, new in zip(before, after, strict=True)
        for name, _ in old.items() ^ new.items()
    }


def _place(entry: tuple[int, str, Any]) -> tuple[int, str]:
    return entry[0], entry[1]


def _forget_zeros(counter: Counter[str], names: Iterable[str]) -> None:
    for name in names:
        if counter[name] <= 0:
            del counter[name]


def _remove(positions: list[int], position: int) -> None:
    at = bisect.bisect_left(positions, position)
    if at < len(positions) and positions[at] == position:
        del positions[at]
