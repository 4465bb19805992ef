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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.analysis.display import VIEW_METHODS
from nb2pkg.analysis.effects import FILE_WRITERS
from nb2pkg.ir import CellAnalysis
from nb2pkg.plan.cell_kinds import body_lines, work_statements
from nb2pkg.plan.step_names import (
    LIBRARY_NAMES,
    heading_name,
    names_an_action,
    noun_phrase_name,
    shadows,
    topic_name,
)

Free = Callable[[Sequence[int]], bool] | None
MAX_MERGED_LINES = 30
"""Lines of code a function made of several cells may reach (a single cell may be longer)."""

_LOADERS = re.compile(r"^(read_\w+|load\w*|fetch_\w+|loadtxt|genfromtxt|open|urlopen)$")
_FITTERS = frozenset({"fit", "fit_transform", "partial_fit", "fit_predict", "train"})
_SPLITTERS = frozenset({"train_test_split"})
_MERGERS = frozenset({"merge", "concat", "join"})
_CLEANERS = frozenset(
    {
        "dropna",
        "fillna",
        "drop",
        "drop_duplicates",
        "rename",
        "replace",
        "astype",
        "to_datetime",
        "to_numeric",
        "strip",
        "lower",
        "apply",
        "map",
        "where",
        "clip",
        "interpolate",
        "reset_index",
        "set_index",
    }
)
_SCORERS = re.compile(r"score|accuracy|error|report|confusion|metric|auc|cross_val")
_GENERIC_DATA = frozenset({"df", "data", "dataset", "raw", "d", "frame"})


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
            if _usable(candidate, avoid) and "_" not in candidate:
                candidate = topic_name(first.heading, content_name(cells, group))
            elif _usable(candidate, avoid) and not names_an_action(first.heading, candidate):
                # "Two excellent references": a step is named by what it does
                from_code = content_name(cells, group)
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


def content_name(cells: Sequence[WorkCell], group: Group) -> str:
    """A verb phrase for what the group computes (``load_data``, ``fit_model``…)."""
    calls: list[tuple[str, str | None]] = []
    statements: list[cst.BaseStatement] = []
    values: list[str] = []
    mutated: list[str] = []
    reads: set[str] = set()
    defines: list[str] = []
    for index in group.members:
        parsed = cells[index].parsed
        if parsed is None:
            continue
        statements.extend(work_statements(parsed))
        reads.update(set(parsed.analysis.reads) - set(values))
        values.extend(parsed.analysis.value_binds)
        mutated.extend(parsed.analysis.mutations)
        defines.extend(parsed.analysis.defines)
    shown: list[str] = []  # the calls of the last statement: the value a group shows
    for statement in statements:
        collector = _Calls()
        statement.visit(collector)
        calls.extend(collector.calls)
        shown = [name for name, _ in collector.calls]
    called = [name for name, _ in calls]
    noun = _noun(group.outputs or values or mutated)
    if any(_LOADERS.match(name) for name in called):
        return f"load_{noun if noun and noun not in _GENERIC_DATA else 'data'}"
    written = [base or "results" for name, base in calls if name in FILE_WRITERS]
    if written:
        return "save_figure" if "savefig" in called else f"save_{_noun(written[:1]) or 'results'}"
    if any(name in _SPLITTERS for name in called) or _train_and_test(values):
        return "split_data"
    fitted = [base or "model" for name, base in calls if name in _FITTERS]
    if fitted:
        return f"fit_{_noun([fitted[0]]) or 'model'}"
    if noun and any(name in _MERGERS for name in called):
        return f"merge_{noun}"
    reworked = [n for n in (*values, *mutated) if n in reads]
    if reworked and any(n in _CLEANERS for n in called):
        return f"clean_{_noun(reworked)}"
    scorers = [name for name in called if _SCORERS.search(name)]
    if scorers:
        return f"compute_{noun or _noun(scorers[:1]) or 'score'}"
    if defines and (not noun or noun in {d.lower() for d in defines}):
        return f"define_{_noun([defines[0]])}"
    if noun:
        verb = "update" if noun in {n.lower() for n in reads} else "compute"
        return f"{verb}_{noun}"
    # A shown value, `pd.DataFrame(X, columns=names).head()`: named by what it makes, not
    # by the view it is shown through.
    made = [name for name in shown if name not in VIEW_METHODS] or shown or called
    if made:
        verb = "make" if made[0][:1].isupper() else "run"
        return f"{verb}_{_noun(made[:1])}"
    return ""


def _train_and_test(names: Sequence[str]) -> bool:
    """Whether the names hold a training part and a test part (``train``/``test``,
    ``X_train``/``X_test``, ``df_train``/``test_df``): the cells split the data."""
    words = [set(name.lower().split("_")) for name in names]
    return any("train" in w for w in words) and any("test" in w for w in words)


def _noun(names: Sequence[str]) -> str:
    for name in names:
        noun = name.strip("_").lower()
        if noun.isidentifier() and noun.isascii():
            return noun[:24].rstrip("_")
    return ""


class _Calls(cst.CSTVisitor):
    """(function or method name, name of the object it is called on) of every call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str | None]] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name):
            self.calls.append((func.value, None))
        elif isinstance(func, cst.Attribute):
            base = func.value
            self.calls.append((func.attr.value, base.value if isinstance(base, cst.Name) else None))
