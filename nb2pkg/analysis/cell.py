"""Per-cell analysis: one cell's source → its ``CellAnalysis``, cached by source.

The result depends on nothing but the source text, so re-analysing a notebook after one edit
re-parses only the edited cell; every other cell is a dictionary hit.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, replace

import libcst as cst
from libcst.metadata import MetadataWrapper

from nb2pkg.analysis.display import is_display_only
from nb2pkg.analysis.effects import file_writes, global_state_changes
from nb2pkg.analysis.library_code import classify
from nb2pkg.analysis.names import NameFlowVisitor, dotted_name
from nb2pkg.magics import to_python
from nb2pkg.model import CellAnalysis, ImportBinding, Severity

_FILE_PATH = re.compile(r"^(?![a-z]+://)[\w.\-~/]+\.[A-Za-z][A-Za-z0-9]{0,7}$")


@dataclass(frozen=True)
class CellProblem:
    """A problem found in one cell, located within it; the caller adds the notebook and cell."""

    code: str
    severity: Severity
    message: str
    line: int
    col: int | None
    hint: str
    packaged_only: bool = True
    """Reported only when the cell goes into the package."""


@dataclass(frozen=True)
class ParsedCell:
    module: cst.Module | None
    analysis: CellAnalysis
    problems: tuple[CellProblem, ...]


EMPTY = CellAnalysis(
    python_source="",
    reads=(),
    binds=(),
    last_assignment_binds=(),
    imports=(),
    mutations=(),
)


@functools.lru_cache(maxsize=16384)
def analyze_cell(source: str) -> ParsedCell:
    """Analyse one cell. Never raises: a syntax error becomes a problem and an empty analysis."""
    python = to_python(source)
    problems = [
        _magic_problem(use.kind, use.name, use.action, use.text, use.line)
        for use in python.magics
        if use.action in ("dropped", "unsupported")
    ]
    try:
        tree = ast.parse(python.source)
        module = cst.parse_module(python.source)
    except SyntaxError as exc:
        line = (exc.lineno or 1) + python.line_offset
        problems.append(
            CellProblem(
                "NB201",
                Severity.ERROR,
                f"syntax error: {exc.msg}",
                line,
                exc.offset,
                "fix the code in this cell (it would not run in the notebook either)",
            )
        )
        return ParsedCell(None, _empty(python.source, python.line_offset), tuple(problems))
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a "\ud800" JSON escape
        line = python.source.count("\n", 0, exc.start) + 1 + python.line_offset
        problems.append(
            CellProblem(
                "NB201",
                Severity.ERROR,
                "the cell contains a character that is not valid Unicode",
                line,
                None,
                "retype the line; the notebook file holds a broken character escape",
            )
        )
        return ParsedCell(None, _empty(python.source, python.line_offset), tuple(problems))
    except (RecursionError, MemoryError):
        problems.append(
            CellProblem(
                "NB201",
                Severity.ERROR,
                "the code is nested too deeply to parse",
                1 + python.line_offset,
                None,
                "split the expression into several statements with intermediate names",
            )
        )
        return ParsedCell(None, _empty(python.source, python.line_offset), tuple(problems))
    except cst.ParserSyntaxError as exc:
        line = exc.raw_line + python.line_offset
        problems.append(
            CellProblem(
                "NB201",
                Severity.ERROR,
                f"cannot parse: {exc.message}",
                line,
                exc.raw_column + 1,
                "rewrite this line with syntax Python 3.10 accepts",
            )
        )
        return ParsedCell(None, _empty(python.source, python.line_offset), tuple(problems))
    analysis, more = _analyze_module(module, python.source, python.line_offset)
    analysis = _with_magics(analysis, python.magics, python.pip_requirements)
    offset = python.line_offset
    analysis = replace(
        analysis,
        file_writes=tuple((c, line + offset, p) for c, line, p in file_writes(tree)),
        global_state=tuple((w, line + offset) for w, line in global_state_changes(tree)),
    )
    return ParsedCell(module, analysis, tuple(problems + more))


def _analyze_module(
    module: cst.Module, source: str, offset: int
) -> tuple[CellAnalysis, list[CellProblem]]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    visitor = NameFlowVisitor()
    imports: list[ImportBinding] = []
    import_statements: list[int] = []
    display_statements: list[int] = []
    star_imports: list[tuple[str, int]] = []
    last_assignment: tuple[str, ...] = ()
    literals: list[tuple[str, str]] = []
    non_literals: list[tuple[str, int]] = []
    defines: list[str] = []
    file_literals: list[tuple[str, int]] = []
    kinds = classify([_single_statement(module.code_for_node(s)) for s in module.body])
    library: list[tuple[int, str]] = []
    seed_calls: list[str] = []
    seed_uses: set[str] = set()
    with visitor.resolve(wrapper):
        for index, statement in enumerate(module.body):
            line = visitor.line(statement) + offset
            hoisted = _hoistable_imports(statement)
            if hoisted is not None:
                import_statements.append(index)
                for binding in hoisted:
                    if binding.name == "*":
                        star_imports.append((binding.module, line))
                    else:
                        imports.append(binding)
                continue
            if is_display_only(statement) and kinds[index] != "print":
                # Dropped from functions and tests: what it reads is no input, nor an import use.
                display_statements.append(index)
                continue
            kind = kinds[index]
            if kind is not None:
                # Settings, seeds, plots and prints leave the step (nb2pkg.analysis.library_code):
                # what they read is no input of it.
                library.append((index, kind))
                if kind == "seed":
                    seed_calls.append(module.code_for_node(statement).strip())
                    seed_uses.update(
                        n.id
                        for n in ast.walk(_single_statement(module.code_for_node(statement)))
                        if isinstance(n, ast.Name)
                    )
                if kind != "print":
                    continue
            bound_before = len(visitor.binds)
            statement.visit(visitor)
            # binds only grows, each name once: the names this statement bound first are its tail
            new = tuple(visitor.binds[bound_before:])
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                defines.append(statement.name.value)
            assignment = _assignment(statement)
            if assignment is not None:
                last_assignment = tuple(_assigned_names(assignment)) or new or last_assignment
                _classify_literal(module, assignment, line, literals, non_literals)
            elif new and not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                non_literals.extend((name, line) for name in new)
        file_literals = _file_literals(module, visitor, offset)
    binds = tuple(visitor.binds)
    bound_anywhere = set(binds) | {i.bound for i in imports}
    reads = dict(visitor.reads)
    def_globals: list[tuple[str, str]] = []
    for owner, name, line in visitor.def_globals:
        if name in bound_anywhere or name == owner:
            continue
        def_globals.append((owner, name))
        reads.setdefault(name, line)
    mutations = tuple(name for name in visitor.mutations if name in reads)
    analysis = CellAnalysis(
        python_source=source,
        reads=tuple(reads),
        binds=binds,
        last_assignment_binds=last_assignment,
        imports=tuple(imports),
        mutations=mutations,
        def_globals=tuple(def_globals),
        global_statements=tuple((n, line + offset) for n, line in visitor.global_statements),
        star_imports=tuple(star_imports),
        has_assert=visitor.has_assert,
        has_call=visitor.has_call,
        literal_assignments=tuple(literals),
        non_literal_assignments=tuple(non_literals),
        file_literals=tuple(file_literals),
        first_line_of={name: line + offset for name, line in reads.items()},
        defines=tuple(defines),
        import_statements=tuple(import_statements),
        display_statements=tuple(display_statements),
        library_statements=tuple(library),
        seed_calls=tuple(seed_calls),
        seed_uses=frozenset(seed_uses),
        uses=frozenset(visitor.uses),
        line_offset=offset,
        value_binds=tuple(visitor.value_binds),
    )
    return analysis, []


def _single_statement(code: str) -> ast.stmt:
    """The ``ast`` of a top-level statement's code (``a; b`` on one line counts as work)."""
    try:
        body = ast.parse(code).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        body = []
    return body[0] if len(body) == 1 else ast.Pass()


