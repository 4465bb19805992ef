"""Each automatic-marking rule, on small notebooks built in the test."""

from __future__ import annotations

import builtins
import copy
import keyword
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nb2pkg.plan.automark import apply_in_memory, propose, snake_case
from nb2pkg.plan.step_groups import MAX_MERGED_LINES
from nb2pkg.plan.step_names import heading_name, short_file_name


def _md(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str, tags: list[str] | None = None, cell_id: str | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "code", "metadata": {}, "source": text, "outputs": []}
    if tags is not None:
        cell["metadata"]["tags"] = tags
    if cell_id:
        cell["id"] = cell_id
    return cell


def _roles(cells: list[dict[str, Any]]) -> list[str | None]:
    return [p.role_tag for p in propose(cells)]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("1. Load data", "load_data"),
        ("2.3 Load data", "load_data"),
        ("Step 4: Load data", "load_data"),
        ("Load `data` from [the CSV](data.csv)", "load_data_from_the_csv"),
        ("trainModel quickly, then evaluate it", "train_model_quickly_then_evaluate"),
        ("Introduction to NumPy", "introduction_to_numpy"),
    ],
)
def test_headings_become_snake_case(heading: str, expected: str) -> None:
    assert snake_case(heading) == expected


def test_code_under_a_heading_becomes_a_function_named_from_it() -> None:
    cells = [_md("# Churn study\n\n## 1. Load the *raw* Data!"), _code("df = read()\ndf2 = df * 2")]
    assert _roles(cells) == ["function:load_raw_data"]


def test_consecutive_cells_under_one_heading_form_one_function() -> None:
    cells = [
        _md("## Clean"),
        _code("a = f(1)"),
        _code("b = g(a)"),
        _md("## Train"),
        _code("m = h(b)"),
    ]
    assert _roles(cells) == ["function:clean", "function:clean", "function:train"]


def test_more_functions_under_a_heading_are_named_from_what_they_compute() -> None:
    cells = [
        _md("## Clean"),
        _code("a = f(1)"),
        _code("a"),  # display only: skipped, so the next cell cannot join `clean`
        _code("b = g(a)"),
        _code("%%time\nc = g(b)"),  # a cell magic must start its cell: its own function
    ]
    assert _roles(cells) == ["function:clean", "skip", "function:compute_b", "function:compute_c"]


def test_code_before_any_heading_is_named_from_what_it_computes() -> None:
    assert _roles([_code("a = f(1)"), _code("b = g(a)")]) == [
        "function:compute_b",
        "function:compute_b",
    ]


def test_text_joined_is_no_merge_of_tables() -> None:
    words = "words = ' '.join(tokens)"
    tables = "both = left.merge(right, on='id')"

    assert _roles([_code(words)]) == ["function:compute_words"]
    assert _roles([_code(tables)]) == ["function:merge_both"]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Import", "fit_model"),  # keyword
        ("Sum", "fit_model"),  # builtin
        ("Run", "fit_model"),  # reserved by the generated package
        ("Model", "fit_model"),  # a name the notebook binds
        ("NumPy", "fit_model"),  # a module
        ("2019 results", "fit_model"),  # would start with a digit
        ("!!!", "fit_model"),  # nothing left
        ("Should we be confident in the model?", "fit_model"),  # a question: the code's name
    ],
)
def test_function_names_are_valid_identifiers_that_shadow_nothing(
    heading: str, expected: str
) -> None:
    cells = [_md(f"## {heading}"), _code("model = fit(1)")]
    assert _roles(cells) == [f"function:{expected}"]


def test_a_leading_cell_of_literal_assignments_becomes_parameters() -> None:
    cells = [
        _code("import numpy as np"),
        _code("n_estimators = 300\nseed: int = -1\nnames = ('a', 'b')\ncfg = {'x': [1, 2.5]}"),
        _code("a = f(n_estimators)"),
        _code("threshold = 0.5"),
    ]
    assert _roles(cells) == [None, "parameters", "function:compute_a", "function:compute_threshold"]


def test_literal_assignments_after_work_are_not_parameters() -> None:
    assert _roles([_code("a = f(1)"), _code("n = 3")]) == [
        "function:compute_a",
        "function:compute_n",
    ]


def test_no_second_parameters_cell_when_one_is_tagged() -> None:
    cells = [_code("n = 3", tags=["parameters"]), _code("m = 4")]
    assert _roles(cells) == [None, "function:compute_m"]


def test_bare_asserts_become_tests() -> None:
    cells = [_code("a = f(1)"), _code("assert a > 0\nassert a < 10, 'too big'")]
    assert _roles(cells) == ["function:compute_a", "test"]


@pytest.mark.parametrize(
    "source",
    [
        "df",
        "df.head()",
        "df.describe()\ndf.shape",
        "print(df.shape)\ndisplay(df)",
        "df['a'].value_counts()",
        "{'a': 1, 'b': [df.shape]}",
        'df.describe().T[["mean", "std"]]',
        "print(f'{len(df)} rows, mean {df.a.mean():.2f}')",
    ],
)
def test_display_only_cells_are_skipped(source: str) -> None:
    assert _roles([_code("df = f()"), _code(source)])[1] == "skip"


@pytest.mark.parametrize(
    "source",
    [
        "plt.plot(x, y)\nplt.title('t')\nplt.show()",
        "fig, ax = plt.subplots()\nax.scatter(x, y)\nax.set_title('t')",
        "df.plot(kind='bar')",
        "df['a'].plot.hist(bins=20)",
        "sns.histplot(df['a'])",
        "for col in cols:\n    plt.hist(df[col])",
        "pd.plotting.scatter_matrix(df, figsize=(8, 8))",
        "plot_decision_boundary(clf, X)",
        "figsize(8, 8)\nplt.hist(df['a'].dropna(), bins=20)\nplt.title('a')",
        "with sns.axes_style('white'):\n    sns.jointplot(x='a', y='b', data=df, kind='hex')",
        "with plt.style.context('ggplot'):\n    plt.plot(df['a'])\n    plt.title('a')",
    ],
)
def test_plot_only_cells_join_the_step_before_else_are_skipped(source: str) -> None:
    """Right after a step, the cell draws a figure of it (logged with a tracked run: the
    step's code is unchanged); after a cell left out, nothing packaged draws it."""
    roles = _roles([_code("df = f()"), _code(source)])
    assert roles[0] is not None and roles[0].startswith("function:")
    assert roles[1] == roles[0]
    assert _roles([_code("df = f()"), _code("df.head()"), _code(source)])[2] == "skip"


