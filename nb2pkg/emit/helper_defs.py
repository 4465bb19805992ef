"""Helper functions a cell defines for its own use move out of the step, beside it.

A cell that defines ``def age_band(age): ...`` and calls it becomes a step holding that
definition; a hand port would define the helper at module level, above the step, where it can
be read, tested and imported on its own. A top-level ``def`` of the step moves there when that
keeps what every name means:

* it reads none of the step's own variables or parameters (its free variables, as Python's
  symbol table gives them, are only other helpers that move too, itself included), nor do its
  decorators, default values and annotations, which run where it is defined;
* the step binds its name once, by that ``def``, and does not return it (a later step reads
  it: it is a value of the pipeline, not a helper);
* the name is free at module level: no other name there (import, constant, step, exported
  definition, an earlier helper), no builtin (the module's other code would see it instead),
  and no star import in the module (which might bind it).

Anything else stays nested, as written; so do the helpers of a step that would be left
doing nothing (a cell that only defines functions). Only the definition moves; its body, comments and
the step's calls to it are unchanged. Each moved helper carries the cell's provenance comment
(``# nb2pkg: NOTEBOOK [id CELL]``), as the step below it does.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from collections.abc import Iterator, Set
from typing import TYPE_CHECKING

from nb2pkg.ir import Role
from nb2pkg.plan.notebook_plan import CellPlan
from nb2pkg.plan.package_plan import PackagePlan

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

_BUILTINS = frozenset(dir(builtins))
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def with_helpers_beside(text: str, cell: CellPlan, taken: set[str] | None) -> str:
    """The block of ``cell`` (a step: else ``text`` as it is), the helpers it may lose
    above it; ``taken``: the module's names (``module_level_names``), updated."""
    if cell.step is None or taken is None or not cell.parsed.analysis.defines:
        return text
    defines = frozenset(cell.parsed.analysis.defines)
    text, helpers = hoisted_helpers(text, defines, taken, frozenset(cell.step.returns))
    taken.update(helpers)
    return text


def module_level_names(plan: PackagePlan, module: str) -> set[str] | None:
    """Every name the module binds at its top level (imports, constants, steps, exported
    definitions), which a helper moved out of its step must not take; None when a star
    import may bind any name."""
    names = {"deepcopy", "__all__"}
    for notebook_plan in plan.notebooks:
        cells = [c for c in notebook_plan.cells if c.module == module]
        if not cells:
            continue
        if notebook_plan.star_imports:
            return None
        names.update(b.bound for b in notebook_plan.imports.get(module, ()))
        names.update(name for name, _, _ in notebook_plan.module_constants.get(module, ()))
        names.update(notebook_plan.export_modules)
        for cell in cells:
            names.update(cell.export_reads)
            if cell.step is not None:
                names.add(cell.step.name)
            elif cell.tagged.role is Role.EXPORT:
                names.update(cell.parsed.analysis.defines)
                names.update(cell.parsed.analysis.binds)
    return names


def hoisted_helpers(
    text: str, defines: Set[str], taken: Set[str], returns: Set[str]
) -> tuple[str, list[str]]:
    """``text`` (one step function, its comments above it) with the helpers it may lose
    defined above it; and their names, in order (none: ``text`` as it is). ``defines``: the
    functions the cell defines at its top level (one renamed in the step stays there)."""
    if "    def " not in text:
        return text, []  # no nested definition (the common case): nothing parsed
    tree = ast.parse(text)
    if len(tree.body) != 1 or not isinstance(tree.body[0], _DEFINITIONS):
        return text, []
    step = tree.body[0]
    names = _movable(step, text, taken, returns) & set(defines)
    if not names or not _work_left(step, names):
        return text, []
    module = cst.parse_module(text)
    definition = module.body[0]
    assert isinstance(definition, cst.FunctionDef)
    assert isinstance(definition.body, cst.IndentedBlock)
    # The cell's provenance comment (libcst: the module's header) stands above each helper
    # as above the step: each says which cell it came from.
    above = [*module.header, *definition.leading_lines]
    helpers: list[cst.FunctionDef] = []
    body: list[cst.BaseStatement] = []
    for statement in definition.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value in names:
            comments = [line for line in statement.leading_lines if line.comment is not None]
            helpers.append(statement.with_changes(leading_lines=[*above, *comments]))
        else:
            body.append(statement)
    kept = definition.with_changes(
        leading_lines=above, body=definition.body.with_changes(body=body)
    )
    moved = module.with_changes(header=[], body=[*helpers, kept])
    return moved.code, [helper.name.value for helper in helpers]


