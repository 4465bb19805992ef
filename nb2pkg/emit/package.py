"""A package plan and a version → every file of the generated package, plus its API snapshot."""

from __future__ import annotations

import ast
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nb2pkg.analysis.file_literals import source_segment
from nb2pkg.emit.code_style import Kind, formatted_all
from nb2pkg.emit.figure_files import FIGURES_MODULE, render_figures
from nb2pkg.emit.helper_imports import others_take_its_imports
from nb2pkg.emit.main_file import COMMAND_LINE_MODULE, render_command_line, render_main
from nb2pkg.emit.model_files import (
    MODEL_MODULE,
    PYFUNC_MODULE,
    render_model_module,
    render_pyfunc_module,
)
from nb2pkg.emit.modules import ModuleText, render_modules
from nb2pkg.emit.orchestrator_files import render_exports
from nb2pkg.emit.pipeline_files import (
    RUNNER_MODULE,
    render_build_info,
    render_init,
    render_pipeline,
    render_runner,
)
from nb2pkg.emit.project_files import render_pyproject, render_readme
from nb2pkg.emit.serving_files import render_serving_modules
from nb2pkg.emit.source_chunks import pieces
from nb2pkg.emit.step_files import STEPS_MODULE, render_steps_io
from nb2pkg.emit.templates import TEMPLATE_DIR
from nb2pkg.emit.test_files import render_tests
from nb2pkg.emit.vendored_imports import vendored_source
from nb2pkg.ir import ApiSnapshot, EmittedFile, FunctionApi, ParamApi
from nb2pkg.plan.package_plan import PackagePlan

TRACKING_TEMPLATE = TEMPLATE_DIR / "tracking.py"
BUILD_INFO = "_build.py"
"""Holds the git commit: rewritten only together with other changes, never on its own."""


@dataclass(frozen=True)
class RenderedPackage:
    files: tuple[EmittedFile, ...]
    api: ApiSnapshot
    source_map: dict[str, tuple[tuple[int, int, str, str, int], ...]]

    def content(self, path: str) -> str | None:
        return next((f.content for f in self.files if f.path == path), None)


def _local_module_files(plan: PackagePlan, src: str) -> dict[str, str]:
    """The notebooks' own modules, copied in: imports of one another name the copies."""
    if not plan.local_files:
        return {}
    from nb2pkg.emit.unused_values import helper_module_source  # libcst: helpers only

    local = frozenset(plan.local_modules)
    return {
        f"{src}/{inside}": helper_module_source(
            vendored_source(Path(origin).read_text(encoding="utf-8"), plan.package, local)
        )
        for inside, origin in plan.local_files.items()
    }


def build_info_path(package: str) -> str:
    return f"src/{package}/{BUILD_INFO}"


def render_package(plan: PackagePlan, version: str) -> RenderedPackage:
    """Deterministic: the same plan and version give the same bytes."""
    pkg = plan.package
    src = f"src/{pkg}"
    modules = render_modules(plan)
    files: dict[str, str] = {}
    source_map: dict[str, tuple[tuple[int, int, str, str, int], ...]] = {}
    for module in modules:
        path = f"{src}/{module.name}.py"
        files[path] = module.content
        source_map[path] = tuple(
            (s.start_line, s.end_line, s.notebook, s.cell_id, s.cell_number) for s in module.spans
        )
    files.update(_local_module_files(plan, src))
    files[f"{src}/__init__.py"] = render_init(plan, version, modules)
    files[f"{src}/__main__.py"] = render_main(plan, version)
    files[f"{src}/{COMMAND_LINE_MODULE}.py"] = render_command_line()
    files[f"{src}/pipeline.py"] = render_pipeline(plan, version)
    files[f"{src}/{RUNNER_MODULE}.py"] = render_runner()
    files[build_info_path(pkg)] = render_build_info(plan, version)
    files[f"{src}/tracking.py"] = TRACKING_TEMPLATE.read_text(encoding="utf-8")
    files[f"{src}/{STEPS_MODULE}.py"] = render_steps_io()
    figures = render_figures(plan)
    if figures is not None:
        files[f"{src}/{FIGURES_MODULE}.py"] = figures
    if plan.model is not None:
        files[f"{src}/{MODEL_MODULE}.py"] = render_model_module()
        files[f"{src}/{PYFUNC_MODULE}.py"] = render_pyfunc_module()
        files.update(render_serving_modules(src))
    files[f"{src}/py.typed"] = ""
    files["pyproject.toml"] = render_pyproject(plan, version)
    files["README.md"] = render_readme(plan, version, modules)
    files.update(render_tests(plan))
    module_paths = {f"{src}/{module.name}.py" for module in modules}
    # Module texts are formatted block by block, keeping their source map exact.
    others = [p for p in files if p.endswith(".py") and p not in module_paths]
    helpers = _helper_kinds(files, [m.content for m in modules], src, plan.local_files)
    kinds: list[Kind] = [
        "generated" if p == f"{src}/{FIGURES_MODULE}.py" else helpers.get(p, "template")
        for p in others
    ]
    files.update(
        zip(others, formatted_all([files[p] for p in others], kinds, (plan.package,)), strict=True)
    )
    # Orchestrator exports are written as `nb2pkg export` writes them, outside the package.
    files.update(render_exports(plan, version))
    files[".nb2pkg/.gitignore"] = (
        "# Backups of overwritten hand edits and staging of interrupted builds\nbackup/\ntmp-*/\n"
        "# This machine's environment, when a rebuild last found it fitting\nenvironment.json\n"
    )
    emitted = tuple(EmittedFile(path, files[path]) for path in sorted(files))
    return RenderedPackage(emitted, api_snapshot(plan, modules), source_map)


