"""``figures.py``: the plots of the notebook's steps, drawn only for a tracked run.

Plotting leaves the step functions (nb2pkg.analysis.library_code). Where a cell's plots read
only values at hand after its step ran, they become a function of ``figures.py`` named
after the step, taking those values; ``pipeline.steps()`` hands them to
``tracking.log_figures``, which, only when an MLflow run is being tracked, draws them with
matplotlib's Agg backend, logs each new figure as an artifact of the run and closes it.
``import <package>`` never imports this module, nor matplotlib.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nb2pkg.analysis.saved_figures import artifact_name, saved_paths
from nb2pkg.emit.figure_breaks import PYPLOT, new_figure_points, opening_new_figures
from nb2pkg.emit.functions import function_source
from nb2pkg.emit.imports import ImportContext, render_imports
from nb2pkg.emit.literals import docstring
from nb2pkg.emit.name_check import unbound_reads
from nb2pkg.emit.step_options import StepOptions
from nb2pkg.ir import ImportBinding, ParamPlan, ParamSource, StepPlan
from nb2pkg.plan.notebook_plan import CellPlan
from nb2pkg.plan.package_plan import PackagePlan

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

FIGURES_MODULE = "figures"


@dataclass(frozen=True)
class Figure:
    step: StepPlan
    function: str
    source: str
    imports: tuple[ImportBinding, ...]
    saved_as: tuple[str, ...] = ()
    """The file names the notebook saved the figures under, in order (``savefig``): a
    tracked run logs them under these names ("" for one saved under a computed name)."""


def figures_of(plan: PackagePlan) -> tuple[Figure, ...]:
    """Each step's figure function, in pipeline order (only those whose every name is bound)."""
    context = ImportContext(plan.package, frozenset(plan.local_modules))
    found: list[Figure] = []
    for notebook in plan.notebooks:
        for cell in notebook.cells:
            step = cell.step
            if step is None or step.figure_inputs is None or cell.parsed.module is None:
                continue
            from nb2pkg.emit.saving_calls import NoSaving  # a libcst transformer

            function = plan.step_keys[(step.module, step.name)].replace(".", "_")
            drop, shows = _not_drawing(cell)
            drawn = [s for i, s in enumerate(cell.parsed.module.body) if i not in drop]
            saved_as = tuple(artifact_name(p) for p in _saved_paths(drawn))
            module = cell.parsed.module.visit(NoSaving())
            points = new_figure_points(cell, set(range(len(module.body))) - drop, shows)
            pyplot = next((b for b in step.figure_imports if b.module == PYPLOT.module), PYPLOT)
            source = function_source(
                function,
                module,
                rewrite=opening_new_figures(module, points, pyplot.bound) if points else None,
                options=StepOptions(
                    params=[ParamPlan(name, ParamSource.STEP) for name in step.figure_inputs],
                    returns=(),
                    drop=frozenset(drop | _saving(cell)),
                    docstring=f"Draw the figures of step `{step.name}`.",
                    provenance=f"nb2pkg: {Path(notebook.notebook.display_path).name} "
                    f"[id {cell.cell.cell_id}]",
                ),
                carry_comments=False,
            )
            tree = ast.parse(source).body[0]
            assert isinstance(tree, ast.FunctionDef)
            if len(tree.body) <= 1:
                continue  # nothing but `plt.show()`: nothing to draw
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            available = (*step.figure_imports, *([pyplot] if points else []))
            bindings = tuple(dict.fromkeys(b for b in available if b.bound in used))
            imports = render_imports(bindings, context)
            if unbound_reads(f"{imports}\n{source}"):
                continue  # it would fail when drawn: the figure is left out
            found.append(Figure(step, function, source, bindings, saved_as))
    return tuple(found)


def _not_drawing(cell: CellPlan) -> tuple[set[int], set[int]]:
    """Indices of the statements a figure function leaves out: all but plots, and ``show()``;
    and those of the ``show()`` statements."""
    assert cell.parsed.module is not None
    plots = {i for i, kind in cell.parsed.analysis.library_statements if kind == "plot"}
    body = cell.parsed.module.body
    shows = {
        i
        for i in plots
        if cst.Module(body=[body[i]]).code.strip().endswith(("show()", "draw()"))
        and "\n" not in cst.Module(body=[body[i]]).code.strip()
    }
    return (set(range(len(body))) - plots) | shows, shows


def _saving(cell: CellPlan) -> set[int]:
    """Indices of the cell's ``savefig`` statements: the figure is logged, not saved."""
    from nb2pkg.emit.saving_calls import is_saving  # libcst: a cell drawn has its tree

    assert cell.parsed.module is not None
    return {
        i
        for i, statement in enumerate(cell.parsed.module.body)
        if isinstance(statement, cst.SimpleStatementLine)
        and statement.body
        and all(is_saving(small) for small in statement.body)
    }


def _saved_paths(
    statements: Sequence[cst.SimpleStatementLine | cst.BaseCompoundStatement],
) -> list[str]:
    if not statements:
        return []
    try:
        tree = ast.parse(cst.Module(body=statements).code)
    except SyntaxError:
        return []
    return saved_paths(tree)


def render_figures(plan: PackagePlan) -> str | None:
    """The text of ``figures.py`` (formatted with the package's other files), or None when no
    step draws."""
    figures = figures_of(plan)
    if not figures:
        return None
    context = ImportContext(plan.package, frozenset(plan.local_modules))
    bindings = {b.bound: b for figure in figures for b in figure.imports}
    header = docstring(
        "The figures the notebook's steps draw, logged as MLflow artifacts of a tracked run.\n\n"
        "Imported only by `tracking.log_figures`, with matplotlib's Agg backend.\n"
        "Generated file: edit the notebooks, then run `nb2pkg build`."
    )
    imports = render_imports(bindings.values(), context)
    parts = [header, "\n"]
    if imports:
        parts += ["\n", imports]
    for figure in figures:
        parts += ["\n\n", figure.source]
    return "".join(parts)