@pytest.mark.parametrize(
    "source",
    [
        "plt.style.use('ggplot')\nplt.rcParams['figure.figsize'] = (15, 5)",
        "pd.set_option('display.max_columns', 60)\npd.options.display.max_rows = 9",
    ],
)
def test_cells_that_only_set_display_options_are_skipped(source: str) -> None:
    assert _roles([_code("df = f()"), _code(source)])[1] == "skip"


@pytest.mark.parametrize(
    "source",
    [
        'print("--".join(["1", "2", "3"]))',
        'print("0.1 = {0:.17f}".format(0.1))',
        "df.index.is_unique()",
        'try:\n    print("try")\nexcept ValueError:\n    print("failed")\nfinally:\n    print("done")',
        "for name in ['a', 'b']:\n    print(name)",
        "if len(df) > 3:\n    print('long')\nelse:\n    pass",
    ],
)
def test_cells_that_only_print_or_format_strings_are_skipped(source: str) -> None:
    assert _roles([_code("df = f()"), _code(source)])[1] == "skip"


def test_a_cell_that_raises_at_its_top_level_is_skipped_unless_it_defines_a_name() -> None:
    cells = [
        _code("df = f()"),
        _code('raise RuntimeError("my error message")'),
        _code("class MyError(ValueError):\n    pass\n\nraise MyError('shown')"),
        _code("if df is None:\n    raise ValueError('no data')\nn = len(df)"),
    ]
    roles = _roles(cells)
    assert roles[1] == "skip"
    assert roles[2] != "skip"  # later cells may raise MyError: it stays a source of names
    assert roles[3] is not None and roles[3].startswith("function:")


@pytest.mark.parametrize(
    "source",
    [
        "model.fit(X, y)",
        "print(model.fit(X, y))",
        "df.to_csv('x.csv')",
        "print(', '.join(rows))",  # joining consumes `rows` if it is an iterator
        "try:\n    print(next(rows))\nexcept StopIteration:\n    pass",
    ],
)
def test_calls_that_may_do_work_are_not_display(source: str) -> None:
    assert _roles([_code("df = f()"), _code(source)])[1] != "skip"


@pytest.mark.parametrize(
    "source",
    ["import numpy\nnumpy.__version__", "import matplotlib.pyplot as plt\nplt.plot([1, 2])"],
)
def test_imports_with_displays_or_plots_stay_unmarked_so_the_imports_count(source: str) -> None:
    assert _roles([_code(source)]) == [None]


def test_calls_on_a_figure_from_an_earlier_cell_are_plots() -> None:
    cells = [_code("fig, ax = plt.subplots()"), _code("ax.set_xlim(0, 1)\nax.set_title('a')")]
    assert _roles(cells) == ["skip", "skip"]


def test_a_plot_saved_to_a_file_is_work_and_so_is_the_figure_it_draws_on() -> None:
    cells = [_code("fig, ax = plt.subplots()"), _code("ax.set_xlim(0, 1)\nfig.savefig('a.png')")]
    assert _roles(cells) == ["function:save_figure", "function:save_figure"]


def test_a_plot_drawing_from_the_global_random_generator_is_work_when_later_draws_depend_on_it() -> (
    None
):
    cells = [
        _code("plt.scatter(np.random.rand(5), np.random.rand(5))"),
        _code("noise = np.random.rand(3)"),
    ]
    assert (_roles(cells)[0] or "").startswith("function:")


def test_a_plot_drawing_from_the_global_random_generator_is_skipped_when_nothing_draws_after() -> (
    None
):
    # nothing packaged after it draws again: the draw changes nothing the package computes
    cells = [
        _code("plt.scatter(np.random.rand(5), np.random.rand(5))"),
        _code("df = pd.read_csv('a.csv')"),
    ]
    assert _roles(cells)[0] == "skip"


def test_a_figure_a_later_step_draws_on_is_created_by_a_step() -> None:
    cells = [
        _md("## Surface"),
        _code("fig = plt.figure()\nax = plt.axes(projection='3d')"),
        _code("z = np.linspace(0, 1, 10)\nline = ax.plot3D(z, z, z)"),
    ]
    proposals = propose(cells)
    assert [p.role_tag for p in proposals] == [
        "function:compute_surface",
        "function:compute_surface",
    ]
    assert proposals[0].reason == "plots, but creates a figure a later step uses"


def test_a_figure_made_again_before_the_step_that_draws_on_it_is_no_step() -> None:
    cells = [
        _code("fig, ax = plt.subplots(4, 4)"),
        _code("x = np.linspace(0, 1, 10)\nfig, ax = plt.subplots()\nax.plot(x, x)"),
        _code("ticks = ax.get_xticks()\nn = len(ticks)"),
    ]
    roles = _roles(cells)
    assert roles[0] == "skip"
    assert all((r or "").startswith("function:") for r in roles[1:])


def test_a_figure_a_promoted_plot_cell_draws_on_is_made_by_a_step_too() -> None:
    cells = [
        _code("fig = plt.figure()"),
        _code("ax1 = fig.add_subplot(2, 2, 1)"),
        _code("ax1.hist(np.random.standard_normal(100))"),
        _code("noise = np.random.rand(3)"),
    ]
    roles = _roles(cells)
    assert all((r or "").startswith("function:") for r in roles[:3]), roles


def test_a_plot_that_also_computes_is_work() -> None:
    assert _roles([_code("df = f()\nplt.plot(df)")]) == ["function:compute_df"]


