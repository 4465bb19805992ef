"""Which work cells form one function, and what each function is called.

Cells are grouped by dataflow, not merely by position:

* a function is a run of consecutive work cells under one heading;
* a function ends after a cell that makes a new value a later cell (other than the next one)
  reads: ``df = pd.read_csv(…)`` is a product, ``df = df.dropna()`` reworks it;
* otherwise the next cell joins while it reads a value of the function (an intermediate, or
  the value it reworks), or while the function so far returns nothing (a setup cell joins
  the cell it prepares), so every function returns what later cells read;
* a function stops before a cell that would take it over ``MAX_MERGED_LINES`` lines, and before
  a cell with IPython syntax (a cell magic must start its cell);
* a run whose values are all recomputed before anything packaged reads them, and that writes
  no file and changes no global state, is left out (``skip``): the package would compute it for
  nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.ir import CellAnalysis
from nb2pkg.plan.cell_kinds import body_lines
from nb2pkg.plan.content_names import content_name
from nb2pkg.plan.name_words import LIBRARY_NAMES
from nb2pkg.plan.step_names import (
    code_name_says_more,
    heading_name,
    names_an_action,
    noun_phrase_name,
    shadows,
    topic_name,
)

Free = Callable[[Sequence[int]], bool] | None
MAX_MERGED_LINES = 30
"""Lines of code a function made of several cells may reach (a single cell may be longer)."""


@dataclass(frozen=True)
class WorkCell:
    """What grouping needs to know about one code cell."""

    position: int
    """Index among the notebook's code cells (adjacent cells differ by one)."""
    number: int
    """1-based cell number in the notebook."""
    parsed: ParsedCell | None
    role: str | None
    """Proposed role; ``"function"`` for work. Marked cells have None."""
    packaged: bool
    """Whether the cell's code goes into the package (it reads values)."""
    heading: str | None
    heading_key: int | None
    """Position of the heading's markdown cell: which section the cell is in."""
    heading_is_title: bool
    ipython: bool


@dataclass
class Group:
    """Work cells that become one function."""

    members: list[int] = field(default_factory=list)
    """Indices into the work-cell list."""
    outputs: list[str] = field(default_factory=list)
    name: str = ""


class _Flow:
    """Who reads the value each cell writes: the interface between functions."""

    def __init__(self, cells: Sequence[WorkCell]) -> None:
        self.readers: dict[tuple[int, str], set[int]] = {}
        self.sources: dict[int, dict[str, int]] = {}
        """reader → name → the cell whose value of the name it reads."""
        self.final: dict[str, int] = {}
        self.last_read: dict[str, int] = {}
        """Name → the last packaged cell that reads it (any cell's value of it)."""
        writer: dict[str, int] = {}
        for index, cell in enumerate(cells):
            if not cell.packaged or cell.parsed is None:
                continue
            analysis = cell.parsed.analysis
            for name in analysis.reads:
                self.last_read[name] = index
                if name in writer:
                    self.readers.setdefault((writer[name], name), set()).add(index)
                    self.sources.setdefault(index, {})[name] = writer[name]
            for name in (*analysis.binds, *analysis.mutations):
                writer[name] = index
        self.final = dict(writer)

    def outputs(self, cells: Sequence[WorkCell], members: Sequence[int]) -> list[str]:
        """Names the group's cells write that a cell outside reads, then the values the
        notebook ends with (no later cell rebinds them), the last bound first."""
        inside = set(members)
        read: list[str] = []
        final: list[str] = []
        for index in members:
            parsed = cells[index].parsed
            if parsed is None:
                continue
            analysis = parsed.analysis
            for name in (*analysis.binds, *analysis.mutations):
                if self.readers.get((index, name), set()) - inside:
                    read.append(name)
                elif self.final.get(name) == index and _makes_value(analysis, name):
                    final.append(name)
        found = [*read, *reversed(final)]
        return [name for position, name in enumerate(found) if name not in found[:position]]

    def makes_product(self, cells: Sequence[WorkCell], members: Sequence[int], after: int) -> bool:
        """Whether the group made a new value (not a rework of one it read, as
        ``df = df.dropna()`` is) that a cell after ``after`` reads: the group is complete."""
        for index in members:
            parsed = cells[index].parsed
            if parsed is None:
                continue
            analysis = parsed.analysis
            for name in set(analysis.value_binds) - set(analysis.reads):
                if self.last_read.get(name, -1) > after:
                    return True
        return False

    def reads_from(self, members: Sequence[int], candidate: int) -> bool:
        return any(w in members for w in self.sources.get(candidate, {}).values())


def _makes_value(analysis: CellAnalysis, name: str) -> bool:
    """Whether the cell's write of ``name`` makes a value the notebook can end with: an
    assignment (not a loop variable, def or import), or an in-place change of a value
    (``final.dropna(inplace=True)``, ``model.fit(X, y)``): the changed value is the result."""
    return name in analysis.value_binds or name in analysis.mutations


