"""The name nb2pkg suggests for a cell marked as a function: the one rule behind
``nb2pkg tag --as function`` without a name and JupyterLab's "Mark cell as function" dialog
(which asks the server, ``POST /nb2pkg/suggest-name``)."""

from __future__ import annotations

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.ir import Cell, Notebook
from nb2pkg.plan import automark
from nb2pkg.plan.content_names import content_name
from nb2pkg.plan.step_groups import Group, WorkCell
from nb2pkg.plan.step_names import heading_name, shadows


def suggested_function_name(notebook: Notebook, cell: Cell) -> str:
    """What automatic marking would call this cell: its name when the auto-marker makes it a
    step, else a name by the same rules (nb2pkg.step_names): from the heading above it, else
    from what its code computes."""
    cells = [
        {"cell_type": c.cell_type, "source": c.source, "metadata": {}, "id": c.cell_id}
        for c in notebook.cells[: cell.number]
    ]
    proposals = automark.propose(cells)
    tag = proposals[-1].role_tag if proposals else None
    if tag and tag.startswith("function:"):
        return tag.removeprefix("function:")
    taken = {b for c in notebook.code_cells for b in analyze_cell(c.source).analysis.binds}
    for above in reversed(notebook.cells[: cell.number - 1]):
        heading = automark.last_heading(above.source) if above.cell_type == "markdown" else None
        if heading:
            name = heading_name(heading)
            if name.isidentifier() and not shadows(name, taken):
                return name
            break
    parsed = analyze_cell(cell.source)
    work = WorkCell(0, cell.number, parsed, "function", True, None, None, False, False)
    name = content_name([work], Group(members=[0]))
    usable = name.isidentifier() and not shadows(name, taken)
    return name if usable else f"run_cell_{cell.number}"
