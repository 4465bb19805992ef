"""One walk over a parsed cell's top-level statements → its ``CellAnalysis``.

Each top-level line is one of: hoisted imports, a display-only statement (dropped from
functions and tests), library code (settings, seeds, plots, prints; ``library_code``) or work,
whose names the ``NameFlowVisitor`` follows in evaluation order.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from nb2pkg.analysis.ast_nodes import all_nodes
from nb2pkg.analysis.display import is_display_statement, is_unneeded_value
from nb2pkg.analysis.display_blocks import only_prints, read_outside_prints
from nb2pkg.analysis.file_literals import file_literals
from nb2pkg.analysis.library_code import classify
from nb2pkg.analysis.literal_values import LiteralValues, Unparsable
from nb2pkg.analysis.names import NameFlowVisitor
from nb2pkg.analysis.saved_figures import SAVING_METHOD
from nb2pkg.analysis.seed_lines import seeds_after_draws_stay
from nb2pkg.analysis.text_facts import TextFacts
from nb2pkg.analysis.value_names import target_names_of
from nb2pkg.ir import CellAnalysis, ImportBinding

__all__ = [
    "LiteralValues",
    "Unparsable",
    "analyze_statements",
    "hoistable_imports",
    "line_kinds",
    "top_level_statements",
]


def analyze_statements(
    nodes: list[ast.AST],
    groups: list[list[ast.stmt]],
    values: LiteralValues,
    offset: int,
    facts: TextFacts,
    **known: Any,
) -> CellAnalysis:
    """One walk of the cell's ``ast`` (``nodes``: all of its nodes, listed once by the caller
    for every fact found by node type, when ``facts`` says the text may hold any); libcst
    only gives the text of literal values. ``known``: the facts the caller found itself, as
    ``CellAnalysis`` fields."""
    walk = _CellWalk(values, offset)
    source = values.source
    kinds = line_kinds(groups, may_save=SAVING_METHOD in source, may_draw=facts.may_draw)
    if "seed" in kinds:
        kinds = seeds_after_draws_stay(groups, kinds, known.get("global_state", ()), offset)
    for index, statements in enumerate(groups):
        walk.statement(index, statements, kinds[index], shown=index == len(groups) - 1)
    if "print" in source:
        known["print_reads"] = _print_reads(groups, kinds)
    paths = file_literals(nodes, source, offset) if facts.may_quote else []
    return walk.analysis(paths, known)


_LINE_KINDS = frozenset({"setting", "plot", "print"})
"""Kinds a line of several statements (``a; b``) takes when each of them has it; a line of
seeds stays work (``run()`` takes one seed statement at a time)."""


def line_kinds(
    groups: list[list[ast.stmt]], *, may_save: bool = True, may_draw: bool = True
) -> list[str | None]:
    """The kind of each top-level line (nb2pkg.analysis.library_code; None: work). A line of
    several statements (``ax.set_xlim(0, 1); ax.set_ylim(0, 1)``) has the kind its statements
    share, or ``import`` when it imports and only changes settings besides
    (``import seaborn; seaborn.set()``: the imports are hoisted, the setting dropped);
    otherwise it is work, and so is every statement in it: a plot statement elsewhere that
    binds a name the line reads stays work too."""
    flat = [statement for group in groups for statement in group]
    as_work: set[int] = set()  # positions in ``flat`` of statements whose line is work
    while True:
        statements = [_work_reading(s) if i in as_work else s for i, s in enumerate(flat)]
        kinds = classify(statements, may_save=may_save, may_draw=may_draw)
        result: list[str | None] = []
        more: set[int] = set()
        start = 0
        for group in groups:
            positions = range(start, start + len(group))
            start += len(group)
            result.append(_line_kind(group, [kinds[i] for i in positions]))
            if result[-1] is None and len(group) > 1:
                more |= {i for i in positions if kinds[i] is not None and i not in as_work}
        if not more:
            return result
        as_work |= more


def _line_kind(statements: list[ast.stmt], kinds: list[str | None]) -> str | None:
    if len(statements) == 1:
        return kinds[0]
    imports = [isinstance(s, ast.Import | ast.ImportFrom) for s in statements]
    others = {kind for kind, is_import in zip(kinds, imports, strict=True) if not is_import}
    if any(imports):
        return "import" if others <= {"setting"} and not all(imports) else None
    (kind,) = others if len(others) == 1 else (None,)
    return kind if kind in _LINE_KINDS else None


def _work_reading(statement: ast.stmt) -> ast.stmt:
    """A statement ``classify`` takes for work that reads what ``statement`` reads."""
    loaded: list[ast.expr] = [
        ast.Name(n.id, ast.Load())
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)
    ]
    return ast.Expr(ast.Tuple(loaded, ast.Load()))


def _print_reads(groups: list[list[ast.stmt]], kinds: Sequence[str | None]) -> frozenset[str]:
    """Names only the cell's display prints read: a top-level ``print`` of values, a block
    that only prints (nb2pkg.analysis.display_blocks), which a step drops."""
    outside: set[str] | None = None  # read when a block asks
    shown: set[str] = set()
    other: set[str] = set()
    for statements_of_line, kind in zip(groups, kinds, strict=True):
        for statement in statements_of_line:
            prints = kind == "print"
            if not prints and isinstance(statement, _BLOCKS):
                if outside is None:
                    statements = [s for group in groups for s in group]
                    outside = read_outside_prints(ast.Module(body=statements, type_ignores=[]))
                prints = only_prints(statement, outside)
            loads = {
                n.id
                for n in all_nodes(statement)
                if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)
            }
            (shown if prints else other).update(loads)
    return frozenset(shown - other)


_BLOCKS = (ast.If, ast.For, ast.While, ast.Try)


def _unneeded(statement: ast.stmt) -> bool:
    """A value computed above a cell's last line (so never shown) that changes nothing:
    ``model.score(X, y)`` followed by more code."""
    return isinstance(statement, ast.Expr) and is_unneeded_value(statement.value)


class _CellWalk:
    """What the statements seen so far import, show, leave to libraries, bind and read."""

    def __init__(self, values: LiteralValues, offset: int) -> None:
        self.values = values
        self.offset = offset
        self.visitor = NameFlowVisitor()
        self.imports: list[ImportBinding] = []
        self.import_statements: list[int] = []
        self.display_statements: list[int] = []
        self.star_imports: list[tuple[str, int]] = []
        self.last_assignment: tuple[str, ...] = ()
        self.literals: list[tuple[str, str]] = []
        self.non_literals: list[tuple[str, int]] = []
        self.defines: list[str] = []
        self.library: list[tuple[int, str]] = []
        self.seed_calls: list[str] = []
        self.seed_uses: set[str] = set()
        self.drawn: list[str] = []
        self.deleted: set[str] = set()
        """Names a top-level ``del`` removed and no later statement bound again: gone once
        the cell ran, so no output of it."""

    def statement(
        self, index: int, statements: list[ast.stmt], kind: str | None, shown: bool
    ) -> None:
        first = statements[0]
        line = _first_line(first) + self.offset
        if kind == "import":  # `import seaborn; seaborn.set()`: the setting goes
            statements = [s for s in statements if isinstance(s, ast.Import | ast.ImportFrom)]
        hoisted = hoistable_imports(statements)
        if hoisted is not None:
            self.import_statements.append(index)
            for binding in hoisted:
                if binding.name == "*":
                    self.star_imports.append((binding.module, line))
                else:
                    self.imports.append(binding)
            return
        if kind != "print" and all(
            is_display_statement(s) or (not shown and _unneeded(s)) for s in statements
        ):
            # Dropped from functions and tests: what it reads is no input, nor an import use.
            self.display_statements.append(index)
            return
        if kind is not None:
            # Settings, seeds, plots and prints leave the step (nb2pkg.analysis.library_code):
            # what they read is no input of it.
            self.library.append((index, kind))
            if kind == "plot":
                self.drawn.extend(
                    n for s in statements if _is_assignment(s) for n in _assigned_names(s)
                )
            if kind == "seed":
                segment = ast.get_source_segment(self.values.source, first) or ""
                self.seed_calls.append(segment.strip())
                self.seed_uses.update(n.id for n in ast.walk(first) if isinstance(n, ast.Name))
            if kind != "print":
                return
        self._work(index, statements, line)

    def _work(self, index: int, statements: list[ast.stmt], line: int) -> None:
        first = statements[0]
        bound_before = len(self.visitor.binds)
        self.visitor.visit_all(statements)
        # binds only grows, each name once: the names this statement bound first are its tail
        new = tuple(self.visitor.binds[bound_before:])
        is_definition = isinstance(first, _DEFINITIONS)
        if isinstance(first, _DEFINITIONS):
            self.defines.append(first.name)
        if isinstance(first, ast.Delete):  # `del model`, not `del df["x"]`
            self.deleted.update(n for t in first.targets for n in _deleted_names(t))
        elif self.deleted:
            self.deleted.difference_update(new)
            if _is_assignment(first):
                self.deleted.difference_update(_assigned_names(first))
        if len(statements) == 1 and _is_assignment(first):
            names = _assigned_names(first)
            self.last_assignment = tuple(names) or new or self.last_assignment
            self._classify_literal(index, first, names, line)
        elif new and not is_definition:
            self.non_literals.extend((name, line) for name in new)

    def _classify_literal(
        self, index: int, statement: ast.stmt, names: list[str], line: int
    ) -> None:
        value = getattr(statement, "value", None)
        single = len(names) == 1 and not isinstance(statement, ast.AugAssign)
        if single and value is not None:
            # ``literal_eval`` raises ValueError at once for a value of another type
            evaluable = value.__class__ in _LITERAL_ROOTS
            try:
                if not evaluable:
                    raise ValueError(value)
                ast.literal_eval(value)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                self.non_literals.append((names[0], line))
            else:
                self.literals.append((names[0], self.values.text(index, statement)))
        else:
            self.non_literals.extend((name, line) for name in names)

    def analysis(self, paths: list[tuple[str, int]], known: dict[str, Any]) -> CellAnalysis:
        visitor, offset = self.visitor, self.offset
        gone = self.deleted
        binds = tuple(n for n in visitor.binds if n not in gone) if gone else tuple(visitor.binds)
        bound_anywhere = set(binds) | {i.bound for i in self.imports}
        reads = dict(visitor.reads)
        def_globals: dict[tuple[str, str], int] = {}
        for owner, name, line in visitor.def_globals:
            if name in bound_anywhere or name == owner:
                continue
            def_globals.setdefault((owner, name), line + offset)
            reads.setdefault(name, line)
        return CellAnalysis(
            python_source=self.values.source,
            reads=tuple(reads),
            binds=binds,
            last_assignment_binds=tuple(n for n in self.last_assignment if n not in gone),
            imports=tuple(self.imports),
            mutation_lines={
                name: line + offset for name, line in visitor.mutations.items() if name in reads
            },
            def_global_lines=def_globals,
            global_statements=tuple((n, line + offset) for n, line in visitor.global_statements),
            star_imports=tuple(self.star_imports),
            has_assert=visitor.has_assert,
            has_call=visitor.has_call,
            literal_assignments=tuple(self.literals),
            non_literal_assignments=tuple(self.non_literals),
            file_literals=tuple(paths),
            first_line_of={name: line + offset for name, line in reads.items()},
            defines=tuple(self.defines),
            import_statements=tuple(self.import_statements),
            display_statements=tuple(self.display_statements),
            library_statements=tuple(self.library),
            seed_calls=tuple(self.seed_calls),
            seed_uses=frozenset(self.seed_uses),
            uses=frozenset(visitor.uses),
            line_offset=offset,
            value_binds=tuple(n for n in visitor.value_binds if n not in gone),
            drawn_binds=tuple(n for n in dict.fromkeys(self.drawn) if n not in bound_anywhere),
            **known,
        )


_LITERAL_ROOTS = frozenset(
    {ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Call, ast.BinOp, ast.UnaryOp}
)
"""The node types ``ast.literal_eval`` takes a value of: it raises ``ValueError`` on others."""
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


def hoistable_imports(statements: list[ast.stmt]) -> list[ImportBinding] | None:
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


def _deleted_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _deleted_names(element)]
    return []


def _assigned_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.Assign):
        return [n for t in statement.targets for n in target_names_of(t)]
    if isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
        return target_names_of(statement.target)
    return []