def _work_left(step: ast.FunctionDef | ast.AsyncFunctionDef, moved: set[str]) -> bool:
    """Whether the step still does something once ``moved`` are out of it: a cell that only
    defines its helpers keeps them (an empty step would be left, computing nothing)."""
    for statement in step.body:
        if isinstance(statement, ast.FunctionDef) and statement.name in moved:
            continue
        if isinstance(statement, ast.Pass) or (
            isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        ):
            continue  # the docstring
        return True
    return False


def _movable(
    step: ast.FunctionDef | ast.AsyncFunctionDef, text: str, taken: Set[str], returns: Set[str]
) -> set[str]:
    candidates = {
        statement.name: statement
        for statement in step.body
        if isinstance(statement, ast.FunctionDef)
        and statement.name not in taken
        and statement.name not in _BUILTINS
        and statement.name not in returns
        and statement.name != step.name
    }
    if not candidates:
        return set()
    bindings = list(_own_bindings(step))
    candidates = {n: d for n, d in candidates.items() if bindings.count(n) == 1}
    if not candidates:
        return set()
    try:
        top = symtable.symtable(text, "<step>", "exec")
    except SyntaxError:
        return set()
    tables = [t for t in top.get_children() if t.get_name() == step.name]
    if len(tables) != 1:
        return set()
    table = tables[0]
    local = {s.get_name() for s in table.get_symbols() if s.is_local() or s.is_parameter()}
    nested: dict[str, list[symtable.SymbolTable]] = {}
    for child in table.get_children():
        nested.setdefault(child.get_name(), []).append(child)
    needs: dict[str, set[str]] = {}
    for name, definition in candidates.items():
        children = nested.get(name, [])
        if len(children) != 1 or not isinstance(children[0], symtable.Function):
            continue
        frees = set(children[0].get_frees())
        at_definition = {
            node.id
            for part in _evaluated_at_definition(definition)
            for node in ast.walk(part)
            if isinstance(node, ast.Name)
        }
        needs[name] = frees | (at_definition & local)
    movable = set(needs)
    while True:
        staying = {name for name in movable if not needs[name] <= movable}
        if not staying:
            return movable
        movable -= staying


def _evaluated_at_definition(definition: ast.FunctionDef) -> Iterator[ast.expr]:
    """The expressions a ``def`` statement runs: decorators, defaults, annotations."""
    yield from definition.decorator_list
    arguments = definition.args
    yield from arguments.defaults
    yield from (d for d in arguments.kw_defaults if d is not None)
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    yield from (a.annotation for a in every if a.annotation is not None)
    if definition.returns is not None:
        yield definition.returns


def _own_bindings(step: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[str]:
    """Each binding of a name in the step's own scope (a name bound twice comes twice)."""
    pending: list[ast.AST] = list(step.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
            pending.extend(node.decorator_list)
            continue  # its body is a scope of its own
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            yield node.id  # an assignment target or `del`
        elif isinstance(node, ast.alias):
            yield (node.asname or node.name).split(".")[0]
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            yield node.name
        elif isinstance(node, ast.Global | ast.Nonlocal):
            yield from node.names
            yield from node.names  # never moved: the name is bound elsewhere
        pending.extend(ast.iter_child_nodes(node))
