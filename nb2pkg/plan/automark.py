"""Propose a marking for a notebook nobody has tagged yet.

The rules are meant to be predicted by a reader (the README lists them):

1. Cells that already carry an nb2pkg role tag keep it; nothing is proposed for them.
2. The first code cell of only literal assignments (comments allowed), before any cell that
   computes a value, becomes ``parameters`` (unless the notebook already has one). Imports and
   setup calls before it (``pd.set_option``, ``np.random.seed``) do not count as computing.
3. A cell of bare ``assert`` statements becomes ``test``.
4. A cell that only displays (the statements the build drops from functions: bare names,
   ``.head()``, ``print()``…) or only plots or sets display options (``plt.…``, ``ax.…``,
   ``df.plot(…)``, ``pd.set_option("display.…")``) becomes ``skip``; with imports, it stays
   unmarked so the imports count. So does a cell whose blocks only print (a ``try`` printing
   in each branch), and a cell with a ``raise`` at its top level that binds nothing (it shows
   an error).
5. A cell that only defines functions or classes (imports allowed) becomes ``export``.
6. Every other code cell is work. Work cells are grouped into functions by dataflow
   (``nb2pkg.plan.step_groups``): consecutive cells under one heading share a function while they
   pass intermediate values, and a function is named from its heading (a short verb phrase,
   ``nb2pkg.plan.step_names``) or from what it computes (``load_data``, ``fit_model``…), never a
   name that shadows a builtin or a module.
7. Cells of only imports, magics or comments stay unmarked: the build hoists imports wherever
   they are.
8. The function cell that fits the pipeline's model (as the build finds it: the last fitted
   value the pipeline keeps) also gets ``model``; a later one that applies the model to new
   rows gets ``predict`` (``nb2pkg.plan.model_proposal``).

Everything is read from the build's own per-cell analysis (``nb2pkg.analysis``, gathered per
cell with its heading by ``nb2pkg.plan.automark_cells``), and is a pure function of the cells,
so the same notebook always gets the same proposal.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from nb2pkg.ir import CellAnalysis, Role
from nb2pkg.plan import cell_kinds
from nb2pkg.plan.automark_cells import (
    CellFacts,
    cell_facts,
    existing_names,
    has_role,
    last_heading,
    snake_case,
    title_key,
)
from nb2pkg.plan.figure_cells import with_figure_cells
from nb2pkg.plan.metrics_proposal import METRICS_TAG, scores_bound
from nb2pkg.plan.random_draws import free_draws
from nb2pkg.plan.step_groups import Group, WorkCell, group_work_cells, name_groups
from nb2pkg.roles.vocabulary import METRICS_PREFIXES, RESERVED_NAMES, role_of_tag

__all__ = ["Proposal", "apply_in_memory", "has_role", "last_heading", "propose", "snake_case"]


@dataclass(frozen=True)
class Proposal:
    """What automatic marking proposes for one code cell."""

    index: int
    """0-based position of the cell in the notebook."""
    cell_id: str
    tags: tuple[str, ...]
    """The cell's full tag list after the proposal (its existing tags first)."""
    role_tag: str | None
    """The tag added, or None when the cell stays as it is."""
    reason: str
    added: tuple[str, ...] = ()
    """Every tag added: the role tag, then ``model`` or ``predict`` when proposed."""