def test_calls_of_a_notebook_function_that_only_draws_are_plots() -> None:
    helper = (
        "def hist_and_lines():\n    np.random.seed(0)\n"
        "    fig, ax = plt.subplots(1, 2)\n    ax[0].hist(np.random.randn(1000))\n"
        "    for i in range(3):\n        ax[1].plot(np.random.rand(10))\n"
    )
    cells = [
        _code("x = np.arange(3)"),
        _code(helper),
        _code("with plt.style.context('ggplot'):\n    hist_and_lines()"),
        _code("hist_and_lines()"),
        _code("total = x.sum()"),
    ]
    assert _roles(cells)[1:4] == ["export", "skip", "skip"]


def test_a_call_of_a_drawing_plot_function_is_work_when_later_draws_depend_on_it() -> None:
    helper = "def scatter_noise():\n    plt.scatter(np.random.rand(5), np.random.rand(5))\n"
    cells = [_code(helper), _code("scatter_noise()"), _code("noise = np.random.rand(3)")]
    assert (_roles(cells)[1] or "").startswith("function:")


def test_a_function_that_also_computes_is_no_plot() -> None:
    helper = "def fit_and_plot(X, y):\n    model.fit(X, y)\n    plt.plot(model.predict(X))\n"
    cells = [_code("model = make()"), _code(helper), _code("fit_and_plot(X, y)")]
    assert (_roles(cells)[2] or "").startswith("function:")


def test_loops_over_the_parts_of_a_figure_only_plot() -> None:
    source = (
        "ax = plt.axes()\nfor spine in ax.spines.values():\n    spine.set_visible(False)\n"
        "for tick in ax.get_xticklabels():\n    tick.set_color('gray')\nax.hist(x)"
    )
    roles = _roles([_code("x = f()"), _code(source)])
    assert roles[1] == roles[0]  # a figure of the step before: no work of its own


def test_a_loop_over_axes_computing_what_each_draws_only_plots() -> None:
    """The step analysis moves the whole loop to the figures: as a step, nothing was left."""
    source = (
        "fig, axes = plt.subplots(3, 1)\n"
        "for year, ax in zip(df.year.unique(), axes):\n"
        "    yearly = df.loc[str(year)].travelers\n"
        "    yearly.plot(kind='hist', ax=ax)\n"
        "    ax.set(title=f'{year}')\n"
        "fig.tight_layout()"
    )
    roles = _roles([_code("df = f()"), _code(source)])
    assert roles[1] == roles[0]  # a figure of the step before: no work of its own


def test_a_value_named_for_a_plot_is_no_plotting_helper() -> None:
    cells = [_code("df = f()"), _code("plot_data = df.loc['2019']"), _code("top = plot_data.max()")]
    assert "skip" not in _roles(cells)  # `plot_data.max()` computes


def test_a_style_block_that_also_computes_is_work() -> None:
    cells = [_code("df = f()"), _code("with plt.style.context('ggplot'):\n    df = clean(df)")]
    assert (_roles(cells)[1] or "").startswith("function:")


def test_definition_only_cells_are_exported() -> None:
    source = "import math\n\ndef area(r):\n    return math.pi * r ** 2\n\nclass Shape:\n    pass\n"
    assert _roles([_code(source)]) == ["export"]


def test_a_plotting_helper_and_its_plots_are_exported_not_a_step() -> None:
    helper = (
        "def plot_curve(est, X, y):\n    sizes, scores = curve(est, X, y)\n"
        "    plt.plot(sizes, scores)\n\n"
    )
    assert _roles([_code("X, y = load()"), _code(helper + "plt.figure()\nplot_curve(m, X, y)")])[
        1:
    ] == ["export"]
    # a helper next to work (or a random draw) is a step
    assert (
        _roles([_code("X, y = load()"), _code(helper + "m = fit(X, y)\nplot_curve(m, X, y)")])[1]
        != "export"
    )
    drawn = helper + "plot_curve(m, X, np.random.rand(3))"
    later_draw = _code("noise = np.random.rand(3)")
    assert _roles([_code("X, y = load()"), _code(drawn), later_draw])[1] != "export"
    # with nothing drawing after it, the draw changes nothing the package computes
    assert _roles([_code("X, y = load()"), _code(drawn)])[1] == "export"


def test_import_magic_and_comment_cells_stay_unmarked() -> None:
    cells = [_code("%matplotlib inline\nimport pandas as pd"), _code("# just a note"), _code("")]
    assert _roles(cells) == [None, None, None]


def test_cells_that_do_not_parse_stay_unmarked() -> None:
    assert _roles([_code("def broken(:\n    pass")]) == [None]


def test_ipython_syntax_is_understood() -> None:
    cells = [_code("%%time\nmodel = fit(1)"), _code("!ls data\ndf = load()")]
    assert _roles(cells) == ["function:fit_model", "function:load_data"]


def test_existing_tags_are_kept_and_their_names_are_not_reused() -> None:
    cells = [
        _md("## Clean"),
        _code("a = f(1)", tags=["function:clean"]),
        _code("b = g(a)", tags=["nbval-skip"]),
        _code("#| export\ndef h():\n    return 1"),
        _code("c = k(b)", tags=["step:kale_name"]),
    ]
    proposals = propose(cells)
    assert [p.role_tag for p in proposals] == [None, "function:clean_2", None, None]
    assert proposals[1].tags == ("nbval-skip", "function:clean_2")


def test_proposals_name_cells_by_id() -> None:
    proposals = propose([_code("a = f(1)", cell_id="abc")])
    assert (proposals[0].index, proposals[0].cell_id) == (0, "abc")


def test_apply_in_memory_returns_a_tagged_copy_and_leaves_the_input_alone() -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [_md("## Load"), _code("df = f()"), _code("df.head()"), _code("import os")],
    }
    before = copy.deepcopy(notebook)
    tagged = apply_in_memory(notebook)
    assert notebook == before
    assert [c["metadata"].get("tags") for c in tagged["cells"]] == [
        None,
        ["function:load"],
        ["skip"],
        None,
    ]


