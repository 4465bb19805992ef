"""A cell that only draws a figure of the step just before it joins that step.

``plt.scatter(y_test, pred)`` right after the cell that computes ``pred``: on its own the cell
would be left out (it computes nothing a later cell reads) and its figure lost. Joined to the
step, its plot statements become the step's figure function (nb2pkg.emit.figures), drawn and
logged as an MLflow artifact of a tracked run; the step's own code is unchanged, since plots
leave steps. A cell joins only the function cell right before it (cells of one function are
consecutive), and not when it uses IPython syntax (a cell magic must start its cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nb2pkg.plan.automark import Proposal
    from nb2pkg.plan.automark_cells import CellFacts

PLOT_ONLY_REASON = "only plots or sets display options"


def with_figure_cells(facts: Sequence[CellFacts], proposals: list[Proposal]) -> list[Proposal]:
    """``proposals`` with each drawing cell proposed as part of the function before it."""
    joined = list(proposals)
    for position in range(1, len(joined)):
        proposal, before = joined[position], joined[position - 1]
        fact = facts[position]
        if (
            proposal.role_tag != "skip"
            or proposal.reason != PLOT_ONLY_REASON
            or before.role_tag is None
            or not before.role_tag.startswith("function:")
            or fact.ipython
            or not any(kind == "plot" for _, kind in fact.parsed.analysis.library_statements)
        ):
            continue
        tag = before.role_tag
        name = tag.split(":", 1)[1]
        joined[position] = replace(
            proposal,
            tags=(*fact.tags, tag),
            role_tag=tag,
            reason=f"draws a figure of `{name}`: logged with its tracked run",
            added=(tag,),
        )
    return joined
