"""Per-cell analysis: one cell's source → its ``CellAnalysis``, cached by source.

The result depends on nothing but the source text, so re-analysing a notebook after one edit
re-parses only the edited cell; every other cell is a dictionary hit. The analysis reads the
stdlib ``ast`` of the cell; the cache keeps analyses, never syntax trees: the libcst tree, which
only emitting a cell needs (it keeps the cell's comments and layout), is parsed on first use.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from dataclasses import dataclass, replace

import libcst as cst

from nb2pkg.analysis.display import is_display_statement
from nb2pkg.analysis.effects import file_writes, global_state_changes
from nb2pkg.analysis.library_code import classify
from nb2pkg.analysis.names import NameFlowVisitor, target_names_of
from nb2pkg.ir import CellAnalysis, ImportBinding, Severity
from nb2pkg.notebook.ipython_syntax import to_python

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
    parses: bool
    """The cell is Python that both ``ast`` and libcst parse (``module`` is not None)."""
    analysis: CellAnalysis
    problems: tuple[CellProblem, ...]
    statement_count: int = 0
    """Top-level statements, as libcst counts them (``a = 1; b = 2`` is one)."""

    @property
    def module(self) -> cst.Module | None:
        """The cell's libcst tree, for emitting it; None when the cell does not parse."""
        return cst_module(self.analysis.python_source) if self.parses else None


@functools.lru_cache(maxsize=512)
def cst_module(python_source: str) -> cst.Module:
    """The libcst tree of source that parses; a few hundred recent ones are kept, for emitting."""
    return cst.parse_module(python_source)


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
        return ParsedCell(False, _empty(python.source, python.line_offset), tuple(problems))
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
        return ParsedCell(False, _empty(python.source, python.line_offset), tuple(problems))
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
        return ParsedCell(False, _empty(python.source, python.line_offset), tuple(problems))
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
        return ParsedCell(False, _empty(python.source, python.line_offset), tuple(problems))
    analysis, more = _analyze_module(tree, module, python.source, python.line_offset)
    analysis = _with_magics(analysis, python.magics, python.pip_requirements)
    offset = python.line_offset
    analysis = replace(
        analysis,
        file_writes=tuple((c, line + offset, p) for c, line, p in file_writes(tree)),
        global_state=tuple((w, line + offset) for w, line in global_state_changes(tree)),
    )
    return ParsedCell(True, analysis, tuple(problems + more), len(module.body))


def _analyze_module(
    tree: ast.Module, module: cst.Module, source: str, offset: int
) -> tuple[CellAnalysis, list[CellProblem]]:
    """One walk of the cell's ``ast``; the libcst tree only gives the text of literal values."""
    visitor = NameFlowVisitor()
    imports: list[ImportBinding] = []
    import_statements: list[int] = []
    display_statements: list[int] = []
    star_imports: list[tuple[str, int]] = []
    last_assignment: tuple[str, ...] = ()
    literals: list[tuple[str, str]] = []
    non_literals: list[tuple[str, int]] = []
    defines: list[str] = []
    groups = top_level_statements(tree)
    # ``a; b`` on one line counts as work
    kinds = classify([group[0] if len(group) == 1 else ast.Pass() for group in groups])
    library: list[tuple[int, str]] = []
    seed_calls: list[str] = []
    seed_uses: set[str] = set()
    for index, statements in enumerate(groups):
        first = statements[0]
        line = _first_line(first) + offset
        hoisted = _hoistable_imports(statements)
        if hoisted is not None:
            import_statements.append(index)
            for binding in hoisted:
                if binding.name == "*":
                    star_imports.append((binding.module, line))
                else:
                    imports.append(binding)
            continue
        kind = kinds[index]
        if kind != "print" and all(is_display_statement(s) for s in statements):
            # Dropped from functions and tests: what it reads is no input, nor an import use.
            display_statements.append(index)
            continue
        if kind is not None:
            # Settings, seeds, plots and prints leave the step (nb2pkg.analysis.library_code):
            # what they read is no input of it.
            library.append((index, kind))
            if kind == "seed":
                seed_calls.append((ast.get_source_segment(source, first) or "").strip())
                seed_uses.update(n.id for n in ast.walk(first) if isinstance(n, ast.Name))
            if kind != "print":
                continue
        bound_before = len(visitor.binds)
        visitor.visit_all(statements)
        # binds only grows, each name once: the names this statement bound first are its tail
        new = tuple(visitor.binds[bound_before:])
        is_definition = False
        if isinstance(first, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            is_definition = True
            defines.append(first.name)
        assignment = first if len(statements) == 1 and _is_assignment(first) else None
        if assignment is not None:
            names = _assigned_names(assignment)
            last_assignment = tuple(names) or new or last_assignment
            _classify_literal(module, index, assignment, names, line, literals, non_literals)
        elif new and not is_definition:
            non_literals.extend((name, line) for name in new)
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
        file_literals=tuple(_file_literals(tree, source, offset)),
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


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
)


def top_level_statements(tree: ast.Module) -> list[list[ast.stmt]]:
    """The cell's top-level statements as libcst counts them: ``a = 1; b = 2`` is one line."""
    groups: list[list[ast.stmt]] = []
    previous: ast.stmt | None = None
    for statement in tree.body:
        if (
            previous is not None
            and statement.lineno == previous.end_lineno
            and not isinstance(statement, _COMPOUND)
            and not isinstance(previous, _COMPOUND)
        ):
            groups[-1].append(statement)
        else:
            groups.append([statement])
        previous = statement
    return groups


