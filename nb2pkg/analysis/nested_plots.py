"""Plot statements nested in a step's blocks, among its work.

nb2pkg.analysis.library_code sorts a cell's top-level statements; a block that does work
and draws (``for clf in models: clf.fit(X, y); ax.plot(…)``) is work there. This module finds
the statements inside such blocks that only plot (nb2pkg.analysis.plot_statements' rule) and
bind no name the rest of the code reads, which nb2pkg.emit.nested_plots takes out of the
step, and tells whether a cell draws among its work at all: then its figure cannot be drawn
apart from that work, and the planner gives the step no figure function (its top-level plot
statements alone would draw an incomplete one).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nb2pkg.analysis.effects import dotted, global_state_changes, is_global_random
from nb2pkg.analysis.library_code import classify
from nb2pkg.analysis.plot_calls import PLOT_LIBRARIES, chain_of
from nb2pkg.analysis.plot_statements import FIGURE_WRITERS, call_name, is_plot_expression

_Body = list[ast.stmt]


def plot_statements(function: ast.FunctionDef) -> list[ast.stmt]:
    """The statements of ``function``'s body, at any depth, that only plot and bind no name
    the rest of the function reads. A figure the rest reads (``len(ax.get_lines())``, a
    figure the step returns) keeps every statement that draws on it."""
    if _writes_figure(function):
        return []
    plots = list(_plot_statements(function.body, set(), with_draws=True))
    dropped = {id(s) for s in plots}
    while plots:
        read = loaded_outside(function.body, dropped)
        figures = {n for s in plots if id(s) not in dropped or _bound(s) & read for n in _bound(s)}
        kept = [
            s
            for s in plots
            if id(s) in dropped and (_bound(s) & read or loaded_outside([s], set()) & figures)
        ]
        if not kept:
            break
        dropped -= {id(s) for s in kept}
    return [s for s in plots if id(s) in dropped]


def _plot_statements(
    body: _Body, figures: set[str], header: int = 0, *, with_draws: bool = False
) -> Iterator[ast.stmt]:
    """Statements of ``body`` and its blocks that only plot (``figures``: names bound to
    figures or axes so far, grown as they are bound; ``header``: the line of the block's
    header; ``with_draws``: also those that plot values drawn on the spot from a global
    random generator, whose draws (``random_draws``) stay)."""
    for statement in body:
        if statement.lineno == header:
            continue  # `for x in xs: ax.plot(x)` on one line: left as it is
        if _is_plot(statement, figures) or (with_draws and _plots_draws(statement, figures)):
            figures.update(_bound(statement))
            yield statement
        elif isinstance(statement, ast.For):
            if {n.id for n in ast.walk(statement.iter) if isinstance(n, ast.Name)} & figures:
                # `for ax in axes.flat:`, `for ax, x in zip(axes, xs):` draw on each axes
                figures.update(n.id for n in ast.walk(statement.target) if isinstance(n, ast.Name))
            yield from _plot_statements(
                statement.body, figures, statement.lineno, with_draws=with_draws
            )
            yield from _plot_statements(statement.orelse, figures, with_draws=with_draws)
        elif isinstance(statement, ast.If | ast.While):
            yield from _plot_statements(
                statement.body, figures, statement.lineno, with_draws=with_draws
            )
            yield from _plot_statements(statement.orelse, figures, with_draws=with_draws)
        elif isinstance(statement, ast.With):
            yield from _plot_statements(
                statement.body, figures, statement.lineno, with_draws=with_draws
            )
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _plot_statements(block, figures, with_draws=with_draws)
            for handler in statement.handlers:
                yield from _plot_statements(
                    handler.body, figures, handler.lineno, with_draws=with_draws
                )


def random_draws(statement: ast.stmt) -> list[ast.Call]:
    """The draws from a global random generator in a plot statement's values
    (``ax.hist(np.random.standard_normal(100))``), outermost first, in source order: the step
    keeps them in the plot's place, so later draws give what they gave in the notebook."""
    draws: list[ast.Call] = []
    inner: set[int] = set()
    for node in ast.walk(statement):
        if id(node) in inner or not isinstance(node, ast.Call):
            continue
        if is_global_random(dotted(node.func)):
            draws.append(node)
            inner.update(id(n) for n in ast.walk(node))
    return sorted(draws, key=lambda c: (c.lineno, c.col_offset))


def _plots_draws(statement: ast.stmt, figures: set[str]) -> bool:
    """A plot statement but for the global random generator's draws in its values."""
    changes = global_state_changes(statement)
    if not changes or not all(is_global_random(what) for what, _ in changes):
        return False
    if any(isinstance(n, ast.Lambda | ast.comprehension) for n in ast.walk(statement)):
        return False  # a draw evaluated a number of times the statement alone does not tell
    copy = ast.parse(ast.unparse(statement)).body[0]
    for call in ast.walk(copy):
        if isinstance(call, ast.Call) and is_global_random(dotted(call.func)):
            call.func, call.args, call.keywords = ast.Name("abs", ast.Load()), [], []
    return _is_plot(copy, set(figures))


def _is_plot(statement: ast.stmt, figures: set[str]) -> bool:
    if global_state_changes(statement):
        return False  # it draws random numbers: what later draws give depends on it
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Call) and is_plot_expression(
            statement.value, figures
        )
    if isinstance(statement, ast.Assign):
        value = statement.value
        names_only = all(
            isinstance(n, ast.Name | ast.Tuple | ast.List | ast.Starred | ast.expr_context)
            for t in statement.targets
            for n in ast.walk(t)
        )
        if isinstance(value, ast.Call) and is_plot_expression(value, figures, assigned=True):
            return names_only
        if isinstance(value, ast.Subscript | ast.Attribute) and chain_of(value).root in figures:
            # `ax = axes[i]`: one of the step's axes, by a name
            return names_only and not any(isinstance(n, ast.Call) for n in ast.walk(value))
        return all(  # `ax.title = …` on a figure the step made
            not isinstance(t, ast.Name) and chain_of(t).root in figures | PLOT_LIBRARIES
            for t in statement.targets
        )
    return False


def _writes_figure(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(n, ast.Call) and call_name(n) in FIGURE_WRITERS for n in ast.walk(function)
    )


def _bound(statement: ast.stmt) -> set[str]:
    return {
        n.id
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def loaded_outside(body: _Body, dropped: set[int]) -> set[str]:
    """Names read by ``body`` outside the ``dropped`` statements (the return included)."""
    names: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if id(node) in dropped:
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            names.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return names


def draws_among_work(source: str) -> bool:
    """Whether a cell draws inside a block that also does work (``for clf in models:
    clf.fit(X, y); ax.plot(…)``): its figure cannot be drawn apart from that work, and its
    plot statements alone would draw an incomplete one."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    figures: set[str] = set()
    for statement, kind in zip(body, classify(body), strict=True):
        if kind == "plot":
            figures |= _bound(statement)
        elif (
            kind is None
            and isinstance(statement, _BLOCKS)
            and next(_plot_statements([statement], set(figures)), None) is not None
        ):
            return True
    return False


_BLOCKS = (ast.For, ast.While, ast.If, ast.With, ast.Try)
