"""The runnable side of the package: ``pipeline.py``, ``__init__.py``, ``_build.py``
(``__main__.py``: ``nb2pkg.emit.main_file``)."""

from __future__ import annotations

import json
from pathlib import Path

from nb2pkg.emit.defaults import fresh_default_lines, is_mutable_literal, signature_default
from nb2pkg.emit.figure_files import Figure, figures_of
from nb2pkg.emit.imports import ImportContext, member_order, natural, render_imports
from nb2pkg.emit.literals import docstring, python_string
from nb2pkg.emit.model_files import (
    MODEL_API,
    MODEL_MODULE,
    render_model_constants,
    render_model_functions,
)
from nb2pkg.emit.modules import ModuleText
from nb2pkg.emit.step_graph import render_graph_constant
from nb2pkg.emit.templates import TEMPLATE_DIR
from nb2pkg.ir import ImportBinding, ParamSource, RunParam, StepPlan
from nb2pkg.plan.package_plan import PackagePlan

RUNNER_MODULE = "_runner"
RUNNER_TEMPLATE = TEMPLATE_DIR / "runner.py"
"""``run()``'s fixed part (``run_steps``), copied into the package as ``_runner.py``."""


def render_runner() -> str:
    return RUNNER_TEMPLATE.read_text(encoding="utf-8")


def _signature(params: tuple[RunParam, ...], *, extra: str = "") -> str:
    parts = ["*"]
    for param in params:
        if param.default is None:
            parts.append(param.name)
        elif param.annotation in ("int", "float", "str", "bool"):
            parts.append(f"{param.name}: {param.annotation} = {param.default}")
        else:
            parts.append(f"{param.name}: Any = {signature_default(param.default)}")
    if extra:
        parts.append(extra)
    if len(parts) == 1:
        return ""
    return "\n" + "".join(f"    {p},\n" for p in parts)


def _fresh_defaults(params: tuple[RunParam, ...]) -> list[str]:
    lines: list[str] = []
    for param in params:
        if param.default is not None and is_mutable_literal(param.default):
            lines += fresh_default_lines(param.name, param.default, "    ")
    return lines


def _call(step: StepPlan, shadowed: set[str], function: str) -> str:
    args: list[str] = []
    for param in step.params:
        value = param.name
        if param.source is not ParamSource.STEP and param.name in shadowed:
            value = f'arguments["{param.name}"]'
        if param.source in (ParamSource.STEP, ParamSource.INPUT):
            args.append(value)
        else:
            args.append(f"{param.name}={value}")
    return f"{function}({', '.join(args)})"


def _library_import_lines(plan: PackagePlan) -> list[str]:
    """``from __future__``, ``typing`` and what the steps' seeds call (``import numpy as np``),
    grouped and sorted as ruff sorts them, then a blank line."""
    bindings = [
        ImportBinding("__future__", "annotations", None, "annotations"),
        ImportBinding("collections.abc", "Iterator", None, "Iterator"),
        ImportBinding("typing", "Any", None, "Any"),
        *(
            binding
            for notebook in plan.notebooks
            for step in notebook.steps
            for binding in step.seed_imports
        ),
    ]
    context = ImportContext(plan.package, frozenset(plan.local_modules))
    return [*render_imports(bindings, context).rstrip("\n").split("\n"), ""]


def render_pipeline(plan: PackagePlan, version: str) -> str:
    callable_as, import_lines = _step_imports(plan)
    lines = [
        f'"""The pipeline of `{plan.package}`: every step in notebook order.',
        "",
        "`steps()` runs them one at a time; `run()` runs them all inside an MLflow run.",
        "Generated file: edit the notebooks, then run `nb2pkg build`.",
        '"""',
        "",
        *_library_import_lines(plan),
        *(["from . import tracking"] if figures_of(plan) else []),
        "from ._build import BUILD_TAGS",
        f"from .{RUNNER_MODULE} import run_steps",
        *import_lines,
        "",
        *_pipeline_constants(plan, version),
        *render_model_constants(plan.model),
        "",
        "",
        f"def steps({_signature(plan.run_params)}) -> Iterator[tuple[str, dict[str, Any]]]:",
        '    """Run the steps in notebook order, yielding each step\'s name and outputs."""',
        *_steps_body(plan, callable_as),
        "",
        "",
        *_run_function(plan),
        *render_model_functions(plan.model, callable_as),
        "",
        *render_graph_constant(plan),
    ]
    return "\n".join(lines) + "\n"


