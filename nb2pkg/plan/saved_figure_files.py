"""Figure files a step no longer writes, and the ones it must still write.

A figure a cell saves (``plt.savefig("figures/loss.png")``) leaves the step with its plots
(nb2pkg.analysis.library_code): ``figures.py`` draws it and a tracked run logs it under the
file's name. The file's path is then no data file of the step (no ``run()`` parameter for
it). Only when a later packaged cell reads the file back (``plt.imread("figures/loss.png")``)
does the cell keep its plotting code and write the file, as the notebook did.
"""

from __future__ import annotations

import ast
import itertools
import operator
from collections.abc import Sequence
from dataclasses import replace

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.analysis.saved_figures import SAVING_METHOD, saved_paths
from nb2pkg.ir import TaggedCell
from nb2pkg.plan.cell_plans import PACKAGED

SOURCE = operator.attrgetter("analysis.python_source")


def logged_figure_paths(parsed: ParsedCell) -> frozenset[str]:
    """The path literals of the figures the cell saves in statements that leave its step."""
    if "savefig" not in parsed.analysis.python_source:
        return frozenset()  # checked first: the cell's libcst tree is made on first use
    module = parsed.module
    if module is None:
        return frozenset()
    paths: set[str] = set()
    for index, kind in parsed.analysis.library_statements:
        if kind != "plot" or index >= len(module.body):
            continue
        try:
            tree = ast.parse(module.code_for_node(module.body[index]).strip())
        except SyntaxError:
            continue
        paths.update(p for p in saved_paths(tree) if p)
    return frozenset(paths)


def keep_read_back_figures(
    tagged: Sequence[TaggedCell], parsed: dict[str, ParsedCell]
) -> dict[str, ParsedCell]:
    """``parsed``, where a cell whose saved figure a later packaged cell reads keeps its
    plots as work (it writes the file as the notebook did): ``parsed`` itself when no cell
    changes, else a new mapping."""
    sources = map(SOURCE, parsed.values())
    if not any(map(operator.contains, sources, itertools.repeat(SAVING_METHOD))):
        return parsed  # no cell saves a figure (checked at C speed)
    result = parsed
    packaged = [t for t in tagged if t.role in PACKAGED and t.cell.cell_id in parsed]
    for position, item in enumerate(packaged):
        cell = parsed[item.cell.cell_id]
        saved = logged_figure_paths(cell)
        if not saved:
            continue
        read_later = {
            value
            for later in packaged[position + 1 :]
            for value, _ in parsed[later.cell.cell_id].analysis.file_literals
        }
        if saved & read_later:
            if result is parsed:
                result = dict(parsed)
            kept = tuple((i, k) for i, k in cell.analysis.library_statements if k != "plot")
            result[item.cell.cell_id] = replace(
                cell, analysis=replace(cell.analysis, library_statements=kept)
            )
    return result