def _hoistable_imports(statement: cst.BaseStatement) -> list[ImportBinding] | None:
    """The bindings of a top-level import line, or None if the line is not only imports."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    bindings: list[ImportBinding] = []
    for small in statement.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                module = dotted_name(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    bindings.append(
                        ImportBinding(
                            module, None, alias.asname.name.value, alias.asname.name.value
                        )
                    )
                else:
                    bindings.append(ImportBinding(module, None, None, module.split(".")[0]))
        elif isinstance(small, cst.ImportFrom):
            module = dotted_name(small.module) if small.module is not None else ""
            level = len(small.relative)
            if isinstance(small.names, cst.ImportStar):
                bindings.append(ImportBinding(module, "*", None, "*", level))
                continue
            for alias in small.names:
                name = dotted_name(alias.name)
                asname = (
                    alias.asname.name.value
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                    else None
                )
                bindings.append(ImportBinding(module, name, asname, asname or name, level))
        else:
            return None
    return bindings


def _assignment(statement: cst.BaseStatement) -> cst.BaseSmallStatement | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, (cst.Assign, cst.AugAssign)) or (
            isinstance(small, cst.AnnAssign) and small.value is not None
        ):
            return small
    return None


def _assigned_names(small: cst.BaseSmallStatement) -> list[str]:
    from nb2pkg.analysis.names import target_names

    if isinstance(small, cst.Assign):
        return [n for t in small.targets for n in target_names(t.target)]
    if isinstance(small, (cst.AugAssign, cst.AnnAssign)):
        return target_names(small.target)
    return []


def _classify_literal(
    module: cst.Module,
    small: cst.BaseSmallStatement,
    line: int,
    literals: list[tuple[str, str]],
    non_literals: list[tuple[str, int]],
) -> None:
    names = _assigned_names(small)
    value = getattr(small, "value", None)
    single = len(names) == 1 and not isinstance(small, cst.AugAssign)
    if single and value is not None:
        text = module.code_for_node(value)
        try:
            ast.literal_eval(text.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            non_literals.append((names[0], line))
        else:
            literals.append((names[0], text.strip()))
    else:
        non_literals.extend((name, line) for name in names)


def _file_literals(
    module: cst.Module, visitor: NameFlowVisitor, offset: int
) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []

    class _Strings(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            value = node.evaluated_value
            if isinstance(value, str) and _FILE_PATH.match(value):
                found.append((value, visitor.line(node) + offset))

    module.visit(_Strings())
    return found


def _with_magics(
    analysis: CellAnalysis, magics: tuple[object, ...], requirements: tuple[str, ...]
) -> CellAnalysis:
    from dataclasses import replace

    from nb2pkg.model import MagicUse

    uses = tuple(m for m in magics if isinstance(m, MagicUse))
    return replace(analysis, magics=uses, pip_requirements=requirements)


def _empty(source: str, offset: int) -> CellAnalysis:
    from dataclasses import replace

    return replace(EMPTY, python_source=source, line_offset=offset)


def _magic_problem(kind: str, name: str, action: str, text: str, line: int) -> CellProblem:
    if action == "unsupported":
        if kind == "cell-magic":
            return CellProblem(
                "NB202",
                Severity.ERROR,
                f"cell magic `%%{name}` cannot go into a Python package",
                line,
                1,
                "remove the tag from this cell, or rewrite it in Python "
                "(only %%time, %%capture and %%prun are unwrapped; %%timeit is dropped)",
            )
        return CellProblem(
            "NB202",
            Severity.ERROR,
            f"`{text}` uses IPython to compute a value",
            line,
            1,
            "use the subprocess module (or plain Python) so the package can run it",
        )
    what = {
        "shell": "shell command",
        "help": "help request",
        "line-magic": "line magic",
        "pip": "package install",
        "cell-magic": "cell magic",
    }.get(kind, kind)
    return CellProblem(
        "NB203",
        Severity.WARNING,
        f"{what} `{text}` is dropped from the package",
        line,
        1,
        "it only matters in the notebook; nothing to do unless the package needs it",
    )
