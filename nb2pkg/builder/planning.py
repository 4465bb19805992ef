"""The package plan of a build: read each notebook, resolve its tags, plan it, plan the package.

Helper modules and data files are looked for inside the build's read scope
(``nb2pkg.builder.confine``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg.builder.config import BuildConfig
from nb2pkg.builder.confine import ReadScope, build_scope
from nb2pkg.ir import Diagnostic, has_errors
from nb2pkg.notebook.reader import display_path, read_regular_file

if TYPE_CHECKING:
    from nb2pkg.ir import Notebook, TaggedCell
    from nb2pkg.plan.build_environment import FileLookup
    from nb2pkg.plan.notebook_plan import NotebookPlan
    from nb2pkg.plan.package_plan import PackagePlan
    from nb2pkg.plan.replanning import PlanMemory


def plan_config(
    config: BuildConfig,
    *,
    auto: bool = False,
    recorded: Mapping[str, str] | None = None,
    read_scope: ReadScope | None = None,
    unsaved: Mapping[Path, Any] | None = None,
) -> tuple[PackagePlan | None, list[Diagnostic]]:
    """The package plan; helper modules and data files are looked for inside ``read_scope``
    (by default the project's, see ``nb2pkg.builder.confine``). ``unsaved``: notebooks'
    current JSON by path (an editor's unsaved content), read instead of the files."""
    from nb2pkg.builder.environment import InstalledEnvironment
    from nb2pkg.emit.export_settings import load_exports
    from nb2pkg.plan.notebook_plan import plan_notebook
    from nb2pkg.plan.package_plan import plan_package
    from nb2pkg.roles.resolve import tag_cells

    scope = read_scope or read_scope_of(config, None)
    environment = InstalledEnvironment()
    diagnostics: list[Diagnostic] = []
    notebook_plans = []
    # Resolved only when an editor sent content: resolving a symbolic link loop raises, and
    # reading the file reports it as a diagnostic.
    edited = {path.resolve(): data for path, data in (unsaved or {}).items()}
    for path in config.notebooks:
        content = edited.get(path.resolve()) if edited else None
        if content is not None:
            notebook, problems = _from_json(path, content, config, auto=auto or config.auto)
        else:
            notebook, problems = _read(path, config, auto=auto or config.auto)
        diagnostics += problems
        if notebook is None:
            continue
        tagged, problems = tag_cells(notebook)
        diagnostics += problems
        notebook_plan = plan_notebook(notebook, tagged, files=environment, read_scope=scope)
        diagnostics += notebook_plan.diagnostics
        notebook_plans.append(notebook_plan)
    if has_errors(diagnostics) or not notebook_plans:
        return None, diagnostics
    plan = plan_package(
        tuple(notebook_plans),
        config.package,
        environment=environment,
        autolog=config.autolog,
        git_commit=git_commit(config.notebooks[0].parent),
        recorded_requirements=recorded,
        requirement_overrides=dict(config.dependency_overrides),
        read_scope=scope,
        auto=auto or config.auto,
    )
    plan = replace(
        plan,
        exports=load_exports(config.out_dir),
        data_file_paths=_data_file_paths(notebook_plans, config.out_dir),
    )
    diagnostics += plan.diagnostics
    if has_errors(diagnostics):
        return None, diagnostics
    return plan, diagnostics


def _data_file_paths(plans: Sequence[NotebookPlan], out_dir: Path) -> dict[str, str]:
    """Data-file parameter → its file relative to the package's folder (POSIX)."""
    package = out_dir.resolve()
    return {
        name: Path(os.path.relpath(Path(plan.notebook.path).parent / value, package)).as_posix()
        for plan in plans
        for value, name in sorted(plan.data_files.items())
    }


def read_scope_of(config: BuildConfig, confine_to: Path | None) -> ReadScope:
    return build_scope(config.root, config.notebooks, config.out_dir, confine_to)


def git_commit(folder: Path) -> str:
    """The commit checked out where the notebooks live ("" outside a git work tree)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def _from_json(
    path: Path, data: Any, config: BuildConfig, *, auto: bool
) -> tuple[Notebook | None, list[Diagnostic]]:
    """A notebook from its JSON as an editor holds it (hashed as canonical JSON)."""
    from nb2pkg.notebook.reader import notebook_from_json

    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    if auto:
        from nb2pkg.plan.automark import apply_in_memory

        data = apply_in_memory(data)
    return notebook_from_json(data, str(path.resolve()), display_path(path, config.root), digest)


def _read(
    path: Path, config: BuildConfig, *, auto: bool
) -> tuple[Notebook | None, list[Diagnostic]]:
    from nb2pkg.notebook.reader import notebook_from_json, read_notebook

    shown = display_path(path, config.root)
    if not auto:
        return read_notebook(path, shown)
    try:
        raw = read_regular_file(path)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return read_notebook(path, shown)  # reports the problem the same way
    from nb2pkg.plan.automark import apply_in_memory

    marked = apply_in_memory(data)
    return notebook_from_json(marked, str(path.resolve()), shown, hashlib.sha256(raw).hexdigest())


class RecentPlans:
    """What planning each of the ``keep`` notebooks planned most recently noted: an edited
    notebook is planned again only where the edit reaches (``nb2pkg.plan.replanning``)."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._memories: OrderedDict[tuple[str, str], PlanMemory] = OrderedDict()
        self.cells_planned = 0
        """Cells (either pass) the last plan planned: all, or those the edit reached."""

    def clear(self) -> None:
        with self._lock:
            self._memories.clear()

    def plan(
        self, notebook: Notebook, tagged: Sequence[TaggedCell], files: FileLookup
    ) -> NotebookPlan:
        """The plan of ``notebook`` (equal to ``plan_notebook``'s)."""
        from nb2pkg.plan.replanning import replan_notebook

        key = (notebook.path, notebook.display_path)
        with self._lock:  # taken out while in use: two plans of one notebook at once start anew
            memory = self._memories.pop(key, None)
        plan, memory = replan_notebook(notebook, tagged, files=files, memory=memory)
        if memory is None:
            return plan
        with self._lock:
            self.cells_planned = memory.cells_planned
            self._memories[key] = memory
            while len(self._memories) > self.keep:
                self._memories.popitem(last=False)
        return plan
