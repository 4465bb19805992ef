"""Each function cell's step: its parameters, what it returns, its docstring and figures."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.analysis.cell_result import last_values, result_statement
from nb2pkg.analysis.nested_plots import draws_among_work
from nb2pkg.analysis.saved_figures import without_saving
from nb2pkg.ir import (
    CellAnalysis,
    ParamPlan,
    ParamSource,
    Role,
    Severity,
    StepPlan,
    TaggedCell,
    TestPlan,
)
from nb2pkg.plan.cell_parts import drawing_tail
from nb2pkg.plan.cell_plans import IPYTHON_BUILTINS, CellPlan
from nb2pkg.plan.figure_reads import reads_in_order
from nb2pkg.plan.planner_state import PlannerState, find_mlflow_calls
from nb2pkg.roles.vocabulary import keeps_prints


class PlannerSteps(PlannerState):
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
        returns = self._explicit_outputs(item, analysis)
        required = [p for p in params if p.default is None]
        optional = [p for p in params if p.default is not None]
        names = {p.name for p in params}
        mutates = tuple(n for n in analysis.mutations if n in names)
        result = None
        if returns is None:
            returns = self._returns(item, analysis, mutates)
            dropped = not keeps_prints(item.cell.tags)
            if not returns:
                result = result_statement(
                    parsed,
                    self.mlflow_names,
                    prints_dropped=dropped,
                    end=drawing_tail(item.cell.parts, analysis),
                )
            if not returns and result is None:
                returns = last_values(analysis)
        self.returned.update(returns)
        self._report_step_notes(item, parsed, mutates, mlflow_calls)
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
            docstring=self._docstring(
                item, required + optional, returns, mutates, shows=result is not None
            ),
            result_statement=result,
            **self._figures(parsed, params, returns),
            seeds=analysis.seed_calls,
            seed_imports=tuple(
                self.imported_anywhere[name]
                for name in sorted(analysis.seed_uses)
                if name in self.imported_anywhere
            ),
        )

    def _explicit_outputs(self, item: TaggedCell, analysis: CellAnalysis) -> tuple[str, ...] | None:
        """The names ``metadata.nb2pkg.outputs`` lists (NB310 for one the cell never binds)."""
        explicit = item.cell.settings.get("outputs")
        if not (isinstance(explicit, list) and all(isinstance(n, str) for n in explicit)):
            return None
        for name in explicit:
            if name not in analysis.binds:
                self._report(
                    item,
                    "NB310",
                    Severity.ERROR,
                    f"metadata.nb2pkg.outputs names `{name}`, which the cell never binds",
                    "list only names the cell assigns",
                    None,
                )
        return tuple(explicit)

    def _report_step_notes(
        self,
        item: TaggedCell,
        parsed: ParsedCell,
        mutates: tuple[str, ...],
        mlflow_calls: tuple[tuple[str, int], ...],
    ) -> None:
        """NB307 inputs changed in place, NB308 nothing left to run, NB309 MLflow calls,
        NB305 ``global`` statements."""
        analysis = parsed.analysis
        for name in mutates:
            self._report(
                item,
                "NB307",
                Severity.INFO,
                f"`{item.name}` changes its input `{name}` in place",
                f"callers see `{name}` modified; copy it first if that is not intended",
                analysis.mutation_lines.get(name) or analysis.first_line_of.get(name),
            )
        dropped = (
            len(analysis.import_statements)
            + len(analysis.display_statements)
            + sum(1 for _, kind in analysis.library_statements if kind != "print")
        )
        refused = any(p.severity is Severity.ERROR for p in parsed.problems)
        if parsed.statement_count - dropped <= 0 and not refused and not analysis.seed_calls:
            # (seeds are work: they run in steps(), see seeds_handed_on)
            # (an unsupported cell magic says so already)
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

    def _figures(
        self, parsed: ParsedCell, params: list[ParamPlan], returns: tuple[str, ...]
    ) -> dict[str, Any]:
        """What the cell's plots read, when all of it is at hand after the step runs: its
        inputs and outputs, run() parameters, earlier steps' outputs, imports."""
        plots = [i for i, kind in parsed.analysis.library_statements if kind == "plot"]
        if not plots or parsed.module is None:
            return {}
        trees = [  # what drawing reads; the figure is logged, not saved (saved_figures)
            without_saving(ast.parse(parsed.module.code_for_node(parsed.module.body[i]).strip()))
            for i in plots
        ]
        if all(_only_shows(tree) for tree in trees):
            return {}  # `plt.show()` alone draws nothing
        if draws_among_work(parsed.analysis.python_source):
            return {}  # the rest of the figure is drawn among work the step keeps
        loaded = reads_in_order(trees)
        imports = [self.imported_anywhere[n] for n in loaded if n in self.imported_anywhere]
        inputs = [
            n
            for n in loaded
            if n not in self.imported_anywhere
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

    def _docstring(
        self,
        item: TaggedCell,
        params: list[ParamPlan],
        returns: tuple[str, ...],
        mutates: tuple[str, ...] = (),
        *,
        shows: bool = False,
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
        elif shows:
            lines += ["", "Returns:", "    the value the notebook cell shows."]
        if mutates:
            lines += ["", "Changes in place: " + ", ".join(mutates) + "."]
        return "\n".join(lines)

    def _report_seeds_handed_on(
        self, cells: tuple[CellPlan, ...], handed: tuple[CellPlan, ...]
    ) -> None:
        """Say so when a function cell that only seeds is no function of its own."""
        for item, before, after in zip(self.tagged, cells, handed, strict=True):
            if before.step is not None and after.step is None:
                self._report(
                    item,
                    "NB315",
                    Severity.INFO,
                    f"function `{item.name}` only seeds the random generators: run() seeds "
                    "them right before the next step, and no function of its own is made",
                    "nothing to do; to call it on its own, give the cell the code that draws",
                    None,
                )


def seeds_handed_on(cells: tuple[CellPlan, ...]) -> tuple[CellPlan, ...]:
    """Cells whose step would only seed (``np.random.seed(0)`` alone in its cell) give their
    seeds to the next step and are no step: ``steps()`` runs seeds right before their step,
    so the seeded generator is the same when the next step draws, and no empty function is
    generated. A seed-only step with no step after it stays."""
    result = list(cells)
    carried: list[CellPlan] = []
    for index, cell in enumerate(result):
        step = cell.step
        if step is None:
            continue
        if carried:
            given = [c.step for c in carried if c.step is not None]
            seeds = tuple(s for g in given for s in g.seeds)
            imports = tuple(b for g in given for b in g.seed_imports)
            step = replace(
                step,
                seeds=(*seeds, *step.seeds),
                seed_imports=tuple(dict.fromkeys((*imports, *step.seed_imports))),
            )
            result[index] = replace(cell, step=step)
            carried = []
        if _only_seeds(result[index]):
            carried.append(result[index])
            result[index] = replace(cell, step=None)
    for cell in carried:  # nothing after them to seed for: they stay as they were
        position = next(i for i, c in enumerate(cells) if c.cell.cell_id == cell.cell.cell_id)
        result[position] = cell
    return tuple(result)


def _only_seeds(cell: CellPlan) -> bool:
    step = cell.step
    if step is None or not step.seeds or step.returns or step.params:
        return False
    if step.result_statement is not None or step.figure_inputs is not None or step.metrics:
        return False
    analysis = cell.parsed.analysis
    left_out = set(analysis.import_statements) | set(analysis.display_statements)
    left_out |= {i for i, kind in analysis.library_statements if kind != "print"}
    kinds = {kind for _, kind in analysis.library_statements}
    return "plot" not in kinds and cell.parsed.statement_count <= len(left_out)


def _only_shows(tree: ast.Module) -> bool:
    """``plt.show()`` / ``fig.show()`` / ``plt.draw()``: shows what other statements drew."""
    return all(
        isinstance(s, ast.Expr)
        and isinstance(s.value, ast.Call)
        and isinstance(s.value.func, ast.Attribute)
        and s.value.func.attr in ("show", "draw")
        for s in tree.body
    )


def _describe_param(param: ParamPlan) -> str:
    if param.source is ParamSource.STEP:
        return f"output of `{param.producer}`."
    if param.source is ParamSource.PARAMETER:
        return f"pipeline parameter (default {_short_default(param.default)})."
    if param.source is ParamSource.DATA_FILE:
        return f"path of a data file (default {param.default})."
    return "input the notebook computed outside the package."


_LONGEST_SHOWN_DEFAULT = 60


def _short_default(default: str | None) -> str:
    """A default as a docstring shows it: the literal, or what it is when it is long (a
    60-line dict is read in the parameters cell, not in every docstring)."""
    text = str(default)
    if len(text) <= _LONGEST_SHOWN_DEFAULT:
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text[: _LONGEST_SHOWN_DEFAULT - 3] + "..."
    if isinstance(value, dict):
        return f"a dict of {len(value)} keys: {', '.join(map(repr, list(value)[:3]))}" + (
            ", ..." if len(value) > 3 else ""
        )
    if isinstance(value, list | tuple | set):
        return f"a {type(value).__name__} of {len(value)} items"
    return text[: _LONGEST_SHOWN_DEFAULT - 3] + "..."
