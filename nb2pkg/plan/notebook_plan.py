"""Cross-cell dataflow: reaching definitions in document order → each step's signature.

For every packaged cell, each name it reads before binding is wired from its latest definition
in an earlier cell: an earlier function's output (a parameter fed by that step), a literal of
the ``parameters`` cell (a parameter with that default), an import (hoisted to module top), an
``export`` cell (a module-level name), or an unmarked cell (a required ``run()`` input, with a
warning naming the cell). Names a function binds that later packaged cells read become its
return values.

Diagnostic codes:
  NB204 a ``parameters`` cell assigns something that is not a literal
  NB301 cells were executed out of document order
  NB302 a packaged cell needs a name only an unmarked cell defines
  NB303 a packaged cell reads a name no earlier cell defines
  NB304 a ``def``/``class`` reads a notebook global (a parameter: the module gets its value)
  NB305 a ``global`` statement in packaged code
  NB306 a star import in packaged code
  NB307 a step mutates one of its inputs in place (info)
  NB308 a function cell has nothing left to run
  NB309 a packaged cell calls MLflow itself
  NB310 an explicit output in ``metadata.nb2pkg`` that the cell does not bind
  NB311 a function name clashes with an imported or exported name
  NB314 a skipped cell changes what packaged cells after it compute (global random
        generator, computing options, a file they read)
  NB514 (warning) a data file the code names is a symbolic link out of the root (nb2pkg.builder.confine)
  NB401 a test cell asserts nothing and calls nothing
  NB402 a test cell is empty
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nb2pkg.analysis.cell import CellProblem, ParsedCell, analyze_cell
from nb2pkg.analysis.packagable import packaging_problems
from nb2pkg.builder.confine import ReadScope
from nb2pkg.emit.mlflow_calls import find_mlflow_calls, is_mlflow_name, qualified_names
from nb2pkg.ir import (
    Cell,
    CellAnalysis,
    Diagnostic,
    ImportBinding,
    Location,
    Notebook,
    ParamPlan,
    ParamSource,
    Role,
    RunParam,
    Severity,
    StepPlan,
    TaggedCell,
    TestPlan,
)
from nb2pkg.plan.markdown_summary import markdown_summary
from nb2pkg.plan.parameter_comments import trailing_comments
from nb2pkg.plan.step_names import short_file_name
from nb2pkg.roles.vocabulary import GENERATED_MODULES

IPYTHON_BUILTINS = frozenset({"display", "get_ipython", "In", "Out", "exit", "quit", "__file__"})
_PACKAGED = (Role.FUNCTION, Role.TEST, Role.EXPORT, Role.PARAMETERS)


@dataclass(frozen=True)
class Definition:
    kind: str
    """``step``, ``parameter``, ``export``, ``input`` (an unmarked cell) or ``import``."""
    cell: TaggedCell
    default: str | None = None
    binding: ImportBinding | None = None


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
        return tuple(c.step for c in self.cells if c.step is not None)

    @property
    def tests(self) -> tuple[TestPlan, ...]:
        return tuple(c.test for c in self.cells if c.test is not None)


def module_name_for(notebook: Notebook) -> str:
    stem = unicodedata.normalize("NFKC", Path(notebook.display_path).stem)
    name = re.sub(r"\W+", "_", stem).strip("_").lower() or "notebook"
    if name[0].isdigit():
        name = f"nb_{name}"
    name = short_file_name(name)
    if keyword.iskeyword(name) or name in GENERATED_MODULES:
        name = f"{name}_steps"
    return name


def plan_notebook(
    notebook: Notebook, tagged: Sequence[TaggedCell], *, read_scope: ReadScope | None = None
) -> NotebookPlan:
    """Wire the notebook's cells together. Never raises; problems come back as diagnostics.

    ``read_scope``: where data files named by the cells may be (None: anywhere).
    """
    return _Planner(notebook, tagged, read_scope).plan()


class _Planner:
    def __init__(
        self, notebook: Notebook, tagged: Sequence[TaggedCell], read_scope: ReadScope | None
    ) -> None:
        self.notebook = notebook
        self.read_scope = read_scope
        self.refused_files: set[Path] = set()
        self.tagged = list(tagged)
        self.module = module_name_for(notebook)
        self.diagnostics: list[Diagnostic] = []
        self.parsed = {t.cell.cell_id: analyze_cell(t.cell.source) for t in self.tagged}
        self.latest: dict[str, Definition] = {}
        self.consumed: set[tuple[str, str]] = set()
        """(producing cell id, name) pairs a later packaged cell reads."""
        self.params: dict[str, RunParam] = {}
        self.module_constants: dict[str, dict[str, tuple[str, str]]] = {}
        self.inputs_warned: set[str] = set()
        self.data_files: dict[str, str] = {}
        self.star_imports: list[ImportBinding] = []
        self.import_latest: dict[str, ImportBinding] = {}
        self.imported_anywhere = self._imports_anywhere()
        self.star_imported_anywhere = any(
            self.parsed[t.cell.cell_id].analysis.star_imports
            for t in self.tagged
            if t.role is not Role.SKIP
        )
        self.markdown_above = self._markdown_above()
        self.final_binder = self._final_binders()
        """Name → id of the last cell that binds or (as a step) changes it: whose value the
        notebook ends with."""
        self.returned: set[str] = set()
        """Names some step returns so far (planning in document order)."""
        self.notebook_name = Path(notebook.display_path).name
        self.mlflow_names = {
            name: target
            for name, target in qualified_names(self.imported_anywhere.values()).items()
            if is_mlflow_name(target)
        }

    # ---------------------------------------------------------------- main loop

    def plan(self) -> NotebookPlan:
        self._check_execution_order()
        resolved: dict[str, tuple[list[ParamPlan], list[str]]] = {}
        for item in self.tagged:
            parsed = self.parsed[item.cell.cell_id]
            self._report_cell_problems(item, parsed.problems)
            if item.role is Role.SKIP:
                self._check_skipped_effects(item, parsed)
                continue
            if item.role in _PACKAGED and parsed.parses:
                self._report_cell_problems(item, packaging_problems(parsed.analysis))
            if item.role in _PACKAGED and parsed.parses:
                resolved[item.cell.cell_id] = self._resolve_reads(item, parsed)
            self._record_definitions(item, parsed)
        cells = tuple(self._cell_plan(item, resolved) for item in self.tagged)
        self._check_name_clashes(cells)
        return NotebookPlan(
            notebook=self.notebook,
            module=self.module,
            cells=cells,
            run_params=tuple(self.params.values()),
            imports=self._imports_by_module(cells),
            star_imports=tuple(self.star_imports),
            requirements=tuple(
                r
                for t in self.tagged
                for r in self.parsed[t.cell.cell_id].analysis.pip_requirements
            ),
            data_files=dict(self.data_files),
            diagnostics=tuple(self.diagnostics),
            title=self._title(),
            markdown_above=self.markdown_above,
            module_constants={
                m: tuple((n, d, c) for n, (d, c) in v.items())
                for m, v in self.module_constants.items()
            },
        )

    def _resolve_reads(
        self, item: TaggedCell, parsed: ParsedCell
    ) -> tuple[list[ParamPlan], list[str]]:
        """The cell's inputs, and the module-level names (exports) it uses."""
        analysis = parsed.analysis
        params: list[ParamPlan] = []
        module_names: list[str] = []
        for name in analysis.reads:
            line = analysis.first_line_of.get(name)
            definition = self.latest.get(name)
            if definition is None:
                if hasattr(builtins, name) or name in IPYTHON_BUILTINS:
                    continue
                if name in self.imported_anywhere:
                    # Imports are hoisted to the module top wherever the notebook wrote them.
                    self.import_latest.setdefault(name, self.imported_anywhere[name])
                    continue
                if self.star_imported_anywhere:
                    continue  # NB306 says so: a star import is assumed to provide it
                self._undefined(item, name, line)
                params.append(ParamPlan(name, ParamSource.INPUT))
                self._add_run_input(name, f"needed by cell {item.cell.number}, defined by no cell")
                continue
            if definition.kind == "import":
                continue
            if definition.kind == "export":
                module_names.append(name)
                continue
            if item.role is Role.EXPORT and definition.kind == "parameter":
                self._add_module_constant(item, name, definition, line)
                continue
            if item.role in (Role.EXPORT, Role.PARAMETERS):
                self._report(
                    item,
                    "NB304",
                    Severity.WARNING,
                    f"this {item.role.value} cell reads `{name}`, which cell "
                    f"{definition.cell.cell.number} computes; the module has no such global",
                    "pass it in as an argument, or make this cell a function:NAME cell",
                    line,
                )
                continue
            self.consumed.add((definition.cell.cell.cell_id, name))
            if definition.kind == "step":
                params.append(ParamPlan(name, ParamSource.STEP, producer=definition.cell.name))
            elif definition.kind == "parameter":
                params.append(
                    ParamPlan(
                        name,
                        ParamSource.PARAMETER,
                        definition.default,
                        _annotation(definition.default),
                    )
                )
            else:
                params.append(ParamPlan(name, ParamSource.INPUT))
                self._add_run_input(
                    name, f"defined only by unmarked cell {definition.cell.cell.number}"
                )
                if name not in self.inputs_warned:
                    self.inputs_warned.add(name)
                    self._report(
                        item,
                        "NB302",
                        Severity.WARNING,
                        f"`{name}` is defined only by unmarked cell {definition.cell.cell.number}; "
                        "it becomes a required argument of run()",
                        f"mark cell {definition.cell.cell.number} as a function (function:NAME) "
                        "or as `parameters` to package it",
                        line,
                    )
        for owner, name in analysis.def_globals:
            definition = self.latest.get(name)
            if definition is None or definition.kind in ("import", "export"):
                continue
            if item.role is Role.EXPORT and definition.kind == "parameter":
                continue  # the module defines it (NB304 said so above)
            action = (
                f"the package passes `{name}` into `{item.name}` as a parameter"
                if item.role is Role.FUNCTION
                else f"`{name}` is not defined at module level in the package"
            )
            self._report(
                item,
                "NB304",
                Severity.WARNING,
                f"`{owner}` reads the notebook global `{name}`: {action}",
                f"give `{owner}` a parameter `{name}` so it does not depend on notebook state",
                analysis.first_line_of.get(name),
            )
        if item.role is Role.FUNCTION:
            params.extend(self._data_file_params(item, analysis.file_literals))
        return params, module_names

    def _record_definitions(self, item: TaggedCell, parsed: ParsedCell) -> None:
        analysis = parsed.analysis
        for binding in analysis.imports:
            self.latest[binding.bound] = Definition("import", item, binding=binding)
            self.import_latest[binding.bound] = binding
        for module, line in analysis.star_imports:
            star = ImportBinding(module, "*", None, "*")
            if all(s.module != module for s in self.star_imports):
                self.star_imports.append(star)
            if item.role in _PACKAGED or item.role is Role.EXPLORATION:
                self._report(
                    item,
                    "NB306",
                    Severity.WARNING,
                    f"star import `from {module} import *`: the package keeps it and assumes it "
                    "provides every name no cell defines",
                    f"import the names you use explicitly: from {module} import a, b",
                    line,
                )
        kind = {
            Role.FUNCTION: "step",
            Role.EXPORT: "export",
            Role.EXPLORATION: "input",
        }.get(item.role)
        if item.role is Role.PARAMETERS:
            literals = dict(analysis.literal_assignments)
            comments = trailing_comments(item.cell.source)
            for name, written in analysis.literal_assignments:
                default = _one_line_default(written)
                self.latest[name] = Definition("parameter", item, default=default)
                self.params[name] = RunParam(
                    name,
                    default,
                    _annotation(default) or "object",
                    comments.get(name, "pipeline parameter"),
                )
            for name, line in analysis.non_literal_assignments:
                if name in literals:
                    continue
                self._report(
                    item,
                    "NB204",
                    Severity.ERROR,
                    f"parameter `{name}` is not assigned a literal value",
                    "a parameters cell holds literals only (numbers, strings, lists, dicts...); "
                    "compute derived values in a function cell",
                    line,
                )
            return
        if kind is None:
            return
        if kind == "step":
            # A step that changes an input in place returns it: later cells read it from there.
            for name in analysis.mutations:
                earlier = self.latest.get(name)
                if earlier is not None and earlier.kind in ("step", "parameter", "input"):
                    self.latest[name] = Definition(kind, item)
        for name in analysis.binds:
            self.latest[name] = Definition(kind, item)

    # ---------------------------------------------------------------- per-cell plans

    def _cell_plan(
        self, item: TaggedCell, resolved: Mapping[str, tuple[list[ParamPlan], list[str]]]
    ) -> CellPlan:
        parsed = self.parsed[item.cell.cell_id]
        module = item.module or self.module
        params, module_names = resolved.get(item.cell.cell_id, ([], []))
        if item.role is Role.FUNCTION and item.name and parsed.parses:
            calls = self._mlflow_calls(parsed)
            return CellPlan(
                item,
                parsed,
                module,
                step=self._step(item, parsed, params, calls),
                export_reads=tuple(module_names),
                mlflow_calls=calls,
            )
        if item.role is Role.TEST and item.name and parsed.parses:
            self._check_test(item, parsed)
            test = TestPlan(
                item.name,
                module,
                self.notebook.display_path,
                item.cell.cell_id,
                item.cell.number,
                tuple(params),
            )
            return CellPlan(item, parsed, module, test=test, export_reads=tuple(module_names))
        return CellPlan(item, parsed, module, export_reads=tuple(module_names))

    def _mlflow_calls(self, parsed: ParsedCell) -> tuple[tuple[str, int], ...]:
        if not parsed.parses or not self.mlflow_names:
            return ()
        assert parsed.module is not None
        calls = find_mlflow_calls(parsed.module, imported=self.mlflow_names)
        return tuple((call.qualified_name, call.line) for call in calls)

    def _step(
        self,
        item: TaggedCell,
        parsed: ParsedCell,
        params: list[ParamPlan],
        mlflow_calls: tuple[tuple[str, int], ...] = (),
    ) -> StepPlan:
        assert item.name is not None
        analysis = parsed.analysis
        explicit = item.cell.settings.get("outputs")
        returns: tuple[str, ...] | None = None
        if isinstance(explicit, list) and all(isinstance(n, str) for n in explicit):
            returns = tuple(explicit)
            missing = [n for n in returns if n not in analysis.binds]
            for name in missing:
                self._report(
                    item,
                    "NB310",
                    Severity.ERROR,
                    f"metadata.nb2pkg.outputs names `{name}`, which the cell never binds",
                    "list only names the cell assigns",
                    None,
                )
        required = [p for p in params if p.default is None]
        optional = [p for p in params if p.default is not None]
        names = {p.name for p in params}
        mutates = tuple(n for n in analysis.mutations if n in names)
        if returns is None:
            returns = self._returns(item, analysis, mutates)
        self.returned.update(returns)
        for name in mutates:
            self._report(
                item,
                "NB307",
                Severity.INFO,
                f"`{item.name}` changes its input `{name}` in place",
                f"callers see `{name}` modified; copy it first if that is not intended",
                analysis.first_line_of.get(name),
            )
        kept = parsed.statement_count
        dropped = (
            len(analysis.import_statements)
            + len(analysis.display_statements)
            + sum(1 for _, kind in analysis.library_statements if kind != "print")
        )
        refused = any(p.severity is Severity.ERROR for p in parsed.problems)
        if kept - dropped <= 0 and not refused:  # an unsupported cell magic says it already
            self._report(
                item,
                "NB308",
                Severity.WARNING,
                f"function `{item.name}` has no code left after imports and display "
                "statements are removed",
                "tag the cell `export` if it only imports, or remove its tag",
                None,
            )
        for name, line in mlflow_calls:
            self._report(
                item,
                "NB309",
                Severity.WARNING,
                f"`{name}` is called in a packaged cell; the generated pipeline logs to "
                "MLflow itself, so this call is left out of the function",
                "remove the MLflow calls from the cell, or keep them in an unmarked cell",
                line + analysis.line_offset,
            )
        for name, line in analysis.global_statements:
            self._report(
                item,
                "NB305",
                Severity.WARNING,
                f"`global {name}`: in the package this names a global of the module "
                f"`{item.module or self.module}`, not of the notebook",
                "return the value instead of assigning a global",
                line,
            )
        return StepPlan(
            name=item.name,
            module=item.module or self.module,
            notebook=self.notebook.display_path,
            cell_id=item.cell.cell_id,
            cell_number=item.cell.number,
            params=tuple(required + optional),
            returns=returns,
            mutates=mutates,
            metrics=item.metrics,
            docstring=self._docstring(item, required + optional, returns, mutates),
            **self._figures(parsed, params, returns),
            seeds=analysis.seed_calls,
            seed_imports=tuple(
                self.imported_anywhere[name]
                for name in sorted(analysis.seed_uses)
                if name in self.imported_anywhere
            ),
        )

    def _figures(
        self, parsed: ParsedCell, params: list[ParamPlan], returns: tuple[str, ...]
    ) -> dict[str, Any]:
        """What the cell's plots read, when all of it is at hand after the step runs: its
        inputs and outputs, run() parameters, earlier steps' outputs, imports."""
        plots = [i for i, kind in parsed.analysis.library_statements if kind == "plot"]
        if parsed.module is None or not plots:
            return {}
        trees = [
            ast.parse(parsed.module.code_for_node(parsed.module.body[i]).strip()) for i in plots
        ]
        if all(_only_shows(tree) for tree in trees):
            return {}  # `plt.show()` alone draws nothing
        loaded: list[str] = []
        bound: set[str] = set()
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Name):
                    if isinstance(node.ctx, ast.Store):
                        bound.add(node.id)
                    elif node.id not in loaded:
                        loaded.append(node.id)
                elif isinstance(node, ast.arg):
                    bound.add(node.arg)
        imports = [self.imported_anywhere[n] for n in loaded if n in self.imported_anywhere]
        inputs = [
            n
            for n in loaded
            if n not in bound
            and n not in self.imported_anywhere
            and not hasattr(builtins, n)
            and n not in IPYTHON_BUILTINS
        ]
        available = {p.name for p in params} | set(returns) | set(self.params) | self.returned
        if not set(inputs) <= available:
            return {}
        return {"figure_inputs": tuple(inputs), "figure_imports": tuple(imports)}

    def _returns(
        self, item: TaggedCell, analysis: CellAnalysis, mutates: tuple[str, ...]
    ) -> tuple[str, ...]:
        """What a later packaged cell reads, what the notebook ends with, inputs changed in place.

        A ``metrics`` step returns every value it binds, so every number is logged.
        """
        cell_id = item.cell.cell_id
        results = set(analysis.value_binds) if item.metrics else set()
        for name in analysis.binds:
            if self.final_binder.get(name) != cell_id:
                continue
            # Loop variables, figures, defs and imports are no results, unless an earlier step
            # returned the name: run() must not keep that older value.
            if name in analysis.value_binds or name in self.returned:
                results.add(name)
        returns = [n for n in analysis.binds if (cell_id, n) in self.consumed or n in results]
        returns += [n for n in mutates if n not in returns]
        return tuple(returns)

    def _final_binders(self) -> dict[str, str]:
        final: dict[str, str] = {}
        for item in self.tagged:
            if item.role is Role.SKIP:
                continue
            analysis = self.parsed[item.cell.cell_id].analysis
            for name in analysis.binds:
                final[name] = item.cell.cell_id
            for binding in analysis.imports:
                final[binding.bound] = item.cell.cell_id
            if item.role is Role.FUNCTION:
                for name in analysis.mutations:
                    final[name] = item.cell.cell_id
        return final

    def _check_test(self, item: TaggedCell, parsed: ParsedCell) -> None:
        statements = parsed.statement_count
        if statements == len(parsed.analysis.import_statements):  # nothing but imports, or empty
            self._report(
                item,
                "NB402",
                Severity.ERROR,
                "this test cell has no code to run",
                "write an assert in it, or remove the `test` tag",
                None,
            )
        elif not parsed.analysis.has_assert and not parsed.analysis.has_call:
            self._report(
                item,
                "NB401",
                Severity.WARNING,
                "this test cell asserts nothing and calls nothing: it cannot fail",
                "add an assert about the values it checks",
                None,
            )

    def _data_file_params(
        self, item: TaggedCell, literals: tuple[tuple[str, int], ...]
    ) -> list[ParamPlan]:
        found: list[ParamPlan] = []
        if not literals:
            return found
        folder = Path(self.notebook.path).parent
        for value, _line in literals:
            if not (folder / value).is_file():
                continue
            if self.read_scope is not None and not self.read_scope.allows(folder / value):
                self._refuse_data_file(item, folder / value)
                continue
            name = self.data_files.get(value)
            if name is None:
                stem = re.sub(r"\W+", "_", Path(value).stem).strip("_").lower() or "data"
                name = f"{stem}_path" if not stem[0].isdigit() else f"file_{stem}_path"
                while name in self.params and self.params[name].default != repr(value):
                    name = f"{name}_"
                self.data_files[value] = name
                self.params[name] = RunParam(
                    name, repr(value), "str", "data file the notebook reads"
                )
            if all(p.name != name for p in found):
                found.append(ParamPlan(name, ParamSource.DATA_FILE, repr(value), "str"))
        return found

    def _refuse_data_file(self, item: TaggedCell, path: Path) -> None:
        assert self.read_scope is not None
        if path in self.refused_files:
            return
        self.refused_files.add(path)
        self.diagnostics.append(
            self.read_scope.refusal(
                path,
                "data file",
                Location(self.notebook.display_path, item.cell.number, item.cell.cell_id),
                severity=Severity.WARNING,
                consequence="it is not made a run() parameter and nb2pkg does not read it",
            )
        )

    # ---------------------------------------------------------------- checks

    def _check_execution_order(self) -> None:
        previous: tuple[int, Cell] | None = None
        for cell in self.notebook.code_cells:
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
            if plan.tagged.role in _PACKAGED:
                names.update(b.bound for b in analysis.imports if b.bound in used)
        for plan in cells:
            if plan.step is not None and plan.step.name in module_level.get(plan.module, set()):
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

    def _undefined(self, item: TaggedCell, name: str, line: int | None) -> None:
        later = name in self._names_defined_after(item)
        message = (
            f"`{name}` is read here but only defined by a later cell"
            if later
            else f"`{name}` is read here but no cell defines it"
        )
        hint = (
            "move the defining cell above this one (the package follows document order)"
            if later
            else "define it in an earlier cell or the parameters cell; "
            "meanwhile it becomes a required argument of run()"
        )
        self._report(item, "NB303", Severity.WARNING, message, hint, line)

    def _add_module_constant(
        self, item: TaggedCell, name: str, definition: Definition, line: int | None
    ) -> None:
        """An ``export`` cell reads a parameter: its module defines the parameter's value."""
        module = item.module or self.module
        constants = self.module_constants.setdefault(module, {})
        if name in constants:
            return
        assert definition.default is not None
        constants[name] = (definition.default, definition.cell.cell.cell_id)
        self._report(
            item,
            "NB304",
            Severity.WARNING,
            f"this export cell reads the parameter `{name}`: module `{module}` defines "
            f"`{name} = {definition.default}` (the parameters cell's value), which run()'s "
            f"`{name}` argument does not change",
            f"give the function a parameter `{name}` and pass it from a function cell, so "
            "run() can change it",
            line,
        )

    def _add_run_input(self, name: str, origin: str) -> None:
        if name not in self.params:
            self.params[name] = RunParam(name, None, "object", origin)

    def _imports_anywhere(self) -> dict[str, ImportBinding]:
        found: dict[str, ImportBinding] = {}
        for item in self.tagged:
            if item.role is Role.SKIP:
                continue
            for binding in self.parsed[item.cell.cell_id].analysis.imports:
                found.setdefault(binding.bound, binding)
        return found

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

    # ---------------------------------------------------------------- text

    def _docstring(
        self,
        item: TaggedCell,
        params: list[ParamPlan],
        returns: tuple[str, ...],
        mutates: tuple[str, ...] = (),
    ) -> str:
        explicit = item.cell.settings.get("docstring")
        summary = (
            explicit
            if isinstance(explicit, str)
            else self.markdown_above.get(item.cell.cell_id, "")
        )
        summary = summary.strip() or f"Step `{item.name}` of {self.notebook_name}."
        lines = [summary]
        if params:
            lines += ["", "Args:"]
            for p in params:
                lines.append(f"    {p.name}: {_describe_param(p)}")
        if returns:
            lines += ["", "Returns:", "    " + ", ".join(returns)]
        if mutates:
            lines += ["", "Changes in place: " + ", ".join(mutates) + "."]
        return "\n".join(lines)

    def _markdown_above(self) -> dict[str, str]:
        texts: dict[str, str] = {}
        previous: Cell | None = None
        for cell in self.notebook.cells:
            if (
                cell.cell_type == "code"
                and previous is not None
                and previous.cell_type == "markdown"
            ):
                texts[cell.cell_id] = markdown_summary(previous.source)
            previous = cell
        return texts

    def _title(self) -> str:
        for cell in self.notebook.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if line.startswith("#"):
                        return line.lstrip("#").strip()
        return ""

    def _imports_by_module(
        self, cells: tuple[CellPlan, ...]
    ) -> dict[str, tuple[ImportBinding, ...]]:
        wanted: dict[str, dict[str, ImportBinding]] = {}
        for plan in cells:
            if plan.tagged.role not in _PACKAGED or not plan.parsed.parses:
                continue
            target = "tests" if plan.tagged.role is Role.TEST else plan.module
            own = {b.bound: b for b in plan.parsed.analysis.imports}
            bucket = wanted.setdefault(target, {})
            imported = plan.parsed.analysis.uses & (own.keys() | self.import_latest.keys())
            if plan.step is None:  # a step's seeds run in run(), others' where they are
                imported |= plan.parsed.analysis.seed_uses & self.imported_anywhere.keys()
            for name in sorted(imported):
                if plan.step is not None and name in self.mlflow_names:
                    continue  # the step's MLflow calls are left out of the function
                binding = (
                    own.get(name)
                    or self.import_latest.get(name)
                    or self.imported_anywhere.get(name)
                )
                if binding is not None and name not in bucket:
                    bucket[name] = binding
        return {module: tuple(bucket.values()) for module, bucket in wanted.items()}

    # ---------------------------------------------------------------- reporting

    def _report_cell_problems(self, item: TaggedCell, problems: tuple[CellProblem, ...]) -> None:
        packaged = item.role in _PACKAGED
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