def _helper_kinds(
    files: Mapping[str, str], modules: list[str], src: str, local_files: Mapping[str, str]
) -> dict[str, Kind]:
    """How each of the notebook's own modules is treated: the user's code, formatted, its
    style findings marked, never rewritten; a helper module beside the notebook loses its
    unused imports, unless other code takes them from it (nb2pkg.emit.helper_imports). The
    files of a package keep theirs: a package re-exports names its own modules import."""
    kinds: dict[str, Kind] = {}
    singles = [inside.removesuffix(".py") for inside in local_files if "/" not in inside]
    for inside in local_files:
        path = f"{src}/{inside}"
        if "/" in inside:
            kinds[path] = "as_written"
            continue
        name = inside.removesuffix(".py")
        others = [*modules, *(files[f"{src}/{o}.py"] for o in singles if o != name)]
        taken = others_take_its_imports(name, files[path], others)
        kinds[path] = "as_written" if taken else "helper"
    return kinds


def api_snapshot(plan: PackagePlan, modules: list[ModuleText]) -> ApiSnapshot:
    hashes = {(m.name, name): sha for m in modules for name, sha in m.function_sha256.items()}
    functions = tuple(
        FunctionApi(
            name=step.name,
            module=step.module,
            params=tuple(ParamApi(p.name, p.default) for p in step.params),
            returns=step.returns,
            body_sha256=hashes.get((step.module, step.name), ""),
        )
        for notebook in plan.notebooks
        for step in notebook.steps
    )
    exported = tuple(f for module in modules for f in exported_api(module, hashes))
    run_params = tuple(ParamApi(p.name, p.default) for p in plan.run_params)
    return ApiSnapshot(functions + exported, run_params)


def exported_api(module: ModuleText, steps: Mapping[tuple[str, str], str]) -> list[FunctionApi]:
    """The public defs and classes export cells put in a module, with their signatures."""
    wanted = {name for name in module.public if (module.name, name) not in steps}
    if not wanted:
        return []  # steps only: nothing to parse
    lines = io.StringIO(module.content, newline="").readlines()
    found: list[FunctionApi] = []
    for tree in pieces(module.content, ast.parse):
        for node in tree.body:
            params: tuple[ParamApi, ...] = ()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                kind, params = "function", _signature(node.args)
            elif isinstance(node, ast.ClassDef):
                kind = "class"
            else:
                continue
            if node.name not in wanted:
                continue
            text = source_segment(lines, node) or ast.dump(node)
            digest = hashlib.sha256(text.encode()).hexdigest()
            found.append(FunctionApi(node.name, module.name, params, (), digest, kind))
    return found


def _signature(args: ast.arguments) -> tuple[ParamApi, ...]:
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    pairs = list(zip(positional, defaults, strict=True))
    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    return tuple(
        ParamApi(arg.arg, ast.unparse(default) if default is not None else None)
        for arg, default in pairs
    )
