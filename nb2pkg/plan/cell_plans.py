"""What planning a notebook gives: each cell's plan and the notebook's (nb2pkg.plan.notebook_plan)."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.ir import (
    Cell,
    Diagnostic,
    ImportBinding,
    Notebook,
    Role,
    RunParam,
    StepPlan,
    TaggedCell,
    TestPlan,
)

IPYTHON_BUILTINS = frozenset({"display", "get_ipython", "In", "Out", "exit", "quit", "__file__"})
PACKAGED = (Role.FUNCTION, Role.TEST, Role.EXPORT, Role.PARAMETERS)
STEP = operator.attrgetter("step")
TEST = operator.attrgetter("test")


@dataclass(frozen=True)
class Definition:
    """Where a later cell finds a name: what of the defining cell a reader uses, and no more.

    Not the defining cell itself: an edit of that cell that leaves these as they were (its
    text, another name it binds) changes no reader's plan, and planning again after the edit
    (nb2pkg.plan.replanning) compares the definitions to find the readers to plan again."""

    kind: str
    """``step``, ``parameter``, ``export``, ``input`` (an unmarked cell), ``import`` or
    ``drawn`` (a name only the cell's plots assign)."""
    cell_id: str
    cell_number: int
    producer: str | None
    """The defining cell's name (a step's function)."""
    default: str | None = None
    binding: ImportBinding | None = None

    @classmethod
    def of(
        cls,
        kind: str,
        item: TaggedCell,
        default: str | None = None,
        binding: ImportBinding | None = None,
    ) -> Definition:
        return cls(kind, item.cell.cell_id, item.cell.number, item.name, default, binding)


@dataclass(frozen=True)
class CellPlan:
    tagged: TaggedCell
    parsed: ParsedCell
    module: str
    step: StepPlan | None = None
    test: TestPlan | None = None
    export_reads: tuple[str, ...] = ()
    mlflow_calls: tuple[tuple[str, int], ...] = ()
    """(qualified name, line in the cell's Python source) of its own MLflow calls."""

    @property
    def cell(self) -> Cell:
        return self.tagged.cell


@dataclass(frozen=True)
class NotebookPlan:
    notebook: Notebook
    module: str
    cells: tuple[CellPlan, ...]
    run_params: tuple[RunParam, ...]
    imports: Mapping[str, tuple[ImportBinding, ...]]
    """Per target module (and ``tests`` for test code): the import bindings it needs."""
    star_imports: tuple[ImportBinding, ...]
    requirements: tuple[str, ...]
    data_files: Mapping[str, str]
    """File path literal → the ``run()`` parameter that replaces it."""
    diagnostics: tuple[Diagnostic, ...]
    title: str = ""
    markdown_above: Mapping[str, str] = field(default_factory=dict)
    module_constants: Mapping[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)
    """Per module: (name, literal, parameters cell number) of parameters its exports read."""

    @property
    def export_modules(self) -> dict[str, str]:
        """Name defined by an ``export`` cell → the module it lands in."""
        return {
            name: cell.module
            for cell in self.cells
            if cell.tagged.role is Role.EXPORT
            for name in cell.parsed.analysis.binds
        }

    @property
    def steps(self) -> tuple[StepPlan, ...]:
        return tuple(filter(None, map(STEP, self.cells)))  # a plan is always true: C speed

    @property
    def tests(self) -> tuple[TestPlan, ...]:
        return tuple(filter(None, map(TEST, self.cells)))
