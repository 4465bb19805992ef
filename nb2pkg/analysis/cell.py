"""Per-cell analysis: one cell's source → its ``CellAnalysis``, cached by source.

The result depends on nothing but the source text, so re-analysing a notebook after one edit
re-parses only the edited cell; every other cell is a dictionary hit. The analysis reads the
stdlib ``ast`` of the cell; the cache keeps analyses, never syntax trees: the libcst tree, which
only emitting a cell needs (it keeps the cell's comments and layout), is parsed on first use
(``nb2pkg.analysis.trees``).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from nb2pkg.analysis.ast_nodes import all_nodes
from nb2pkg.analysis.cell_problems import (
    CellProblem,
    cst_problem,
    encoding_problem,
    magic_problem,
    nesting_problem,
    syntax_problem,
)
from nb2pkg.analysis.cell_walk import (
    LiteralValues,
    Unparsable,
    analyze_statements,
    top_level_statements,
)
from nb2pkg.analysis.effects import file_writes_among, global_state_changes_among
from nb2pkg.analysis.text_facts import TextFacts
from nb2pkg.analysis.trees import cst_module, keeping_trees
from nb2pkg.ir import CellAnalysis, MagicUse
from nb2pkg.notebook.ipython_syntax import to_python

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

__all__ = ["EMPTY", "CellProblem", "ParsedCell", "analyze_cell", "cst_module", "keeping_trees"]


@dataclass(frozen=True)
class ParsedCell:
    parses: bool
    """The cell is Python that ``ast`` parses (libcst, which emitting uses, parses all that
    Python's own parser does: ``module`` is not None)."""
    analysis: CellAnalysis
    problems: tuple[CellProblem, ...]
    statement_count: int = 0
    """Top-level statements, as libcst counts them (``a = 1; b = 2`` is one)."""

    @property
    def module(self) -> cst.Module | None:
        """The cell's libcst tree, for emitting it; None when the cell does not parse.

        The analysis reads the stdlib ``ast`` only (libcst parses ~10x slower): the libcst tree
        is parsed here, for the cells that are emitted."""
        if not self.parses:
            return None
        try:
            return cst_module(self.analysis.python_source)
        except (cst.ParserSyntaxError, RecursionError, MemoryError):
            return None  # not seen: libcst accepts what ``ast`` does (the self-check would say)


EMPTY = CellAnalysis(
    python_source="",
    reads=(),
    binds=(),
    last_assignment_binds=(),
    imports=(),
    mutation_lines={},
)


@functools.lru_cache(maxsize=16384)
def analyze_cell(source: str) -> ParsedCell:
    """Analyse one cell. Never raises: a syntax error becomes a problem and an empty analysis."""
    python = to_python(source)
    offset = python.line_offset
    problems = [
        magic_problem(use.kind, use.name, use.action, use.text, use.line)
        for use in python.magics
        if use.action in ("dropped", "unsupported")
    ]
    try:
        tree = ast.parse(python.source)
        groups = top_level_statements(tree)
        facts = TextFacts(python.source)
        # listed once for the facts found by node type, when the text may hold any
        nodes = all_nodes(tree) if facts.any() else []
        writes = file_writes_among(nodes) if facts.may_write else []
        changes = global_state_changes_among(nodes) if facts.may_draw else []
        analysis = analyze_statements(
            nodes,
            groups,
            LiteralValues(python.source),
            offset,
            facts,
            magics=tuple(m for m in python.magics if isinstance(m, MagicUse)),
            pip_requirements=python.pip_requirements,
            file_writes=tuple((c, line + offset, p) for c, line, p in writes),
            global_state=tuple((w, line + offset) for w, line in changes),
        )
    except SyntaxError as exc:
        problems.append(syntax_problem(exc, offset))
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a "\ud800" JSON escape
        problems.append(encoding_problem(python.source, exc, offset))
    except Unparsable as exc:
        if isinstance(exc.cause, cst.ParserSyntaxError):
            problems.append(cst_problem(exc.cause, offset))
        else:
            problems.append(nesting_problem(offset))
    except (RecursionError, MemoryError):
        problems.append(nesting_problem(offset))
    else:
        return ParsedCell(True, analysis, tuple(problems), len(groups))
    empty = replace(EMPTY, python_source=python.source, line_offset=offset)
    return ParsedCell(False, empty, tuple(problems))
