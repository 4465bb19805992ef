"""The entry points user interfaces call (the CLI, the JupyterLab server extension, the magic).

None of them raises on bad notebook input: problems come back as diagnostics. The results are
typed (``NotebookAnalysis``, ``BuildResult``); each interface turns them into JSON or text itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg.analysis.collector import fewer_collections
from nb2pkg.builder.config import default_package_name, package_name_for
from nb2pkg.builder.orchestrate import BuildResult
from nb2pkg.builder.planning import RecentPlans
from nb2pkg.frontends.analysis_result import (
    NotebookAnalysis,
    NotebookTest,
    RunParameter,
)
from nb2pkg.frontends.building import build
from nb2pkg.frontends.cell_summaries import RecentSummaries
from nb2pkg.frontends.reanalysis import RecentAnalyses
from nb2pkg.ir import Diagnostic, Notebook, TaggedCell
from nb2pkg.notebook.raw_cells import CellColumns
from nb2pkg.notebook.reader import display_path, notebook_from_json, read_notebook

if TYPE_CHECKING:
    from nb2pkg.plan.build_environment import FileLookup


def analyze_notebook(
    nb_json: Any,
    display: str,
    *,
    package: str | None = None,
    path: str | None = None,
    columns: CellColumns | None = None,
) -> NotebookAnalysis:
    """The plan of a notebook given as JSON (e.g. the browser's unsaved content).

    ``columns``: what ``raw_cells.cell_columns`` reads of its cells, when already known (a
    notebook rebuilt from the cells of an earlier request and a few new ones)."""
    # No content hash: only a build records it, and hashing the whole notebook's JSON would
    # cost each re-analysis as much as planning a hundred cells.
    with fewer_collections():
        notebook, problems = notebook_from_json(
            nb_json,
            path or str(Path(display).resolve()),
            display,
            "",
            full_schema=False,
            columns=columns,
        )
        return _analysis(notebook, problems, display, package)


def analyze_path(
    path: str | Path, *, package: str | None = None, shown: str | None = None, auto: bool = False
) -> NotebookAnalysis:
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
    return _analysis(notebook, problems, shown, package)


class PackageNames:
    """``default_package_name`` of each notebook, worked out again only when its folder changed.

    The name changes when a module of that name appears beside the notebook or goes: either
    changes the folder's modification time, looked up once per analysis instead of two file
    lookups. Not kept where a folder of that name sits beside the notebook (a file added to it
    leaves the notebook's folder as it was), nor while the folder's time is too recent to tell
    a later change in the same clock tick apart."""

    SETTLED_NS = 2_000_000_000
    """A folder changed longer ago than this (2 s) shows any later change in its time."""

    def __init__(self, keep: int = 256) -> None:
        self.keep = keep
        self._known: dict[str, tuple[int, str]] = {}

    def name(self, notebook: Path) -> str:
        folder = notebook.parent
        try:
            changed = os.stat(folder).st_mtime_ns
        except OSError:
            return default_package_name(notebook)
        key = str(notebook)
        known = self._known.get(key)
        if known is not None and known[0] == changed:
            return known[1]
        name = default_package_name(notebook)
        settled = time.time_ns() - changed > self.SETTLED_NS
        if settled and not os.path.isdir(folder / package_name_for(notebook.stem)):
            if len(self._known) >= self.keep:
                self._known.clear()
            self._known[key] = (changed, name)
        return name


PACKAGE_NAMES = PackageNames()
"""The default package name of each notebook analysed recently."""
RECENT = RecentAnalyses()
"""The last analysis of each notebook recently analysed: an edit that cannot change the plan
is answered from it (``nb2pkg.frontends.reanalysis``)."""
PLANS = RecentPlans()
"""What planning each notebook recently analysed noted: an edit that changes the plan is
planned again only where it reaches (``nb2pkg.plan.replanning``)."""
SUMMARIES = RecentSummaries()
"""The cell summaries of each notebook recently analysed: a cell not planned again keeps its
summary (``nb2pkg.frontends.cell_summaries``)."""


def _analysis(
    notebook: Notebook | None, problems: list[Diagnostic], display: str, package: str | None
) -> NotebookAnalysis:
    if notebook is None:
        return NotebookAnalysis(display, package or "", "", diagnostics=tuple(problems))
    from nb2pkg.builder.environment import InstalledEnvironment
    from nb2pkg.frontends.retagging import TAGGING

    tagged, tag_problems = TAGGING.tag((notebook.path, display), notebook)
    resolved_package = package or PACKAGE_NAMES.name(Path(notebook.path))
    reader_problems = tuple(problems)

    def plan(
        notebook: Notebook,
        tagged: Sequence[TaggedCell],
        tag_problems: Sequence[Diagnostic],
        files: FileLookup,
    ) -> NotebookAnalysis:
        return _planned(
            notebook, tagged, (*reader_problems, *tag_problems), display, resolved_package, files
        )

    key = (notebook.path, display, resolved_package)
    if reader_problems:
        return plan(notebook, tagged, tag_problems, InstalledEnvironment())
    return RECENT.analysis(notebook, tagged, tag_problems, key, plan, InstalledEnvironment())


def _planned(
    notebook: Notebook,
    tagged: Sequence[TaggedCell],
    problems: Sequence[Diagnostic],
    display: str,
    package: str,
    files: FileLookup,
) -> NotebookAnalysis:
    """The analysis of a notebook planned from scratch."""
    from nb2pkg.plan.notebook_plan import module_name_for

    plan = PLANS.plan(notebook, tagged, files)
    cells, functions = SUMMARIES.of((notebook.path, display), plan)
    return NotebookAnalysis(
        notebook=display,
        package=package,
        module=module_name_for(notebook),
        cells=cells,
        functions=functions,
        tests=tuple(NotebookTest(t.name, t.cell_id, t.cell_number) for t in plan.tests),
        parameters=tuple(RunParameter(p.name, p.default, p.annotation) for p in plan.run_params),
        diagnostics=(*problems, *plan.diagnostics),
    )


__all__ = ["BuildResult", "NotebookAnalysis", "analyze_notebook", "analyze_path", "build"]
