"""Which plotting imports the packaged code keeps: a plotting library is a dependency only
when code the package runs reads a name its import binds.

A step's plots, settings and prints leave it (nb2pkg.analysis.library_code), its display
statements are dropped and its imports hoisted: the names only those read are imports the
emitted module drops as unused (``import seaborn as sns`` for ``sns.set_context(…)`` alone),
so the library is no dependency; so are plots nested in a step's blocks. An export cell's definitions stay as written: every name
they load counts, and so do a step's seeds.
"""

from __future__ import annotations

import ast

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.analysis.cell_walk import top_level_statements
from nb2pkg.analysis.nested_plots import loaded_outside, plot_statements
from nb2pkg.ir import Role
from nb2pkg.plan.cell_plans import CellPlan


def names_packaged_code_reads(cells: tuple[CellPlan, ...]) -> set[str]:
    """Every name the packaged cells' kept statements load."""
    read: set[str] = set()
    for cell in cells:
        role = cell.tagged.role
        analysis = cell.parsed.analysis
        if role in (Role.EXPORT, Role.PARAMETERS):
            read |= analysis.uses
        elif role == Role.FUNCTION:
            read |= _work_reads(cell.parsed) | analysis.seed_uses
    return read


def _work_reads(parsed: ParsedCell) -> set[str]:
    analysis = parsed.analysis
    try:
        tree = ast.parse(analysis.python_source)
    except SyntaxError:
        return set(analysis.uses)
    left_out = {
        *analysis.import_statements,
        *analysis.display_statements,
        *(index for index, _ in analysis.library_statements),
    }
    work = [
        statement
        for index, group in enumerate(top_level_statements(tree))
        if index not in left_out
        for statement in group
    ]
    if not work:  # a step that only plots: its figure function reads what the plots read
        return set()
    # plots nested in the work's blocks leave the step too (nb2pkg.emit.nested_plots)
    step = ast.FunctionDef(
        name="step",
        args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=work,
        decorator_list=[],
        returns=None,
    )
    return loaded_outside(work, {id(s) for s in plot_statements(step)})
