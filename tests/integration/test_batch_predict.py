"""`python -m PKG predict IN -o OUT`: chunked batch scoring with the registered model.

The package and its model come from ``tests/scoring_package.py``. Each command runs as a
user runs it, in a process of its own; predictions are compared with the model's own
``predict`` in another process.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.scoring_package import (
    PACKAGE,
    ScoringPackage,
    package_fixture,
    run_limited,
    write_large_csv,
)

__all__ = ["package_fixture"]  # the `package` fixture

NOTE = "free text that the model does not read; " * 25


def _rows(count: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.arange(count),
            "x": rng.normal(10.0, 2.0, count),
            "n": rng.integers(0, 20, count),
            "c": rng.choice(["red", "green", "blue"], count),
            "note": NOTE,
        }
    )


def test_csv_in_chunks_gives_the_model_s_predictions(package: ScoringPackage) -> None:
    rows = _rows(1000, seed=5)
    rows.to_csv(package.workdir / "batch.csv", index=False)
    done = package.run(
        "predict", "batch.csv", "-o", "scored/batch-out.csv", "--alias", "champion",
        "--chunk-rows", "128", "--keep", "id",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1000 predictions" in done.stderr
    scored = pd.read_csv(package.workdir / "scored" / "batch-out.csv")
    assert list(scored.columns) == ["id", "prediction"]
    assert scored["id"].tolist() == list(range(1000))
    expected = package.model_predictions(rows[["x", "n", "c"]])
    np.testing.assert_allclose(scored["prediction"].to_numpy(), expected, rtol=1e-12, atol=0)


def test_parquet_in_and_out(package: ScoringPackage) -> None:
    rows = _rows(700, seed=6)
    rows.to_parquet(package.workdir / "batch.parquet", index=False)
    done = package.run(
        "predict", "batch.parquet", "-o", "batch-out.parquet", "--model-version", "1",
        "--chunk-rows", "100", "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "rows read" not in done.stderr and "scoring" not in done.stderr  # --quiet: no progress
    scored = pd.read_parquet(package.workdir / "batch-out.parquet")
    expected = package.model_predictions(rows[["x", "n", "c"]])
    np.testing.assert_allclose(scored["prediction"].to_numpy(), expected, rtol=1e-12, atol=0)


def test_a_bad_value_is_reported_with_its_row_and_column(package: ScoringPackage) -> None:
    rows = _rows(1000, seed=7)
    rows["x"] = rows["x"].astype(object)
    rows.loc[733, "x"] = "n/a?"
    rows.to_csv(package.workdir / "bad.csv", index=False)
    done = package.run("predict", "bad.csv", "-o", "bad-out.csv", "--chunk-rows", "100")
    assert done.returncode == 2, done.stderr
    assert "row 734, column `x`: expected a number (double), got the text 'n/a?'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (package.workdir / "bad-out.csv").exists()
    assert not list(package.workdir.glob(".bad-out.csv.*"))


def test_other_bad_files_exit_2_without_a_traceback(package: ScoringPackage) -> None:
    work = package.workdir
    _rows(10, seed=8).drop(columns=["n"]).to_csv(work / "no-n.csv", index=False)
    (work / "unclosed.csv").write_text('x,n,c\n1.5,2,red\n1.5,2,"red\n', encoding="utf-8")
    (work / "empty.csv").write_text("", encoding="utf-8")
    (work / "header-only.csv").write_text("x,n,c\n", encoding="utf-8")
    (work / "missing.csv").write_text("x,n,c\n1.5,2,red\n2.5,,blue\n", encoding="utf-8")
    expected = {
        "no-n.csv": "missing column `n`",
        "unclosed.csv": "not valid CSV: Error tokenizing data",
        "empty.csv": "the file is empty",
        "header-only.csv": "no rows to score",
        "missing.csv": "row 2, column `n`: missing value",
    }
    for name, words in expected.items():
        done = package.run("predict", name, "-o", f"{name}.out.csv")
        assert done.returncode == 2, (name, done.stderr)
        assert words in done.stderr, (name, done.stderr)
        assert "Traceback" not in done.stderr, (name, done.stderr)
        assert not (work / f"{name}.out.csv").exists()


def test_a_file_larger_than_the_memory_limit_is_scored(
    package: ScoringPackage, tmp_path: Path
) -> None:
    block = _rows(2000, seed=9)
    text = block.to_csv(index=False, header=False).encode("utf-8")
    large = tmp_path / "large.csv"
    repeats = write_large_csv(large, "id,x,n,c,note", text)
    # The limit is real: the same process cannot even hold the file in memory.
    whole = run_limited(package, "-c", f"open({str(large)!r}, 'rb').read()")
    assert whole.returncode != 0 and "MemoryError" in whole.stderr, whole.stderr

    out = tmp_path / "large-out.csv"
    done = run_limited(
        package, "-m", PACKAGE, "predict", str(large), "-o", str(out), "--keep", "id"
    )
    assert done.returncode == 0, done.stderr
    scored = pd.read_csv(out)
    assert len(scored.index) == repeats * len(block.index)
    expected = package.model_predictions(block[["x", "n", "c"]])
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(len(scored.index), 5000, replace=False))
    source_rows = sample % len(block.index)
    np.testing.assert_array_equal(scored["id"].to_numpy()[sample], source_rows)
    np.testing.assert_allclose(
        scored["prediction"].to_numpy()[sample], expected[source_rows], rtol=1e-12, atol=0
    )
