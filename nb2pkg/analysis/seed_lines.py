"""Which seed lines of a cell a step may leave to ``steps()`` (nb2pkg.analysis.library_code's
``seed`` kind), and which stay in the step, in their place."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from nb2pkg.analysis.effects import family_of, is_seed


def seeds_after_draws_stay(
    groups: list[list[ast.stmt]],
    kinds: list[str | None],
    global_state: Sequence[tuple[str, int]],
    offset: int,
) -> list[str | None]:
    """The kinds, but a seed line below a draw from a global random generator is work: it
    stays in the step, in its place. (``steps()`` runs a step's seeds right before it, which
    would reseed before the draws above the seed and change what they give.) ``global_state``:
    the cell's ``CellAnalysis.global_state``, lines shifted by ``offset``."""
    draws = [line for what, line in global_state if family_of(what) and not is_seed(what)]
    if not draws:
        return kinds
    first_draw = min(draws)
    return [
        None if kind == "seed" and statements[0].lineno + offset > first_draw else kind
        for statements, kind in zip(groups, kinds, strict=True)
    ]
