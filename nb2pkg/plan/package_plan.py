"""Several planned notebooks → one package plan: modules, ``run()`` parameters, dependencies.

Diagnostic codes:
  NB110 no cell of any notebook is marked for the package
  NB111 two notebooks give one ``run()`` parameter different defaults
  NB112 two notebooks map to the same module name
  NB113 the package name is not a valid import name (ASCII letters, digits and underscores)
  NB114 the package name would hide another module: the standard library's, a dependency's, one
        the notebooks import, or a special one (``__main__``)
  NB312 an imported module is not installed here (dependency version unknown)
  NB514 a helper module beside the notebook is a symbolic link out of the root (nb2pkg.builder.confine)
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nb2pkg.builder.config import package_name_for, package_name_problem
from nb2pkg.builder.confine import ReadScope
from nb2pkg.emit.dependencies import (
    distribution_of,
    merge_requirements,
    reachable_dependencies,
    requirement_for,
    requirements_by_name,
)
from nb2pkg.emit.export_settings import ExportSettings
from nb2pkg.emit.imports import STDLIB, top_level
from nb2pkg.emit.mlflow_calls import tracking_requirements
from nb2pkg.ir import Diagnostic, Location, Role, RunParam, Severity
from nb2pkg.plan.model_plan import ModelPlan, plan_model
from nb2pkg.plan.notebook_plan import NotebookPlan

NOTEBOOK_ONLY = ("IPython", "ipywidgets", "ipykernel", "google.colab", "mlflow")
"""Imports that serve the notebook frontend (or tracking, which the package brings itself)."""


@dataclass(frozen=True)
class PackagePlan:
    package: str
    notebooks: tuple[NotebookPlan, ...]
    run_params: tuple[RunParam, ...]
    requirements: tuple[str, ...]
    local_modules: Mapping[str, str]
    """Helper module name → path of the ``.py`` beside a notebook, copied into the package."""
    step_keys: Mapping[tuple[str, str], str]
    """(module, function) → the step's name in ``steps()`` and MLflow (unique in the package)."""
    autolog: bool = False
    git_commit: str = ""
    diagnostics: tuple[Diagnostic, ...] = ()
    modules: tuple[str, ...] = field(default=())
    exports: tuple[ExportSettings, ...] = ()
    """Orchestrators the package is exported to (``nb2pkg export``)."""
    model: ModelPlan | None = None
    """The pipeline's model, logged and registered by tracked runs."""


def plan_package(
    plans: tuple[NotebookPlan, ...],
    package: str,
    *,
    autolog: bool = False,
    git_commit: str = "",
    recorded_requirements: Mapping[str, str] | None = None,
    requirement_overrides: Mapping[str, str] | None = None,
    read_scope: ReadScope | None = None,
) -> PackagePlan:
    """``recorded_requirements``: what the last build wrote (distribution → requirement);
    ``requirement_overrides``: ``[tool.nb2pkg.dependencies]`` (distribution → specifier);
    ``read_scope``: where helper modules may come from (None: anywhere)."""
    diagnostics: list[Diagnostic] = []
    problem = package_name_problem(package)
    if problem is not None and problem[0] == "NB113":
        diagnostics.append(
            Diagnostic(
                "NB113",
                Severity.ERROR,
                f"package name {package!r} is not a valid import name",
                None,
                f"use letters, digits and underscores, e.g. --name {package_name_for(package)}",
            )
        )
    if not any(c.tagged.role in (Role.FUNCTION, Role.EXPORT) for p in plans for c in p.cells):
        shown = ", ".join(p.notebook.display_path for p in plans)
        diagnostics.append(
            Diagnostic(
                "NB110",
                Severity.ERROR,
                f"no cell is marked for the package in {shown}",
                Location(plans[0].notebook.display_path) if plans else None,
                "tag cells function:NAME, parameters, test or export (or build with --auto to "
                "propose a marking)",
            )
        )
    seen_modules: dict[str, str] = {}
    for plan in plans:
        other = seen_modules.get(plan.module)
        if other is not None and other != plan.notebook.display_path:
            diagnostics.append(
                Diagnostic(
                    "NB112",
                    Severity.ERROR,
                    f"{plan.notebook.display_path} and {other} both become module `{plan.module}`",
                    Location(plan.notebook.display_path),
                    "rename one of the notebooks",
                )
            )
        seen_modules[plan.module] = plan.notebook.display_path
    run_params = _merge_run_params(plans, diagnostics)
    step_keys = _step_keys(plans)
    model, model_problems = plan_model(plans, step_keys, {p.name for p in run_params})
    diagnostics += model_problems
    local_modules, refused = _local_modules(plans, read_scope, diagnostics)
    requirements = _requirements(
        plans,
        package,
        local_modules,
        diagnostics,
        autolog=autolog,
        recorded=recorded_requirements or {},
        overrides=requirement_overrides or {},
        refused=frozenset(refused),
        model=model is not None,
    )
    diagnostics += _hidden_by_package(package, plans, requirements)
    modules = tuple(
        dict.fromkeys(
            c.module
            for p in plans
            for c in p.cells
            if c.tagged.role in (Role.FUNCTION, Role.EXPORT)
        )
    )
    return PackagePlan(
        package=package,
        notebooks=plans,
        run_params=run_params,
        requirements=requirements,
        local_modules=local_modules,
        step_keys=step_keys,
        autolog=autolog,
        git_commit=git_commit,
        diagnostics=tuple(diagnostics),
        modules=modules,
        model=model,
    )