def _first_line(statement: ast.stmt) -> int:
    """Where the statement starts: a decorated definition at its first decorator."""
    if isinstance(statement, _DEFINITIONS) and statement.decorator_list:
        return min(statement.lineno, *(d.lineno for d in statement.decorator_list))
    return statement.lineno


def _hoistable_imports(statements: list[ast.stmt]) -> list[ImportBinding] | None:
    """The bindings of a top-level import line, or None if the line is not only imports."""
    bindings: list[ImportBinding] = []
    for small in statements:
        if isinstance(small, ast.Import):
            for alias in small.names:
                if alias.asname is not None:
                    bindings.append(ImportBinding(alias.name, None, alias.asname, alias.asname))
                else:
                    bindings.append(ImportBinding(alias.name, None, None, alias.name.split(".")[0]))
        elif isinstance(small, ast.ImportFrom):
            module = small.module or ""
            level = small.level
            for alias in small.names:
                if alias.name == "*":
                    bindings.append(ImportBinding(module, "*", None, "*", level))
                    break
                bindings.append(
                    ImportBinding(
                        module, alias.name, alias.asname, alias.asname or alias.name, level
                    )
                )
        else:
            return None
    return bindings


def _is_assignment(statement: ast.stmt) -> bool:
    return isinstance(statement, (ast.Assign, ast.AugAssign)) or (
        isinstance(statement, ast.AnnAssign) and statement.value is not None
    )


def _assigned_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.Assign):
        return [n for t in statement.targets for n in target_names_of(t)]
    if isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
        return target_names_of(statement.target)
    return []


def _classify_literal(
    module: cst.Module,
    index: int,
    statement: ast.stmt,
    names: list[str],
    line: int,
    literals: list[tuple[str, str]],
    non_literals: list[tuple[str, int]],
) -> None:
    value = getattr(statement, "value", None)
    single = len(names) == 1 and not isinstance(statement, ast.AugAssign)
    if single and value is not None:
        try:
            ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            non_literals.append((names[0], line))
        else:
            literals.append((names[0], _value_text(module, index)))
    else:
        non_literals.extend((name, line) for name in names)


def _value_text(module: cst.Module, index: int) -> str:
    """The source of an assignment's value, with its own parentheses and comments."""
    statement = module.body[index]
    assert isinstance(statement, cst.SimpleStatementLine)
    small = statement.body[0]
    value = getattr(small, "value", None)
    assert isinstance(value, cst.BaseExpression)
    return module.code_for_node(value).strip()


_MAYBE_PATH = re.compile(r"[\w.\-~/]\.[A-Za-z]")
"""A string holding no match of this holds no file path, nor does any of its parts."""


def _file_literals(tree: ast.Module, source: str, offset: int) -> list[tuple[str, int]]:
    """String literals that look like relative file paths, in source order: (value, line).

    Each literal piece counts alone (``"data/" "x.csv"`` holds the path ``x.csv``); f-strings
    hold none."""
    candidates: list[ast.expr] = []
    in_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v for v in node.values if isinstance(v, ast.Constant)]
            in_fstrings.update(id(v) for v in parts)
            if any(_MAYBE_PATH.search(str(v.value)) for v in parts):
                candidates.append(node)  # a plain string may be concatenated to it
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _MAYBE_PATH.search(node.value)
        ):
            candidates.append(node)
    found: list[tuple[int, int, str]] = []
    lines: list[str] | None = None
    for node in candidates:
        if id(node) in in_fstrings:
            continue
        if lines is None:  # split once: a cell may hold thousands of literals
            lines = io.StringIO(source, newline="").readlines()
        found.extend(_path_pieces(node, _segment(lines, node)))
    found.sort()
    return [(value, line + offset) for line, _, value in found]


def _segment(lines: list[str], node: ast.expr) -> str | None:
    """The source of ``node`` (as ``ast.get_source_segment``, without splitting the cell)."""
    end_line, end_col = node.end_lineno, node.end_col_offset
    if end_line is None or end_col is None:
        return None
    first = lines[node.lineno - 1].encode()
    if end_line == node.lineno:
        return first[node.col_offset : end_col].decode()
    last = lines[end_line - 1].encode()[:end_col].decode()
    middle = "".join(lines[node.lineno : end_line - 1])
    return first[node.col_offset :].decode() + middle + last


def _path_pieces(node: ast.expr, segment: str | None) -> list[tuple[int, int, str]]:
    """(line, column, value) of each plain string piece of a literal that is a file path."""
    if segment is None:
        return []
    pieces: list[tuple[int, int, str]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(segment).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    for token in tokens:
        if token.type != tokenize.STRING:
            continue
        prefix = token.string[: len(token.string) - len(token.string.lstrip("rRbBuUfF"))]
        if "f" in prefix.lower() or "b" in prefix.lower():
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(value, str) and _FILE_PATH.match(value):
            row, column = token.start
            line = node.lineno + row - 1
            pieces.append((line, column + (node.col_offset if row == 1 else 0), value))
    return pieces


def _with_magics(
    analysis: CellAnalysis, magics: tuple[object, ...], requirements: tuple[str, ...]
) -> CellAnalysis:
    from dataclasses import replace

    from nb2pkg.ir import MagicUse

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