def _step_imports(plan: PackagePlan) -> tuple[dict[tuple[str, str], str], list[str]]:
    """How ``steps()`` calls each step function, and the imports that name it so.

    Each step function is imported under a name that clashes with nothing in steps(): several
    modules may share a function name, and a step may be named like a value
    (`features = features(df)`), which would make that name local to steps().
    """
    imports: dict[str, list[str]] = {}
    for notebook in plan.notebooks:
        for step in notebook.steps:
            imports.setdefault(step.module, []).append(step.name)
    variables = {p.name for p in plan.run_params} | {
        name for n in plan.notebooks for step in n.steps for name in step.returns
    }
    owners: dict[str, set[str]] = {}
    for module, names in imports.items():
        for name in names:
            owners.setdefault(name, set()).add(module)
    callable_as: dict[tuple[str, str], str] = {}
    taken = set(variables)
    lines: list[str] = []
    for module, names in sorted(imports.items(), key=lambda item: natural(item[0].lower())):
        for name in sorted(set(names)):
            alias = name
            if len(owners[name]) > 1:
                alias = f"{module}_{name}"
            while alias in taken:
                alias = f"{alias}_step"
            taken.add(alias)
            callable_as[(module, name)] = alias
        listed = ", ".join(
            name
            if callable_as[(module, name)] == name
            else f"{name} as {callable_as[(module, name)]}"
            for name in sorted(set(names), key=member_order)
        )
        lines.append(f"from .{module} import {listed}")
    return callable_as, lines


def _pipeline_constants(plan: PackagePlan, version: str) -> list[str]:
    metric_steps = sorted(
        plan.step_keys[(s.module, s.name)] for n in plan.notebooks for s in n.steps if s.metrics
    )
    return [
        f"PACKAGE = {python_string(plan.package)}",
        f"VERSION = {python_string(version)}",
        f"AUTOLOG = {plan.autolog}",
        f"METRIC_STEPS = frozenset({{{', '.join(json.dumps(k) for k in metric_steps)}}})"
        if metric_steps
        else "METRIC_STEPS: frozenset[str] = frozenset()",
        "# Each step, in order, and the notebook cell it was built from (for error messages;",
        "# the cell id, not its number, so that moving other cells changes nothing here).",
        "STEP_CELLS: dict[str, str] = {",
        *(
            f"    {json.dumps(plan.step_keys[(s.module, s.name)])}: "
            f"{json.dumps(f'{Path(s.notebook).name} [id {s.cell_id}]')},"
            for n in plan.notebooks
            for s in n.steps
        ),
        "}",
    ]


def _steps_body(plan: PackagePlan, callable_as: dict[tuple[str, str], str]) -> list[str]:
    body: list[str] = _fresh_defaults(plan.run_params)
    drawn = {(f.step.module, f.step.name): f for f in figures_of(plan)}
    outputs = {name for n in plan.notebooks for s in n.steps for name in s.returns}
    read_as_arguments = {
        param.name
        for n in plan.notebooks
        for step in n.steps
        for param in step.params
        if param.source is not ParamSource.STEP
    }
    # Parameters a step returns a value of the same name for: the steps that read the
    # parameter take it from `arguments` (only those read by a step, or it is an unused dict).
    shadowed = {p.name for p in plan.run_params} & outputs & read_as_arguments
    if shadowed:
        kept = ", ".join(f'"{name}": {name}' for name in sorted(shadowed))
        body.append("    # Steps below rebind these names; later steps still need the arguments.")
        body.append(f"    arguments = {{{kept}}}")
    for notebook in plan.notebooks:
        for step in notebook.steps:
            call = _call(step, shadowed, callable_as[(step.module, step.name)])
            body += _step_lines(plan, step, call, drawn.get((step.module, step.name)))
    return body or ["    yield from ()"]


def _step_lines(plan: PackagePlan, step: StepPlan, call: str, figure: Figure | None) -> list[str]:
    """A step's statements in ``steps()``: its seeds, the call, its figures, the yield."""
    lines: list[str] = []
    if step.seeds:
        lines.append(
            "    # The notebook seeds the global random generator here, in the step's cell."
        )
        lines += [f"    {seed}" for seed in step.seeds]
    lines.append(f"    {', '.join(step.returns)} = {call}" if step.returns else f"    {call}")
    if figure is not None:
        inputs = "".join(f", {name}={name}" for name in step.figure_inputs or ())
        if (
            any(figure.saved_as) and "saved_as" not in inputs
        ):  # the file names the notebook saved its figures under
            inputs = f", saved_as={figure.saved_as!r}{inputs}"
        lines.append(f'    tracking.log_figures(PACKAGE, "{figure.function}"{inputs})')
    values = ", ".join(f'"{n}": {n}' for n in step.returns)
    key = plan.step_keys[(step.module, step.name)]
    lines.append(f'    yield ("{key}", {{{values}}})')
    return lines


