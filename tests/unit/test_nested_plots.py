"""Plot statements among a step's work leave it; the work, and what it reads, stays."""

from __future__ import annotations

import textwrap

import libcst as cst

from nb2pkg.analysis.nested_plots import draws_among_work
from nb2pkg.emit.nested_plots import without_plots


def tidy(source: str) -> str:
    return without_plots(cst.parse_module(textwrap.dedent(source))).code


def test_drawing_inside_a_loop_that_fits_goes_and_the_fit_stays() -> None:
    source = """\
        def step(models, X, y):
            fig = plt.figure()
            for i, model in enumerate(models):
                ax = fig.add_subplot(1, 2, i + 1)
                model.fit(X, y)
                ax.set_xticks([]); ax.set_yticks([])
                ax.plot(model.predict(X))
                if i == 0:
                    ax.set_title("first")
            return models
        """

    assert tidy(source) == textwrap.dedent("""\
        def step(models, X, y):
            for i, model in enumerate(models):
                model.fit(X, y)
            return models
        """)


def test_a_figure_the_step_returns_or_work_reads_stays() -> None:
    source = """\
        def step(x):
            fig, ax = plt.subplots()
            for value in x:
                ax.plot(value)
            lines = len(ax.get_lines())
            return fig, lines
        """

    assert tidy(source) == textwrap.dedent(source)


def test_a_step_that_saves_its_figure_keeps_its_plotting() -> None:
    source = """\
        def step(x):
            for value in x:
                total = value * 2
                plt.plot(total)
            plt.savefig("figure.png")
            return total
        """

    assert tidy(source) == textwrap.dedent(source)


def test_a_plot_drawing_random_numbers_leaves_its_draws_and_a_with_keeps_a_pass() -> None:
    source = """\
        def step(x, path):
            fig, ax = plt.subplots()
            with open(path) as handle:
                plt.title(handle.name)
            for value in x:
                ax.scatter(value, np.random.rand() * 2, s=np.random.randint(1, 5))

                ax.plot(np.random.randn(3).cumsum())
            return x
        """

    assert tidy(source) == textwrap.dedent("""\
        def step(x, path):
            with open(path) as handle:
                pass
            for value in x:
                # the notebook's plot drew these from the global random generator
                np.random.rand()
                np.random.randint(1, 5)

                np.random.randn(3)
            return x
        """)


def test_a_random_plot_whose_value_work_reads_or_drawn_repeatedly_stays() -> None:
    source = """\
        def step(x):
            lines = plt.plot(np.random.rand(3))
            plt.plot([np.random.rand() for _ in x])
            np.random.seed(0)
            plt.hist(np.random.rand(9), bins=np.random.shuffle(x))
            return len(lines)
        """

    assert tidy(source) == textwrap.dedent(source).replace(
        "    plt.hist(np.random.rand(9), bins=np.random.shuffle(x))\n",
        "    # the notebook's plot drew these from the global random generator\n"
        "    np.random.rand(9)\n    np.random.shuffle(x)\n",
    )


def test_a_cell_that_draws_among_work_is_told_from_one_that_draws_apart() -> None:
    tangled = (
        "fig, ax = plt.subplots()\nfor m in models:\n    m.fit(X, y)\n    ax.plot(m.predict(X))\n"
    )
    apart = "for m in models:\n    m.fit(X, y)\nplt.plot(X)\nfor c in colours:\n    plt.plot(c)\n"

    assert draws_among_work(tangled)
    assert not draws_among_work(apart)


def test_axes_of_a_figure_the_step_returns_keep_their_drawing() -> None:
    source = """\
        def step(x):
            fig = plt.figure()
            for i, value in enumerate(x):
                ax = fig.add_subplot(1, 2, i + 1)
                ax.plot(value)
            return fig
        """

    assert tidy(source) == textwrap.dedent(source)
