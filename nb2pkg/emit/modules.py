"""One Python module per notebook (or ``module:NAME``): hoisted imports, exports, step functions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nb2pkg.analysis.mlflow_calls import qualified_names
from nb2pkg.emit.code_style import (
    Kind,
    formatted_all,
    header_without_unused_imports,
    with_module_noqa,
)
from nb2pkg.emit.functions import function_source
from nb2pkg.emit.helper_defs import module_level_names, with_helpers_beside
from nb2pkg.emit.imports import ImportContext, member_order, render_imports
from nb2pkg.emit.literals import comment, docstring
from nb2pkg.emit.named_results import (
    TYPING_NAMES,
    result_class_name,
    uses_named_result,
    with_named_result,
)
from nb2pkg.emit.sliced_functions import sliced_function_source
from nb2pkg.emit.step_options import StepOptions
from nb2pkg.emit.unread_results import unread_result
from nb2pkg.ir import ImportBinding, Role
from nb2pkg.plan.default_constants import constant_name, needs_constant
from nb2pkg.plan.notebook_plan import CellPlan
from nb2pkg.plan.package_plan import PackagePlan
from nb2pkg.roles.vocabulary import keeps_prints

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst


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
    # The cell id, not its number: inserting or moving other cells must not change the code.
    return f"nb2pkg: {Path(notebook).name} [id {cell.cell.cell_id}]"


def statements_to_drop(cell: CellPlan) -> set[int]:
    analysis = cell.parsed.analysis
    drop = set(analysis.import_statements)
    if cell.tagged.role in (Role.FUNCTION, Role.TEST):
        drop.update(analysis.display_statements)
    drop.update(
        index
        for index, kind in analysis.library_statements
        if kind in dropped_kinds(cell.tagged.role, keeps_prints(cell.cell.tags))
    )
    unread = unread_result(cell, drop)
    if unread is not None:
        drop.add(unread)
    return drop


def dropped_kinds(role: Role, keep_prints: bool) -> frozenset[str]:
    """Which statements of nb2pkg.analysis.library_code a cell of ``role`` leaves out.

    A step leaves out all of them (its seeds run in ``run()`` instead); an export or test
    cell keeps its seeds, where they run as the notebook ran them.
    """
    kinds = (
        {"setting", "plot", "print"} if role in (Role.FUNCTION, Role.TEST) else {"setting", "plot"}
    )
    if role is Role.FUNCTION:
        kinds.add("seed")
    if keep_prints or role is Role.EXPORT:
        kinds.discard("print")
    return frozenset(kinds) if role in (Role.FUNCTION, Role.TEST, Role.EXPORT) else frozenset()


def render_modules(plan: PackagePlan) -> list[ModuleText]:
    context = ImportContext(plan.package, frozenset(plan.local_modules))
    results: list[ModuleText] = []
    for module in plan.modules:
        blocks: list[tuple[str, CellPlan | None, str]] = []
        constants: dict[str, str] = {}
        literals: dict[str, str] = {}
        imports: dict[str, ImportBinding] = {}
        notebooks: list[str] = []
        taken = module_level_names(plan, module)
        for notebook_plan in plan.notebooks:
            cells = [c for c in notebook_plan.cells if c.module == module]
            for binding in notebook_plan.imports.get(module, ()):
                imports.setdefault(binding.bound, binding)
            imported = qualified_names(imports.values())
            for star in notebook_plan.star_imports:
                if any(c.tagged.role in (Role.FUNCTION, Role.EXPORT) for c in cells):
                    imports.setdefault(f"*{star.module}", star)
            if any(c.tagged.role in (Role.FUNCTION, Role.EXPORT) for c in cells):
                notebooks.append(notebook_plan.notebook.display_path)
            for name, literal, cell_id in notebook_plan.module_constants.get(module, ()):
                shown = Path(notebook_plan.notebook.display_path).name
                literals.setdefault(name, literal)
                constants.setdefault(
                    name,
                    f"{comment(f'nb2pkg: {shown} [id {cell_id}], parameters')}\n"
                    f"{name} = {literal}\n",
                )
            exported_in = notebook_plan.export_modules
            for cell in cells:
                for name in cell.export_reads:
                    home = exported_in.get(name, module)
                    if home != module:
                        binding = ImportBinding(f"{plan.package}.{home}", name, None, name)
                        imports.setdefault(name, binding)
            replaced = replaced_definitions(cells)
            for cell in cells:
                copied = _copied_defaults(cell, literals)
                if copied:
                    imports.setdefault("deepcopy", DEEPCOPY)
                text = _cell_block(
                    cell,
                    notebook_plan.notebook.display_path,
                    notebook_plan.data_files,
                    replaced.get(cell.cell.cell_id, frozenset()),
                    copied,
                    imported,
                )
                if text is not None:
                    text = with_helpers_beside(text, cell, taken)
                    text = _named_result(text, cell, taken, imports)
                    blocks.append((text, cell, notebook_plan.notebook.display_path))
        if constants:
            blocks.insert(0, ("".join(constants.values()), None, ""))
        header_imports = render_imports(imports.values(), context)
        results.append(_assemble(module, notebooks, header_imports, blocks, plan.package))
    return results


DEEPCOPY = ImportBinding("copy", "deepcopy", None, "deepcopy")


def _named_result(
    text: str, cell: CellPlan, taken: set[str] | None, imports: dict[str, ImportBinding]
) -> str:
    """The step's block returning a named result when it has more than three outputs."""
    step = cell.step
    if step is None or not uses_named_result(step.name, step.returns, taken, imports):
        return text
    named = with_named_result(text, step.name, step.returns)
    if named is not text:
        assert taken is not None
        taken.add(result_class_name(step.name))
        for name, binding in TYPING_NAMES.items():
            imports.setdefault(name, binding)
    return named


