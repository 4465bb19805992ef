"""Several planned notebooks → one package plan: modules, ``run()`` parameters, dependencies.

Its diagnostics (NB110, NB111, NB112, NB113, NB114, NB312, NB514) are described once, in
``nb2pkg.roles.diagnostic_codes``.

A pure step: what the machine holds (installed distributions, helper files) comes in as a
``BuildEnvironment``, and where files may be read from as a ``ReadScope``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nb2pkg.analysis.import_roots import top_level
from nb2pkg.ir import Diagnostic, Location, Role, RunParam, Severity
from nb2pkg.plan.build_environment import BuildEnvironment
from nb2pkg.plan.exports import ExportSettings
from nb2pkg.plan.local_modules import local_modules
from nb2pkg.plan.model_plan import ModelPlan, plan_model
from nb2pkg.plan.notebook_plan import NotebookPlan
from nb2pkg.plan.package_dependencies import RequirementInputs, requirements
from nb2pkg.plan.package_names import package_name_for, package_name_problem
from nb2pkg.plan.read_scope import ReadScope


@dataclass(frozen=True)
class PackagePlan:
    package: str
    notebooks: tuple[NotebookPlan, ...]
    run_params: tuple[RunParam, ...]
    requirements: tuple[str, ...]
    local_modules: Mapping[str, str]
    """The notebooks' own modules, copied into the package: top-level name → the ``.py`` or
    the package folder beside a notebook (or on a ``sys.path`` its cells extend)."""
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
    local_files: Mapping[str, str] = field(default_factory=dict)
    """Each file of ``local_modules``: path inside the package → the file it is copied from."""
    data_file_paths: Mapping[str, str] = field(default_factory=dict)
    """Each data-file parameter → its file as a POSIX path relative to the package's folder
    (the notebook's default is relative to the notebook's): the generated tests read the
    notebook's data from wherever pytest runs."""


def plan_package(
    plans: tuple[NotebookPlan, ...],
    package: str,
    *,
    environment: BuildEnvironment,
    autolog: bool = False,
    git_commit: str = "",
    recorded_requirements: Mapping[str, str] | None = None,
    requirement_overrides: Mapping[str, str] | None = None,
    read_scope: ReadScope | None = None,
    auto: bool = False,
) -> PackagePlan:
    """``environment``: the installed distributions and the files beside the notebooks;
    ``recorded_requirements``: what the last build wrote (distribution → requirement);
    ``requirement_overrides``: ``[tool.nb2pkg.dependencies]`` (distribution → specifier);
    ``read_scope``: where helper modules may come from (None: anywhere); ``auto``: the
    notebooks were marked by ``--auto`` (what NB110 says)."""
    diagnostics = [*_invalid_name(package), *_nothing_marked(plans, auto), *_module_clashes(plans)]
    run_params = _merge_run_params(plans, diagnostics)
    step_keys = _step_keys(plans)
    model, model_problems = plan_model(plans, step_keys, {p.name for p in run_params})
    diagnostics += model_problems
    local = local_modules(plans, environment, read_scope, diagnostics)
    inputs = RequirementInputs(
        environment,
        recorded_requirements or {},
        requirement_overrides or {},
        tracking=autolog or model is not None,
    )
    required = requirements(plans, package, local, diagnostics, inputs)
    diagnostics += _hidden_by_package(package, plans, required)
    return PackagePlan(
        package=package,
        notebooks=plans,
        run_params=run_params,
        requirements=required,
        local_modules=local.modules,
        local_files=local.files,
        step_keys=step_keys,
        autolog=autolog,
        git_commit=git_commit,
        diagnostics=tuple(diagnostics),
        modules=_package_modules(plans),
        model=model,
    )


def _invalid_name(package: str) -> list[Diagnostic]:
    """NB113 when the package name is no import name."""
    problem = package_name_problem(package)
    if problem is None or problem[0] != "NB113":
        return []
    return [
        Diagnostic(
            "NB113",
            Severity.ERROR,
            f"package name {package!r} is not a valid import name",
            None,
            f"use letters, digits and underscores, e.g. --name {package_name_for(package)}",
        )
    ]


def _nothing_marked(plans: tuple[NotebookPlan, ...], auto: bool) -> list[Diagnostic]:
    """NB110 when no cell of any notebook is marked for the package."""
    if any(c.tagged.role in (Role.FUNCTION, Role.EXPORT) for p in plans for c in p.cells):
        return []
    shown = ", ".join(p.notebook.display_path for p in plans)
    if auto:
        message = (
            f"--auto found no cell to package in {shown}: its cells show or print values, "
            "none computes one for later"
        )
        hint = (
            "tag the cells whose results the package should compute function:NAME (or a "
            "cell of defs export), then build without --auto"
        )
    else:
        message = f"no cell is marked for the package in {shown}"
        hint = (
            "tag cells function:NAME, parameters, test or export (or build with --auto to "
            "propose a marking)"
        )
    location = Location(plans[0].notebook.display_path) if plans else None
    return [Diagnostic("NB110", Severity.ERROR, message, location, hint)]


def _module_clashes(plans: tuple[NotebookPlan, ...]) -> list[Diagnostic]:
    """NB112 for each notebook whose module name an earlier notebook already has."""
    found: list[Diagnostic] = []
    seen_modules: dict[str, str] = {}
    for plan in plans:
        other = seen_modules.get(plan.module)
        if other is not None and other != plan.notebook.display_path:
            found.append(
                Diagnostic(
                    "NB112",
                    Severity.ERROR,
                    f"{plan.notebook.display_path} and {other} both become module `{plan.module}`",
                    Location(plan.notebook.display_path),
                    "rename one of the notebooks",
                )
            )
        seen_modules[plan.module] = plan.notebook.display_path
    return found


def _package_modules(plans: tuple[NotebookPlan, ...]) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(
            c.module
            for p in plans
            for c in p.cells
            if c.tagged.role in (Role.FUNCTION, Role.EXPORT)
        )
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


def _step_keys(plans: tuple[NotebookPlan, ...]) -> dict[tuple[str, str], str]:
    steps = [s for p in plans for s in p.steps]
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.name] = counts.get(step.name, 0) + 1
    return {
        (s.module, s.name): s.name if counts[s.name] == 1 else f"{s.module}.{s.name}" for s in steps
    }