def test_apply_in_memory_tolerates_a_notebook_without_cells() -> None:
    assert apply_in_memory({"metadata": {}}) == {"metadata": {}}


@given(st.text(max_size=60))
def test_snake_case_always_gives_a_usable_identifier_or_nothing(heading: str) -> None:
    name = snake_case(heading)
    assert name == "" or name.replace("_", "a").isalnum()
    cells = [_md(f"## {heading}"), _code("x = f(1)")]
    (proposal,) = propose(cells)
    assert proposal.role_tag is not None
    function_name = proposal.role_tag.removeprefix("function:")
    assert function_name.isidentifier()
    assert not keyword.iskeyword(function_name)
    assert not hasattr(builtins, function_name)


def test_setext_headings_count_and_the_last_heading_of_a_cell_wins() -> None:
    cells = [_md("Churn\n=====\n\nSome text\n\nTrain it\n--------"), _code("m = fit(1)")]
    assert _roles(cells) == ["function:train"]


def test_proposal_is_deterministic() -> None:
    cells = [_md("## Prepare"), _code("x = f(1)"), _md("## Prepare"), _code("y = f(2)")]
    assert propose(cells) == propose(copy.deepcopy(cells))
    assert _roles(cells) == ["function:prepare", "function:prepare_2"]


# --------------------------------------------------------------------------- dataflow grouping


def test_cells_without_headings_split_where_a_new_value_is_read_later() -> None:
    cells = [
        _code("import pandas as pd"),
        _code("df = pd.read_csv('data.csv')"),
        _code("df = df.dropna()\ndf['ab'] = df.a * df.b"),  # reworks df: joins nothing new
        _code("X = df[['ab']]\ny = df['c']"),
        _code("model = LinearRegression()\nmodel.fit(X, y)"),
        _code("pred = model.predict(X)"),
        _code("score = r2_score(y, pred)"),
    ]
    assert _roles(cells) == [
        None,
        "function:load_data",
        "function:clean_df",
        "function:clean_df",
        "function:fit_model",
        "function:fit_model",  # `pred` is read by the next cell only: an intermediate
        "function:fit_model",
    ]


def test_a_long_run_of_cells_is_cut_into_functions_of_bounded_size() -> None:
    # 60 cells, each reworking one frame: without a cap this would be one function.
    cells = [_code("df = load()")] + [_code(f"df = df.assign(c{i}=df.a * {i})") for i in range(60)]
    names = [tag for tag in _roles(cells) if tag is not None]
    sizes = {name: names.count(name) for name in names}
    assert len(sizes) > 1
    assert max(sizes.values()) <= MAX_MERGED_LINES


def test_cells_are_not_merged_past_the_limit_once_formatted() -> None:
    """25 + 11 lines as written, and the search's one long line wraps to one line per
    argument: merged, the function would be over 40 lines; its cells stay apart."""
    grid = "".join(
        f"# values of {name} to try\n{name} = [1, 2, 3, 4]\n\n"
        for name in ("depth", "leaves", "split", "features", "trees", "rate")
    )
    grid += "grid = {'depth': depth, 'leaves': leaves, 'split': split}\n"
    search = (
        "# the model to tune\n"
        "model = GradientBoostingRegressor(random_state=42)\n\n"
        "# random search with 4-fold cross validation\n"
        "search = RandomizedSearchCV(estimator=model, param_distributions=grid, cv=4, "
        "n_iter=25, scoring='neg_mean_absolute_error', n_jobs=-1, verbose=1, "
        "return_train_score=True, random_state=42)"
    )
    cells = [_md("## Tuning"), _code(grid), _code(search), _code("search.fit(X, y)")]
    roles = _roles(cells)
    assert len(grid.splitlines()) + len(search.splitlines()) <= MAX_MERGED_LINES + 10
    assert roles[0] != roles[1]


def test_a_setup_cell_joins_the_cell_it_prepares() -> None:
    cells = [_code("np.random.seed(0)"), _code("x = np.random.rand(5)"), _code("y = x * 2")]
    roles = _roles(cells)
    assert roles[0] == roles[1]


def test_values_computed_again_before_any_use_are_left_out() -> None:
    cells = [
        _md("## Try it"),
        _code("counts = df.groupby('a').sum()"),
        _code("counts.plot(kind='bar')"),
        _md("## Together"),
        _code("counts = df.groupby('a').sum()\ncounts.index = ['x', 'y']"),
    ]
    proposals = propose([_code("df = load()"), *cells])
    assert [p.role_tag for p in proposals][1:] == ["skip", "skip", "function:compute_together"]
    assert "computed again" in proposals[1].reason


