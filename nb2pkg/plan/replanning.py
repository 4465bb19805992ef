"""Planning a notebook again after an edit: only the cells the edit reaches are planned again.

The planner (nb2pkg.plan.notebook_plan) makes two passes over the tagged cells — the first
finds where each name a cell reads comes from and records what the cell defines, the second
makes each cell's plan — then whole-notebook checks over the cells' plans. Here each cell of
each pass is planned at its own time, its reads and writes of the planner's state noted
(nb2pkg.plan.plan_timelines, nb2pkg.plan.plan_state_views), and the notes are kept in a
:class:`PlanMemory`.

Planning again with that memory, a cell is planned again when:
- it changed (its tags, its text, its place) or its analysis changed;
- something it read changed: a value of the state made before the passes (which names the
  notebook imports, which cell binds a name last, the markdown above a cell, a data file's
  existence), or a key of the passes' state that a cell planned again before it wrote
  differently (up to the next cell that writes the key), or any of a state it iterated.
Every other cell keeps what it wrote, reported and gave. The state made before the passes is
kept with indexes of the cells that give it (nb2pkg.plan.fixed_facts), updated for the changed
cells, and so is what the whole-notebook checks read of the cells' plans
(nb2pkg.plan.plan_facts), updated for the cells planned again. What still reads every cell does
it in one comprehension: the changed cells (each tagged cell's fields compared as a tuple), the
markdown above each cell, the execution counts. The result equals
planning from scratch (tests/property checks it on random edits); anything the memory cannot
follow (another number of tagged cells, another notebook, a planner state this module does not
know) is planned from scratch.
"""

from __future__ import annotations

import bisect
import heapq
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.ir import Cell, Diagnostic, Notebook, ParamPlan, TaggedCell
from nb2pkg.plan.build_environment import FileLookup
from nb2pkg.plan.cell_plans import CellPlan, NotebookPlan
from nb2pkg.plan.fixed_facts import FixedFacts
from nb2pkg.plan.notebook_plan import Planner
from nb2pkg.plan.plan_facts import PlanFacts
from nb2pkg.plan.plan_state_views import (
    Fixed,
    FixedList,
    NotebookPaths,
    TrackedDict,
    TrackedDictOfDicts,
    TrackedFiles,
    TrackedList,
    TrackedSet,
)
from nb2pkg.plan.plan_timelines import (
    MISSING,
    WHOLE,
    CellRecord,
    Clock,
    Timeline,
    UnfollowedState,
    Watched,
    forget_writes,
    index_reads,
    unindex_reads,
)
from nb2pkg.plan.planner_state import ReadScope

TRACKED_DICTS = ("latest", "params", "data_files", "import_latest")
TRACKED_SETS = ("consumed", "inputs_warned", "refused_files", "returned")
TRACKED_LISTS = ("star_imports",)
TRACKED_DICTS_OF_DICTS = ("module_constants",)
FIXED = ("parsed", "imported_anywhere", "final_binder", "markdown_above")
"""Made once from all the cells before the passes."""
CONTEXT = ("module", "notebook_name", "star_imported_anywhere", "mlflow_names", "read_scope")
"""The same for every cell; another value plans from scratch."""
OTHER = ("notebook", "tagged", "files", "diagnostics")
READ_WHOLE_AT_THE_END = (
    "params",
    "data_files",
    "import_latest",
    "star_imports",
    "module_constants",
)
"""State the whole-notebook checks and the notebook's plan read: given to them as plain values."""
KNOWN_STATE = frozenset(
    (
        *TRACKED_DICTS,
        *TRACKED_SETS,
        *TRACKED_LISTS,
        *TRACKED_DICTS_OF_DICTS,
        *FIXED,
        *CONTEXT,
        *OTHER,
    )
)
"""Every attribute of the planner this module knows how to follow."""

OUTPUT = operator.attrgetter("output")
TAGGED_FIELDS = operator.attrgetter(
    *(f"cell.{f.name}" for f in fields(Cell)),
    *(f.name for f in fields(TaggedCell) if f.name != "cell"),
)
"""A tagged cell's fields and its cell's, as a tuple: equal exactly when the tagged cells are,
and compared at C speed."""

Resolved = dict[str, tuple[list[ParamPlan], list[str]]]


@dataclass
class PlanMemory:
    """What planning a notebook noted, to plan it again after an edit."""

    context: tuple[Any, ...]
    clock: Clock
    timelines: dict[str, tuple[Timeline, ...]]
    fixed: dict[str, Fixed]
    tagged: FixedList
    files: TrackedFiles
    resolved: Timeline
    facts: FixedFacts
    """The planner's state made from all the cells, with what it was made from."""
    records: list[CellRecord] = field(default_factory=list)
    """One per cell and pass: the first pass's at times 0…n-1, the second's at n…2n-1."""
    cells_planned: int = 0
    """Cells planned (either pass) by the last plan: all of them, or those an edit reached."""
    plan_facts: PlanFacts | None = None
    """What the whole-notebook checks read of the cells' plans."""
    reporting: list[int] = field(default_factory=list)
    """The times of the records with diagnostics, in order."""


