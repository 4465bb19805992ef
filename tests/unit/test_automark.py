"""Each automatic-marking rule, on small notebooks built in the test."""

from __future__ import annotations

import builtins
import copy
import keyword
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nb2pkg.automark import apply_in_memory, propose, snake_case


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
    assert _roles(cells) == ["function:load_the_raw_data"]


def test_consecutive_cells_under_one_heading_form_one_function() -> None:
    cells = [
        _md("## Clean"),
        _code("a = f(1)"),
        _code("b = g(a)"),
        _md("## Train"),
        _code("m = h(b)"),
    ]
    assert _roles(cells) == ["function:clean", "function:clean", "function:train"]


def test_a_heading_split_by_another_cell_or_a_magic_gets_numbered_names() -> None:
    cells = [
        _md("## Clean"),
        _code("a = f(1)"),
        _code("a"),  # display only: skipped, so the next cell cannot join `clean`
        _code("b = g(a)"),
        _code("%%time\nc = g(b)"),  # a cell magic must start its cell: its own function
    ]
    assert _roles(cells) == ["function:clean", "skip", "function:clean_2", "function:clean_3"]


def test_code_before_any_heading_is_named_step() -> None:
    assert _roles([_code("a = f(1)"), _code("b = g(a)")]) == ["function:step", "function:step"]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Import", "import_step"),  # keyword
        ("Sum", "sum_step"),  # builtin
        ("Run", "run_step"),  # reserved by the generated package
        ("Model", "model_step"),  # a name the notebook binds
        ("2019 results", "step_2019_results"),  # would start with a digit
        ("!!!", "step"),  # nothing left
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
    assert _roles(cells) == [None, "parameters", "function:step", "function:step"]


def test_literal_assignments_after_work_are_not_parameters() -> None:
    assert _roles([_code("a = f(1)"), _code("n = 3")]) == ["function:step", "function:step"]


def test_no_second_parameters_cell_when_one_is_tagged() -> None:
    cells = [_code("n = 3", tags=["parameters"]), _code("m = 4")]
    assert _roles(cells) == [None, "function:step"]


def test_bare_asserts_become_tests() -> None:
    cells = [_code("a = f(1)"), _code("assert a > 0\nassert a < 10, 'too big'")]
    assert _roles(cells) == ["function:step", "test"]


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
    ],
)
def test_plot_only_cells_are_skipped(source: str) -> None:
    assert _roles([_code("df = f()"), _code(source)])[1] == "skip"


@pytest.mark.parametrize(
    "source", ["model.fit(X, y)", "print(model.fit(X, y))", "df.to_csv('x.csv')"]
)
def test_calls_that_may_do_work_are_not_display(source: str) -> None:
    assert _roles([_code("df = f()"), _code(source)])[1] == "function:step"


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
    assert _roles(cells) == ["function:step", "function:step"]


def test_a_plot_drawing_from_the_global_random_generator_is_work() -> None:
    cells = [_code("plt.scatter(np.random.rand(5), np.random.rand(5))")]
    assert _roles(cells) == ["function:step"]


def test_a_figure_a_later_step_draws_on_is_created_by_a_step() -> None:
    cells = [
        _md("## Surface"),
        _code("fig = plt.figure()\nax = plt.axes(projection='3d')"),
        _code("z = np.linspace(0, 1, 10)\nline = ax.plot3D(z, z, z)"),
    ]
    proposals = propose(cells)
    assert [p.role_tag for p in proposals] == ["function:surface", "function:surface"]
    assert proposals[0].reason == "plots, but creates a figure a later step uses"


def test_a_plot_that_also_computes_is_work() -> None:
    assert _roles([_code("df = f()\nplt.plot(df)")]) == ["function:step"]


def test_definition_only_cells_are_exported() -> None:
    source = "import math\n\ndef area(r):\n    return math.pi * r ** 2\n\nclass Shape:\n    pass\n"
    assert _roles([_code(source)]) == ["export"]


def test_import_magic_and_comment_cells_stay_unmarked() -> None:
    cells = [_code("%matplotlib inline\nimport pandas as pd"), _code("# just a note"), _code("")]
    assert _roles(cells) == [None, None, None]


def test_cells_that_do_not_parse_stay_unmarked() -> None:
    assert _roles([_code("def broken(:\n    pass")]) == [None]


def test_ipython_syntax_is_understood() -> None:
    cells = [_code("%%time\nmodel = fit(1)"), _code("!ls data\ndf = load()")]
    assert _roles(cells) == ["function:step", "function:step_2"]


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
    assert _roles(cells) == ["function:train_it"]


def test_proposal_is_deterministic() -> None:
    cells = [_md("## A"), _code("x = f(1)"), _md("## A"), _code("y = f(2)")]
    assert propose(cells) == propose(copy.deepcopy(cells))
    assert _roles(cells) == ["function:a", "function:a"]
