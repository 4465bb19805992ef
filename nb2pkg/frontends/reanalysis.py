"""Re-analysis after an edit: the previous analysis of a notebook, reused when the edit cannot
change it.

An editor asks for an analysis after each pause in typing; most edits change the text of one
cell and nothing the plan is made from. The last analysis of each notebook is kept with what
it was made from: the cells, their roles, each tagged cell's analysis, and the answers the
file lookups gave. A new request is compared with that record:

- nothing changed (and every data file lookup answers as before): the previous analysis;
- only the text of code cells changed, and each such cell is a function, test, unmarked or
  skipped cell whose analysis (reads, binds, imports, lines, problems…; not the literals it
  assigns, which planning reads of parameters cells only) is the same as before:
  the previous analysis too. Planning reads nothing else of such a cell's text except where a
  diagnostic shows a line of it, its plots' and MLflow calls' code, so an edited cell with a
  located diagnostic or a plot, or a notebook importing MLflow, is planned again;
- anything else (a tag, a new name read or bound, a moved cell, a markdown edit): planned
  again from scratch; the per-cell analyses of unchanged cells come from their cache.

The record keeps analyses (``CellAnalysis``), never syntax trees.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from nb2pkg.frontends.analysis_result import NotebookAnalysis
from nb2pkg.ir import Cell, CellAnalysis, Diagnostic, Notebook, Role, TaggedCell
from nb2pkg.plan.build_environment import FileLookup
from nb2pkg.plan.plan_state_views import changed_places

if TYPE_CHECKING:
    # the per-cell analysis (libcst) is imported on the first analysis, not by a build that
    # only imports the frontends to find its notebook up to date
    from nb2pkg.analysis.cell import ParsedCell

TEXT_ONLY_ROLES = frozenset({Role.FUNCTION, Role.TEST, Role.EXPLORATION, Role.SKIP})
"""Roles whose cell text planning reads only through the cell's analysis (the parameters
cell's comments become the parameters' descriptions; an export cell is kept as written)."""

ROLE = operator.attrgetter("role")


class RecordedFiles:
    """A file lookup that remembers each answer, to ask again before reusing a plan."""

    def __init__(self, lookup: FileLookup) -> None:
        self.lookup = lookup
        self.answers: dict[Path, bool] = {}

    def is_file(self, path: Path) -> bool:
        answer = self.answers.get(path)
        if answer is None:
            answer = self.answers[path] = self.lookup.is_file(path)
        return answer


@dataclass
class Record:
    """One analysis and what it was made from."""

    notebook: Notebook
    tagged: tuple[TaggedCell, ...]
    tag_problems: tuple[Diagnostic, ...]
    parsed: dict[str, ParsedCell]
    """Each tagged cell's analysis, by its id."""
    file_answers: dict[Path, bool]
    analysis: NotebookAnalysis
    imports_mlflow: bool | None = None
    """Whether a cell planned (not skipped) imports MLflow; None until first asked."""

    def mlflow_imported(self) -> bool:
        if self.imports_mlflow is None:
            self.imports_mlflow = _imports_mlflow(
                self.parsed[t.cell.cell_id] for t in self.tagged if t.role is not Role.SKIP
            )
        return self.imports_mlflow


Planner = Callable[
    [Notebook, Sequence[TaggedCell], Sequence[Diagnostic], FileLookup], NotebookAnalysis
]
"""Plans a notebook from its tagged cells, its tag problems and a file lookup."""


class RecentAnalyses:
    """The last analysis of each of the ``keep`` notebooks analysed most recently."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._records: OrderedDict[tuple[str, str, str | None], Record] = OrderedDict()
        self.reused = 0
        """How many analyses were answered from a record (for tests and benchmarks)."""

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def analysis(
        self,
        notebook: Notebook,
        tagged: Sequence[TaggedCell],
        tag_problems: Sequence[Diagnostic],
        key: tuple[str, str, str | None],
        plan: Planner,
        files: FileLookup,
    ) -> NotebookAnalysis:
        """The analysis of ``notebook``: the recorded one when still right, else ``plan``'s."""
        with self._lock:
            previous = self._records.get(key)
        parsed = _analyses(previous, tagged)
        if previous is not None and _still_right(
            previous, notebook, tagged, tag_problems, parsed, files
        ):
            analysis, answers = previous.analysis, previous.file_answers
            # the same roles, and the edited cells import as before
            imports_mlflow = previous.imports_mlflow
            self.reused += 1
        else:
            recorded = RecordedFiles(files)
            analysis = plan(notebook, tagged, tag_problems, recorded)
            answers, imports_mlflow = recorded.answers, None
        record = Record(
            notebook, tuple(tagged), tuple(tag_problems), parsed, answers, analysis, imports_mlflow
        )
        with self._lock:
            self._records[key] = record
            self._records.move_to_end(key)
            while len(self._records) > self.keep:
                self._records.popitem(last=False)
        return analysis


