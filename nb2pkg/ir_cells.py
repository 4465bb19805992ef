"""The notebook, tag, analysis and plan records of nb2pkg's vocabulary (``nb2pkg.ir``).

They are defined on first use through ``nb2pkg.ir``: a rebuild with nothing changed never
needs them, and defining their classes is most of what importing the vocabulary costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# --------------------------------------------------------------------------- notebook


@dataclass(frozen=True)
class Cell:
    """A notebook cell as read from disk. ``number`` is 1-based document position."""

    number: int
    cell_id: str
    cell_type: str
    source: str
    tags: tuple[str, ...] = ()
    execution_count: int | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    """The cell's ``metadata.nb2pkg`` mapping (explicit inputs/outputs, docstring)."""
    parts: tuple[CellPart, ...] = ()
    """For consecutive cells merged into one function: where each cell starts in ``source``."""

    def locate(self, line: int) -> tuple[int, str, int]:
        """(cell number, cell id, line in that cell) of a line of ``source``."""
        for part in reversed(self.parts):
            if line >= part.first_line:
                return part.number, part.cell_id, line - part.first_line + 1
        return self.number, self.cell_id, line


@dataclass(frozen=True)
class CellPart:
    first_line: int
    """1-based line of the merged source where this cell's source starts."""
    number: int
    cell_id: str


@dataclass(frozen=True)
class Notebook:
    path: str
    """Absolute path of the file."""
    display_path: str
    """Path as shown to the user in diagnostics (relative to the working directory)."""
    sha256: str
    nbformat: int
    nbformat_minor: int
    kernel_language: str
    cells: tuple[Cell, ...]

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.cell_type == "code")


# --------------------------------------------------------------------------- tags


class Role(str, Enum):
    FUNCTION = "function"
    TEST = "test"
    PARAMETERS = "parameters"
    EXPORT = "export"
    SKIP = "skip"
    EXPLORATION = "exploration"
    """An unmarked cell: stays out of the package, but is still a source of names."""


@dataclass(frozen=True)
class TaggedCell:
    cell: Cell
    role: Role
    name: str | None = None
    """Function name for FUNCTION, test name for TEST (derived when ``test`` has no name)."""
    metrics: bool = False
    module: str | None = None
    """Submodule from ``module:NAME``; None means the notebook's own module."""
    model: str | None = None
    """From ``model`` / ``model:NAME``: the value that is the pipeline's model ("" when the
    cell's fitted value is meant); None when the cell has no such tag."""
    predict: bool = False
    """From ``predict``: the function turns the model and raw rows into predictions."""


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class ImportBinding:
    """One name bound by a top-level import statement of a cell.

    ``import a.b`` binds ``a`` (module="a.b", name=None, alias=None, bound="a");
    ``from a import b as c`` binds ``c`` (module="a", name="b", alias="c").
    ``level`` counts the dots of a relative import.
    """

    module: str
    name: str | None
    alias: str | None
    bound: str
    level: int = 0


@dataclass(frozen=True)
class MagicUse:
    """An IPython construct found in a cell: what it was and what the package does with it."""

    kind: str
    """``line-magic``, ``cell-magic``, ``shell``, ``help``, ``pip``."""
    name: str
    line: int
    action: str
    """``unwrapped`` (kept its statement), ``dropped``, ``dependency``, ``unsupported``."""
    text: str = ""


