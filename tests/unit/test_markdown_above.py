"""The markdown above each code cell, given back from the last notebook when only the text of
code cells changed, and made again for any other edit."""

from __future__ import annotations

from dataclasses import replace

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.ir import Cell, Role, TaggedCell
from nb2pkg.plan.fixed_facts import FixedFacts
from nb2pkg.plan.markdown_summary import markdown_above


def cells() -> tuple[Cell, ...]:
    return (
        Cell(1, "intro", "markdown", "# Loading\nReads the table."),
        Cell(2, "load", "code", "table = [1, 2]\n"),
        Cell(3, "notes", "markdown", "Scales it."),
        Cell(4, "scale", "code", "scaled = [v * 2 for v in table]\n"),
    )


def made_afresh(edited: tuple[Cell, ...]) -> dict[str, str]:
    markdown_above(())  # another notebook in between: nothing to give back
    return markdown_above(edited)


def test_an_edit_of_a_code_cell_text_gives_back_the_last_summaries() -> None:
    before = cells()
    first = markdown_above(before)
    edited = (*before[:3], replace(before[3], source="scaled = [v * 3 for v in table]\n"))

    again = markdown_above(edited)

    assert again is first
    assert (
        again
        == made_afresh(edited)
        == {"load": "Loading.\n\nReads the table.", "scale": "Scales it."}
    )


def test_an_edit_of_markdown_a_new_id_or_a_new_cell_type_makes_the_summaries_again() -> None:
    before = cells()
    for edited in (
        (*before[:2], replace(before[2], source="Doubles it."), before[3]),
        (*before[:3], replace(before[3], cell_id="double")),
        (*before[:3], replace(before[3], cell_type="markdown")),
        (before[0], replace(before[1], cell_type="markdown"), *before[2:]),
    ):
        markdown_above(before)

        assert markdown_above(edited) == made_afresh(edited)


def test_the_fixed_facts_follow_a_cell_that_starts_or_stops_saving_a_figure() -> None:
    plain = TaggedCell(Cell(1, "plot", "code", "x = 1\n"), Role.FUNCTION, "plot")
    saving = replace(
        plain,
        cell=replace(plain.cell, source="import matplotlib.pyplot as plt\nplt.savefig('a.png')\n"),
    )
    facts = FixedFacts([plain], {"plot": analyze_cell(plain.cell.source)}, analyze_cell)
    assert not facts.saves_figures

    facts.update([saving], [0])
    assert facts.saves_figures

    facts.update([plain], [0])
    assert not facts.saves_figures