def test_every_function_returns_what_a_later_cell_reads() -> None:
    cells = [
        _code("a = f(1)"),
        _code("b = g(2)"),
        _code("c = a + b"),
        _code("d = b * 2"),
        _code("e = c + d"),
    ]
    tags = _roles(cells)
    # `a` is read by c only, `b` by c and d: b's cell cannot hide inside another function.
    assert tags[1] != tags[2] or tags[0] == tags[1]
    assert len(set(tags)) >= 2


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Should we be confident in the model?", "should_be_confident"),
        ("Step 5. Create a pie chart presenting the male/female proportion", "create_pie_chart"),
        ("Reducing computational expense using RandomizedSearchCV", "reduce_computational_expense"),
        ("Working with missing values", "work_with_missing_values"),
        ("4.1 Adding a 'weekday' column to our dataframe", "add_weekday_column"),
        ("Putting it together", "put_together"),
        ("How to deal with timestamps", "deal_with_timestamps"),
        ("Loading the data", "load_data"),
        ("Splitting into train and test", "split_into_train"),
        ("Don't forget the totals", "totals"),
        (
            "Don't forget to include the columns names in the order presented",
            "include_columns_names",
        ),
        ("Raising Exceptions: ``raise``", "raise_exceptions"),
        ("Solving non-linear problems", "solve_non_linear_problems"),
        ("Choosing the number of components", "choose_number_of_components"),
        ("Let\u2019s look at ages", "look_at_ages"),
        ("What if you want to join on one index?", "join_on_one_index"),
        ("What if the columns you want to join on don't have the same name?", "join"),
        ("How do I read a file?", "read_file"),
        ("Building and evaluating a model", "build_and_evaluate_model"),
        ("We will compute the Covariance matrix $C$", "compute_covariance_matrix_c"),
        ("How can we check missing values", "check_missing_values"),
        ("Data cleaning", "clean_data"),
        ("Model training via the torch.nn module", "train_model"),
        ("Part 9: Sentiment Analysis", "analyze_sentiment"),
        ("Hierarchical clustering", "hierarchical_clustering"),  # not `cluster_hierarchical`
        ("Filling Null Values", "fill_null_values"),
        ("Analyzing the result", "analyze_result"),
        ("Broadening the output", "broaden_output"),
        ("Interpreting the coefficients", "interpret_coefficients"),
        ("Everything Is an Object", "everything_is_object"),
        ("8.1 Parsing Unix timestamps", "parse_unix_timestamps"),
        # a numbered label opens the heading; a "what" question asks to find something
        ("Question 1: What was the best month for sales? How much was earned?", "find_best_month"),
        ("Question 4: What products are most often sold together?", "find_products_most_often"),
        ("Exercise 2: Fit a random forest", "fit_random_forest"),
        ("Which city had the highest number of sales?", "find_city_had_highest"),
        # headings of the Python Data Science Handbook and the pandas cookbook
        ("Controlling Exceptions: ``%xmode``", "control_exceptions_xmode"),
        ("Example: What Is the Average Height of US Presidents?", "find_average_height"),
        ("Example: Counting Rainy Days", "count_rainy_days"),
        ("3.3 So, which borough has the most noise complaints?", "find_borough_has_most"),
        ("2.4 What's the most common complaint type?", "find_most_common_complaint"),
        ("Performance: When to Use These Functions", "use_functions"),
        # nothing left to name a step: its code names it
        ("Task 1 (Bonus)", ""),
        ("From me", ""),
    ],
)
def test_heading_names_are_short_verb_phrases(heading: str, expected: str) -> None:
    assert heading_name(heading) == expected


@pytest.mark.parametrize("heading", ["NumPy", "SciPy", "Pandas", "List", "os", "Sum"])
def test_no_function_is_named_after_a_module_or_builtin(heading: str) -> None:
    cells = [_code("import numpy as np"), _md(f"## {heading}"), _code("arr = np.arange(3)")]
    assert _roles(cells) == [None, "function:compute_arr"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("data = pd.read_csv('x.csv')", "load_data"),
        ("bikes = pd.read_csv('x.csv')", "load_bikes"),
        ("clf = SVC()\nclf.fit(X, y)", "fit_clf"),
        ("X_train, X_test, y_train, y_test = train_test_split(X, y)", "split_data"),
        ("acc = accuracy_score(y, pred)", "compute_acc"),
        (
            "pred = model.predict(X_test)\nmae = mean_absolute_error(y_test, pred)\n"
            "r2 = r2_score(y_test, pred)",
            "evaluate_model",
        ),
        ("p = clf.predict_proba(X)[:, 1]\nauc = roc_auc_score(y, p)", "evaluate_clf"),
        ("df = df.dropna()", "clean_df"),
        ("df = raw.dropna()\ndf['x'] = df['x'].astype(int)", "clean_df"),
        (
            "orders = raw.drop_duplicates()\norders['day'] = pd.to_datetime(orders['day'])",
            "clean_orders",
        ),
        ("df.to_csv('out.csv')", "save_df"),
        (
            "report = {'auc': auc}\nwith open('report.json', 'w') as f:\n    json.dump(report, f)",
            "save_report",
        ),
        ("with open('cfg.json') as f:\n    cfg = json.load(f)", "load_cfg"),
        ("joblib.dump(model, MODEL_PATH)", "save_model"),
        ("out = df[df.x > 0]\nout.to_csv(OUT_PATH)", "save_out"),
        ("total = a + b", "compute_total"),
    ],
)
def test_functions_without_a_heading_are_named_from_what_they_compute(
    source: str, expected: str
) -> None:
    assert _roles([_code(source)]) == [f"function:{expected}"]


def test_no_name_is_made_from_step() -> None:
    cells = [_code(f"v{i} = f(v{i - 1})" if i else "v0 = f()") for i in range(30)]
    cells += [_code("plt.scatter(np.random.rand(5), np.random.rand(5))")]
    for tag in _roles(cells):
        assert tag is not None
        assert "step" not in tag


def test_a_title_heading_does_not_name_the_code_under_it() -> None:
    cells = [
        _md("# Bike study\n\nSome words."),
        _code("bikes = pd.read_csv('b.csv')"),
        _md("## Sum up"),
    ]
    assert _roles(cells) == ["function:load_bikes"]


def test_a_lone_heading_above_all_code_is_a_title_and_a_later_one_names_code() -> None:
    titled = [_md("# Churn model\n\nA quick look."), _code("df = pd.read_csv('c.csv')")]
    section = [_code("import pandas as pd"), _md("# Load"), _code("df = pd.read_csv('c.csv')")]
    assert _roles(titled) == ["function:load_data"]
    assert _roles(section) == [None, "function:load_data"]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("What drives conversion?", "split_data"),
        ("Model: what drives conversion?", "split_data"),
        ("Split", "split_data"),
        ("Split off a holdout set", "split_off_holdout_set"),
        ("Splitting the data", "split_data"),
    ],
)
def test_a_split_is_named_by_its_code_unless_the_heading_says_what_to_do(
    heading: str, expected: str
) -> None:
    cells = [
        _code("import pandas as pd"),
        _md(f"## {heading}"),
        _code("X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)"),
    ]
    assert _roles(cells) == [None, f"function:{expected}"]


