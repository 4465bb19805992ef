"""A package plan's dependencies: the helper modules copied in, and the requirements.

Its diagnostics (NB312, NB514) are described once, in ``nb2pkg.roles.diagnostic_codes``.

The modules the packaged code imports (and the helper modules copied into the package) are
dependencies. An import of an unmarked cell counts only when a library the packaged code imports
may load it (a requirement, directly or through its required ones, optional extras included:
``reachable_dependencies``): libraries load optional dependencies themselves
(``load_wine(as_frame=True)`` needs pandas), and the notebook importing it shows the packaged
calls may need it. Anything else an unmarked cell imports (plotting, display) is not the
package's dependency. Frontend-only packages and files beside the notebook stay out: the package
does not run in a notebook, and local modules are copied into it, never installed from an index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nb2pkg.analysis.import_roots import STDLIB, top_level
from nb2pkg.ir import Diagnostic, Location, Role, Severity
from nb2pkg.plan.build_environment import BuildEnvironment
from nb2pkg.plan.local_modules import LocalModules
from nb2pkg.plan.notebook_plan import NotebookPlan
from nb2pkg.plan.plotting_imports import names_packaged_code_reads
from nb2pkg.plan.requirements import (
    merge_requirements,
    requirement_for,
    requirements_by_name,
    tracking_requirements,
)

NOTEBOOK_ONLY = ("IPython", "ipywidgets", "ipykernel", "google.colab", "mlflow")
"""Imports that serve the notebook frontend (or tracking, which the package brings itself)."""

PLOTTING_MODULES = frozenset(
    {"matplotlib", "seaborn", "plotly", "bokeh", "altair", "mglearn", "missingno", "pylab"}
)
"""Plotting libraries: a dependency only when packaged code imports them itself."""


@dataclass(frozen=True)
class RequirementInputs:
    """What decides the requirements besides the notebooks."""

    environment: BuildEnvironment
    recorded: Mapping[str, str] = field(default_factory=dict)
    """What the last build wrote (distribution → requirement)."""
    overrides: Mapping[str, str] = field(default_factory=dict)
    """``[tool.nb2pkg.dependencies]`` (distribution → specifier)."""
    tracking: bool = False
    """Whether the package needs autologging's requirements (autolog, or a model to log)."""


@dataclass
class _ImportedRoots:
    """Top-level module → where it is imported, by how it counts."""

    packaged: dict[str, str] = field(default_factory=dict)
    """Imported by the packaged code (or a helper module copied in)."""
    unmarked: dict[str, str] = field(default_factory=dict)
    """Imported by a cell outside the package (counts only when a requirement may load it)."""
    beside: set[str] = field(default_factory=set)
    """Modules beside a notebook, not from an index."""


def requirements(
    plans: tuple[NotebookPlan, ...],
    package: str,
    local: LocalModules,
    diagnostics: list[Diagnostic],
    inputs: RequirementInputs,
) -> tuple[str, ...]:
    """The package's requirements, sorted by name; NB312 for each imported module not installed."""
    environment = inputs.environment
    roots = _imported_roots(plans, environment)
    for path, imported in sorted(local.imports.items()):
        for root in imported:
            roots.packaged.setdefault(root, path)
    _add_loadable_unmarked(roots, environment)
    skipped = {"", package, *STDLIB, *local.modules, *local.refused, *roots.beside}
    from_imports = [
        _requirement(root, where, inputs, diagnostics)
        for root, where in sorted(roots.packaged.items())
        if root not in skipped
    ]
    pip = [r for plan in plans for r in plan.requirements]
    merged = merge_requirements(from_imports, pip, tracking_requirements(autolog=inputs.tracking))
    return tuple(
        f"{name}{inputs.overrides[name]}" if name in inputs.overrides else text
        for name, text in requirements_by_name(merged).items()
    )


def _imported_roots(
    plans: tuple[NotebookPlan, ...], environment: BuildEnvironment
) -> _ImportedRoots:
    roots = _ImportedRoots()
    for plan in plans:
        where = plan.notebook.display_path
        _packaged_roots(plan, roots.packaged)
        for cell in plan.cells:
            if cell.tagged.role in (Role.SKIP, Role.TEST):
                continue
            for binding in cell.parsed.analysis.imports:
                if not _notebook_only(binding.module):
                    roots.unmarked.setdefault(top_level(binding), where)
        folder = Path(plan.notebook.path).parent
        roots.beside.update(
            root for root in roots.unmarked if root and _is_local_file(environment, folder, root)
        )
    return roots


def _packaged_roots(plan: NotebookPlan, roots: dict[str, str]) -> None:
    where = plan.notebook.display_path
    read: set[str] | None = None  # computed at the first plotting import
    for module, bindings in plan.imports.items():
        if module == "tests":
            continue
        for binding in bindings:
            root = top_level(binding)
            if root in PLOTTING_MODULES:
                read = names_packaged_code_reads(plan.cells) if read is None else read
                if binding.bound not in read:
                    continue  # only plots or settings used it: the emitted module drops it
            if not _notebook_only(binding.module):
                roots.setdefault(root, where)
    for binding in plan.star_imports:
        roots.setdefault(top_level(binding), where)
    for step in plan.steps:
        if step.figure_inputs is not None:  # figures.py draws them with matplotlib
            roots.setdefault("matplotlib", where)
            for binding in step.figure_imports:
                roots.setdefault(top_level(binding), where)


def _add_loadable_unmarked(roots: _ImportedRoots, environment: BuildEnvironment) -> None:
    """Count the unmarked cells' imports that a library the packaged code imports may load."""

    def distribution_of(root: str) -> str | None:
        installed = environment.installed(root)
        return None if installed is None else installed[0]

    declared = environment.reachable_dependencies(
        distribution
        for root in roots.packaged
        if (distribution := distribution_of(root)) is not None
    )
    for root, where in roots.unmarked.items():
        if root in PLOTTING_MODULES:
            continue  # plots leave the steps (nb2pkg.analysis.library_code): nothing draws
        distribution = distribution_of(root)
        if distribution is not None and distribution in declared:
            roots.packaged.setdefault(root, where)


def _requirement(
    root: str, where: str, inputs: RequirementInputs, diagnostics: list[Diagnostic]
) -> str:
    requirement, installed = requirement_for(
        root, inputs.environment, inputs.recorded, inputs.overrides
    )
    if not installed:
        diagnostics.append(
            Diagnostic(
                "NB312",
                Severity.WARNING,
                f"`{root}` is imported but not installed here; the dependency `{requirement}` "
                "gets no version bound",
                Location(where),
                f"install it where you build (pip install {requirement}), or add it with %pip "
                "install in the notebook",
            )
        )
    return requirement


def _is_local_file(environment: BuildEnvironment, folder: Path, root: str) -> bool:
    """A module or package of that name beside the notebook, not one from an index."""
    return environment.is_file(folder / f"{root}.py") or environment.is_file(
        folder / root / "__init__.py"
    )


def _notebook_only(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in NOTEBOOK_ONLY)