def _only_shows(tree: ast.Module) -> bool:
    """``plt.show()`` / ``fig.show()`` / ``plt.draw()``: shows what other statements drew."""
    return all(
        isinstance(s, ast.Expr)
        and isinstance(s.value, ast.Call)
        and isinstance(s.value.func, ast.Attribute)
        and s.value.func.attr in ("show", "draw")
        for s in tree.body
    )


def _all_uses(cells: tuple[CellPlan, ...]) -> set[str]:
    return {n for c in cells if c.tagged.role in _PACKAGED for n in c.parsed.analysis.uses}


@functools.lru_cache(maxsize=4096)
def _annotation(default: str | None) -> str | None:
    if default is None:
        return None
    import ast

    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return None
    for kind in (bool, int, float, str):
        if type(value) is kind:
            return kind.__name__
    name = type(value).__name__
    # Only a builtin type names itself in code (not NoneType, not ellipsis).
    return name if getattr(builtins, name, None) is type(value) else None


def _one_line_default(text: str) -> str:
    """A parameter's literal as one self-contained expression, wherever it is placed in code.

    ``1, 2`` becomes ``(1, 2)``; a literal written over several lines or with a comment is
    rewritten on one line. Other literals keep the notebook's spelling.
    """
    import ast

    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    bare_tuple = isinstance(tree.body, ast.Tuple) and not text.lstrip().startswith("(")
    if bare_tuple or "\n" in text or "#" in text:
        return ast.unparse(tree)
    return text


def _describe_param(param: ParamPlan) -> str:
    if param.source is ParamSource.STEP:
        return f"output of `{param.producer}`."
    if param.source is ParamSource.PARAMETER:
        return f"pipeline parameter (default {param.default})."
    if param.source is ParamSource.DATA_FILE:
        return f"path of a data file (default {param.default})."
    return "input the notebook computed outside the package."