def _copied_defaults(cell: CellPlan, literals: Mapping[str, str]) -> dict[str, str]:
    """The step's parameters whose default each call deep-copies from a module constant
    (nb2pkg.plan.default_constants), by name. None when the cell uses the name ``deepcopy``
    itself: the guard would then call the user's object."""
    step = cell.step
    if step is None or "deepcopy" in cell.cell.source:
        return {}
    return {
        param.name: constant_name(param.name)
        for param in step.params
        if needs_constant(param.name, param.default)
        and literals.get(constant_name(param.name)) == param.default
    }


def replaced_definitions(cells: list[CellPlan]) -> dict[str, frozenset[str]]:
    """Per export cell: the functions and classes it defines that a later export cell of the
    module defines again, with nothing at module level reading them in between. The module
    keeps the last definition only: every call in the package runs after the module is
    imported, so the earlier one would never be called (ruff's F811)."""
    exports = [c for c in cells if c.tagged.role is Role.EXPORT and c.parsed.parses]
    replaced: dict[str, frozenset[str]] = {}
    for position, cell in enumerate(exports):
        names: set[str] = set()
        for name in cell.parsed.analysis.defines:
            for later in exports[position + 1 :]:
                if name in later.parsed.analysis.defines:
                    names.add(name)
                    break
                if name in later.parsed.analysis.reads:
                    break
        if names:
            replaced[cell.cell.cell_id] = frozenset(names)
    return replaced


def export_statements(
    cell: CellPlan,
    replaced: frozenset[str] = frozenset(),
    imported: Mapping[str, str] | None = None,
) -> list[cst.SimpleStatementLine | cst.BaseCompoundStatement]:
    """The statements an export cell puts in its module: all but hoisted imports, settings
    and plots, and the definitions in ``replaced`` (see replaced_definitions). The functions
    it defines lose their unused values and casts that do nothing, as a step does
    (nb2pkg.emit.functions.without_unused_values, nb2pkg.emit.int_casts: ``imported``, what
    each name the module imports stands for); its statements at module level stay as written."""
    tree = cell.parsed.module
    assert tree is not None
    drop = statements_to_drop(cell)
    kept = [s for i, s in enumerate(tree.body) if i not in drop and _defines(s) not in replaced]
    if not any(isinstance(s, cst.FunctionDef | cst.ClassDef) for s in kept):
        return kept
    from nb2pkg.emit.int_casts import without_int_casts  # libcst transformers
    from nb2pkg.emit.unused_values import without_unused_values

    module = without_int_casts(cst.Module(body=kept), imported or {})
    return list(without_unused_values(module, step=False).body)


def _defines(statement: cst.BaseStatement) -> str | None:
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        return statement.name.value
    return None


def _cell_block(
    cell: CellPlan,
    notebook: str,
    data_files: Mapping[str, str],
    replaced: frozenset[str] = frozenset(),
    copied_defaults: Mapping[str, str] | None = None,
    imported: Mapping[str, str] | None = None,
) -> str | None:
    if cell.step is None and cell.tagged.role is not Role.EXPORT:
        return None  # nothing to emit: its libcst tree is not even parsed
    if not cell.parsed.parses:
        return None
    if cell.step is not None:
        return _step_block(cell, notebook, data_files, copied_defaults, imported)
    if cell.parsed.module is None:
        return None
    if cell.tagged.role is Role.EXPORT:
        body = export_statements(cell, replaced, imported)
        if not body:
            return None
        code = cst.Module(body=body).code.strip("\n")
        return f"{comment(provenance(notebook, cell))}\n{code}\n"
    return None