def _hidden_by_package(
    package: str, plans: tuple[NotebookPlan, ...], requirements: tuple[str, ...]
) -> list[Diagnostic]:
    """NB114 when installing the package would shadow a module something else provides."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    def import_name(project: str) -> str:
        return str(canonicalize_name(project)).replace("-", "_")

    problem = package_name_problem(package)
    if problem is not None:
        if problem[0] != "NB114":
            return []  # NB113 says so
        reason: str | None = "a module of Python itself"
    else:
        reason = None
        projects = {"mlflow", "pytest", "hatchling"}
        for requirement in requirements:
            try:
                projects.add(Requirement(requirement).name)
            except InvalidRequirement:
                continue
        imported = {
            top_level(binding)
            for plan in plans
            for cell in plan.cells
            for binding in cell.parsed.analysis.imports
        }
        if package.lower() in {import_name(p) for p in projects}:
            reason = "a dependency of the package"
        elif package in imported:
            reason = "a module the notebooks import"
    if reason is None:
        return []
    return [
        Diagnostic(
            "NB114",
            Severity.ERROR,
            f"package name {package!r} is {reason}: installing the package would hide it",
            None,
            f"choose another name, e.g. --name {package.strip('_') or 'pipeline'}_pipeline",
        )
    ]


def _merge_run_params(
    plans: tuple[NotebookPlan, ...], diagnostics: list[Diagnostic]
) -> tuple[RunParam, ...]:
    merged: dict[str, RunParam] = {}
    for plan in plans:
        for param in plan.run_params:
            existing = merged.get(param.name)
            if existing is None:
                merged[param.name] = param
            elif existing.default != param.default:
                diagnostics.append(
                    Diagnostic(
                        "NB111",
                        Severity.ERROR,
                        f"run() parameter `{param.name}` defaults to {existing.default} in one notebook "
                        f"and {param.default} in {plan.notebook.display_path}",
                        Location(plan.notebook.display_path),
                        "give the parameter one default in every notebook, or rename one",
                    )
                )
    required = [p for p in merged.values() if p.default is None]
    optional = [p for p in merged.values() if p.default is not None]
    return tuple(optional + required)


def _local_modules(
    plans: tuple[NotebookPlan, ...], read_scope: ReadScope | None, diagnostics: list[Diagnostic]
) -> tuple[dict[str, str], dict[str, str]]:
    """The helper modules beside the notebooks, and those refused (links out of the scope)."""
    found: dict[str, str] = {}
    refused: dict[str, str] = {}
    for plan in plans:
        folder = Path(plan.notebook.path).parent
        for bindings in (*plan.imports.values(), plan.star_imports):
            for binding in bindings:
                root = top_level(binding)
                if binding.level or not root or root in STDLIB or root in refused:
                    continue
                candidate = folder / f"{root}.py"
                if not candidate.is_file():
                    continue
                if read_scope is not None and not read_scope.allows(candidate):
                    refused[root] = str(candidate)
                    diagnostics.append(
                        read_scope.refusal(candidate, "helper module", _importing_cell(plan, root))
                    )
                    continue
                found.setdefault(root, str(candidate))
    return dict(sorted(found.items())), refused


def _importing_cell(plan: NotebookPlan, root: str) -> Location:
    for cell in plan.cells:
        if any(top_level(b) == root for b in cell.parsed.analysis.imports):
            return Location(plan.notebook.display_path, cell.cell.number, cell.cell.cell_id)
    return Location(plan.notebook.display_path)


PLOTTING_MODULES = frozenset(
    {"matplotlib", "seaborn", "plotly", "bokeh", "altair", "mglearn", "missingno", "pylab"}
)
"""Plotting libraries: a dependency only when packaged code imports them itself."""


def _requirements(
    plans: tuple[NotebookPlan, ...],
    package: str,
    local_modules: Mapping[str, str],
    diagnostics: list[Diagnostic],
    *,
    autolog: bool,
    recorded: Mapping[str, str],
    overrides: Mapping[str, str],
    refused: frozenset[str] = frozenset(),
    model: bool = False,
) -> tuple[str, ...]:
    # The modules the packaged code imports (and the helper modules copied into the package).
    # An import of an unmarked cell counts only when a library the packaged code imports may
    # load it (a requirement, directly or through its required ones, optional extras
    # included: `reachable_dependencies`): libraries load optional
    # dependencies themselves (`load_wine(as_frame=True)` needs pandas), and the notebook
    # importing it shows the packaged calls may need it. Anything else an unmarked cell
    # imports (plotting, display) is not the package's dependency. Frontend-only packages and
    # files beside the notebook stay out: the package does not run in a notebook, and local
    # modules are copied into it, never installed from an index.
    roots: dict[str, str] = {}
    elsewhere: dict[str, str] = {}
    beside: set[str] = set()
    for plan in plans:
        folder = Path(plan.notebook.path).parent
        for module, bindings in plan.imports.items():
            if module == "tests":
                continue
            for binding in bindings:
                if not _notebook_only(binding.module):
                    roots.setdefault(top_level(binding), plan.notebook.display_path)
        for binding in plan.star_imports:
            roots.setdefault(top_level(binding), plan.notebook.display_path)
        for step in plan.steps:
            if step.figure_inputs is not None:  # figures.py draws them with matplotlib
                roots.setdefault("matplotlib", plan.notebook.display_path)
                for binding in step.figure_imports:
                    roots.setdefault(top_level(binding), plan.notebook.display_path)
        for cell in plan.cells:
            if cell.tagged.role in (Role.SKIP, Role.TEST):
                continue
            for binding in cell.parsed.analysis.imports:
                if not _notebook_only(binding.module):
                    elsewhere.setdefault(top_level(binding), plan.notebook.display_path)
        beside.update(root for root in elsewhere if root and _is_local_file(folder, root))
    for path in local_modules.values():
        for root in _imports_of_file(Path(path)):
            roots.setdefault(root, path)
    declared = reachable_dependencies(
        distribution for root in roots if (distribution := distribution_of(root)) is not None
    )
    for root, where in elsewhere.items():
        distribution = distribution_of(root)
        if root in PLOTTING_MODULES:
            continue  # plots leave the steps (nb2pkg.analysis.library_code): nothing draws
        if distribution is not None and distribution in declared:
            roots.setdefault(root, where)
    from_imports: list[str] = []
    for root, where in sorted(roots.items()):
        if (
            not root
            or root in STDLIB
            or root == package
            or root in local_modules
            or root in refused
            or root in beside
        ):
            continue
        requirement, installed = requirement_for(root, recorded, overrides)
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
        from_imports.append(requirement)
    pip = [r for plan in plans for r in plan.requirements]
    merged = merge_requirements(from_imports, pip, tracking_requirements(autolog=autolog or model))
    return tuple(
        f"{name}{overrides[name]}" if name in overrides else text
        for name, text in requirements_by_name(merged).items()
    )


def _is_local_file(folder: Path, root: str) -> bool:
    """A module or package of that name beside the notebook, not one from an index."""
    return (folder / f"{root}.py").is_file() or (folder / root / "__init__.py").is_file()


def _notebook_only(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in NOTEBOOK_ONLY)


def _imports_of_file(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return set()
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def _step_keys(plans: tuple[NotebookPlan, ...]) -> dict[tuple[str, str], str]:
    steps = [s for p in plans for s in p.steps]
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.name] = counts.get(step.name, 0) + 1
    return {
        (s.module, s.name): s.name if counts[s.name] == 1 else f"{s.module}.{s.name}" for s in steps
    }
