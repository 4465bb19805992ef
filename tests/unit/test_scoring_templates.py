"""The serving templates in-process: rows checked against a signature, JSON bodies read in
MLflow's scoring protocol, drift figures, and how the templates are copied into a package."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nb2pkg.emit.serving_files import SERVING_TEMPLATES, render_serving_modules
from nb2pkg.emit.templates import batch, drift
from nb2pkg.emit.templates.scoring import (
    Column,
    InputProblem,
    conform,
    frame_from_json,
    unreadable_input,
)
from nb2pkg.emit.templates.serving import check_body

COLUMNS = [
    Column("x", "double", True),
    Column("n", "long", True),
    Column("c", "string", True),
    Column("flag", "boolean", True),
    Column("note", "string", False),
]


def _problem(frame: pd.DataFrame, first_row: int = 1) -> InputProblem:
    with pytest.raises(InputProblem) as caught:
        conform(frame, COLUMNS, first_row=first_row)
    return caught.value


def _good(rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {"x": [1.5] * rows, "n": [2] * rows, "c": ["a"] * rows, "flag": [True] * rows}
    )


def test_conform_keeps_the_signature_columns_with_their_types() -> None:
    frame = _good().assign(extra=9, n=[1.0, 2.0, 3.0], flag=["true", "False", "1"])
    conformed = conform(frame, COLUMNS)
    assert list(conformed.columns) == ["x", "n", "c", "flag"]
    assert conformed["n"].dtype == np.int64 and conformed["n"].tolist() == [1, 2, 3]
    assert conformed["flag"].tolist() == [True, False, True]
    assert conformed["x"].dtype == np.float64


@pytest.mark.parametrize(
    ("change", "row", "column", "words"),
    [
        ({"x": [1.0, "abc", 2.0]}, 12, "x", "expected a number (double), got the text 'abc'"),
        ({"x": [1.0, 2.0, True]}, 13, "x", "got true (a boolean)"),
        ({"n": [1.0, 2.5, 3.0]}, 12, "n", "expected a whole number (long), got 2.5 (a number)"),
        ({"n": [1, 2, 2**70]}, 13, "n", "whole number in [-9223372036854775808"),
        ({"c": ["a", 7, "b"]}, 12, "c", "expected text (string), got 7 (a number)"),
        ({"flag": [True, "maybe", False]}, 12, "flag", "expected true or false"),
        ({"x": [1.0, 2.0, None]}, 13, "x", "missing value (the column is required)"),
    ],
)
def test_conform_names_the_row_and_column(
    change: dict[str, list[object]], row: int, column: str, words: str
) -> None:
    frame = _good()
    for name, values in change.items():
        frame[name] = pd.Series(values, dtype=object)
    problem = _problem(frame, first_row=11)
    assert (problem.row, problem.column, problem.status) == (row, column, 422)
    assert problem.message.startswith(f"row {row}, column `{column}`: ")
    assert words in problem.message


def test_conform_reports_missing_columns_and_no_rows() -> None:
    problem = _problem(_good().drop(columns=["n", "c"]))
    assert problem.message.startswith("missing columns `n`, `c`")
    assert problem.column == "n"
    assert _problem(_good(0)).status == 400
    # An optional column may be absent, and may hold missing values.
    assert "note" not in conform(_good(), COLUMNS).columns
    with_note = conform(_good().assign(note=["a", None, "b"]), COLUMNS)
    assert with_note["note"].isna().tolist() == [False, True, False]


def test_without_a_column_signature_rows_pass_unchanged() -> None:
    frame = _good()
    assert conform(frame, None) is frame


@pytest.mark.parametrize(
    ("payload", "words", "field"),
    [
        ([1, 2], "must be a JSON object", None),
        ({"rows": []}, "unknown key `rows`", "rows"),
        ({}, "found none", None),
        ({"inputs": {"x": [1]}, "instances": []}, "found `inputs` and `instances`", "instances"),
        ({"dataframe_records": {"x": 1}}, "must be a list of row objects", "dataframe_records"),
        ({"dataframe_split": {"columns": ["x"], "data": [[1, 2]]}}, "list of 1 values", None),
        ({"dataframe_split": {"columns": ["x"], "rows": []}}, "unknown key `rows`", "rows"),
        ({"inputs": {"x": [1, 2], "n": [1]}}, "different lengths", "inputs"),
        ({"inputs": 5}, "must be a list of row objects or an object", "inputs"),
        ({"dataframe_records": [], "params": 3}, "`params` must be a JSON object", "params"),
    ],
)
def test_json_bodies_that_cannot_be_read(payload: object, words: str, field: str | None) -> None:
    with pytest.raises(InputProblem) as caught:
        frame_from_json(payload)
    assert caught.value.status == 400
    assert words in caught.value.message
    if field is not None:
        assert caught.value.column == field


def test_json_formats_give_the_same_frame() -> None:
    rows = [{"x": 1.5, "n": 2, "c": "a", "flag": True}, {"x": 2.5, "n": 3, "c": "b", "flag": False}]
    split = {"columns": ["x", "n", "c", "flag"], "data": [list(r.values()) for r in rows]}
    columns = {name: [r[name] for r in rows] for name in rows[0]}
    frames = [
        frame_from_json({"dataframe_records": rows})[0],
        frame_from_json({"dataframe_split": split})[0],
        frame_from_json({"inputs": columns, "params": {"k": 1}})[0],
        frame_from_json({"instances": rows})[0],
    ]
    conformed = [conform(frame, COLUMNS) for frame in frames]
    for other in conformed[1:]:
        # Text may come as object or pandas' string dtype: the same values either way.
        pd.testing.assert_frame_equal(other, conformed[0], check_dtype=False)
        assert other.dtypes.drop("c").equals(conformed[0].dtypes.drop("c"))


def test_check_body_content_types() -> None:
    good = json.dumps({"dataframe_records": [{"x": 1, "n": 2, "c": "a", "flag": True}]}).encode()
    check_body(good, "application/json; charset=UTF-8", COLUMNS)
    check_body(b"x,n,c,flag\n1.5,2,007,true\n", "text/csv", COLUMNS)
    for content_type, status in [(None, 415), ("text/xml", 415), ("text/csv; header=yes", 415)]:
        with pytest.raises(InputProblem) as caught:
            check_body(good, content_type, COLUMNS)
        assert caught.value.status == status
        assert caught.value.column == "Content-Type"


def test_psi_is_zero_for_the_same_data_and_grows_with_the_shift() -> None:
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"v": rng.normal(0, 1, 5000), "k": rng.choice(["a", "b"], 5000)})
    profile = json.loads(json.dumps(drift.profile_frame(train)))  # as stored
    same = {d.column: d for d in drift.compare(profile, train)}
    assert same["v"].psi < 1e-9 and same["k"].psi < 1e-9
    assert same["v"].ks_statistic is not None and same["v"].ks_statistic < 0.02
    psis = []
    for shift in (0.1, 0.5, 1.0):
        moved = train.assign(v=train["v"] + shift)
        psis.append(next(d.psi for d in drift.compare(profile, moved) if d.column == "v"))
    assert psis == sorted(psis) and psis[0] < 0.2 < psis[-1]


def test_missing_values_count_as_a_bin_of_their_own() -> None:
    train = pd.DataFrame({"v": np.arange(1000.0)})
    profile = drift.profile_frame(train)
    half_missing = train.assign(v=train["v"].where(train.index % 2 == 0))
    found = drift.compare(profile, half_missing)[0]
    assert found.missing_new == 0.5 and found.drifted
    expected = (0.5 - 1e-4) * math.log(0.5 / 1e-4)  # the missing bin alone
    assert found.psi > expected


def test_templates_become_package_modules_importing_each_other_relatively() -> None:
    files = render_serving_modules("src/pkg")
    assert set(files) == {f"src/pkg/{module}.py" for module in SERVING_TEMPLATES}
    for path, text in files.items():
        tree = ast.parse(text)
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module is not None
        }
        assert not any(name.startswith("nb2pkg") for name in imported), path
        if not path.endswith("_scoring.py"):
            assert any(
                isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "_scoring"
                for node in ast.walk(tree)
            ), path


def test_predict_and_drift_refuse_a_missing_file_or_no_rows_per_chunk_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("x\n1\n")
    assert unreadable_input(rows, 1) is None
    assert unreadable_input(rows, 0) == "--chunk-rows must be at least 1"
    assert unreadable_input(tmp_path / "none.csv", 10) == f"{tmp_path / 'none.csv'}: no such file"
    out = str(tmp_path / "out.csv")
    assert batch.main([str(rows), "-o", out, "--chunk-rows", "0"]) == batch.EXIT_FAILED
    assert capsys.readouterr().err == "error: --chunk-rows must be at least 1\n"
    assert drift.main([str(tmp_path / "none.csv")]) == drift.EXIT_FAILED
    assert capsys.readouterr().err == f"error: drift: {tmp_path / 'none.csv'}: no such file\n"


def test_drift_read_in_chunks_is_drift_read_whole() -> None:
    rng = np.random.default_rng(1)
    train = pd.DataFrame(
        {
            "v": rng.normal(0, 1, 4000),
            "k": rng.choice(["a", "b", "c"], 4000),
            "n": rng.integers(0, 5, 4000),
        }
    )
    profile = drift.profile_frame(train)
    new = pd.DataFrame(
        {
            "v": rng.normal(0.3, 1.2, 3001),
            "k": rng.choice(["a", "b", "d"], 3001),
            "n": rng.integers(0, 7, 3001),
        }
    )
    new.loc[::7, "v"] = np.nan
    whole = drift.compare(profile, new)
    parts = [new.iloc[start : start + 250] for start in range(0, len(new), 250)]
    chunked = drift.compare_chunks(profile, parts)
    assert [d.column for d in chunked] == ["v", "k", "n"]
    for one, other in zip(whole, chunked, strict=True):
        assert one.psi == pytest.approx(other.psi, rel=1e-12)
        assert one.missing_new == pytest.approx(other.missing_new, rel=1e-12)
        assert one.ks_statistic == other.ks_statistic and one.drifted == other.drifted


def test_streamed_ks_is_scipy_s_statistic_to_within_the_histogram_resolution() -> None:
    rng = np.random.default_rng(2)
    train = pd.DataFrame({"v": rng.normal(0, 1, 5000)})
    profile = drift.profile_frame(train)
    quantiles = np.asarray(profile["columns"]["v"]["quantiles"])
    probabilities = np.linspace(0, 1, len(quantiles))

    def training_cdf(x: Any) -> Any:
        return np.interp(x, quantiles, probabilities, left=0.0, right=1.0)

    for shift in (0.0, 0.2, 1.0, 5.0):
        values = rng.normal(shift, 1, 2000)
        [found] = drift.compare(profile, pd.DataFrame({"v": values}))
        exact = stats.kstest(values, training_cdf)
        assert found.ks_statistic == pytest.approx(exact.statistic, abs=1.0 / drift.KS_BINS)
        assert found.ks_pvalue == pytest.approx(exact.pvalue, rel=0.05, abs=1e-6)