def _step_block(
    cell: CellPlan,
    notebook: str,
    data_files: Mapping[str, str],
    copied_defaults: Mapping[str, str] | None,
    imported: Mapping[str, str] | None,
) -> str | None:
    """The step function of a function cell: cut from its lines when the emitter does not
    rewrite it, else through libcst."""
    assert cell.step is not None
    step = cell.step
    drop = statements_to_drop(cell)
    drop_prints = "print" in dropped_kinds(Role.FUNCTION, keeps_prints(cell.cell.tags))
    replacements = {v: n for v, n in data_files.items() if any(p.name == n for p in step.params)}
    options = StepOptions(
        params=step.params,
        returns=step.returns,
        drop=frozenset(drop),
        docstring=step.docstring,
        provenance=provenance(notebook, cell),
        result=step.result_statement,
        drop_prints=drop_prints,
        drop_plots=True,
        default_constants=copied_defaults or {},
        imported=imported or {},
    )
    if not replacements and not (cell.mlflow_calls and cell.tagged.role is Role.FUNCTION):
        # a cell the emitter does not rewrite: its lines, without a libcst round trip
        sliced = sliced_function_source(step.name, cell.parsed.analysis.python_source, options)
        if sliced is not None:
            return sliced
    if cell.parsed.module is None:
        return None
    from nb2pkg.emit.mlflow_rewrite import mlflow_rewrite  # a libcst transformer

    return function_source(
        step.name,
        cell.parsed.module,
        options,
        rewrite=mlflow_rewrite(cell),
        replacements=replacements,
    )


def _natural_member_order(name: str) -> tuple[int, list[tuple[int, str]]]:
    """The order ruff wants ``__all__`` in (RUF022): CONSTANTS, Classes, the rest, each in
    natural order (``step_2`` before ``step_10``)."""
    kind = member_order(name)[0]
    parts = re.findall(r"\d+|\D+", name)
    return kind, [(0, p.zfill(12)) if p.isdigit() else (1, p) for p in parts]


def module_docstring(notebooks: list[str]) -> str:
    """The docstring of the module holding the code of these notebooks."""
    sources = ", ".join(Path(n).name for n in notebooks) or "notebooks"
    return (
        f"Code of {sources}, as packaged by nb2pkg.\n\n"
        "Generated file: edit the notebook, then run `nb2pkg build`."
    )


def _assemble(
    module: str,
    notebooks: list[str],
    imports: str,
    blocks: list[tuple[str, CellPlan | None, str]],
    package: str,
) -> ModuleText:
    header = docstring(module_docstring(notebooks)) + "\n"
    public: list[str] = []
    for _, cell, _ in blocks:
        if cell is not None and cell.step is not None:
            public.append(cell.step.name)
        elif cell is not None:
            public.extend(n for n in cell.parsed.analysis.defines if not n.startswith("_"))
    parts = [header]
    if imports:
        parts.append("\n" + imports)
    listed = sorted(dict.fromkeys(public), key=_natural_member_order)
    all_names = "".join(f'    "{name}",\n' for name in listed)
    parts.append(f"\n__all__ = [\n{all_names}]\n" if public else "\n__all__: list[str] = []\n")
    # One formatter run for the header and every block; blocks are formatted one by one,
    # which keeps the source map exact.
    kinds: list[Kind] = [
        "generated" if cell is not None and cell.step is not None else "as_written"
        for _, cell, _ in blocks
    ]
    head, *texts = formatted_all(
        ["".join(parts), *(text for text, _, _ in blocks)], ["generated", *kinds], (package,)
    )
    # Imports the steps no longer use once prints and plots are gone leave the header.
    head = header_without_unused_imports(head, "".join(f"\n\n{text}" for text in texts), (package,))
    # Style findings only the whole module shows (what a header import binds) are marked.
    head, *texts = with_module_noqa([head, *texts], (package,))
    hashes: dict[str, str] = {}
    pieces = [head]
    line = head.count("\n")
    spans: list[Span] = []
    for text, (_, cell, notebook) in zip(texts, blocks, strict=True):
        if cell is not None and cell.step is not None:
            hashes[cell.step.name] = hashlib.sha256(text.encode()).hexdigest()
        pieces += ["\n\n", text]
        start = line + 3
        line += 2 + text.count("\n")
        if cell is not None:
            spans.append(Span(start, line, notebook, cell.cell.cell_id, cell.cell.number))
    content = "".join(pieces)
    return ModuleText(module, content, tuple(spans), tuple(public), hashes)
