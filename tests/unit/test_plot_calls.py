"""One table and one rule decide which calls plot (nb2pkg.analysis.plot_calls), for the
auto-marker (libcst), the step analysis and the name analysis (stdlib ast) alike."""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst
import pytest

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.analysis.library_code import classify
from nb2pkg.analysis.plot_calls import is_plot_call, is_plot_call_of, may_draw
from nb2pkg.plan.automark import propose
from nb2pkg.plan.cell_kinds import is_plot_only

PLOTS = [
    "plt.plot(x)",
    "sns.heatmap(corr)",
    "df.plot.bar()",
    "df['x'].plot(kind='hist').get_figure()",
    "pd.plotting.scatter_matrix(df)",
    "pd.scatter_matrix(df, figsize=(10, 10))",
    "mglearn.plots.plot_tree()",
    "mglearn.discrete_scatter(X[:, 0], X[:, 1], y)",
    "plot_decision_boundary(model, X)",
    "fig.add_subplot(2, 2, 1)",
    "df.hist()",
    "axes[0].set_title('a')",
    "ConfusionMatrixDisplay.from_predictions(y_test, predictions)",
    "figsize(8, 8)",
]
NOT_PLOTS = [
    "optimizer.step()",
    "canvas.draw_text('a')",
    "path.stem.upper()",
    "model.fit(X, y)",
    "np.histogram(x)",
    "config.figsize(8, 8)",
    "plot_data.sum()",
    "plot_data['travelers'].idxmax()",
]


@pytest.mark.parametrize("code", PLOTS)
def test_both_trees_agree_that_a_call_plots(code: str) -> None:
    assert is_plot_call_of(ast.parse(code, mode="eval").body)
    assert is_plot_call(cst.parse_expression(code))


@pytest.mark.parametrize("code", NOT_PLOTS)
def test_both_trees_agree_that_a_call_does_not_plot(code: str) -> None:
    assert not is_plot_call_of(ast.parse(code, mode="eval").body)
    assert not is_plot_call(cst.parse_expression(code))


def test_a_method_of_a_figure_the_cell_made_plots() -> None:
    assert is_plot_call_of(ast.parse("ax.step(x, y)", mode="eval").body, {"ax"})
    assert not is_plot_call_of(ast.parse("ax.step(x, y)", mode="eval").body)


@pytest.mark.parametrize("code", PLOTS)
def test_a_cell_the_step_analysis_moves_to_figures_is_plot_only_for_the_auto_marker(
    code: str,
) -> None:
    """The disagreement this rule removes: the step analysis moved a cell's plot out and the
    auto-marker kept the cell as a step, which left an empty function."""
    parsed = analyze_cell(f"# a comment\n{code}\n")
    assert parsed.module is not None
    assert classify(ast.parse(parsed.module.code).body) == ["plot"]
    assert is_plot_only(parsed, {"axes"})


@pytest.mark.parametrize(
    "code",
    [
        "sns.load_dataset('tips')",
        "sns.load_dataset('tips').dropna()",
        "sns.get_dataset_names()",
        "px.data.iris()",
        "px.data.gapminder().query('year == 2007')",
        "plotly.express.data.tips()",
        "plt.imread('photo.png')",
        "matplotlib.image.imread('photo.png')",
        "mpimg.imread('photo.png')",
    ],
)
def test_a_plotting_librarys_data_loaders_do_not_plot(code: str) -> None:
    assert not is_plot_call_of(ast.parse(code, mode="eval").body)
    assert not is_plot_call(cst.parse_expression(code))
    assert not is_plot_only(analyze_cell(f"data = {code}\n"), set())


def test_a_data_set_a_plotting_library_loads_is_a_value_later_cells_read() -> None:
    """The cell loading ``tips`` was skipped as a plot, and so was every cell after it
    reading ``tips`` (it counted as a figure): the package lost the data."""
    cells = [
        "import seaborn as sns",
        "tips = sns.load_dataset('tips')\ntips.head()",
        "tips['tip_pct'] = 100 * tips['tip'] / tips['total_bill']",
    ]
    roles = [p.role_tag for p in propose([_code(c) for c in cells])]
    assert roles[1] is not None and roles[1].startswith("function")
    assert roles[2] is not None and roles[2].startswith("function")
    assert "tips" in analyze_cell(cells[1]).analysis.value_binds


def _code(text: str) -> dict[str, Any]:
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": []}


@pytest.mark.parametrize("code", PLOTS)
def test_the_text_of_a_call_that_plots_may_draw(code: str) -> None:
    assert may_draw(code)
    assert may_draw(f"def step(x):\n    y = {code}\n    return y\n")


@pytest.mark.parametrize(
    "code",
    [
        "values = [min(v, 1000.0) for v in scaled]\nsummary = statistics.mean(values)\n",
        "optimizer.step()",
        "model.fit(X, y)",
        "np.histogram(x)",
        "displayed = plotted + 1",
    ],
)
def test_text_with_no_word_of_the_rule_cannot_draw(code: str) -> None:
    tree = ast.parse(code)
    assert not any(is_plot_call_of(n) for n in ast.walk(tree))
    assert not may_draw(code)


def test_text_that_spells_a_name_in_other_letters_may_draw() -> None:
    # Python reads the fullwidth letters as `plt` (NFKC): the words of the text do not tell.
    code = "\uff50lt.plot(x)"
    assert is_plot_call_of(ast.parse(code).body[0].value)  # type: ignore[attr-defined]
    assert may_draw(code)


@pytest.mark.parametrize(
    "code",
    ["root = porter.stem('running')", "labels = client.annotate(image)"],
)
def test_a_value_a_drawing_methods_name_gives_is_work_on_an_object_of_its_own(code: str) -> None:
    # nltk's stemmers, Django querysets, annotation clients: not axes, whatever the name
    analysis = analyze_cell(f"{code}\nsize = len(x)").analysis
    target = code.split(" = ")[0]

    assert classify(ast.parse(code).body) == [None]
    assert target in analysis.binds and target not in analysis.drawn_binds
    assert not is_plot_call(cst.parse_expression(code.split(" = ")[1]), assigned=True)


@pytest.mark.parametrize(
    "code",
    [
        "ax.annotate('peak', xy=(3, 6))",  # on its own line: axes made in another cell
        "fig, ax = plt.subplots()\nnote = ax.annotate('peak', xy=(3, 6))",  # axes of the cell
        "note = plt.annotate('peak', xy=(3, 6))",
    ],
)
def test_annotating_axes_still_plots(code: str) -> None:
    tree = ast.parse(code)

    assert classify(tree.body)[-1] == "plot"
