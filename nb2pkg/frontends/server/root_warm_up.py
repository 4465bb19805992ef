"""Analyse the notebooks at the top of the server's root before anyone asks, one cell at a time.

A user who starts Jupyter in a folder opens one of its notebooks: its first analysis then
finds every cell's analysis in the cache (``nb2pkg.analysis.cell``) and its record in
``nb2pkg.frontends.api.RECENT``, and costs what a re-analysis costs. Only the most recently
modified notebooks directly in the root are read (no subfolder is walked), each within the
request limits and confined to the root like a request's path; nothing is executed or written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from nb2pkg.frontends.server.paths import relative_to_root, resolve_inside
from nb2pkg.frontends.server.workload import WorkLimits, code_size


def recent_notebooks(root: str, count: int) -> list[Path]:
    """The ``count`` most recently modified ``*.ipynb`` files directly in ``root``."""
    if count <= 0:
        return []
    found: list[tuple[float, Path]] = []
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                if entry.name.endswith(".ipynb") and not entry.name.startswith("."):
                    try:
                        if entry.is_file():
                            found.append((entry.stat().st_mtime, Path(entry.path)))
                    except OSError:
                        continue
    except OSError:
        return []
    found.sort(key=lambda item: item[0], reverse=True)
    return [path for _, path in found[:count]]


def warm_up_steps(root: str, count: int, limits: WorkLimits, max_bytes: int) -> Iterator[int]:
    """Does the warm-up in small steps (a file read, one cell's analysis, one plan): yields
    after each, the number of cells analysed so far, so a request need not wait for it."""
    from nb2pkg.analysis.cell import analyze_cell
    from nb2pkg.frontends import api
    from nb2pkg.notebook.reader import notebook_from_json
    from nb2pkg.roles.resolve import tag_cells

    cells = 0
    for file in recent_notebooks(root, count):
        try:
            path = resolve_inside(root, file.name)
            if path.stat().st_size > max_bytes:
                continue
            content = json.loads(path.read_bytes())
        except Exception:  # unreadable, not JSON, or not inside the root: not warmed
            continue
        lines, chars = code_size(content)
        if lines > limits.max_code_lines or chars > limits.max_code_chars:
            continue
        shown = relative_to_root(root, path)
        yield cells
        notebook, _ = notebook_from_json(content, str(path), shown, "", full_schema=False)
        if notebook is None:
            continue
        tagged, _ = tag_cells(notebook)
        for cell in tagged:
            analyze_cell(cell.cell.source)
            cells += 1
            yield cells
        # the plan and its record, as a request with this content would make them
        api.analyze_notebook(content, shown, path=str(path))
        yield cells