@dataclass(frozen=True)
class CellAnalysis:
    """Facts about one cell's code, independent of any other cell (cacheable by source)."""

    python_source: str
    """The cell as plain Python (IPython syntax transformed)."""
    reads: tuple[str, ...]
    """Names read before being bound in the cell, in first-use order (includes free names of defs)."""
    binds: tuple[str, ...]
    """Names bound at the cell's top level, in binding order."""
    last_assignment_binds: tuple[str, ...]
    imports: tuple[ImportBinding, ...]
    mutation_lines: Mapping[str, int]
    """Names the cell reads from earlier cells and mutates in place, in order, each with the
    line of the first statement that changes it."""
    def_global_lines: Mapping[tuple[str, str], int] = field(default_factory=dict)
    """(def or class name, global name it reads), in order, each with the line of the read in
    the def or class body."""
    global_statements: tuple[tuple[str, int], ...] = ()
    star_imports: tuple[tuple[str, int], ...] = ()
    """(module, line)."""
    magics: tuple[MagicUse, ...] = ()
    pip_requirements: tuple[str, ...] = ()
    display_only_lines: tuple[int, ...] = ()
    """1-based lines (in python_source) of statements dropped from functions."""
    has_assert: bool = False
    has_call: bool = False
    literal_assignments: tuple[tuple[str, str], ...] = ()
    """For parameters cells: (name, source of the literal default)."""
    non_literal_assignments: tuple[tuple[str, int], ...] = ()
    file_literals: tuple[tuple[str, int], ...] = ()
    """String literals that look like relative file paths: (value, line)."""
    first_line_of: Mapping[str, int] = field(default_factory=dict)
    """Line of the first read of each name in ``reads`` (for diagnostics)."""
    defines: tuple[str, ...] = ()
    """Names bound by top-level ``def`` and ``class`` statements."""
    import_statements: tuple[int, ...] = ()
    """Indices (into the cell's top-level statements) of hoisted import statements."""
    display_statements: tuple[int, ...] = ()
    """Indices (into the cell's top-level statements) of display-only statements."""
    library_statements: tuple[tuple[int, str], ...] = ()
    """(index, kind) of top-level statements a step does not run as written: ``setting``,
    ``seed``, ``plot``, ``print`` (see nb2pkg.analysis.library_code)."""
    seed_calls: tuple[str, ...] = ()
    """Source of the cell's seed statements (``np.random.seed(0)``), in order."""
    seed_uses: frozenset[str] = frozenset()
    """Names the seed statements load (``np``): imports of whatever runs them."""
    print_reads: frozenset[str] = frozenset()
    """Names only the cell's display prints read (a top-level ``print`` of values, a block
    that only prints): no input of a step that drops its prints."""
    uses: frozenset[str] = frozenset()
    """Every name the cell loads anywhere (nested scopes too): decides which imports stay."""
    line_offset: int = 0
    """Line L of ``python_source`` is line L + line_offset of the cell."""
    file_writes: tuple[tuple[str, int, str], ...] = ()
    """(call, line, path literal or "") of each call that writes a file."""
    global_state: tuple[tuple[str, int], ...] = ()
    """(what, line) of uses of the global random generator and of computing options."""
    value_binds: tuple[str, ...] = ()
    """Names assigned a value (not loop variables, defs, imports, figures): candidate results."""
    drawn_binds: tuple[str, ...] = ()
    """Names only the cell's plots assign (``fig, ax = plt.subplots()``): the figure is drawn
    apart from the step (nb2pkg.emit.figure_files), so the step gives no such value."""

    @property
    def mutations(self) -> tuple[str, ...]:
        """Names the cell reads from earlier cells and mutates in place."""
        return tuple(self.mutation_lines)

    @property
    def def_globals(self) -> tuple[tuple[str, str], ...]:
        """(def or class name, global name it reads)."""
        return tuple(self.def_global_lines)


# --------------------------------------------------------------------------- plan


class ParamSource(str, Enum):
    STEP = "step"
    """The output of an earlier function cell."""
    PARAMETER = "parameter"
    """A literal from the ``parameters`` cell: has a default."""
    INPUT = "input"
    """Only an unmarked cell (or nobody) defines it: a required ``run()`` argument."""
    DATA_FILE = "data_file"
    """A data file path literal: defaults to the path."""


@dataclass(frozen=True)
class ParamPlan:
    name: str
    source: ParamSource
    default: str | None = None
    """Python source of the default value, or None when required."""
    annotation: str | None = None
    producer: str | None = None
    """The function (step) whose output feeds it, for STEP."""


@dataclass(frozen=True)
class StepPlan:
    """A function cell, planned: what it becomes in the package."""

    name: str
    module: str
    notebook: str
    cell_id: str
    cell_number: int
    params: tuple[ParamPlan, ...]
    returns: tuple[str, ...]
    mutates: tuple[str, ...] = ()
    metrics: bool = False
    docstring: str = ""
    seeds: tuple[str, ...] = ()
    """Seed statements of the cell, which ``run()`` executes before calling the step."""
    seed_imports: tuple[ImportBinding, ...] = ()
    figure_inputs: tuple[str, ...] | None = None
    """The values the cell's plots read, when they can be drawn after the step (None: the
    cell draws nothing, or reads values the step does not return)."""
    figure_imports: tuple[ImportBinding, ...] = ()
    result_statement: int | None = None
    """When the step returns no names: the index of the cell's last statement, a bare
    expression whose value the notebook showed, which the function returns
    (nb2pkg.analysis.cell_result)."""

    @property
    def signature(self) -> str:
        text = f"{self.name}({', '.join(p.name for p in self.params)})"
        if self.returns:
            text += " -> " + ", ".join(self.returns)
        if self.mutates:
            text += f"  [mutates: {', '.join(self.mutates)}]"
        return text


@dataclass(frozen=True)
class TestPlan:
    name: str
    module: str
    notebook: str
    cell_id: str
    cell_number: int
    fixtures: tuple[ParamPlan, ...]


@dataclass(frozen=True)
class RunParam:
    """A keyword argument of the generated ``run()`` and option of its CLI."""

    name: str
    default: str | None
    """Python source of the default, or None when required."""
    annotation: str
    origin: str
    """Where it comes from, for the README and the CLI help."""