def propose(cells: Sequence[Mapping[str, Any]]) -> list[Proposal]:
    """A proposal for every code cell, in document order (see the module docstring)."""
    facts = cell_facts(cells)
    title = title_key(cells)
    analyses = [f.parsed.analysis if f.parsed.parses else None for f in facts]
    # Draws from a global random generator keep a cell only when a packaged cell after it
    # draws from the same generator: leaving cells out frees more draws, so repeat until
    # nothing changes (each round can only leave out more).
    packaged = [not (f.marked and any(role_of_tag(t) is Role.SKIP for t in f.tags)) for f in facts]
    free = free_draws(analyses, packaged)
    while True:
        roles, work, groups, dropped = _roles_and_groups(facts, title, free, analyses, packaged)
        packaged = [w.packaged and i not in dropped for i, w in enumerate(work)]
        freer = free_draws(analyses, packaged)
        if freer <= free:
            break
        free = freer
    avoid = _bound_and_imported(facts) | RESERVED_NAMES
    name_groups(work, groups, existing_names(cells), avoid)
    names = {member: group.name for group in groups for member in group.members}

    proposals: list[Proposal] = []
    for position, (fact, (role, reason)) in enumerate(zip(facts, roles, strict=True)):
        tag = role
        if position in dropped:
            reason = "its values are computed again before any packaged cell reads them"
            tag = "skip"
            if cell_kinds.has_imports(fact.parsed):
                tag, reason = None, f"{reason}; it stays unmarked so its imports count"
        elif role == "function":
            tag = f"function:{names[position]}"
        if tag is None:
            proposals.append(Proposal(fact.index, fact.cell_id, fact.tags, None, reason))
        else:
            proposals.append(
                Proposal(fact.index, fact.cell_id, (*fact.tags, tag), tag, reason, (tag,))
            )
    proposals = with_figure_cells(facts, proposals)
    return _with_metrics_tags(facts, _with_model_tags(cells, proposals))


def _roles_and_groups(
    facts: list[CellFacts],
    title: int | None,
    free: set[int],
    analyses: Sequence[CellAnalysis | None],
    packaged: Sequence[bool],
) -> tuple[list[tuple[str | None, str]], list[WorkCell], list[Group], set[int]]:
    """Each cell's role and why, the work cells, their functions and the cells left out;
    ``free``: the cells whose draws from a global generator matter to no later packaged cell
    (``packaged``: the cells packaged, as the previous round found them)."""
    has_parameters = any("parameters" in f.tags or "pipeline-parameters" in f.tags for f in facts)
    # First the role of each cell, then groups and names: a plot cell may turn into a step.
    roles: list[tuple[str | None, str]] = []
    figures: set[str] = set()
    drawing: set[str] = set()  # functions that only draw, from a global random generator too
    computed = False
    for position, fact in enumerate(facts):
        role, reason = _role_of(
            fact,
            figures,
            computed=computed,
            has_parameters=has_parameters,
            draws_matter=position not in free,
            drawing=drawing,
        )
        plotters = cell_kinds.plotting_functions(fact.parsed)
        figures |= plotters  # calling one is a plot
        drawing |= plotters if fact.parsed.analysis.global_state else set()
        has_parameters = has_parameters or role == "parameters"
        computed = computed or _computes(fact, role)
        roles.append((role, reason))
    _keep_figures_later_steps_use(facts, roles)
    _defs_reading_step_values_become_steps(facts, roles)
    work = [
        _work_cell(position, fact, role, title)
        for position, (fact, (role, _)) in enumerate(zip(facts, roles, strict=True))
    ]

    def draws_free(members: Sequence[int]) -> bool:
        """Whether the draws of ``members`` matter to no packaged cell but themselves."""
        inside = set(members)
        others = [kept and i not in inside for i, kept in enumerate(packaged)]
        found = free_draws(analyses, others)
        drawing = [i for i in members if (a := analyses[i]) is not None and a.global_state]
        return all(i in found for i in drawing)

    groups, dropped = group_work_cells(work, draws_free)
    return roles, work, groups, dropped


