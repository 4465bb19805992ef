"""The passes that tidy a generated step function, listed once.

``tidied`` runs them in order; ``tidying_changes`` asks each whether it may change a step, so
``nb2pkg.emit.sliced_functions`` gives its text only when none would. A pass is both at once:
adding one here adds it to both.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nb2pkg.analysis.nested_plots import plot_statements
from nb2pkg.analysis.plot_calls import may_draw
from nb2pkg.emit.function_scopes import has_unused_values
from nb2pkg.emit.rebound_names import may_rebind, rebound_names
from nb2pkg.emit.step_options import StepOptions

if TYPE_CHECKING:
    import libcst as cst

# The passes themselves are libcst transformers, imported on first use: a step cut from the
# cell's text (nb2pkg.emit.sliced_functions) asks only the cheap ``may_change`` checks.

_INT_CALL = re.compile(r"\bint\(")
"""Where a cast ``nb2pkg.emit.int_casts`` may take off can be (``print(`` is none)."""


@dataclass(frozen=True)
class TidyPass:
    """``asked``: whether the step's options ask for the pass. ``may_change``: whether it may
    change the step (its ``def``, the module holding it, its text); cheap, for the sliced
    path. ``apply``: the module and its text once tidied (the module itself when unchanged);
    ``tree`` is the text's ``ast`` when parsed already (``reads_tree``: parse it first)."""

    name: str
    asked: Callable[[StepOptions], bool]
    may_change: Callable[[ast.FunctionDef, ast.Module, str], bool]
    apply: Callable[[cst.Module, str, ast.Module | None, StepOptions], cst.Module]
    reads_tree: bool = False


def _always(options: StepOptions) -> bool:
    return True


def _without_int_casts(
    function: cst.Module, code: str, tree: ast.Module | None, options: StepOptions
) -> cst.Module:
    if not _INT_CALL.search(code):
        return function
    from nb2pkg.emit.int_casts import without_int_casts

    return without_int_casts(function, options.imported)


def _renamed(
    function: cst.Module, code: str, tree: ast.Module | None, options: StepOptions
) -> cst.Module:
    from nb2pkg.emit.rebound_names import with_rebound_names_renamed

    return with_rebound_names_renamed(function, code, tree)


def _without_prints(
    function: cst.Module, code: str, tree: ast.Module | None, options: StepOptions
) -> cst.Module:
    from nb2pkg.emit.nested_prints import without_prints

    return without_prints(function, code)


def _without_plots(
    function: cst.Module, code: str, tree: ast.Module | None, options: StepOptions
) -> cst.Module:
    from nb2pkg.emit.nested_plots import without_plots

    return without_plots(function, code, tree)


def _without_unused(
    function: cst.Module, code: str, tree: ast.Module | None, options: StepOptions
) -> cst.Module:
    from nb2pkg.emit.unused_values import without_unused

    return without_unused(function, code, tree, step=True)[0]


TIDY_PASSES: tuple[TidyPass, ...] = (
    TidyPass(
        "int_casts",
        _always,
        lambda definition, module, code: bool(_INT_CALL.search(code)),
        _without_int_casts,
    ),
    TidyPass(
        "rebound_names",
        _always,
        lambda definition, module, code: (
            may_rebind(definition, code) and bool(rebound_names(definition))
        ),
        _renamed,
        reads_tree=True,
    ),
    TidyPass(
        "nested_prints",
        lambda options: options.drop_prints,
        lambda definition, module, code: "print" in code,
        _without_prints,
    ),
    TidyPass(
        "nested_plots",
        lambda options: options.drop_plots,
        lambda definition, module, code: may_draw(code) and bool(plot_statements(definition)),
        _without_plots,
    ),
    TidyPass(
        "unused_values",
        _always,
        lambda definition, module, code: has_unused_values(module),
        _without_unused,
    ),
)
"""In the order they run: casts that do nothing taken off, rebound names renamed, nested
prints and plots dropped (if asked), unused values removed."""


def tidied(function: cst.Module, options: StepOptions) -> str:
    """The text of ``function`` (a module holding one step ``def``) once every pass its
    options ask for has run."""
    code = function.code
    tree: ast.Module | None = None  # read by the passes that follow while the code is the same
    for tidy in TIDY_PASSES:
        if not tidy.asked(options):
            continue
        if tidy.reads_tree and tree is None:
            tree = ast.parse(code)
        changed = tidy.apply(function, code, tree, options)
        if changed is not function:
            function, code, tree = changed, changed.code, None
    return code


def tidying_changes(function: ast.Module, code: str, options: StepOptions) -> bool:
    """Whether ``tidied`` may change the function whose text is ``code`` (``function``: its
    ``ast``). (nb2pkg.emit.sliced_functions gives its text only when nothing changes.)"""
    definition = function.body[0] if len(function.body) == 1 else None
    if not isinstance(definition, ast.FunctionDef):
        return True
    return any(
        tidy.asked(options) and tidy.may_change(definition, function, code) for tidy in TIDY_PASSES
    )
