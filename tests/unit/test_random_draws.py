"""A draw from a global random generator matters only to packaged cells that draw after it."""

from __future__ import annotations

import pytest

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.ir import CellAnalysis
from nb2pkg.plan.random_draws import family_of, free_draws


def _free(*sources: str, packaged: list[bool] | None = None) -> set[int]:
    analyses: list[CellAnalysis | None] = [analyze_cell(s).analysis for s in sources]
    return free_draws(analyses, packaged or [True] * len(sources))


IMPORTS = (
    "import numpy as np\nimport random\nimport torch\nimport pandas as pd\n"
    "from sklearn.model_selection import train_test_split\n"
)


def test_a_draw_nothing_after_draws_again_is_free() -> None:
    assert _free(IMPORTS, "plt.hist(np.random.normal(size=50))", "total = df.sum()") == {1}


@pytest.mark.parametrize(
    "later",
    [
        "noise = np.random.rand(3)",
        "rows = df.sample(3)",  # pandas draws from numpy's generator without random_state
        "train, test = train_test_split(X)",  # so does scikit-learn
        "values = jitter(X)",  # a notebook function that draws (defined below)
    ],
)
def test_a_draw_numpy_draws_after_depend_on_stays(later: str) -> None:
    helper = "def jitter(X):\n    return X + np.random.rand(len(X))"
    assert 2 not in _free(IMPORTS, helper, "plt.hist(np.random.normal(size=50))", later)


def test_a_reseed_in_a_packaged_cell_frees_the_draws_before_it() -> None:
    cells = (IMPORTS, "print(np.random.rand(3))", "np.random.seed(1)", "x = np.random.rand(3)")
    assert 1 in _free(*cells)
    # a reseed the package does not run protects nothing
    assert 1 not in _free(*cells, packaged=[True, True, False, True])


def test_generators_are_told_apart() -> None:
    # python's `random` is another generator than numpy's
    assert 1 in _free(IMPORTS, "print(random.random())", "x = np.random.rand(3)")
    # any torch use may draw (a layer draws its weights)
    assert 1 not in _free(IMPORTS, "print(torch.randn(2))", "layer = torch.nn.Linear(2, 3)")


def test_a_computing_option_always_matters() -> None:
    assert _free(IMPORTS, "pd.set_option('mode.copy_on_write', True)", "x = 1") == set()


def test_draws_of_cells_left_out_of_the_package_do_not_count() -> None:
    cells = (IMPORTS, "print(np.random.rand(3))", "print(np.random.rand(2))", "x = 1")
    assert _free(*cells, packaged=[True, True, False, True]) == {1, 2}


@pytest.mark.parametrize(
    ("what", "family"),
    [
        ("np.random.rand", "numpy"),
        ("df.sample() without random_state", "numpy"),
        ("random.choice", "random"),
        ("torch.manual_seed", "torch"),
        ("pd.set_option", None),
    ],
)
def test_family_of(what: str, family: str | None) -> None:
    assert family_of(what) == family


def test_a_call_of_a_notebook_function_that_draws_is_a_draw_of_the_calling_cell() -> None:
    helper = "def scatter_noise():\n    plt.scatter(np.random.rand(5), np.random.rand(5))"
    # nothing packaged after it draws: the call's draws change nothing the package computes
    assert 2 in _free(IMPORTS, helper, "scatter_noise()", "total = df.sum()")
    # a later draw depends on it
    assert 2 not in _free(IMPORTS, helper, "scatter_noise()", "noise = np.random.rand(3)")


def test_a_notebook_function_that_reseeds_before_it_draws_frees_the_draws_before_its_calls() -> (
    None
):
    reseeding = "def hist_and_lines():\n    np.random.seed(0)\n    plt.hist(np.random.randn(9))"
    drawing = "def hist_only():\n    plt.hist(np.random.randn(9))"
    assert {2, 3} <= _free(IMPORTS, reseeding, "hist_and_lines()", "hist_and_lines()")
    assert 2 not in _free(IMPORTS, drawing, "hist_only()", "hist_only()")
