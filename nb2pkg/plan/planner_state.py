"""The planner's state while it walks a notebook's cells, and how it reports problems.

nb2pkg.plan.notebook_plan plans a notebook with ``Planner``, which combines this state with
the reads (nb2pkg.plan.planner_reads), the steps (nb2pkg.plan.planner_steps) and the checks
(nb2pkg.plan.planner_checks) written against it.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from nb2pkg.analysis.cell import CellProblem, analyze_cell
from nb2pkg.analysis.mlflow_calls import find_mlflow_calls
from nb2pkg.ir import (
    Diagnostic,
    ImportBinding,
    Location,
    Notebook,
    Role,
    RunParam,
    Severity,
    TaggedCell,
)
from nb2pkg.plan.build_environment import FileLookup
from nb2pkg.plan.cell_plans import PACKAGED, Definition
from nb2pkg.plan.fixed_facts import FixedFacts, final_names, imports_anywhere, mlflow_names_of
from nb2pkg.plan.markdown_summary import markdown_above
from nb2pkg.plan.plan_timelines import UnfollowedState
from nb2pkg.plan.read_scope import ReadScope
from nb2pkg.plan.saved_figure_files import keep_read_back_figures
from nb2pkg.plan.step_names import short_file_name
from nb2pkg.roles.vocabulary import GENERATED_MODULES

__all__ = ["PlannerState", "ReadScope", "find_mlflow_calls", "module_name_for"]
"""Re-exported for the planner modules: the read scope and the MLflow call finder."""


def module_name_for(notebook: Notebook) -> str:
    stem = unicodedata.normalize("NFKC", Path(notebook.display_path).stem)
    name = re.sub(r"\W+", "_", stem).strip("_").lower() or "notebook"
    if name[0].isdigit():
        name = f"nb_{name}"
    name = short_file_name(name)
    if keyword.iskeyword(name) or name in GENERATED_MODULES:
        name = f"{name}_steps"
    return name


class PlannerState:
    def __init__(
        self,
        notebook: Notebook,
        tagged: Sequence[TaggedCell],
        files: FileLookup,
        read_scope: ReadScope | None,
        fixed: FixedFacts | None = None,
    ) -> None:
        """``fixed``: the state made from all the cells, kept up to date by planning again
        (nb2pkg.plan.replanning); None: made here."""
        self.notebook = notebook
        self.files = files
        self.read_scope = read_scope
        self.refused_files: set[Path] = set()
        self.tagged = list(tagged)
        self.module = module_name_for(notebook)
        self.diagnostics: list[Diagnostic] = []
        parsed = (
            {t.cell.cell_id: analyze_cell(t.cell.source) for t in self.tagged}
            if fixed is None
            else fixed.parsed
        )
        # kept up to date: whether a cell saves a figure at all, looked up without a walk
        saves = fixed is None or fixed.saves_figures
        kept = keep_read_back_figures(self.tagged, parsed) if saves else parsed
        if kept is not parsed:
            if fixed is not None:  # rare: plan from scratch, where the figure is followed
                raise UnfollowedState("a cell saves a figure a later cell reads back")
            parsed = kept
        self.parsed = parsed
        self.latest: dict[str, Definition] = {}
        self.consumed: set[tuple[str, str]] = set()
        """(producing cell id, name) pairs a later packaged cell reads."""
        self.params: dict[str, RunParam] = {}
        self.module_constants: dict[str, dict[str, tuple[str, str]]] = {}
        self.inputs_warned: set[str] = set()
        self.data_files: dict[str, str] = {}
        self.star_imports: list[ImportBinding] = []
        self.import_latest: dict[str, ImportBinding] = {}
        if fixed is None:
            self.imported_anywhere = imports_anywhere(self.tagged, self.parsed)
            self.star_imported_anywhere = any(
                self.parsed[t.cell.cell_id].analysis.star_imports
                for t in self.tagged
                if t.role is not Role.SKIP
            )
        else:
            self.imported_anywhere = fixed.imported_anywhere
            self.star_imported_anywhere = fixed.star_imported_anywhere
        self.markdown_above = self._markdown_above()
        self.final_binder = self._final_binders() if fixed is None else fixed.final_binder
        """Name → id of the last cell that binds or (as a step) changes it: whose value the
        notebook ends with."""
        self.returned: set[str] = set()
        """Names some step returns so far (planning in document order)."""
        self.notebook_name = Path(notebook.display_path).name
        self.mlflow_names = (
            mlflow_names_of(self.imported_anywhere) if fixed is None else fixed.mlflow_names
        )

    def _markdown_above(self) -> dict[str, str]:
        return markdown_above(self.notebook.cells)

    def _final_binders(self) -> dict[str, str]:
        final: dict[str, str] = {}
        for item in self.tagged:
            cell_id = item.cell.cell_id
            for name in final_names(item, self.parsed[cell_id].analysis):
                final[name] = cell_id
        return final

    def _title(self) -> str:
        for cell in self.notebook.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if line.startswith("#"):
                        return line.lstrip("#").strip()
        return ""

    def _names_defined_after(self, reader: TaggedCell) -> set[str]:
        """Names cells below ``reader`` define (skipped cells define nothing)."""
        names: set[str] = set()
        for item in self.tagged:
            if item.cell.number <= reader.cell.number or item.role is Role.SKIP:
                continue
            analysis = self.parsed[item.cell.cell_id].analysis
            names.update(analysis.binds)
            names.update(b.bound for b in analysis.imports)
        return names

    def _add_run_input(self, name: str, origin: str) -> None:
        if name not in self.params:
            self.params[name] = RunParam(name, None, "object", origin)

    def _report_cell_problems(self, item: TaggedCell, problems: tuple[CellProblem, ...]) -> None:
        packaged = item.role in PACKAGED
        for problem in problems:
            if problem.packaged_only and not packaged:
                continue
            self._report(
                item,
                problem.code,
                problem.severity,
                problem.message,
                problem.hint,
                problem.line,
                problem.col,
            )

    def _report(
        self,
        item: TaggedCell,
        code: str,
        severity: Severity,
        message: str,
        hint: str,
        line: int | None,
        col: int | None = None,
    ) -> None:
        source_line = None
        number, cell_id, shown_line = item.cell.number, item.cell.cell_id, line
        if line is not None:
            lines = item.cell.source.splitlines()
            if 0 < line <= len(lines):
                source_line = lines[line - 1]
            # A function merged from consecutive cells: point at the cell the line is in.
            number, cell_id, shown_line = item.cell.locate(line)
        self.diagnostics.append(
            Diagnostic(
                code,
                severity,
                message,
                Location(self.notebook.display_path, number, cell_id, shown_line, col),
                hint,
                source_line,
            )
        )
