"""The strict round-trip judgement fails what it must: hand-made notebook ends vs package results."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from benchmarks import strict_compare as strict


def dump(**values: Any) -> dict[str, strict.Pickled]:
    return {name: pickle.dumps(value) for name, value in values.items()}


def fitted_model(c: float = 1.0) -> LogisticRegression:
    x, y = make_classification(n_samples=40, n_features=4, random_state=0)
    return LogisticRegression(C=c).fit(x, y)


def test_equal_results_are_reproduced() -> None:
    frame = pd.DataFrame({"a": [3, 1, 2]})
    notebook = dump(model=fitted_model(), frame=frame, accuracy=0.75)
    package = {"model": fitted_model(), "frame": frame.copy(), "accuracy": 0.75}

    judged = strict.judge_values(["model", "frame", "accuracy"], set(), [notebook], package)

    assert judged.equal == ["model", "frame", "accuracy"] and judged.reproduced


def test_a_missing_model_fails() -> None:
    notebook = dump(model=fitted_model(), accuracy=0.75)

    judged = strict.judge_values(["model", "accuracy"], set(), [notebook], {"accuracy": 0.75})

    assert judged.missing == ["model"] and not judged.reproduced


def test_an_unsorted_frame_fails() -> None:
    frame = pd.DataFrame({"a": [3, 1, 2]})
    notebook = dump(frame=frame.sort_values("a"))

    judged = strict.judge_values(["frame"], set(), [notebook], {"frame": frame})

    assert [d.split(" ")[0] for d in judged.differing] == ["frame"]
    assert not judged.reproduced


def test_a_model_fitted_differently_fails() -> None:
    notebook = dump(model=fitted_model(c=1.0))

    judged = strict.judge_values(["model"], set(), [notebook], {"model": fitted_model(c=0.1)})

    assert judged.differing and not judged.reproduced


def test_a_file_not_written_fails(tmp_path: Path) -> None:
    notebook_folder, package_folder = tmp_path / "nb", tmp_path / "pkg"
    for folder in (notebook_folder, package_folder):
        (folder / "data").mkdir(parents=True)
        (folder / "data" / "in.csv").write_text("a\n1\n")
    before = strict.file_hashes(notebook_folder)
    (notebook_folder / "out.csv").write_text("a\n1\n")
    (notebook_folder / "figure.png").write_bytes(b"png")
    (package_folder / "figure.png").write_bytes(b"png")
    notebook_files = strict.written_files(before, strict.file_hashes(notebook_folder))
    package_files = strict.written_files(before, strict.file_hashes(package_folder))

    judged = strict.judge_files([notebook_files], package_files)

    assert judged.files_expected == ["figure.png", "out.csv"]
    assert judged.files_missing == ["out.csv"] and judged.files_equal == ["figure.png"]
    assert not judged.reproduced


def test_nothing_compared_is_not_reproduced() -> None:
    judged = strict.judge_values(["f"], set(), [{"f": strict.CODE}], {})

    assert judged.vacuous and not judged.reproduced


def test_a_file_written_differently_fails() -> None:
    judged = strict.judge_files([{"out.csv": "aa"}], {"out.csv": "bb"})

    assert judged.files_differing == ["out.csv"] and not judged.reproduced


def test_a_random_value_is_never_equal() -> None:
    seeded = np.random.default_rng(0).random(3)
    unseeded = np.random.default_rng().random(3)

    # The package draws afresh where the notebook's value is the same in every run: a failure.
    runs = [dump(draws=seeded) for _ in range(3)]
    judged = strict.judge_values(["draws"], set(), runs, {"draws": unseeded})
    assert judged.differing and not judged.reproduced

    # The notebook's own runs differ: varying, reported apart, and not counted as equal.
    runs = [dump(draws=np.random.default_rng(seed).random(3)) for seed in (1, 2, 3)]
    judged = strict.judge_values(["draws"], set(), runs, {"draws": unseeded})
    assert (judged.varying, judged.equal, judged.differing) == (["draws"], [], [])

    # Varying, but the package returns something else entirely: a failure.
    judged = strict.judge_values(["draws"], set(), runs, {"draws": "not an array"})
    assert judged.differing and not judged.reproduced


def test_fewer_than_three_runs_never_make_a_value_varying() -> None:
    runs = [dump(draws=np.arange(3.0)), dump(draws=np.arange(3.0) + 1)]

    judged = strict.judge_values(["draws"], set(), runs, {"draws": np.arange(3.0) + 2})

    assert judged.differing and not judged.varying


def test_grid_searches_are_compared_without_their_timings() -> None:
    x, y = make_classification(n_samples=60, n_features=4, random_state=0)
    grid = {"C": [0.1, 1.0]}
    left = GridSearchCV(LogisticRegression(), grid, cv=3).fit(x, y)
    right = GridSearchCV(LogisticRegression(), grid, cv=3).fit(x, y)
    right.cv_results_["mean_fit_time"] = right.cv_results_["mean_fit_time"] + 1.0
    right.refit_time_ = left.refit_time_ + 1.0

    assert strict.same_value(left, right)
    other = GridSearchCV(LogisticRegression(), {"C": [0.01, 1.0]}, cv=3).fit(x, y)
    assert not strict.same_value(left, other)


def test_names_the_notebook_does_not_end_with_are_left_out_not_expected() -> None:
    notebook: dict[str, strict.Pickled] = {
        "gone": strict.ABSENT,
        "helper": strict.CODE,
        "figure": strict.FIGURE,
        "i": pickle.dumps(2),
        "total": pickle.dumps(3),
    }

    judged = strict.judge_values(
        ["gone", "helper", "figure", "i", "total"], {"i"}, [notebook], {"total": 3}
    )

    assert judged.expected == ["total"] and judged.reproduced
    assert judged.left_out == {
        "absent": ["gone"],
        "code": ["helper"],
        "figure": ["figure"],
        "incidental": ["i"],
    }


def test_top_level_binds_reads_cells_as_ipython_does() -> None:
    binds, loops = strict.top_level_binds(
        "%%time\nfor i in range(3):\n    total = i\nwith open('f') as f:\n    pass\n"
    )
    assert binds == ["i", "total", "f"] and loops == {"i", "f"}
    assert strict.top_level_binds("  x = 1\n  y = x\n") == (["x", "y"], set())
    assert strict.top_level_binds("from math import pi\nr = pi\n") == (["pi", "r"], {"pi"})


def test_what_a_cell_leaves_in_a_name_is_its_last_binding() -> None:
    # `degree` ends as the loop's counter; `grid` is assigned after being a loop variable.
    binds, loops = strict.top_level_binds(
        "degree = [1, 2]\nfor degree in [2, 9]:\n    fit(degree)\n"
        "for grid in g:\n    pass\ngrid = best(g)\n"
    )
    assert binds == ["degree", "grid"] and loops == {"degree"}


def test_plot_state_read_back_from_pyplot_is_incidental() -> None:
    binds, loops = strict.top_level_binds(
        "lim = plt.axis()\nxs = plt.gca().get_xlim()\npalette = sns.color_palette()\nn = len(lim)\n"
    )
    assert binds == ["lim", "xs", "palette", "n"] and loops == {"lim", "xs", "palette"}


def test_an_array_of_axes_is_dumped_as_a_figure(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2)
    namespace: dict[str, object] = {"ax": ax, "pair": [1, 2], "nothing": []}
    exec(strict.dump_source(tmp_path / "dump.pkl", ["ax", "pair", "nothing"]), namespace)
    plt.close(fig)
    dumped = pickle.loads((tmp_path / "dump.pkl").read_bytes())
    assert dumped["ax"] == strict.FIGURE
    assert pickle.loads(dumped["pair"]) == [1, 2] and pickle.loads(dumped["nothing"]) == []


def test_a_saved_figure_the_package_logs_instead_is_not_owed() -> None:
    notebook = {"figures/loss.png": "aa", "out.csv": "cc"}

    judged = strict.judge_files([notebook], {"out.csv": "cc"})

    assert judged.files_expected == ["out.csv"] and judged.files_equal == ["out.csv"]
    assert not judged.files_missing
