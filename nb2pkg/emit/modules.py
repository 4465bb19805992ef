"""One Python module per notebook (or ``module:NAME``): hoisted imports, exports, step functions."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from nb2pkg.emit.functions import function_source
from nb2pkg.emit.imports import ImportContext, render_imports
from nb2pkg.model import ImportBinding, Role
from nb2pkg.plan.notebook_plan import CellPlan
from nb2pkg.plan.package_plan import PackagePlan


@dataclass(frozen=True)
class Span:
    start_line: int
    end_line: int
    notebook: str
    cell_id: str
    cell_number: int


@dataclass(frozen=True)
class ModuleText:
    name: str
    content: str
    spans: tuple[Span, ...]
    public: tuple[str, ...]
    function_sha256: Mapping[str, str]


def provenance(notebook: str, cell: CellPlan) -> str:
    return f"nb2pkg: {Path(notebook).name} cell {cell.cell.number} (id {cell.cell.cell_id})"


def statements_to_drop(cell: CellPlan) -> set[int]:
    analysis = cell.parsed.analysis
    drop = set(analysis.import_statements)
    if cell.tagged.role in (Role.FUNCTION, Role.TEST):
        drop.update(analysis.display_statements)
        drop.update(_mlflow_statements(cell))
    return drop


def render_modules(plan: PackagePlan) -> list[ModuleText]:
    context = ImportContext(plan.package, frozenset(plan.local_modules))
    results: list[ModuleText] = []
    for module in plan.modules:
        blocks: list[tuple[str, CellPlan | None, str]] = []
        imports: dict[str, ImportBinding] = {}
        notebooks: list[str] = []
        for notebook_plan in plan.notebooks:
            cells = [c for c in notebook_plan.cells if c.module == module]
            for binding in notebook_plan.imports.get(module, ()):
                imports.setdefault(binding.bound, binding)
            for star in notebook_plan.star_imports:
                if any(c.tagged.role in (Role.FUNCTION, Role.EXPORT) for c in cells):
                    imports.setdefault(f"*{star.module}", star)
            if any(c.tagged.role in (Role.FUNCTION, Role.EXPORT) for c in cells):
                notebooks.append(notebook_plan.notebook.display_path)
            exported_in = notebook_plan.export_modules
            for cell in cells:
                for name in cell.export_reads:
                    home = exported_in.get(name, module)
                    if home != module:
                        binding = ImportBinding(f"{plan.package}.{home}", name, None, name)
                        imports.setdefault(name, binding)
            for cell in cells:
                text = _cell_block(
                    cell, notebook_plan.notebook.display_path, notebook_plan.data_files
                )
                if text is not None:
                    blocks.append((text, cell, notebook_plan.notebook.display_path))
        results.append(
            _assemble(module, notebooks, render_imports(imports.values(), context), blocks)
        )
    return results


def _cell_block(cell: CellPlan, notebook: str, data_files: Mapping[str, str]) -> str | None:
    if cell.parsed.module is None:
        return None
    if cell.step is not None:
        step = cell.step
        return function_source(
            step.name,
            cell.parsed.module,
            step.params,
            step.returns,
            drop=statements_to_drop(cell),
            docstring=step.docstring,
            provenance=provenance(notebook, cell),
            replacements={
                v: n for v, n in data_files.items() if any(p.name == n for p in step.params)
            },
        )
    if cell.tagged.role is Role.EXPORT:
        drop = statements_to_drop(cell)
        body = [s for i, s in enumerate(cell.parsed.module.body) if i not in drop]
        if not body:
            return None
        code = cst.Module(body=body).code.strip("\n")
        return f"# {provenance(notebook, cell)}\n{code}\n"
    return None


def _assemble(
    module: str, notebooks: list[str], imports: str, blocks: list[tuple[str, CellPlan | None, str]]
) -> ModuleText:
    sources = ", ".join(Path(n).name for n in notebooks) or "notebooks"
    header = (
        f'"""Code of {sources}, as packaged by nb2pkg.\n\n'
        "Generated file: edit the notebook, then run `nb2pkg build`.\n"
        '"""\n'
    )
    public: list[str] = []
    hashes: dict[str, str] = {}
    for text, cell, _ in blocks:
        if cell is not None and cell.step is not None:
            public.append(cell.step.name)
            hashes[cell.step.name] = hashlib.sha256(text.encode()).hexdigest()
        elif cell is not None:
            public.extend(n for n in cell.parsed.analysis.defines if not n.startswith("_"))
    parts = [header]
    if imports:
        parts.append("\n" + imports)
    all_names = "".join(f'    "{name}",\n' for name in public)
    parts.append(f"\n__all__ = [\n{all_names}]\n" if public else "\n__all__: list[str] = []\n")
    content = "".join(parts)
    spans: list[Span] = []
    for text, cell, notebook in blocks:
        content += "\n\n"
        start = content.count("\n") + 1
        content += text
        end = content.count("\n")
        if cell is not None:
            spans.append(Span(start, end, notebook, cell.cell.cell_id, cell.cell.number))
    return ModuleText(module, content, tuple(spans), tuple(public), hashes)


def _mlflow_statements(cell: CellPlan) -> set[int]:
    """Top-level statements that call MLflow: the generated pipeline does the logging."""
    analysis = cell.parsed.analysis
    module = cell.parsed.module
    if not analysis.mlflow_calls or module is None:
        return set()
    lines = {line - analysis.line_offset for _, line in analysis.mlflow_calls}
    found: set[int] = set()
    position = 1 + len(module.header)
    for index, statement in enumerate(module.body):
        text = cst.Module(body=[statement]).code
        leading = sum(1 for _ in getattr(statement, "leading_lines", ()))
        first = position + leading
        last = position + text.count("\n") - 1
        if any(first <= line <= last for line in lines):
            found.add(index)
        position += text.count("\n")
    return found