def replan_notebook(
    notebook: Notebook,
    tagged: Sequence[TaggedCell],
    *,
    files: FileLookup,
    read_scope: ReadScope | None = None,
    memory: PlanMemory | None = None,
) -> tuple[NotebookPlan, PlanMemory | None]:
    """The plan of ``notebook``, equal to ``plan_notebook``'s, and what to plan it again with.

    ``memory``: what planning an earlier version of the notebook noted; it is used up (pass
    the one returned next time). None back: the planner holds state this module cannot
    follow, and the plan was made the plain way."""
    if memory is not None and len(memory.tagged.items) == len(tagged):
        try:
            renewed = _renewed_planner(notebook, tagged, files, read_scope, memory)
            if renewed is not None:
                return _plan_again(*renewed, memory)
        except (UnfollowedState, AttributeError, TypeError):
            return Planner(notebook, tagged, files, read_scope).plan(), None
    planner = Planner(notebook, tagged, files, read_scope)
    if set(vars(planner)) != KNOWN_STATE:
        return planner.plan(), None
    try:
        return _plan_from_scratch(planner, _context(planner))
    except (UnfollowedState, AttributeError, TypeError):
        # A use of the state the views do not follow (a planner bug raises again here).
        return Planner(notebook, tagged, files, read_scope).plan(), None


def _renewed_planner(
    notebook: Notebook,
    tagged: Sequence[TaggedCell],
    files: FileLookup,
    read_scope: ReadScope | None,
    memory: PlanMemory,
) -> tuple[Planner, list[int], dict[str, set[Any]]] | None:
    """A planner whose state made from all the cells is the memory's, updated where the cells
    changed; the positions of the changed cells and the keys of that state that changed.
    None: the memory is for another context (plan from scratch)."""
    changed = memory.tagged.renew(list(tagged))
    fixed_changes = memory.facts.update(tagged, changed)
    planner = Planner(notebook, tagged, files, read_scope, fixed=memory.facts)
    if set(vars(planner)) != KNOWN_STATE or _context(planner) != memory.context:
        return None
    return planner, changed, fixed_changes


def _context(planner: Planner) -> tuple[Any, ...]:
    values = tuple(getattr(planner, name) for name in CONTEXT)
    return (planner.notebook.path, planner.notebook.display_path, *values)


def _install(planner: Planner, memory: PlanMemory) -> None:
    """Give the planner the views of its state at the clock's time."""
    state: dict[str, Any] = {}
    for name in TRACKED_DICTS:
        state[name] = TrackedDict(memory.timelines[name][0])
    for name in TRACKED_SETS:
        state[name] = TrackedSet(memory.timelines[name][0])
    for name in TRACKED_LISTS:
        state[name] = TrackedList(memory.timelines[name][0])
    for name in TRACKED_DICTS_OF_DICTS:
        state[name] = TrackedDictOfDicts(*memory.timelines[name])
    state.update(memory.fixed)
    state.update(tagged=memory.tagged, files=memory.files, notebook=NotebookPaths(planner.notebook))
    vars(planner).update(state)


def _plan_from_scratch(
    planner: Planner, context: tuple[Any, ...]
) -> tuple[NotebookPlan, PlanMemory]:
    clock = Clock()
    timelines: dict[str, tuple[Timeline, ...]] = {
        name: (Timeline(clock),) for name in (*TRACKED_DICTS, *TRACKED_SETS, *TRACKED_LISTS)
    }
    timelines.update({name: (Timeline(clock), Timeline(clock)) for name in TRACKED_DICTS_OF_DICTS})
    memory = PlanMemory(
        context=context,
        clock=clock,
        timelines=timelines,
        fixed={name: Fixed(clock, getattr(planner, name)) for name in FIXED},
        tagged=FixedList(clock, planner.tagged, TAGGED_FIELDS),
        files=TrackedFiles(clock, planner.files),
        resolved=Timeline(clock),
        facts=FixedFacts(planner.tagged, planner.parsed, analyze_cell),
    )
    items = list(planner.tagged)
    plain = _plain_fixed(planner)
    _install(planner, memory)
    resolved = TrackedDict(memory.resolved)
    for time in range(2 * len(items)):
        memory.records.append(_plan_cell(planner, memory, items, resolved, time))
    for record in memory.records:
        index_reads(record)
    memory.reporting = [record.time for record in memory.records if record.diagnostics]
    memory.cells_planned = len(memory.records)
    return _finish(planner, memory, items, plain, None), memory


