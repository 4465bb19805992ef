"""Which top-level statements of a function made of several cells came from which cell."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Sequence

from nb2pkg.analysis.cell_walk import top_level_statements
from nb2pkg.ir import CellAnalysis, CellPart


def part_starts(parts: Sequence[CellPart], analysis: CellAnalysis) -> list[int]:
    """The index of the first top-level statement of each cell after the first, in order."""
    if len(parts) < 2:
        return []
    return _starts(parts, _groups(analysis), analysis.line_offset)


def drawing_tail(parts: Sequence[CellPart], analysis: CellAnalysis) -> int | None:
    """Where the trailing cells that only draw begin (nb2pkg.plan.figure_cells joins such a
    cell to the step before it), or None. The value the step's own last cell shows is then
    the step's result, as it was before the drawing joined."""
    if len(parts) < 2:
        return None
    groups = _groups(analysis)
    library = {index for index, kind in analysis.library_statements if kind != "print"}
    library.update(analysis.display_statements)
    plots = {index for index, kind in analysis.library_statements if kind == "plot"}
    tail: int | None = None
    bounds = [*_starts(parts, groups, analysis.line_offset), len(groups)]
    for start, end in reversed(list(itertools.pairwise(bounds))):
        part = range(start, end)
        if not all(index in library for index in part) or plots.isdisjoint(part):
            break
        tail = start
    return tail


def _groups(analysis: CellAnalysis) -> list[list[ast.stmt]]:
    try:
        return top_level_statements(ast.parse(analysis.python_source))
    except SyntaxError:
        return []


def _starts(parts: Sequence[CellPart], groups: list[list[ast.stmt]], offset: int) -> list[int]:
    starts: list[int] = []
    for part in parts[1:]:
        first = next(
            (i for i, group in enumerate(groups) if group[0].lineno + offset >= part.first_line),
            None,
        )
        if first is not None:
            starts.append(first)
    return starts