def group_work_cells(
    cells: Sequence[WorkCell], draws_free: Free = None
) -> tuple[list[Group], set[int]]:
    """The functions the work cells form, and the cells left out as computed for nothing
    (``draws_free(members)``: their random draws matter to no later cell, plan.random_draws)."""
    dropped: set[int] = set()
    while True:
        active = [c if i not in dropped else _as_skipped(c) for i, c in enumerate(cells)]
        flow = _Flow(active)
        groups = _groups(active, flow)
        dead = [
            g
            for g in groups
            if not g.outputs
            and _binds_anything(active, g)
            and not _has_effects(active, g, draws_free)
        ]
        if not dead:
            return groups, dropped
        for group in dead:
            dropped.update(group.members)


def _as_skipped(cell: WorkCell) -> WorkCell:
    return WorkCell(
        cell.position,
        cell.number,
        cell.parsed,
        "skip",
        False,
        cell.heading,
        cell.heading_key,
        cell.heading_is_title,
        cell.ipython,
    )


def _binds_anything(cells: Sequence[WorkCell], group: Group) -> bool:
    """Whether the group binds a name (a run of bare calls, e.g. a download, is setup: it stays)."""
    for index in group.members:
        parsed = cells[index].parsed
        if parsed is not None and parsed.analysis.binds:
            return True
    return False


def _has_effects(cells: Sequence[WorkCell], group: Group, draws_free: Free) -> bool:
    for index in group.members:
        parsed = cells[index].parsed
        if parsed is None:
            return True
        analysis = parsed.analysis
        if analysis.file_writes or analysis.global_statements:
            return True
        if analysis.global_state and not (draws_free and draws_free(group.members)):
            return True
    return False


def _groups(cells: Sequence[WorkCell], flow: _Flow) -> list[Group]:
    groups: list[Group] = []
    current: Group | None = None
    lines = 0
    for index, cell in enumerate(cells):
        if cell.role != "function" or cell.parsed is None:
            current = None
            continue
        size = body_lines(cell.parsed)
        if current is not None and _joins(cells, flow, current, index, lines + size):
            current.members.append(index)
            lines += size
            continue
        current = Group([index])
        groups.append(current)
        lines = size
    for group in groups:
        group.outputs = flow.outputs(cells, group.members)
    return groups


def _joins(cells: Sequence[WorkCell], flow: _Flow, group: Group, index: int, lines: int) -> bool:
    last = cells[group.members[-1]]
    cell = cells[index]
    if (
        cell.position != last.position + 1
        or cell.heading_key != last.heading_key
        or cell.ipython
        or lines > MAX_MERGED_LINES
    ):
        return False
    if flow.makes_product(cells, group.members, index):
        return False
    return flow.reads_from(group.members, index) or not flow.outputs(cells, group.members)


# --------------------------------------------------------------------------- names


def name_groups(
    cells: Sequence[WorkCell], groups: Sequence[Group], taken: set[str], avoid: set[str]
) -> None:
    """Give each group a unique name: from its heading (the first function under it), else
    from what it computes. ``taken``: names already used (updated); ``avoid``: names the
    notebook binds or imports, which a function must not shadow."""
    named_headings: set[int] = set()
    for group in groups:
        first = cells[group.members[0]]
        candidate = ""
        if (
            first.heading
            and not first.heading_is_title
            and first.heading_key is not None
            and first.heading_key not in named_headings
        ):
            named_headings.add(first.heading_key)
            candidate = heading_name(first.heading)
            from_code = content_name(cells, group)
            if code_name_says_more(first.heading, candidate, from_code):
                candidate = from_code  # "What drives conversion?" over a split: split_data
            elif _usable(candidate, avoid) and "_" not in candidate:
                candidate = topic_name(first.heading, from_code)
            elif _usable(candidate, avoid) and not names_an_action(first.heading, candidate):
                # "Two excellent references": a step is named by what it does
                candidate = noun_phrase_name(candidate, from_code, taken | avoid) or candidate
            if not _usable(candidate, avoid):
                candidate = ""
        if not candidate:
            candidate = content_name(cells, group)
        if not _usable(candidate, avoid):
            candidate = f"run_cell_{first.number}"
        name, counter = candidate, 2
        while name in taken or name in avoid:
            name = f"{candidate}_{counter}"
            counter += 1
        taken.add(name)
        group.name = name


def _usable(name: str, avoid: set[str]) -> bool:
    return (
        bool(name)
        and name.isidentifier()
        and not name[0].isdigit()
        and not shadows(name, avoid)
        and name not in LIBRARY_NAMES
        and name not in _RESERVED
    )


_RESERVED = frozenset({"run", "steps", "tracking", "pipeline", "main", "predict", "cli"})