def _run_function(plan: PackagePlan) -> list[str]:
    """``run()``: its parameters, then ``run_steps`` (``templates/runner.py``) given the
    pipeline's constants."""
    param_dict = ", ".join(f'"{p.name}": {p.name}' for p in plan.run_params)
    return [
        f"def run({_signature(plan.run_params, extra='track: bool = True')}) -> dict[str, Any]:",
        "    " + docstring(run_docstring(plan), "    "),
        *_fresh_defaults(plan.run_params),
        f"    params: dict[str, Any] = {{{param_dict}}}",
        "    return run_steps(",
        "        steps(**params),",
        "        params=params,",
        "        track=track,",
        "        package=PACKAGE,",
        "        version=VERSION,",
        "        tags=BUILD_TAGS,",
        "        autolog=AUTOLOG,",
        "        step_cells=STEP_CELLS,",
        "        metric_steps=METRIC_STEPS,",
        *(["        log_model=True,"] if plan.model else []),
        "    )",
    ]


def run_docstring(plan: PackagePlan) -> str:
    """The docstring of the generated ``run()``."""
    text = (
        "Run the whole pipeline and return every step's outputs by name.\n\n"
        "Logs an MLflow run (parameters, step durations, metrics) unless `track` is False."
    )
    seeded = [s.name for n in plan.notebooks for s in n.steps if s.seeds]
    if seeded:
        text += (
            "\n\nSeeds the global random generators as the notebook did, right before "
            + ", ".join(f"`{name}`" for name in seeded)
            + ": the steps themselves never seed."
        )
    if plan.run_params:
        text += "\n\nArgs:\n" + "\n".join(f"    {p.name}: {p.origin}." for p in plan.run_params)
    return text


def init_docstring(plan: PackagePlan) -> str:
    """The docstring of the generated package's ``__init__.py``."""
    sources = ", ".join(Path(n.notebook.display_path).name for n in plan.notebooks)
    return (
        f"{plan.package}: generated by nb2pkg from {sources}.\n\n"
        "Edit the notebooks, then run `nb2pkg build` to regenerate this package."
    )


def render_build_info(plan: PackagePlan, version: str) -> str:
    cell_ids = [s.cell_id for n in plan.notebooks for s in n.steps]
    tags = {
        "nb2pkg.package": plan.package,
        "nb2pkg.version": version,
        "nb2pkg.git_commit": plan.git_commit,
        "nb2pkg.notebook": ",".join(n.notebook.display_path for n in plan.notebooks),
        "nb2pkg.notebook_sha256": ",".join(n.notebook.sha256 for n in plan.notebooks),
        "nb2pkg.cell_ids": ",".join(cell_ids),
    }
    body = "".join(f"    {json.dumps(k)}: {json.dumps(v)},\n" for k, v in tags.items())
    return (
        '"""Facts recorded at build time, logged as MLflow tags by every run."""\n\n'
        f"BUILD_TAGS: dict[str, str] = {{\n{body}}}\n"
    )


def render_init(plan: PackagePlan, version: str, modules: list[ModuleText]) -> str:
    lines = [
        docstring(init_docstring(plan)),
        "",
        f"__version__ = {python_string(version)}",
        "",
    ]
    exported: list[str] = []
    counts: dict[str, int] = {}
    for module in modules:
        for name in module.public:
            counts[name] = counts.get(name, 0) + 1
    from_lines = {"pipeline": "from .pipeline import run, steps"}
    taken: tuple[str, ...] = ()
    if plan.model is not None:
        from_lines[MODEL_MODULE] = f"from .{MODEL_MODULE} import {', '.join(MODEL_API)}"
        exported.extend(MODEL_API)
        taken = MODEL_API
    for module in modules:
        # A name two modules define stays reachable through its module only.
        unique = sorted(
            (n for n in module.public if counts[n] == 1 and n not in taken), key=member_order
        )
        if unique:
            from_lines[module.name] = f"from .{module.name} import {', '.join(unique)}"
            exported.extend(unique)
    lines += [
        "# First: `python -m ... run` starts its MLflow tracking worker while the libraries load.",
        "from . import tracking as tracking",
    ]
    lines += [from_lines[name] for name in sorted(from_lines, key=lambda m: natural(m.lower()))]
    exported += ["run", "steps"]
    lines += ["", "__all__ = ["]
    names = sorted({"__version__", *exported}, key=member_order)
    lines += [f'    "{name}",' for name in names]
    lines += ["]"]
    return "\n".join(lines) + "\n"
