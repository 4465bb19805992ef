"""The entry points user interfaces call (the JupyterLab server extension, the magic).

None of them raises on bad notebook input: problems come back as diagnostics.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg.builder.config import package_name_for, resolve_config
from nb2pkg.builder.orchestrate import BuildResult
from nb2pkg.builder.orchestrate import build as run_build
from nb2pkg.ir import Diagnostic, ParamPlan, Role
from nb2pkg.notebook.reader import display_path, notebook_from_json, read_notebook

if TYPE_CHECKING:
    from nb2pkg.plan.notebook_plan import CellPlan


def analyze_notebook(
    nb_json: Any, display: str, *, package: str | None = None, path: str | None = None
) -> dict[str, Any]:
    """The plan of a notebook given as JSON (e.g. the browser's unsaved content)."""
    notebook, problems = notebook_from_json(
        nb_json, path or str(Path(display).resolve()), display, full_schema=False
    )
    return _analysis_json(notebook, problems, display, package)


def analyze_path(
    path: str | Path, *, package: str | None = None, shown: str | None = None, auto: bool = False
) -> dict[str, Any]:
    """The plan of a saved notebook; ``shown`` is its path as the user sees it.

    ``auto``: the plan with the marking ``nb2pkg tag --auto`` proposes for untagged cells."""
    file = Path(path)
    shown = shown or display_path(file, Path.cwd())
    notebook, problems = read_notebook(file, shown)
    if auto and notebook is not None:
        from nb2pkg.notebook.reader import read_regular_file
        from nb2pkg.plan.automark import apply_in_memory

        raw = read_regular_file(file)
        marked = apply_in_memory(json.loads(raw.decode("utf-8")))
        notebook, problems = notebook_from_json(
            marked, str(file.resolve()), shown, hashlib.sha256(raw).hexdigest()
        )
    return _analysis_json(notebook, problems, shown, package)


def build(
    notebooks: list[str | Path],
    out_dir: str | Path | None = None,
    *,
    name: str | None = None,
    bump: str | None = None,
    version: str | None = None,
    force: bool = False,
    auto: bool = False,
    root: Path | None = None,
    confine_to: Path | None = None,
    settings_stop_at: Path | None = None,
    confine_reads_to: Path | None = None,
) -> BuildResult:
    """``settings_stop_at`` (default: ``confine_to``) is the highest folder where a
    pyproject.toml with ``[tool.nb2pkg]`` settings is looked for. ``confine_to`` keeps reads
    and writes inside that directory, ``confine_reads_to`` only reads (symbolic links
    followed). Problems come back as diagnostics."""
    config, problems = resolve_config(
        notebooks, out_dir=out_dir, name=name, root=root, stop_at=settings_stop_at or confine_to
    )
    if config is None:
        fallback = Path(out_dir) if out_dir else Path.cwd()
        return BuildResult(False, fallback, name or "", tuple(problems))
    return run_build(
        config,
        bump=bump,
        version=version,
        force=force,
        auto=auto,
        confine_to=confine_to,
        confine_reads_to=confine_reads_to,
    )


def _analysis_json(
    notebook: Any, problems: list[Diagnostic], display: str, package: str | None
) -> dict[str, Any]:
    if notebook is None:
        return {
            "notebook": display,
            "package": package or "",
            "module": "",
            "cells": [],
            "functions": [],
            "tests": [],
            "parameters": [],
            "diagnostics": [d.to_json() for d in problems],
        }
    from nb2pkg.plan.notebook_plan import module_name_for, plan_notebook
    from nb2pkg.roles.resolve import tag_cells

    tagged, tag_problems = tag_cells(notebook)
    plan = plan_notebook(notebook, tagged)
    diagnostics = [*problems, *tag_problems, *plan.diagnostics]
    return {
        "notebook": display,
        "package": package or package_name_for(Path(display).stem),
        "module": module_name_for(notebook),
        "cells": [_cell_json(c) for c in plan.cells],
        "functions": [
            {
                "name": s.name,
                "cell_id": s.cell_id,
                "number": s.cell_number,
                "signature": s.signature,
            }
            for s in plan.steps
        ],
        "tests": [
            {"name": t.name, "cell_id": t.cell_id, "number": t.cell_number} for t in plan.tests
        ],
        "parameters": [
            {"name": p.name, "default": p.default, "annotation": p.annotation}
            for p in plan.run_params
        ],
        "diagnostics": [d.to_json() for d in diagnostics],
    }


def _cell_json(cell: CellPlan) -> dict[str, Any]:
    step = cell.step
    params: tuple[ParamPlan, ...] = (
        step.params if step else (cell.test.fixtures if cell.test else ())
    )
    signature = ""
    if step is not None:
        signature = step.signature
    elif cell.test is not None:
        signature = f"{cell.test.name}({', '.join(p.name for p in params)})"
    elif cell.tagged.role is Role.PARAMETERS:
        signature = "parameters: " + ", ".join(
            n for n, _ in cell.parsed.analysis.literal_assignments
        )
    elif cell.tagged.role is Role.EXPORT:
        names = cell.parsed.analysis.defines or cell.parsed.analysis.binds
        signature = "export: " + ", ".join(names)
    return {
        "cell_id": cell.cell.cell_id,
        "number": cell.cell.number,
        "parts": [{"number": part.number, "cell_id": part.cell_id} for part in cell.cell.parts],
        "role": cell.tagged.role.value,
        "name": cell.tagged.name,
        "module": cell.tagged.module,
        "metrics": cell.tagged.metrics,
        "signature": signature,
        "params": [
            {"name": p.name, "source": p.source.value, "default": p.default} for p in params
        ],
        "returns": list(step.returns) if step else [],
        "mutates": list(step.mutates) if step else [],
    }


__all__ = ["BuildResult", "analyze_notebook", "analyze_path", "build"]