def _with_metrics_tags(facts: Sequence[CellFacts], proposals: list[Proposal]) -> list[Proposal]:
    """``metrics`` on the first cell of a proposed function that binds scores
    (``nb2pkg.plan.metrics_proposal``), so the run logs them: once per function, whether the
    function is that one cell or several (``metrics`` on any of its cells logs the numbers the
    whole step returns), and never where one of its cells already has it."""
    by_index = {fact.index: fact for fact in facts}
    tagged_functions = {
        tag
        for p in proposals
        if any(t in METRICS_PREFIXES for t in p.tags)
        for tag in p.tags
        if tag.startswith("function:")
    }
    extra: dict[int, tuple[str, str]] = {}
    for proposal in proposals:
        function = proposal.role_tag
        if function is None or not function.startswith("function:"):
            continue
        if function in tagged_functions or proposal.index not in by_index:
            continue
        scores = scores_bound(by_index[proposal.index].parsed.analysis.python_source)
        if scores:
            named = ", ".join(f"`{name}`" for name in scores)
            extra[proposal.index] = (METRICS_TAG, f"binds the scores {named}: logged as metrics")
            tagged_functions.add(function)
    return _with_tags(proposals, extra)


def _alone(proposals: Sequence[Proposal]) -> set[int]:
    """Indexes of the cells proposed as a function of their own (not one of several cells)."""
    sizes: dict[str, int] = {}
    for proposal in proposals:
        if proposal.role_tag and proposal.role_tag.startswith("function:"):
            sizes[proposal.role_tag] = sizes.get(proposal.role_tag, 0) + 1
    return {p.index for p in proposals if p.role_tag is not None and sizes.get(p.role_tag) == 1}


def _with_tags(proposals: list[Proposal], extra: Mapping[int, tuple[str, str]]) -> list[Proposal]:
    """``proposals`` with the (tag, why) of ``extra`` added to the cells it names."""
    result: list[Proposal] = []
    for proposal in proposals:
        if proposal.index not in extra:
            result.append(proposal)
            continue
        tag, why = extra[proposal.index]
        result.append(
            replace(
                proposal,
                tags=(*proposal.tags, tag),
                reason=f"{proposal.reason}; {why}",
                added=(*proposal.added, tag),
            )
        )
    return result


def _with_model_tags(
    cells: Sequence[Mapping[str, Any]], proposals: list[Proposal]
) -> list[Proposal]:
    """``model`` on the cell that fits the model, ``predict`` on one that applies it to new
    rows (``nb2pkg.plan.model_proposal``); only on cells proposed as functions of their own."""
    alone = _alone(proposals)
    if not alone:
        return proposals
    from nb2pkg.plan.model_proposal import model_tags  # plans the notebook: only when needed

    marked = [dict(cell) for cell in cells]
    for proposal in proposals:
        metadata = dict(marked[proposal.index].get("metadata") or {})
        metadata["tags"] = list(proposal.tags)
        marked[proposal.index]["metadata"] = metadata
    return _with_tags(proposals, model_tags(marked, alone))


def _work_cell(position: int, fact: CellFacts, role: str | None, title: int | None) -> WorkCell:
    packaged = role not in (None, "skip") or (
        fact.marked and not any(role_of_tag(t) is Role.SKIP for t in fact.tags)
    )
    return WorkCell(
        position=position,
        number=fact.index + 1,
        parsed=fact.parsed if fact.parsed.parses else None,
        role=role,
        packaged=packaged,
        heading=fact.heading,
        heading_key=fact.heading_key,
        heading_is_title=fact.heading_key is not None and fact.heading_key == title,
        ipython=fact.ipython,
    )


def _bound_and_imported(facts: Sequence[CellFacts]) -> set[str]:
    """Names the notebook binds, and the modules it imports: no function may take them."""
    names: set[str] = set()
    for fact in facts:
        analysis = fact.parsed.analysis
        names.update(analysis.binds)
        for binding in analysis.imports:
            names.add(binding.bound)
            names.add(binding.module.split(".")[0])
    names.discard("*")
    return names


def _computes(fact: CellFacts, role: str | None) -> bool:
    """Whether a cell computes a value (after which literals are no longer parameters)."""
    if role in ("parameters", "export"):
        return True
    if role != "function":
        return False
    return bool(fact.parsed.analysis.value_binds)


