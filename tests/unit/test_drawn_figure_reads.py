"""A cell that reads a figure an earlier function cell's plots make (NB318): the package draws
those plots apart from the step, which gives no such value."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.ir import Severity
from tests.unit.test_dataflow import codes, diagnostics, plan
from tests.unit.test_replanning import _again, _notebook

SETUP = ("import matplotlib.pyplot as plt\nvalues = [1, 3, 2]", ["function:load"])


def test_only_the_names_plots_assign_are_drawn_binds() -> None:
    analysis = analyze_cell("fig, ax = plt.subplots()\nax.plot(values)\ntotal = 1").analysis

    assert analysis.drawn_binds == ("fig", "ax")
    assert "fig" not in analysis.binds


def test_a_later_step_reading_a_figure_drawn_apart_is_refused() -> None:
    result = plan(
        SETUP,
        ("fig, ax = plt.subplots()\nax.plot(values)", ["function:draw"]),
        ("fig.savefig('plot.png')\ntotal = sum(values)", ["function:save"]),
    )

    [found] = diagnostics(result, "NB318")
    assert found.severity is Severity.ERROR
    assert found.location.cell_number == 3 and found.location.line == 1
    assert found.message.startswith("`fig` is made by the plots of cell 2")
    assert "NB303" not in codes(result)  # not "no cell defines it"


def test_a_figure_used_where_it_is_made_or_made_again_is_fine() -> None:
    result = plan(
        SETUP,
        ("fig, ax = plt.subplots()\nax.plot(values)\nfig.savefig('a.png')", ["function:draw"]),
        ("fig = plt.figure()\nfig.savefig('b.png')", ["function:again"]),
    )

    assert "NB318" not in codes(result)


def test_plots_of_an_unmarked_cell_are_no_drawn_figure() -> None:
    result = plan(
        SETUP,
        ("fig, ax = plt.subplots()\nax.plot(values)", []),
        ("fig.savefig('plot.png')\ntotal = sum(values)", ["function:save"]),
    )

    assert codes(result) == ["NB303"]  # unpackaged: a required input of run(), as before


def test_planned_again_after_the_figure_moves_out_of_the_plots(tmp_path: Path) -> None:
    cells = [
        SETUP,
        ("fig, ax = plt.subplots()\nax.plot(values)", ["function:draw"]),
        ("fig.savefig('plot.png')\ntotal = sum(values)", ["function:save"]),
    ]
    first, memory = _again(_notebook(cells, tmp_path), tmp_path, None)
    assert codes(first).count("NB318") == 1

    cells[2] = ("total = sum(values)", ["function:save"])
    again, _ = _again(_notebook(cells, tmp_path), tmp_path, memory)
    assert "NB318" not in codes(again)


def test_a_stem_a_step_computes_is_its_value_for_the_next() -> None:
    result = plan(
        ("class Stemmer:\n    def stem(self, w):\n        return w[:4]", ["function:tools"]),
        ("porter = Stemmer()\nroot = porter.stem('running')", ["function:stem"]),
        ("size = len(root)", ["function:measure"]),
    )

    assert "NB318" not in codes(result)
    assert not [d for d in result.diagnostics if d.severity is Severity.ERROR]
