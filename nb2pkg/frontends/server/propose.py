"""``POST /nb2pkg/propose``: the marking ``nb2pkg tag --auto`` would give the notebook;
``POST /nb2pkg/suggest-name``: the name ``nb2pkg tag --as function`` would give one cell.

Body ``{"path", "notebook"?}``: the notebook as it is in the editor, else the saved file.
Nothing is written; the answer lists, for every code cell, the tag the automatic marking
adds (or null) and why, so the user can accept the proposal as a whole or cell by cell.
"""

from __future__ import annotations

from typing import Any

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.workload import WorkLimits, check_workload, saved_notebook


def propose(request: requests.AnalyzeRequest, limits: WorkLimits) -> dict[str, Any]:
    from nb2pkg.plan.automark import propose as propose_marking

    notebook = request.notebook if request.notebook is not None else saved_notebook(request.path)
    check_workload([notebook], limits)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        return {
            "notebook": request.display_path,
            "cells": [],
            "diagnostics": [_unreadable(request.display_path, saved=notebook is None)],
        }
    return {
        "notebook": request.display_path,
        "cells": [
            {
                "index": p.index,
                "cell_id": p.cell_id,
                "tags": list(p.tags),
                "role_tag": p.role_tag,
                "reason": p.reason,
            }
            for p in propose_marking(cells)
        ],
        "diagnostics": [],
    }


def suggest_name(
    request: requests.AnalyzeRequest, cell_id: str, limits: WorkLimits
) -> dict[str, Any]:
    """``{"name"}``: the function name suggested for the cell ``cell_id`` (``""`` when the
    notebook cannot be read or has no such code cell)."""
    from nb2pkg.frontends.name_suggestion import suggested_function_name
    from nb2pkg.notebook.reader import notebook_from_json

    data = request.notebook if request.notebook is not None else saved_notebook(request.path)
    check_workload([data], limits)
    notebook, _ = notebook_from_json(
        data, str(request.path), request.display_path, full_schema=False
    )
    cell = next(
        (c for c in notebook.code_cells if c.cell_id == cell_id) if notebook else iter(()),
        None,
    )
    if notebook is None or cell is None:
        return {"name": ""}
    return {"name": suggested_function_name(notebook, cell)}


def _unreadable(shown: str, *, saved: bool) -> dict[str, Any]:
    from nb2pkg.ir import Diagnostic, Location, Severity

    return Diagnostic(
        "NB001" if saved else "NB002",
        Severity.ERROR,
        f"{shown} cannot be read as JSON" if saved else f"{shown} has no list of cells",
        Location(shown),
        "open it in JupyterLab and save it again, or check that it is an .ipynb file",
    ).to_json()
