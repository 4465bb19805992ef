"""Statements a notebook runs for the person at the screen, which library code must not run.

A step function of the package is library code: calling it must compute its results and do
nothing else to the process. Four kinds of top-level statement in a packaged cell are
therefore not copied into the step as they are:

* ``setting``: display and warning settings (``pd.set_option("display.max_rows", …)``,
  ``np.set_printoptions``, ``plt.rc``/``plt.rcParams[…] = …``/``plt.style.use``,
  ``sns.set()``, ``warnings.filterwarnings``) and debugger stops (``pdb.set_trace()``,
  ``breakpoint()``, which would wait for input): dropped;
* ``seed``: a seed of a global random generator (``np.random.seed(0)``,
  ``random.seed(0)``, ``torch.manual_seed(0)``): moved into ``run()``, before the step;
* ``plot``: plotting (``plt.plot``, ``df.plot()``, ``sns.histplot``, ``ax.set_title``,
  ``fig, ax = plt.subplots()``): moved to the package's figure functions, which a tracked
  run logs as MLflow artifacts;
* ``print``: a ``print(...)`` of values the step computes anyway: dropped, unless the cell
  is tagged ``keep``.

An interactive widget (``interact(plot_fit, degree=[1, 30])``) and the function the cell
defines for it are a ``setting`` too: a widget needs a notebook to show in, and drawing it
computes nothing a later statement reads.

Anything that writes a file or changes a value the step computes is work and stays.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Literal

from nb2pkg.analysis.ast_nodes import all_nodes
from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.analysis.effects import dotted, global_state_changes
from nb2pkg.analysis.plot_calls import is_plot_call_of
from nb2pkg.analysis.plot_statements import FIGURE_WRITERS, call_name, is_plot_expression, root_name
from nb2pkg.analysis.process_settings import (
    SEED_CALLS,
    is_setting_call,
    is_setting_target,
    literal_seed,
)
from nb2pkg.analysis.saved_figures import SAVING_METHOD, is_saving_statement, saving_calls

Kind = Literal["setting", "seed", "plot", "print"]

_ITERATING = frozenset({"zip", "enumerate", "range", "len", "reversed"})


def classify(
    statements: Sequence[ast.stmt],
    *,
    keep_prints: bool = False,
    keep_figure_files: bool = False,
    may_save: bool = True,
    may_draw: bool = True,
) -> list[Kind | None]:
    """The kind of each top-level statement of a cell (None: the step's own work).

    A plot statement whose names a later work statement reads stays work. A figure the cell
    saves (``plt.savefig("loss.png")``) leaves with its plots, the ``savefig`` too
    (nb2pkg.analysis.saved_figures), unless a ``savefig`` sits in work (then every plot
    statement stays: the file is drawn by that work) or ``keep_figure_files`` (a later
    packaged cell reads the file). A cell writing another image file (``plt.imsave``, plotly's
    ``write_image``) keeps its plots: the file is the output. ``may_save`` False (the cell's
    text has no ``savefig``) rules the saved figures out without a walk, ``may_draw`` False
    (``nb2pkg.analysis.effects.may_change_global_state``) the draws from random generators.
    """
    writes_figure: bool | None = None  # looked for at the first plot statement
    kinds: list[Kind | None] = []
    figure_names: set[str] = set()
    callbacks = _widget_callbacks(statements)
    for statement in statements:
        if isinstance(statement, ast.FunctionDef) and (
            statement.name in callbacks
            or any(_widget_decorator(d) for d in statement.decorator_list)
        ):
            kinds.append("setting")
            continue
        kind = _kind(statement, figure_names, keep_prints=keep_prints)
        if kind == "plot" and writes_figure is None:
            writes_figure = _writes_figure(statements, keep_figure_files=keep_figure_files)
        if kind in ("plot", "print") and (
            (writes_figure and kind == "plot") or (may_draw and _draws(statement))
        ):
            kind = None  # the file is an output; a draw moves every later draw
        if kind == "plot":
            figure_names.update(_bound(statement))
        kinds.append(kind)
    drawing_stays = ("plot" in kinds or bool(callbacks)) and _read_by_work(statements, kinds)
    if _saved_figure_stays(statements, kinds, drawing_stays, may_save and not keep_figure_files):
        return classify(
            statements, keep_prints=keep_prints, keep_figure_files=True, may_draw=may_draw
        )
    return kinds


def _read_by_work(statements: Sequence[ast.stmt], kinds: list[Kind | None]) -> bool:
    """Makes work of each plot statement (or widget's function) binding a name work reads;
    whether a plot statement became work."""
    changed = True
    drawing_stays = False
    while changed:
        changed = False
        needed: set[str] = set()
        for statement, kind in zip(reversed(statements), reversed(kinds), strict=True):
            if kind is None:
                needed |= _loaded(statement)
        for index, statement in enumerate(statements):
            binds = kinds[index] == "plot" or (
                kinds[index] == "setting" and isinstance(statement, ast.FunctionDef)
            )
            bound = (
                {statement.name} if isinstance(statement, ast.FunctionDef) else _bound(statement)
            )
            if binds and bound & needed:
                drawing_stays |= kinds[index] == "plot"
                kinds[index] = None
                changed = True
    return drawing_stays


def _saved_figure_stays(
    statements: Sequence[ast.stmt],
    kinds: Sequence[Kind | None],
    drawing_stays: bool,
    may_save: bool,
) -> bool:
    """Whether the cell saves a figure that cannot leave with its plots: a saved figure leaves
    only whole, not when work draws on it too (``format_plot(ax)``)."""
    if not may_save or not any(saving_calls(all_nodes(s)) for s in statements):
        return False
    return drawing_stays or _saves_among_work(statements, kinds)


def _saves_among_work(statements: Sequence[ast.stmt], kinds: Sequence[Kind | None]) -> bool:
    """Whether a ``savefig`` of the cell sits in a statement that stays in the step, or the
    cell draws nothing but saves (a figure drawn elsewhere: the file is all it makes)."""
    saving = [bool(saving_calls(all_nodes(s))) for s in statements]
    if not any(saving):
        return False
    return any(kind != "plot" and saves for kind, saves in zip(kinds, saving, strict=True)) or all(
        kind != "plot" or is_saving_statement(statement) or _shows(statement)
        for statement, kind in zip(statements, kinds, strict=True)
    )


def _shows(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and call_name(statement.value) in ("show", "draw", "close")
    )


WIDGETS = frozenset({"interact", "interactive", "interact_manual"})
"""ipywidgets' functions that show a function's output under sliders in a notebook."""


def _widget_callbacks(statements: Sequence[ast.stmt]) -> set[str]:
    """The functions the cell shows in a widget: ``interact(plot_fit, degree=[1, 30])``."""
    return {
        call.args[0].id
        for statement in statements
        if isinstance(statement, ast.Expr)
        and isinstance(call := statement.value, ast.Call)
        and _is_widget(call)
        and call.args
        and isinstance(call.args[0], ast.Name)
    }


def _is_widget(call: ast.Call) -> bool:
    return dotted(call.func).split(".")[-1] in WIDGETS


def _widget_decorator(decorator: ast.expr) -> bool:
    """``@interact`` or ``@interact(n=(1, 10))`` above a def."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return dotted(target).split(".")[-1] in WIDGETS


def _draws(statement: ast.stmt) -> bool:
    """Whether the statement draws from a global random generator (or reseeds it)."""
    return bool(global_state_changes(statement))


def _kind(statement: ast.stmt, figure_names: set[str], *, keep_prints: bool) -> Kind | None:
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        name = dotted(call.func)
        if name in SEED_CALLS and literal_seed(call):
            return "seed"
        if is_setting_call(call, name) or _is_widget(call):
            return "setting"
        if name == "print" and not keep_prints and print_is_display(call):
            return "print"
        if is_plot_expression(call, figure_names):
            return "plot"
        return None
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if targets and all(is_setting_target(t) for t in targets):
            return "setting"
        value = statement.value
        if (
            isinstance(statement, ast.Assign)
            and value is not None
            and isinstance(value, ast.Call)
            and is_plot_expression(value, figure_names, assigned=True)
            and all(_simple_target(t) for t in targets)
        ):
            return "plot"
        if isinstance(statement, ast.Assign) and all(_rooted_in(t, figure_names) for t in targets):
            return "plot"  # `ax.title = …` on a figure the cell made
        if (
            isinstance(statement, ast.Assign)
            and isinstance(value, ast.Attribute | ast.Subscript)
            and root_name(value) in figure_names
            and all(_simple_target(t) for t in targets)
        ):
            return "plot"  # `axes = grid.axes`: a part of a figure the cell made
        return None
    if isinstance(statement, ast.For | ast.With) and statement.body:
        header: list[ast.AST] = (
            [statement.iter] if isinstance(statement, ast.For) else list(statement.items)
        )
        over_figures = isinstance(statement, ast.For) and bool(
            _names(statement.iter) & figure_names
        )
        if not _header_only_walks(statement, header, figure_names):
            return None
        inner = set(figure_names)
        if over_figures:
            # for ax in axes.flat / for ax, x in zip(axes, images): the loop draws on each
            assert isinstance(statement, ast.For)
            inner |= _names(statement.target)
        kinds = [_kind(s, inner, keep_prints=keep_prints) for s in statement.body]
        # In a loop over axes, a value computed only for the drawing belongs to it.
        drawn = [
            k == "plot" or k in ("print", "setting") or (over_figures and _local_view(s))
            for s, k in zip(statement.body, kinds, strict=True)
        ]
        if all(drawn) and "plot" in kinds:
            return "plot"
    return None


def _header_only_walks(
    statement: ast.For | ast.With, header: list[ast.AST], figure_names: set[str]
) -> bool:
    """Whether a block's header only plots or, for a loop, walks values
    (``for label, colour in zip(np.unique(y), colours):``); entering a ``with`` does work."""
    return not any(
        isinstance(n, ast.Call)
        and not is_plot_call_of(n, figure_names)
        and not (
            isinstance(statement, ast.For) and (call_name(n) in _ITERATING or is_unneeded_value(n))
        )
        for h in header
        for n in ast.walk(h)
    )


def _local_view(statement: ast.stmt) -> bool:
    """``img = x.reshape(8, 8)``: a view computed for the drawing (classify() keeps the loop
    as work when anything after it reads the name)."""
    return (
        isinstance(statement, ast.Assign)
        and all(isinstance(t, ast.Name) for t in statement.targets)
        and is_unneeded_value(statement.value)
    )


def print_is_display(call: ast.Call) -> bool:
    """A print of values that computing changes nothing (nb2pkg.analysis.display)."""
    if any(k.arg == "file" for k in call.keywords):
        return False
    values = [*call.args, *(k.value for k in call.keywords)]
    return not any(isinstance(a, ast.Starred) for a in call.args) and all(
        is_unneeded_value(value) for value in values
    )


def _rooted_in(target: ast.expr, names: set[str]) -> bool:
    if isinstance(target, ast.Name):
        return False
    root = root_name(target)
    return root is not None and root in names


def _simple_target(target: ast.expr) -> bool:
    return isinstance(target, ast.Name | ast.Tuple | ast.List | ast.Starred) and all(
        isinstance(n, ast.Name | ast.Tuple | ast.List | ast.Starred | ast.Load | ast.Store)
        for n in ast.walk(target)
    )


def _writes_figure(statements: Sequence[ast.stmt], *, keep_figure_files: bool) -> bool:
    """Whether the cell writes an image file that stays its output (see ``classify``)."""
    writers = FIGURE_WRITERS if keep_figure_files else FIGURE_WRITERS - {SAVING_METHOD}
    return any(
        isinstance(node, ast.Call) and call_name(node) in writers
        for statement in statements
        for node in ast.walk(statement)
    )


def _names(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _bound(statement: ast.stmt) -> set[str]:
    return {
        n.id
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _loaded(statement: ast.stmt) -> set[str]:
    return {
        n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