def _role_of(
    fact: CellFacts,
    figures: set[str],
    *,
    computed: bool,
    has_parameters: bool,
    draws_matter: bool = True,
    drawing: set[str] | frozenset[str] = frozenset(),
) -> tuple[str | None, str]:
    """The role tag proposed for one cell (None: stays as it is) and why."""
    parsed = fact.parsed
    if fact.marked:
        return None, "already marked"
    if parsed.module is None:
        return None, "not valid Python: left unmarked"
    if cell_kinds.is_imports_only(parsed):
        return None, "only imports, magics or comments: the build hoists imports"
    if cell_kinds.always_raises(parsed):
        return "skip", "raises an error at its top level: shows what goes wrong"
    if cell_kinds.is_assert_only(parsed):
        return "test", "only assert statements"
    if cell_kinds.is_definitions_only(parsed, draws_matter=draws_matter):
        return "export", "only defines functions or classes"
    shown = cell_kinds.is_display_only_cell(parsed) or (
        not draws_matter and cell_kinds.shows_only_draws(parsed)
    )
    kind = "displays values" if shown else None
    if kind is None and cell_kinds.is_plot_only(
        parsed, figures, draws_matter=draws_matter, drawing=drawing
    ):
        kind = "plots or sets display options"
    if kind is not None:
        # Why not skip: a skipped cell is no source of names, and its imports must still count.
        if cell_kinds.has_imports(parsed):
            return None, f"imports and only {kind}: stays unmarked"
        return "skip", f"only {kind}"
    if not computed and not has_parameters and cell_kinds.is_literal_assignments(parsed):
        return "parameters", "the first cell of literal assignments, before any computed value"
    where = f"under heading {fact.heading!r}" if fact.heading else "before any heading"
    return "function", f"code {where}"


def _defs_reading_step_values_become_steps(
    facts: list[CellFacts], roles: list[tuple[str | None, str]]
) -> None:
    """A cell of ``def``s whose bodies read values earlier steps compute (``tpr``, ``model``)
    becomes a step, not an export: at module level those names are bound by nothing, while
    inside a step they are its inputs and the functions are its outputs."""
    computed: set[str] = set()
    for position, fact in enumerate(facts):
        role, _ = roles[position]
        analysis = fact.parsed.analysis
        if role == "export":
            read = sorted({name for _, name in analysis.def_globals} & computed)
            if read:
                shown = ", ".join(f"`{n}`" for n in read[:3])
                roles[position] = ("function", f"defines functions that read {shown} of steps")
                role = "function"
        if role == "function":
            computed |= set(analysis.binds)


def _keep_figures_later_steps_use(
    facts: list[CellFacts], roles: list[tuple[str | None, str]]
) -> None:
    """A skipped plot cell that creates a figure or axes a later step draws on becomes a step
    too: skipped, it would leave that step with an input nobody provides. A later cell that
    makes a figure of the same name again (``fig, ax = plt.subplots()``) is where the steps
    after it take theirs from."""
    for position in range(len(facts) - 1, -1, -1):
        role, reason = roles[position]
        if role != "skip" or not reason.startswith("only plots"):
            continue
        created = cell_kinds.figures_created(facts[position].parsed)
        later_reads: set[str] = set()
        for fact, (later_role, _) in zip(facts[position + 1 :], roles[position + 1 :], strict=True):
            if later_role == "function":
                later_reads |= cell_kinds.reads_with_plots(fact.parsed) & created
            created = created - cell_kinds.figures_created(fact.parsed)
            if not created:
                break
        if later_reads:
            roles[position] = ("function", "plots, but creates a figure a later step uses")


def apply_in_memory(nb_json: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the raw notebook with the proposed tags merged in; the input is untouched."""
    result: dict[str, Any] = copy.deepcopy(dict(nb_json))
    cells = result.get("cells")
    if not isinstance(cells, list):
        return result
    for proposal in propose(cells):
        if proposal.role_tag is None:
            continue
        cell = cells[proposal.index]
        metadata = cell.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
            cell["metadata"] = metadata
        metadata["tags"] = list(proposal.tags)
    return result