@pytest.mark.parametrize(
    ("snake", "expected"),
    [
        (
            "chapter_4_find_out_on_which_weekday_people_bike_the_most_with_groupby_and_aggregate",
            "chapter_4_find_out_weekday",
        ),
        ("churn_analysis", "churn_analysis"),
    ],
)
def test_long_file_names_give_short_module_names(snake: str, expected: str) -> None:
    assert short_file_name(snake) == expected
    assert len(short_file_name(snake)) <= 30


# --------------------------------------------------------------------------- parameters


def test_a_setup_line_in_the_imports_cell_keeps_the_parameters_cell() -> None:
    cells = [
        _code("import pandas as pd\nimport numpy as np\npd.set_option('display.max_columns', 50)"),
        _code("# settings\nSEED = 42  # the seed\nn_trees = 100\nPATH = 'data.csv'"),
        _code("df = pd.read_csv(PATH)"),
    ]
    assert _roles(cells) == [None, "parameters", "function:load_data"]


def test_a_seed_in_the_imports_cell_keeps_the_parameters_cell() -> None:
    cells = [
        _code("import numpy as np\nnp.random.seed(0)"),
        _code("n = 10\nscale = 0.5"),
        _code("x = np.random.rand(n) * scale"),
    ]
    assert _roles(cells)[1] == "parameters"


# --------------------------------------------------------------------------- one analyser


@pytest.mark.parametrize(
    "source",
    [
        "df.groupby('a').count()",
        "df.groupby(['a', 'b']).size()",
        "%%prun\ndf.head()",
        "%%capture\ndf.describe()",
        "%%timeit\ny = g(df)",
    ],
)
def test_what_the_build_drops_as_display_is_never_a_function(source: str) -> None:
    role = _roles([_code("df = f()"), _code(source)])[1]
    assert role is None or role == "skip"


def test_prun_cells_are_unwrapped_as_the_build_unwraps_them() -> None:
    cells = [_code("df = f()"), _code("%%prun\nmodel = fit(df)"), _code("y = model.predict(df)")]
    assert _roles(cells)[1] == "function:fit_model"


@given(
    st.lists(
        st.sampled_from(
            [
                "df = f()",
                "df.groupby('a').count()",
                "df.head()\nprint(df.shape)",
                "x = df.a.sum()",
                "%%prun\ndf.describe()",
                "%time y = df.mean()",
                "df['b'] = df.a * 2",
                "plt.plot(df.a)",
                "import os",
            ]
        ),
        min_size=1,
        max_size=6,
    )
)
def test_every_proposed_function_keeps_code_after_the_build_drops_displays(
    sources: list[str],
) -> None:
    from nb2pkg.analysis.cell import analyze_cell
    from nb2pkg.plan.cell_kinds import work_statements

    cells = [_code(s) for s in sources]
    for proposal in propose(cells):
        if proposal.role_tag and proposal.role_tag.startswith("function:"):
            assert work_statements(analyze_cell(sources[proposal.index]))


@pytest.mark.parametrize(
    "stem", ["100-pandas-puzzles-with-solutions", "02.06-Boolean-Arrays-and-Masks-and-more"]
)
def test_package_names_stay_short_with_their_prefix(stem: str) -> None:
    from nb2pkg.builder.config import package_name_for

    name = package_name_for(stem)
    assert name.startswith("pkg_")
    assert len(name) <= 30
    assert name.isidentifier()


# --------------------------------------------------------------------------- model and predict


def _training_notebook(*, predict_on: str = "new") -> list[dict[str, Any]]:
    """Load, split, fit, evaluate on the held-out part; then new rows and a prediction."""
    return [
        _code("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"),
        _code("C = 1.0\n"),
        _md("## Load"),
        _code("df = pd.read_csv('train.csv')\n"),
        _md("## Split"),
        _code("train, test = df.iloc[:80], df.iloc[80:]\n"),
        _md("## Train"),
        _code(
            "scaler = None\nclf = LogisticRegression(C=C)\nclf.fit(train[['a', 'b']], train['y'])\n"
        ),
        _md("## Evaluate"),
        _code("accuracy = (clf.predict(test[['a', 'b']]) == test['y']).mean()\n"),
        _md("## New rows"),
        _code("new = pd.read_csv('new.csv')\n"),
        _md("## Answers"),
        _code(f"answers = clf.predict({predict_on}[['a', 'b']])\n"),
    ]


def _tags_of(cells: list[dict[str, Any]]) -> dict[int, tuple[str, ...]]:
    return {p.index: p.tags for p in propose(cells) if p.tags}


def test_the_cell_that_fits_the_model_is_proposed_as_model() -> None:
    tags = _tags_of(_training_notebook())
    assert tags[7][-1] == "model" and tags[7][0].startswith("function:")
    assert [i for i, t in tags.items() if "model" in t] == [7]
    [proposal] = [p for p in propose(_training_notebook()) if p.index == 7]
    assert proposal.added == (tags[7][0], "model")
    assert "fits the model `clf`" in proposal.reason


def test_a_cell_that_applies_the_model_to_new_rows_is_proposed_as_predict() -> None:
    tags = _tags_of(_training_notebook())
    assert tags[13][-1] == "predict" and len(tags[13]) == 2
    # Predicting on the held-out part of the training data is evaluation, not `predict`.
    assert [i for i, t in tags.items() if "predict" in t] == [13]
    assert "predict" not in _tags_of(_training_notebook(predict_on="test"))[13]


def test_of_several_fitted_values_the_last_one_the_pipeline_keeps_is_the_model() -> None:
    cells = _training_notebook()
    cells[3] = _code(
        "df = pd.read_csv('train.csv')\nimputer = SimpleImputer()\nimputer.fit(df[['a', 'b']])\n"
    )
    cells[12] = _md("## Refit")
    cells[13] = _code("clf = LogisticRegression(C=C).fit(new[['a', 'b']], new['y'])\n")
    tags = _tags_of(cells)
    # `clf` is fitted again later: that later cell fits the model the pipeline ends with.
    assert [i for i, t in tags.items() if "model" in t] == [13]
    assert not any("predict" in t for t in tags.values())