def _analyses(previous: Record | None, tagged: Sequence[TaggedCell]) -> dict[str, ParsedCell]:
    """Each tagged cell's analysis by its id: the recorded one for a tagged cell that is the
    same object at the same place (the reader and the tagging give back the objects of
    unchanged cells)."""
    from nb2pkg.analysis.cell import analyze_cell

    if previous is None or len(previous.tagged) != len(tagged):
        return {t.cell.cell_id: analyze_cell(t.cell.source) for t in tagged}
    parsed = dict(previous.parsed)
    changed = changed_places(previous.tagged, tagged)
    for index in changed:  # ids are unique: drop the old ones first, then add the new
        del parsed[previous.tagged[index].cell.cell_id]
    for index in changed:
        cell = tagged[index].cell
        parsed[cell.cell_id] = analyze_cell(cell.source)
    return parsed


def _still_right(
    previous: Record,
    notebook: Notebook,
    tagged: Sequence[TaggedCell],
    tag_problems: Sequence[Diagnostic],
    parsed: dict[str, ParsedCell],
    files: FileLookup,
) -> bool:
    edited = _text_edited_cells(previous.notebook, notebook)
    if edited is None:
        return False
    if edited and not _edits_leave_plan(previous, tagged, tag_problems, parsed, edited):
        return False
    return all(files.is_file(path) == answer for path, answer in previous.file_answers.items())


def _text_edited_cells(before: Notebook, after: Notebook) -> set[str] | None:
    """Ids of the code cells whose text alone changed; None when anything else changed."""
    if (
        before.path,
        before.display_path,
        before.sha256,
        before.nbformat,
        before.nbformat_minor,
        before.kernel_language,
        len(before.cells),
    ) != (
        after.path,
        after.display_path,
        after.sha256,
        after.nbformat,
        after.nbformat_minor,
        after.kernel_language,
        len(after.cells),
    ):
        return None
    edited: set[str] = set()
    for index in changed_places(before.cells, after.cells):
        old, new = before.cells[index], after.cells[index]
        if old.source == new.source:
            if old != new:
                return None
        elif new.cell_type == "code" and _same_but_source(old, new):
            edited.add(new.cell_id)
        else:
            return None
    return edited


def _same_but_source(old: Cell, new: Cell) -> bool:
    return (
        old.number,
        old.cell_id,
        old.cell_type,
        old.tags,
        old.execution_count,
        old.settings,
        old.parts,
    ) == (
        new.number,
        new.cell_id,
        new.cell_type,
        new.tags,
        new.execution_count,
        new.settings,
        new.parts,
    )


def _edits_leave_plan(
    previous: Record,
    tagged: Sequence[TaggedCell],
    tag_problems: Sequence[Diagnostic],
    parsed: dict[str, ParsedCell],
    edited: set[str],
) -> bool:
    """Whether planning the text-edited cells again would give the previous plan."""
    if tuple(tag_problems) != previous.tag_problems or len(tagged) != len(previous.tagged):
        return False
    if list(map(ROLE, previous.tagged)) != list(map(ROLE, tagged)):
        return False
    # a tagged cell given back as it was is the same object, its cell too: none of its parts
    # is edited
    for index in changed_places(previous.tagged, tagged):
        old, new = previous.tagged[index], tagged[index]
        part_ids = {p.cell_id for p in new.cell.parts} or {new.cell.cell_id}
        if not part_ids & edited:
            continue
        if replace(old, cell=new.cell) != new or not _same_but_source(old.cell, new.cell):
            return False
        if new.role not in TEXT_ONLY_ROLES:
            return False
        if not _same_analysis(previous.parsed[old.cell.cell_id], parsed[new.cell.cell_id]):
            return False
    # every role as before and each edited cell's imports too (compared with the rest of its
    # analysis just above): the notebook imports MLflow as it did
    if previous.mlflow_imported():
        return False
    return not any(
        d.location is not None and d.location.cell_id in edited and d.location.line is not None
        for d in previous.analysis.diagnostics
    )


def _same_analysis(old: ParsedCell, new: ParsedCell) -> bool:
    """Equal analyses but for the text itself and the literals it assigns (read of parameters
    cells only), and no plot (whose code planning reads)."""
    if any(kind == "plot" for _, kind in new.analysis.library_statements):
        return False
    return (old.parses, old.problems, old.statement_count) == (
        new.parses,
        new.problems,
        new.statement_count,
    ) and _without_text(old.analysis) == _without_text(new.analysis)


def _without_text(analysis: CellAnalysis) -> CellAnalysis:
    return replace(analysis, python_source="", literal_assignments=(), non_literal_assignments=())


def _imports_mlflow(parsed: Iterable[ParsedCell]) -> bool:
    from nb2pkg.analysis.mlflow_calls import is_mlflow_name, qualified_names

    bindings = [b for p in parsed for b in p.analysis.imports]
    return any(is_mlflow_name(target) for target in qualified_names(bindings).values())
