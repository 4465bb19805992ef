"""Which statements leave a step, docstring summaries, and unused values."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from nb2pkg.analysis.library_code import classify
from nb2pkg.emit.unused_values import without_unused_values
from nb2pkg.plan.markdown_summary import markdown_summary


def kinds(source: str) -> list[str | None]:
    return list(classify(ast.parse(source).body))


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("pd.set_option('display.max_rows', 10)", "setting"),
        ("pd.options.display.float_format = '{:.2f}'.format", "setting"),
        ("plt.rcParams['figure.figsize'] = (8, 6)", "setting"),
        ("plt.style.use('ggplot')", "setting"),
        ("sns.set()", "setting"),
        ("np.set_printoptions(precision=3)", "setting"),
        ("warnings.filterwarnings('ignore')", "setting"),
        ("sys.path.insert(0, '..')", "setting"),
        ("sys.path.append('../helpers')", "setting"),
        # A debugger stop waits for the person at the screen: a pipeline would hang.
        ("pdb.set_trace()", "setting"),
        ("breakpoint()", "setting"),
        ("ipdb.set_trace()", "setting"),
        ("set_trace()", "setting"),
        ("np.random.seed(0)", "seed"),
        ("random.seed(42)", "seed"),
        ("plt.plot(x, np.sin(x))", "plot"),
        ("df['a'].plot(kind='hist')", "plot"),
        ("df.plot.bar()", "plot"),
        ("sns.histplot(df, x='a')", "plot"),
        ("print('accuracy', model.score(X, y))", "print"),
        # Work, never moved: a computing option, a seed from a value, a print that fits.
        ("pd.set_option('compute.use_numexpr', False)", None),
        ("np.random.seed(SEED)", None),
        ("print(model.fit(X, y))", None),
        ("print(train(df))", None),
        ("print(accuracy_score(y, y_pred))", "print"),
        ("df.to_csv('out.csv')", None),
        ("sys.path.insert(0, folder)", None),
    ],
)
def test_kind_of_one_statement(source: str, kind: str | None) -> None:
    assert kinds(source) == [kind]


def test_a_figure_the_cell_makes_is_drawn_on_by_its_methods() -> None:
    source = "fig, ax = plt.subplots()\nax.set_title('t')\nfor a in fig.axes:\n    a.grid(True)\n"

    assert kinds(source) == ["plot", "plot", "plot"]


def test_a_part_of_a_figure_the_cell_made_is_drawing() -> None:
    """``axes = grid.axes`` on a seaborn grid: the axes a cell then tweaks are no result."""
    source = (
        "grid = sns.lmplot(x='Age', y='Fare', data=df)\n"
        "axes = grid.axes\n"
        "first = axes[0, 0]\n"
        "first.set_ylim(-5,)\n"
    )

    assert kinds(source) == ["plot", "plot", "plot", "plot"]
    # read by work after it, the part stays work, and so does the grid it comes from
    assert kinds(source + "n = len(first.lines)\n") == [None, None, None, "plot", None]


def test_a_plot_whose_value_later_work_reads_stays_work() -> None:
    source = "ax = df.plot()\nlines = len(ax.get_lines())\n"

    assert kinds(source) == [None, None]


def test_a_figure_the_cell_saves_leaves_with_its_plots() -> None:
    source = "fig, ax = plt.subplots()\nax.plot(x)\nfig.savefig('figure.png', dpi=300)\n"

    assert kinds(source) == ["plot", "plot", "plot"]


@pytest.mark.parametrize(
    "source",
    [
        # saved among work: the file is drawn by that work
        "for m in models:\n    m.fit(X, y)\n    plt.plot(m.coef_)\n    plt.savefig('f.png')\n"
        "plt.plot(x)\n",
        # a figure an earlier cell made: the saving is all the cell does
        "plt.plot(x)\nearlier.savefig('figure.png')\n",
        # an image that is no figure of the run
        "plt.plot(x)\nplt.imsave('image.png', pixels)\n",
        # work draws on the figure too (a helper of the notebook's): the figure stays whole
        "fig, ax = plt.subplots()\nax.plot(x)\nformat_plot(ax, 'x')\nfig.savefig('f.png')\n",
        # saving what an earlier cell drew: the file is all the cell makes
        "plt.savefig('figure.png')\nplt.show()\n",
    ],
)
def test_plots_of_a_cell_whose_image_file_is_its_output_stay(source: str) -> None:
    assert "plot" not in kinds(source)


def test_a_saved_figure_a_later_cell_reads_keeps_its_plots() -> None:
    source = "plt.plot(x)\nplt.savefig('figure.png')\n"

    assert list(classify(ast.parse(source).body, keep_figure_files=True)) == [None, None]


def test_markdown_becomes_a_short_plain_text_summary() -> None:
    markdown = (
        "## 2. Load the <em>raw</em> data\n"
        "We read the [CSV file](data/raw.csv) with **pandas**.\n"
        "<img src='diagram.png'>\n\n"
        "| a | b |\n|---|---|\n\n"
        "Then we clean it. And a third sentence is too many.\n"
    )

    assert markdown_summary(markdown) == (
        "2. Load the raw data.\n\nWe read the CSV file with pandas."
    )


def test_markdown_of_only_an_image_gives_no_summary() -> None:
    assert markdown_summary("![chart](chart.png)") == ""


def test_unused_values_go_and_work_stays_as_a_statement() -> None:
    source = (
        "def step(model, X, y):\n"
        "    predictions = model.predict(X)\n"
        "    fitted = model.fit(X, y)\n"
        "    with open('f') as handle:\n"
        "        pass\n"
        "    return model\n"
    )

    cleaned = without_unused_values(cst.parse_module(source)).code

    assert cleaned == (
        "def step(model, X, y):\n"
        "    model.fit(X, y)\n"
        "    with open('f'):\n"
        "        pass\n"
        "    return model\n"
    )


def test_a_loop_that_changes_values_is_work_and_one_over_axes_draws() -> None:
    changing = "for r in rows:\n    r['y'] = r['x'] + 1\n"
    drawing = "fig, axes = plt.subplots(2)\nfor ax in axes.flat:\n    ax.set_title('t')\n"

    assert kinds(changing) == [None]
    assert kinds(drawing) == ["plot", "plot"]


def test_a_print_that_consumes_an_iterator_is_work() -> None:
    assert kinds("print(*rows)\nprint(list(rows))\nprint(next(rows))\n") == [None, None, None]


def test_a_print_of_text_made_from_values_is_a_print_and_writing_it_is_work() -> None:
    shown = "print(json.dumps(report))\nprint(pprint.pformat(stats))\n"
    written = "json.dump(report, f)\nprint(json.dumps(report), file=f)\n"

    assert kinds(shown) == ["print", "print"]
    assert kinds(written) == [None, None]


def test_a_loop_over_axes_and_images_draws() -> None:
    source = (
        "fig, axes = plt.subplots(1, 5)\n"
        "for ax, x in zip(axes, images[:5]):\n"
        "    img = x.reshape(8, 8)\n"
        "    ax.imshow(img)\n"
    )

    assert kinds(source) == ["plot", "plot"]


def test_a_plot_or_print_that_draws_random_numbers_is_work() -> None:
    # Leaving the draw out would change every number drawn after it.
    assert kinds("plt.hist(np.random.normal(size=50))\nprint(np.random.rand())\n") == [None, None]


def test_a_loop_whose_header_only_walks_values_and_whose_body_draws_is_a_plot() -> None:
    source = (
        "for label, colour in zip(np.unique(y), colours):\n"
        "    plt.scatter(X[y == label, 0], X[y == label, 1], c=colour)\n"
        "for i in range(4):\n"
        "    axes[i].imshow(images[i])\n"
    )

    assert kinds(source) == ["plot", "plot"]


def test_a_loop_whose_header_does_work_stays_work() -> None:
    source = "for batch in next(loader):\n    plt.plot(batch)\n"

    assert kinds(source) == [None]


def test_a_widget_and_the_function_it_shows_leave_the_step() -> None:
    source = (
        "def plot_fit(degree=1):\n"
        "    model = fit(degree)\n"
        "    plt.plot(model.predict(x))\n"
        "interact(plot_fit, degree=[1, 30])\n"
        "@widgets.interact(n=(1, 10))\n"
        "def show(n):\n"
        "    plt.plot(range(n))\n"
    )

    assert kinds(source) == ["setting", "setting", "setting"]


def test_a_widget_function_that_work_also_calls_stays() -> None:
    source = (
        "def explore(degree=1):\n"
        "    return fit(degree)\n"
        "interact(explore, degree=[1, 30])\n"
        "best = explore(3)\n"
    )

    assert kinds(source) == [None, "setting", None]


def test_unused_values_go_from_the_users_own_functions_too() -> None:
    source = (
        "def step(X, y, rows):\n"
        "    def plot_digits(n):\n"
        "        fig = plt.figure(figsize=(8, 8))\n"
        "        # find the best parameter\n"
        "        best = {}\n"
        "        shown, kept = X[n], y[n]\n"
        "        fig2, ax = plt.subplots()\n"
        "        return kept, ax\n"
        "    def uses_closure():\n"
        "        return limit\n"
        "    limit = 3\n"
        "    unread = X.copy()\n"
        "    return plot_digits(1), uses_closure()\n"
    )

    cleaned = without_unused_values(cst.parse_module(source)).code

    assert cleaned == (
        "def step(X, y, rows):\n"
        "    def plot_digits(n):\n"
        "        plt.figure(figsize=(8, 8))\n"
        "        # find the best parameter\n"
        "        kept = y[n]\n"
        "        fig2, ax = plt.subplots()\n"
        "        return kept, ax\n"
        "    def uses_closure():\n"
        "        return limit\n"
        "    limit = 3\n"
        "    return plot_digits(1), uses_closure()\n"
    )


def test_values_read_dynamically_or_deleted_stay() -> None:
    source = (
        "def step(df):\n"
        "    def pick(frame):\n"
        "        limit = 3\n"
        "        return frame.query('a > @limit')\n"
        "    def clear():\n"
        "        cache = {}\n"
        "        del cache\n"
        "    def outer():\n"
        "        total = 0\n"
        "        def add():\n"
        "            nonlocal total\n"
        "            total = 1\n"
        "        add()\n"
        "    return pick(df)\n"
    )

    assert without_unused_values(cst.parse_module(source)).code == source


def test_module_level_statements_and_class_attributes_stay() -> None:
    source = (
        "unused = compute()\n"
        "class Model:\n"
        "    size = 3\n"
        "    def fit(self, X):\n"
        "        extra = X.copy()\n"
        "        return self\n"
    )

    cleaned = without_unused_values(cst.parse_module(source), step=False).code

    assert cleaned == source.replace("        extra = X.copy()\n", "")
