"""Where a figure function starts a new figure, as the notebook did.

In Jupyter a cell's figures are shown and closed when the cell ends, and ``plt.show()`` ends
a figure: the next drawing goes on a new one. A figure function made of several cells (a
cell that draws joins the step before it, nb2pkg.plan.figure_cells), or of a cell that shows
one figure and draws another, would draw them all on one figure. Before the first drawing
after such an end, it opens a new figure (``plt.figure()``), unless that statement makes its
own (``plt.subplots()``, seaborn's ``lmplot``…); a figure left with nothing drawn on it is
not logged (``tracking.log_figures``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Set
from typing import TYPE_CHECKING

from nb2pkg.ir import ImportBinding
from nb2pkg.plan.cell_parts import part_starts
from nb2pkg.plan.notebook_plan import CellPlan

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

PYPLOT = ImportBinding("matplotlib.pyplot", None, "plt", "plt")
_MAKES_FIGURE = re.compile(
    r"\b(?:figure|subplots|subplot_mosaic|lmplot|catplot|relplot|displot|pairplot|jointplot"
    r"|clustermap|FacetGrid|PairGrid|JointGrid)\s*\("
)


def new_figure_points(cell: CellPlan, drawn: Set[int], shows: Set[int]) -> set[int]:
    """Indices of the drawing statements (``drawn``) that start a new figure (``shows``: the
    ``plt.show()`` statements left out)."""
    module = cell.parsed.module
    assert module is not None
    starts = set(part_starts(cell.cell.parts, cell.parsed.analysis))
    points: set[int] = set()
    drawn_before = ended = False
    for index, statement in enumerate(module.body):
        if index in starts or index in shows:
            ended = ended or drawn_before
        if index not in drawn:
            continue
        if ended and not _MAKES_FIGURE.search(cst.Module(body=[statement]).code):
            points.add(index)
        ended, drawn_before = False, True
    return points


def opening_new_figures(
    module: cst.Module, points: Set[int], pyplot: str
) -> Callable[[cst.BaseStatement], list[cst.BaseStatement]]:
    """A rewrite (nb2pkg.emit.functions) that puts ``<pyplot>.figure()`` before each statement
    of ``module`` at ``points``."""
    marked = {id(module.body[index]) for index in points}
    opener = cst.parse_statement(f"{pyplot}.figure()\n")

    def rewrite(statement: cst.BaseStatement) -> list[cst.BaseStatement]:
        if id(statement) in marked:
            leading = getattr(statement, "leading_lines", ())
            return [opener.with_changes(leading_lines=leading), _without_leading(statement)]
        return [statement]

    return rewrite


def _without_leading(statement: cst.BaseStatement) -> cst.BaseStatement:
    if hasattr(statement, "leading_lines"):
        return statement.with_changes(leading_lines=())
    return statement