def test_no_model_tag_without_a_fit_and_none_on_cells_already_marked() -> None:
    cells = _training_notebook()
    cells[7] = _code("clf = make_classifier(C)\n")
    assert not any("model" in t or "predict" in t for t in _tags_of(cells).values())
    marked = _training_notebook()
    marked[7]["metadata"]["tags"] = ["function:train"]
    tags = _tags_of(marked)
    assert tags[7] == ("function:train",)  # kept as the user marked it
    assert not any("model" in t for t in tags.values())


def test_apply_in_memory_carries_the_model_and_predict_tags() -> None:
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": _training_notebook()}
    tagged = apply_in_memory(notebook)["cells"]
    assert tagged[7]["metadata"]["tags"][1:] == ["model"]
    assert tagged[13]["metadata"]["tags"][1:] == ["predict"]


@pytest.mark.parametrize(
    ("heading", "source", "expected"),
    [
        ("Model", "clf = SVC()\nclf.fit(X, y)", "fit_model"),
        ("Results", "auc = roc_auc_score(y, p)", "compute_results"),
        ("Load", "data = pd.read_csv('x.csv')", "load_data"),
        ("Preprocessing", "df = df.dropna()", "preprocess"),
        ("Cleaning the data", "df = df.dropna()", "clean_data"),
        ("Evaluation", "mae = mean_absolute_error(y, pred)", "evaluate"),
        ("Data Preparation", "df = df.dropna()", "prepare_data"),
        ("Model Evaluation", "mae = mean_absolute_error(y, pred)", "evaluate_model"),
        ("Preparation", "df = df.dropna()", "prepare"),
        ("Normalization", "X = scale(X)", "normalize"),
        ("Transformation", "X = pca.fit_transform(X)", "transform"),
        (
            "Features",
            "df['heat'] = (18 - df['temp']).clip(lower=0)\nX = df[['heat']]\ny = df['kwh']",
            "make_features",
        ),
        ("Features", "features = pd.read_csv('f.csv')", "load_features"),
    ],
)
def test_a_one_word_topic_heading_takes_the_verb_of_its_code(
    heading: str, source: str, expected: str
) -> None:
    cells = [_md(f"## {heading}"), _code(source)]
    assert _roles(cells) == [f"function:{expected}"]


def test_a_heading_that_names_a_library_names_no_step_after_it() -> None:
    cells = [_md("# First steps with scikit-learn"), _code("iris = load_iris()")]
    (role,) = _roles(cells)
    assert role.startswith("function:") and "scikit" not in role


def test_a_cell_that_binds_scores_is_proposed_with_metrics() -> None:
    cells = [
        _md("## Fit"),
        _code("clf = SVC()\nclf.fit(X_train, y_train)"),
        _md("## Evaluate"),
        _code(
            "pred = clf.predict(X_test)\n"
            "acc = accuracy_score(y_test, pred)\n"
            "rmse = mean_squared_error(y_test, pred) ** 0.5\n"
            "r2 = clf.score(X_test, y_test)"
        ),
    ]
    scoring = propose([_code("X_train, X_test, y_train, y_test = load()"), *cells])[-1]
    assert "metrics" in scoring.added
    assert "`acc`, `rmse`, `r2`" in scoring.reason


@pytest.mark.parametrize(
    "source",
    [
        "pred = clf.predict(X_test)",  # predictions, not a score
        "print(accuracy_score(y_test, pred))",  # shown, not bound
        "error_rows = df[df.error]",  # a column named error, no scoring call
    ],
)
def test_a_cell_without_bound_scores_gets_no_metrics(source: str) -> None:
    proposal = propose([_code("clf, X_test, y_test, pred, df = load()"), _code(source)])[1]
    assert "metrics" not in proposal.added


def test_metrics_a_user_already_tagged_are_not_proposed_again() -> None:
    cells = [_code("y, p = load()"), _code("auc = roc_auc_score(y, p)", tags=["metrics"])]
    proposal = propose(cells)[1]
    assert proposal.tags.count("metrics") == 1


def test_scores_in_a_later_cell_of_a_function_tag_that_function_once() -> None:
    # Fitting and scoring under one heading: one step of two cells, whose scores are logged.
    cells = [
        _code("X_train, X_test, y_train, y_test = load()"),
        _md("## Model"),
        _code("clf = SVC()\nclf.fit(X_train, y_train)"),
        _code("pred = clf.predict(X_test)\nmae = mean_absolute_error(y_test, pred)"),
        _code("r2 = r2_score(y_test, pred)"),
    ]
    proposals = propose(cells)
    fit, scoring, more_scoring = proposals[1:]
    assert fit.role_tag == scoring.role_tag == more_scoring.role_tag == "function:fit_model"
    assert "metrics" not in fit.added
    assert "metrics" in scoring.added
    assert "`mae`" in scoring.reason
    assert "metrics" not in more_scoring.added  # one tag per function is enough


def test_in_place_work_the_notebook_ends_with_is_a_step_not_dropped() -> None:
    # The last cells change `final` in place and derive `density` from it: nothing reads
    # them later, but they are what the notebook ends with, so a step computes them.
    cells = [
        _code("final = pd.merge(load_a(), load_b(), on='state', how='left')"),
        _code("final.isnull().any()"),
        _code("final.dropna(inplace=True)"),
        _code("data2010 = final.query('year == 2010')"),
        _code("data2010.set_index('state', inplace=True)\ndensity = data2010.pop_ / data2010.area"),
        _code("density.sort_values(ascending=False, inplace=True)\ndensity.head()"),
    ]
    roles = _roles(cells)
    assert roles[1] == "skip"  # shows a summary only
    assert all(role is not None and role.startswith("function:") for role in roles[2:]), roles


