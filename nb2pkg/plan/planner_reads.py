"""Where each name a packaged cell reads comes from, and what a cell defines for later ones."""

from __future__ import annotations

import ast
import builtins
import functools
import re
from pathlib import Path

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.ir import (
    ImportBinding,
    Location,
    ParamPlan,
    ParamSource,
    Role,
    RunParam,
    Severity,
    TaggedCell,
)
from nb2pkg.plan.cell_plans import IPYTHON_BUILTINS, PACKAGED, Definition
from nb2pkg.plan.default_constants import constant_name, needs_constant
from nb2pkg.plan.parameter_comments import trailing_comments
from nb2pkg.plan.planner_state import PlannerState
from nb2pkg.plan.saved_figure_files import logged_figure_paths
from nb2pkg.roles.vocabulary import keeps_prints


class PlannerReads(PlannerState):
    def _resolve_reads(
        self, item: TaggedCell, parsed: ParsedCell
    ) -> tuple[list[ParamPlan], list[str]]:
        """The cell's inputs, and the module-level names (exports) it uses."""
        analysis = parsed.analysis
        params: list[ParamPlan] = []
        module_names: list[str] = []
        own_imports = {b.bound for b in analysis.imports}
        drops_prints = item.role is Role.FUNCTION and not keeps_prints(item.cell.tags)
        for name in analysis.reads:
            if name in own_imports:
                continue  # the cell imports it itself (hoisted to the module's top)
            if drops_prints and name in analysis.print_reads:
                continue  # only prints read it, and the step drops its prints
            line = analysis.first_line_of.get(name)
            definition = self.latest.get(name)
            if definition is None:
                param = self._read_of_no_cell(item, name, line)
            elif definition.kind == "export":
                module_names.append(name)
                continue
            else:
                param = self._read_of_cell(item, name, definition, line)
            if param is not None:
                params.append(param)
        self._check_def_globals(item, parsed)
        if item.role is Role.FUNCTION:
            logged = logged_figure_paths(parsed)  # figures drawn apart, not written
            literals = tuple(f for f in analysis.file_literals if f[0] not in logged)
            params.extend(self._data_file_params(item, literals))
        return params, module_names

    def _read_of_no_cell(self, item: TaggedCell, name: str, line: int | None) -> ParamPlan | None:
        """A name no earlier cell defines: a builtin, an import, or a required run() input."""
        if hasattr(builtins, name) or name in IPYTHON_BUILTINS:
            return None
        if name in self.imported_anywhere:
            # Imports are hoisted to the module top wherever the notebook wrote them.
            self.import_latest.setdefault(name, self.imported_anywhere[name])
            return None
        if self.star_imported_anywhere:
            return None  # NB306 says so: a star import is assumed to provide it
        self._undefined(item, name, line)
        if item.role is Role.EXPORT:
            # Copied into the module as written: its defs read the name when called, as in
            # the notebook; run() has nothing to pass it to.
            return None
        self._add_run_input(name, f"needed by cell {item.cell.number}, defined by no cell")
        return ParamPlan(name, ParamSource.INPUT)

    def _read_of_cell(
        self, item: TaggedCell, name: str, definition: Definition, line: int | None
    ) -> ParamPlan | None:
        """A name an earlier cell defines (not an export): the parameter it becomes, if any."""
        if definition.kind == "import":
            return None
        if definition.kind == "drawn":
            self._report(
                item,
                "NB318",
                Severity.ERROR,
                f"`{name}` is made by the plots of cell {definition.cell_number}, which the "
                "package draws apart from its steps (a figure logged by a tracked run): no step "
                f"gives `{name}` to this cell",
                f"use the figure in the cell that makes it (e.g. call `{name}.savefig(...)` "
                f"there), or make it again here",
                line,
            )
            return None
        if item.role is Role.EXPORT and definition.kind == "parameter":
            self._add_module_constant(item, name, definition, line)
            return None
        if item.role in (Role.EXPORT, Role.PARAMETERS):
            self._report(
                item,
                "NB304",
                Severity.WARNING,
                f"this {item.role.value} cell reads `{name}`, which cell "
                f"{definition.cell_number} computes; the module has no such global",
                "pass it in as an argument, or make this cell a function:NAME cell",
                line,
            )
            return None
        self.consumed.add((definition.cell_id, name))
        if definition.kind == "step":
            return ParamPlan(name, ParamSource.STEP, producer=definition.producer)
        if definition.kind == "parameter":
            default = definition.default
            if item.role is Role.FUNCTION and needs_constant(name, default):
                self._add_default_constant(item, name, definition)
            return ParamPlan(name, ParamSource.PARAMETER, default, annotation(default))
        self._add_run_input(name, f"defined only by unmarked cell {definition.cell_number}")
        if name not in self.inputs_warned:
            self.inputs_warned.add(name)
            self._report(
                item,
                "NB302",
                Severity.WARNING,
                f"`{name}` is defined only by unmarked cell {definition.cell_number}; "
                "it becomes a required argument of run()",
                f"mark cell {definition.cell_number} as a function (function:NAME) "
                "or as `parameters` to package it",
                line,
            )
        return ParamPlan(name, ParamSource.INPUT)

    def _check_def_globals(self, item: TaggedCell, parsed: ParsedCell) -> None:
        """NB304 for each notebook global a ``def`` of the cell reads."""
        analysis = parsed.analysis
        for owner, name in analysis.def_globals:
            definition = self.latest.get(name)
            if definition is None or definition.kind in ("import", "export"):
                continue
            if item.role is Role.EXPORT and definition.kind == "parameter":
                continue  # the module defines it (NB304 said so above)
            action = (
                f"the package passes `{name}` into `{item.name}` as a parameter"
                if item.role is Role.FUNCTION
                else f"`{name}` is not defined at module level in the package"
            )
            self._report(
                item,
                "NB304",
                Severity.WARNING,
                f"`{owner}` reads the notebook global `{name}`: {action}",
                f"give `{owner}` a parameter `{name}` so it does not depend on notebook state",
                analysis.def_global_lines.get((owner, name)) or analysis.first_line_of.get(name),
            )

    def _record_drawn(self, item: TaggedCell, names: tuple[str, ...]) -> None:
        """The names a function cell's plots assign: drawn apart from its step (NB318)."""
        if item.role is Role.FUNCTION:
            for name in names:
                self.latest[name] = Definition.of("drawn", item)

    def _record_definitions(self, item: TaggedCell, parsed: ParsedCell) -> None:
        analysis = parsed.analysis
        for binding in analysis.imports:
            self.latest[binding.bound] = Definition.of("import", item, binding=binding)
            self.import_latest[binding.bound] = binding
        self._record_drawn(item, analysis.drawn_binds)
        for module, line in analysis.star_imports:
            star = ImportBinding(module, "*", None, "*")
            if all(s.module != module for s in self.star_imports):
                self.star_imports.append(star)
            if item.role in PACKAGED or item.role is Role.EXPLORATION:
                self._report(
                    item,
                    "NB306",
                    Severity.WARNING,
                    f"star import `from {module} import *`: the package keeps it and assumes it "
                    "provides every name no cell defines",
                    f"import the names you use explicitly: from {module} import a, b",
                    line,
                )
        kind = {
            Role.FUNCTION: "step",
            Role.EXPORT: "export",
            Role.EXPLORATION: "input",
        }.get(item.role)
        if item.role is Role.PARAMETERS:
            literals = dict(analysis.literal_assignments)
            comments = trailing_comments(item.cell.source)
            for name, written in analysis.literal_assignments:
                default = _one_line_default(written)
                self.latest[name] = Definition.of("parameter", item, default=default)
                self.params[name] = RunParam(
                    name,
                    default,
                    annotation(default) or "object",
                    comments.get(name, "pipeline parameter"),
                )
            for name, line in analysis.non_literal_assignments:
                if name in literals:
                    continue
                self._report(
                    item,
                    "NB204",
                    Severity.ERROR,
                    f"parameter `{name}` is not assigned a literal value",
                    "a parameters cell holds literals only (numbers, strings, lists, dicts...); "
                    "compute derived values in a function cell",
                    line,
                )
            return
        if kind is None:
            return
        if kind == "step":
            # A step that changes an input in place returns it: later cells read it from there.
            for name in analysis.mutations:
                earlier = self.latest.get(name)
                if earlier is not None and earlier.kind in ("step", "parameter", "input"):
                    self.latest[name] = Definition.of(kind, item)
        for name in analysis.binds:
            self.latest[name] = Definition.of(kind, item)

    def _data_file_params(
        self, item: TaggedCell, literals: tuple[tuple[str, int], ...]
    ) -> list[ParamPlan]:
        found: list[ParamPlan] = []
        if not literals:
            return found
        folder = Path(self.notebook.path).parent
        for value, _line in literals:
            if not self.files.is_file(folder / value):
                continue
            if self.read_scope is not None and not self.read_scope.allows(folder / value):
                self._refuse_data_file(item, folder / value)
                continue
            name = self.data_files.get(value)
            if name is None:
                stem = re.sub(r"\W+", "_", Path(value).stem).strip("_").lower() or "data"
                name = f"{stem}_path" if not stem[0].isdigit() else f"file_{stem}_path"
                while name in self.params and self.params[name].default != repr(value):
                    name = f"{name}_"
                self.data_files[value] = name
                self.params[name] = RunParam(
                    name, repr(value), "str", "data file the notebook reads"
                )
            if all(p.name != name for p in found):
                found.append(ParamPlan(name, ParamSource.DATA_FILE, repr(value), "str"))
        return found

    def _refuse_data_file(self, item: TaggedCell, path: Path) -> None:
        assert self.read_scope is not None
        if path in self.refused_files:
            return
        self.refused_files.add(path)
        self.diagnostics.append(
            self.read_scope.refusal(
                path,
                "data file",
                Location(self.notebook.display_path, item.cell.number, item.cell.cell_id),
                severity=Severity.WARNING,
                consequence="it is not made a run() parameter and nb2pkg does not read it",
            )
        )

    def _undefined(self, item: TaggedCell, name: str, line: int | None) -> None:
        later = name in self._names_defined_after(item)
        message = (
            f"`{name}` is read here but only defined by a later cell"
            if later
            else f"`{name}` is read here but no cell defines it"
        )
        hint = (
            "move the defining cell above this one (the package follows document order)"
            if later
            else "define it in an earlier cell or the parameters cell; "
            "meanwhile it becomes a required argument of run()"
        )
        self._report(item, "NB303", Severity.WARNING, message, hint, line)

    def _add_default_constant(self, item: TaggedCell, name: str, definition: Definition) -> None:
        """A step's mutable default too long for its guard: the module holds it as a constant
        (nb2pkg.plan.default_constants), the first one of that name only."""
        constants = self.module_constants.setdefault(item.module or self.module, {})
        assert definition.default is not None
        constants.setdefault(constant_name(name), (definition.default, definition.cell_id))

    def _add_module_constant(
        self, item: TaggedCell, name: str, definition: Definition, line: int | None
    ) -> None:
        """An ``export`` cell reads a parameter: its module defines the parameter's value."""
        module = item.module or self.module
        constants = self.module_constants.setdefault(module, {})
        if name in constants:
            return
        assert definition.default is not None
        constants[name] = (definition.default, definition.cell_id)
        self._report(
            item,
            "NB304",
            Severity.WARNING,
            f"this export cell reads the parameter `{name}`: module `{module}` defines "
            f"`{name} = {definition.default}` (the parameters cell's value), which run()'s "
            f"`{name}` argument does not change",
            f"give the function a parameter `{name}` and pass it from a function cell, so "
            "run() can change it",
            line,
        )


@functools.lru_cache(maxsize=4096)
def annotation(default: str | None) -> str | None:
    if default is None:
        return None

    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return None
    for kind in (bool, int, float, str):
        if type(value) is kind:
            return kind.__name__
    name = type(value).__name__
    # Only a builtin type names itself in code (not NoneType, not ellipsis).
    return name if getattr(builtins, name, None) is type(value) else None


def _one_line_default(text: str) -> str:
    """A parameter's literal as one self-contained expression, wherever it is placed in code.

    ``1, 2`` becomes ``(1, 2)``; a literal written over several lines or with a comment is
    rewritten on one line. Other literals keep the notebook's spelling.
    """

    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    bare_tuple = isinstance(tree.body, ast.Tuple) and not text.lstrip().startswith("(")
    if bare_tuple or "\n" in text or "#" in text:
        return ast.unparse(tree)
    return text