def _plan_again(
    planner: Planner, changed: list[int], fixed_changes: dict[str, set[Any]], memory: PlanMemory
) -> tuple[NotebookPlan, PlanMemory]:
    items = list(planner.tagged)
    count = len(items)
    plain = _plain_fixed(planner)
    due: set[int] = set()

    def reached(watched: Watched, keys: set[Any]) -> None:
        for key in keys:
            due.update(watched.readers.get(key, ()))

    for name in FIXED:
        fixed, value = memory.fixed[name], getattr(planner, name)
        keys = fixed.replace(value, fixed_changes[name]) if name in fixed_changes else None
        reached(fixed, fixed.renew(value) if keys is None else keys)
    if changed:
        reached(memory.tagged, {WHOLE})
    for index in changed:
        due.update((index, count + index))
    reached(memory.files, memory.files.renew(planner.files))
    _install(planner, memory)
    resolved = TrackedDict(memory.resolved)
    queue = sorted(due)
    planned: set[int] = set()
    while queue:
        time = heapq.heappop(queue)
        if time in planned:
            continue
        planned.add(time)
        old = memory.records[time]
        unindex_reads(old)
        forget_writes(old)
        new = memory.records[time] = _plan_cell(planner, memory, items, resolved, time)
        index_reads(new)
        _note_reporting(memory.reporting, new)
        for later in _reached_by_writes(old, new):
            if later not in planned:
                heapq.heappush(queue, later)
    memory.cells_planned = len(planned)
    replanned = {time - count for time in planned if time >= count}
    return _finish(planner, memory, items, plain, replanned), memory


def _note_reporting(reporting: list[int], record: CellRecord) -> None:
    at = bisect.bisect_left(reporting, record.time)
    noted = at < len(reporting) and reporting[at] == record.time
    if record.diagnostics and not noted:
        reporting.insert(at, record.time)
    elif noted and not record.diagnostics:
        del reporting[at]


def _reached_by_writes(old: CellRecord, new: CellRecord) -> set[int]:
    """Times of the cells after ``new``'s that read something it wrote differently."""
    time = new.time
    reached: set[int] = set()
    reordered = list(old.writes) != list(new.writes)
    touched: set[Timeline] = set()
    for slot in old.writes.keys() | new.writes.keys():
        before, after = old.writes.get(slot, MISSING), new.writes.get(slot, MISSING)
        if before is after or (before is not MISSING and after is not MISSING and before == after):
            if reordered:
                touched.add(slot[0])
            continue
        timeline, key = slot
        touched.add(timeline)
        reached.update(timeline.readers_after(key, time, timeline.next_write_after(key, time)))
    for timeline in touched:
        reached.update(timeline.readers_after(WHOLE, time))
    return reached


def _plan_cell(
    planner: Planner,
    memory: PlanMemory,
    items: list[TaggedCell],
    resolved: TrackedDict,
    time: int,
) -> CellRecord:
    record = memory.clock.record = CellRecord(time)
    planner.diagnostics = record.diagnostics
    count = len(items)
    if time < count:
        planner.read_cell(items[time], resolved)
    else:
        record.output = planner._cell_plan(items[time - count], resolved)
    return record


def _plain_fixed(planner: Planner) -> dict[str, Any]:
    return {name: getattr(planner, name) for name in (*FIXED, "tagged", "files", "notebook")}


def _finish(
    planner: Planner,
    memory: PlanMemory,
    items: list[TaggedCell],
    plain: dict[str, Any],
    replanned: set[int] | None,
) -> NotebookPlan:
    """The whole-notebook checks and the notebook's plan, from the cells' records;
    ``replanned``: the positions of the cells whose plan was made again (None: all)."""
    count = len(items)
    memory.clock.record = CellRecord(2 * count)  # after every cell; nothing keeps its notes
    vars(planner).update(plain)
    for name in READ_WHOLE_AT_THE_END:
        setattr(planner, name, _plain(getattr(planner, name)))
    diagnostics: list[Diagnostic] = []
    planner.diagnostics = diagnostics
    planner._check_execution_order()
    records = memory.records
    diagnostics.extend(d for time in memory.reporting for d in records[time].diagnostics)
    cells: tuple[CellPlan, ...] = tuple(map(OUTPUT, memory.records[count:]))
    context = (planner.import_latest, planner.imported_anywhere, planner.mlflow_names)
    if memory.plan_facts is None or replanned is None:
        memory.plan_facts = PlanFacts(cells, context)
    else:
        memory.plan_facts.update(cells, replanned, context)
    return planner.finish(cells, memory.plan_facts, memory.facts)


def _plain(state: Any) -> Any:
    """A tracked state's value at the clock's time, as the plain value the planner holds."""
    if isinstance(state, TrackedDictOfDicts):
        return {key: dict(inner.items()) for key, inner in state.items()}
    if isinstance(state, TrackedDict):
        return dict(state.items())
    if isinstance(state, TrackedSet):
        return set(state)
    return list(state)
