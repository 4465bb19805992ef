"""Plotting leaves a step wherever it is in it: inside the loop that computes what it draws too.

nb2pkg.analysis.library_code moves a cell's top-level plot statements to ``figures.py``; a
statement that does work and draws (``for clf in models: clf.fit(X, y); ax.plot(…)``) stays
in the step. There the drawing goes: every statement that only plots (the same rule,
nb2pkg.analysis.plot_statements), at any depth of the step's blocks, unless the code left
reads a name it binds (``ax = fig.add_subplot(…)`` read by work, a figure the step
returns). What the step computes and returns is the same; the figure such a block drew is not
drawn (redrawing it would mean running the work again).

A plot that draws from the global random generator (``ax.hist(np.random.randn(100))``)
leaves its draws in its place (``np.random.randn(100)``, under a comment): later draws give
what they gave in the notebook.

A loop or branch left with nothing to do goes with it when its header changes nothing
(``for i in range(4):``, ``if i == 0:``); otherwise it keeps a ``pass``. A step that still
saves a figure (``savefig`` among its work, or a file a later step reads back:
nb2pkg.analysis.saved_figures) keeps its plotting code, the file being its output; functions
and classes the cell defines are the user's code, as written.
"""

from __future__ import annotations

import ast

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from nb2pkg.analysis.nested_plots import loaded_outside, plot_statements, random_draws
from nb2pkg.emit.emptied_blocks import EmptiedBlocks


def without_plots(
    module: cst.Module, code: str | None = None, tree: ast.Module | None = None
) -> cst.Module:
    """The step function in ``module`` without the plot statements left among its work.

    ``code``: ``module.code``, when the caller has it already; ``tree``: its ``ast``."""
    code = module.code if code is None else code
    if tree is None:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            return module
    function = next((s for s in tree.body if isinstance(s, ast.FunctionDef)), None)
    if function is None:
        return module
    plots = plot_statements(function)
    if not plots:
        return module
    lines = code.splitlines()
    starts = {(s.lineno, _column(lines[s.lineno - 1], s.col_offset)) for s in plots}
    draws = {
        (s.lineno, _column(lines[s.lineno - 1], s.col_offset)): [
            ast.unparse(call) for call in random_draws(s)
        ]
        for s in plots
    }
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return wrapper.visit(
        _NestedPlots(starts, loaded_outside(function.body, {id(s) for s in plots}), draws, lines)
    )


def _column(line: str, byte_offset: int) -> int:
    """``ast`` counts columns in UTF-8 bytes, libcst in characters."""
    return len(line.encode()[:byte_offset].decode(errors="ignore"))


DRAWS_COMMENT = "# the notebook's plot drew these from the global random generator"


class _NestedPlots(EmptiedBlocks):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        starts: set[tuple[int, int]],
        read: set[str],
        draws: dict[tuple[int, int], list[str]] | None = None,
        lines: list[str] | None = None,
    ) -> None:
        super().__init__(read)
        self.starts = starts
        """(line, column) where each statement to remove starts."""
        self.draws = draws or {}
        """The random draws each of them makes, which stay (``random_draws``)."""
        self.lines = lines or []
        """The step's source lines."""
        self.last_draw_end = 0
        """The line the last plot whose draws stay ends on."""

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        if self.depth != 1:
            return updated_node
        kept = [
            new
            for old, new in zip(original_node.body, updated_node.body, strict=True)
            if self._start(old) not in self.starts
        ]
        drawn = [d for old in original_node.body for d in self.draws.get(self._start(old), [])]
        if drawn:  # the plot goes, its draws from the global generator stay
            return self._draws_left(original_node, updated_node, kept, drawn)
        if not kept:
            return cst.RemoveFromParent()
        if len(kept) == len(updated_node.body):
            return updated_node
        last = kept[-1]
        if isinstance(last.semicolon, cst.Semicolon):  # `a; b` → `a`, not `a;`
            kept[-1] = last.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=kept)

    def _draws_left(
        self,
        original_node: cst.SimpleStatementLine,
        updated_node: cst.SimpleStatementLine,
        kept: list[cst.BaseSmallStatement],
        drawn: list[str],
    ) -> cst.FlattenSentinel[cst.BaseStatement]:
        """The draws of a plot, one statement each, under one comment for a run of them."""
        position = self.get_metadata(PositionProvider, original_node)
        between = self.lines[self.last_draw_end : position.start.line - 1]
        follows = self.last_draw_end > 0 and not kept and not any(x.strip() for x in between)
        self.last_draw_end = position.end.line
        lines = [cst.SimpleStatementLine([cst.Expr(cst.parse_expression(d))]) for d in drawn]
        leading = [] if kept else list(updated_node.leading_lines)
        if not follows:
            leading.append(cst.EmptyLine(comment=cst.Comment(DRAWS_COMMENT)))
        lines[0] = lines[0].with_changes(leading_lines=leading)
        if kept:
            lines.insert(0, updated_node.with_changes(body=kept))
        return cst.FlattenSentinel(lines)

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self.get_metadata(PositionProvider, node).start
        return position.line, position.column