@pytest.mark.parametrize(
    "source",
    [
        "cutoff = df.index.max()\ntrain = df[df.index <= cutoff]\ntest = df[df.index > cutoff]",
        "n = len(df) // 5\ndf_train, df_test = df.iloc[n:], df.iloc[:n]",
        "X_train = X[:100]\nX_test = X[100:]",
    ],
)
def test_a_cell_that_makes_train_and_test_parts_is_named_a_split(source: str) -> None:
    # As in a forecast notebook: features, then a split by hand, under one topic heading.
    cells = [
        _md("## Load"),
        _code("raw, X = load()"),
        _md("## Features"),
        _code("df = add_lags(raw)"),
        _code(source),
        _md("## Model"),
        _code("fit(train, test, df_train, X_train)"),
    ]
    role = _roles(cells)[2]
    assert role is not None and role.startswith("function:split_"), role  # split_data/_features


def test_a_training_set_alone_is_no_split() -> None:
    cells = [
        _md("## Load"),
        _code("raw = load()"),
        _md("## Features"),
        _code("df = add_lags(raw)"),
        _code("train = df.dropna()"),
        _md("## Model"),
        _code("fit(train)"),
    ]
    role = _roles(cells)[2]
    assert role is not None and not role.startswith("function:split_"), role


def test_a_shown_value_is_named_by_what_it_makes_not_by_its_view() -> None:
    # From a public tutorial: `pd.DataFrame(dtm.toarray(), columns=…)` and
    # `metrics.roc_auc_score(…)` shown as results were `run_toarray` and `compute_score`.
    setup = [
        _code("import numpy as np\nimport pandas as pd\nfrom sklearn import metrics"),
        _code("y = [0, 1, 1]\nprob = [0.2, 0.7, 0.4]\ncols = ['a', 'b']"),
    ]
    made = _roles([*setup, _code("pd.DataFrame(np.eye(2).toarray(), columns=cols).head()")])
    scored = _roles([*setup, _code("metrics.roc_auc_score(y, prob)")])
    assert made == [None, "parameters", "function:make_dataframe"]
    assert scored == [None, "parameters", "function:compute_roc_auc_score"]


def test_fitting_a_new_object_shown_and_computed_again_later_is_skipped() -> None:
    # `CountVectorizer(min_df=5).fit(...)` changes no name: the cell's values are all computed
    # again before anything packaged reads them
    cells = [
        _code("text = load()"),
        _code("vect = CountVectorizer(min_df=5).fit(text)\nX = vect.transform(text)\nprint(X)"),
        _md("## Without a minimum"),
        _code("vect = CountVectorizer().fit(text)\nX = vect.transform(text)\nscore = fit(X)"),
    ]
    assert _roles(cells)[1] == "skip"


def test_a_def_only_shown_cells_call_is_left_out() -> None:
    # the helper reads step values, but only a cell that plots with it calls it
    cells = [
        _code("X, y = load()"),
        _code("def plot_curve(degree=3):\n    plt.plot(fit(X, y, degree))"),
        _code("plot_curve(1)"),
        _md("## Score"),
        _md("## Score"),
        _code("score = evaluate(X, y)"),
    ]
    assert _roles(cells)[1] in ("skip", None)


def test_an_interactive_widget_cell_is_not_a_step() -> None:
    cells = [
        _code("X, y = load()"),
        _code(
            "def plot_svm(N=10):\n    plt.scatter(X[:N], y[:N])\n\ninteract(plot_svm, N=[10, 200])"
        ),
        _md("## Score"),
        _code("score = evaluate(X, y)"),
    ]
    assert _roles(cells)[1] in ("skip", None)


@pytest.mark.parametrize(
    ("heading", "source", "expected"),
    [
        # no verb in the heading: the step is named from what its code does
        ("Two excellent references:", "pca = PCA(2)\npca.fit(X)", "fit_pca"),
        ("Limitation of approach", "score = model.score(X, y)", "compute_score"),
        (
            "Step 3: Cross-validate a model with one feature",
            "X = df.loc[:, ['Pclass']]\ny = df.Survived",
            "cross_validate_model",
        ),
        ("Two excellent references:", "X = np.array([[-1, -1], [1, 1]])", "compute_x"),
        # a short noun: the code's verb leads it, as for one-word topics
        ("Covariance matrix", "cov_mat = np.cov(X.T)", "compute_covariance_matrix"),
        ("Hierarchical clustering", "agg = Agg()\nagg.fit(X)", "fit_hierarchical_clustering"),
        # a code name that says little (`compute_x`): the code's verb leads the heading's words
        ("List indexing and slicing", "x = L[1:3]", "compute_list_indexing"),
        # a gerund that describes the noun after it is no verb (not `roll_windows`)
        ("Rolling Windows", "rolling = X.rolling(365).mean()", "compute_rolling_windows"),
        ("The Hashing Trick", "X_h = HashingVectorizer().transform(X)", "compute_hashing_trick"),
        ("Floating-Point Numbers", "x = 0.1 + 0.2", "compute_floating_point_numbers"),
        ("Missing values", "clean = X.dropna()", "clean_missing_values"),
        # a label before a colon: the heading's own words after it
        ("Example: Eigenfaces", "faces = fetch_lfw_people()", "load_eigenfaces"),
        # a heading with a verb keeps its name
        ("Use PCA", "pca = PCA(2)\npca.fit(X)", "use_pca"),
        ("How boosting works", "score = model.score(X, y)", "how_boosting_works"),
    ],
)
def test_a_heading_without_a_verb_names_its_step_from_the_code(
    heading: str, source: str, expected: str
) -> None:
    cells = [_code("X = load()\nmodel = make()\nL = [1]"), _md(f"## {heading}"), _code(source)]
    assert _roles(cells)[1] == f"function:{expected}"


def test_a_cell_listing_an_objects_attributes_is_skipped() -> None:
    # `dir(digits)` shows what the loaded bunch holds: no step computes it
    cells = [_code("digits = load_digits()"), _code("dir(digits)"), _code("X = digits.data")]
    assert _roles(cells)[1] == "skip"


def test_a_step_loading_with_a_function_of_its_name_is_not_named_like_it() -> None:
    cells = [_code("from sklearn.datasets import load_digits\ndigits = load_digits()")]
    assert _roles(cells)[0] == "function:load_digits_data"
