"""`python -m PKG drift NEW`: new data against the profile of the training inputs.

The training profile is logged with the model by ``tests/scoring_package.py`` (the
package's own ``_drift.log_profile``); drift runs are read back with ``MlflowClient``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow import MlflowClient

from tests.scoring_package import (
    PACKAGE,
    ScoringPackage,
    package_fixture,
    run_limited,
    write_large_csv,
)

__all__ = ["package_fixture"]  # the `package` fixture


def _table(stdout: str) -> dict[str, str]:
    """Each column's status from the printed table."""
    statuses: dict[str, str] = {}
    for line in stdout.splitlines()[2:]:
        parts = line.split()
        if parts and parts[0] in ("x", "n", "c"):
            statuses[parts[0]] = "DRIFT" if "DRIFT" in line else "ok"
    return statuses


def _shifted(train: pd.DataFrame) -> pd.DataFrame:
    """The training inputs with `x` moved by one standard deviation and the categories of
    `c` reshuffled; `n` untouched."""
    shifted = train[["x", "n", "c"]].copy()
    shifted["x"] = shifted["x"] + shifted["x"].std()
    shifted["c"] = shifted["c"].map({"red": "blue", "green": "green", "blue": "red"})
    return shifted


def test_shifted_data_exits_3_naming_the_shifted_columns(package: ScoringPackage) -> None:
    _shifted(package.train).to_csv(package.workdir / "shifted.csv", index=False)
    done = package.run("drift", "shifted.csv", "--alias", "champion")
    assert done.returncode == 3, done.stdout + done.stderr
    assert _table(done.stdout) == {"x": "DRIFT", "n": "ok", "c": "DRIFT"}
    assert "drift above the threshold in: x, c" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unshifted_sample_exits_0(package: ScoringPackage) -> None:
    sample = package.train[["x", "n", "c"]].sample(frac=0.5, random_state=11)
    sample.to_csv(package.workdir / "sample.csv", index=False)
    done = package.run("drift", "sample.csv", "--run-id", package.run_id, "--no-track")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _table(done.stdout) == {"x": "ok", "n": "ok", "c": "ok"}


def test_fresh_draws_from_the_training_distribution_do_not_drift(package: ScoringPackage) -> None:
    rng = np.random.default_rng(42)
    fresh = pd.DataFrame(
        {
            "x": rng.normal(10.0, 2.0, 1500),
            "n": rng.integers(0, 20, 1500),
            "c": rng.choice(["red", "green", "blue"], 1500, p=[0.5, 0.3, 0.2]),
        }
    )
    fresh.to_csv(package.workdir / "fresh.csv", index=False)
    done = package.run("drift", "fresh.csv", "--no-track")
    assert done.returncode == 0, done.stdout + done.stderr


def test_drift_is_logged_as_metrics_of_a_drift_run(package: ScoringPackage) -> None:
    shifted = _shifted(package.train)
    shifted.loc[: len(shifted) // 2, "n"] = None  # half the values of `n` now missing
    shifted.to_csv(package.workdir / "shifted-missing.csv", index=False)
    done = package.run("drift", "shifted-missing.csv", "--threshold", "0.25")
    assert done.returncode == 3, done.stdout + done.stderr
    assert _table(done.stdout) == {"x": "DRIFT", "n": "DRIFT", "c": "DRIFT"}
    client = MlflowClient(tracking_uri=package.tracking_uri)
    experiment = client.get_experiment_by_name(PACKAGE)
    assert experiment is not None
    runs = client.search_runs(
        [experiment.experiment_id],
        filter_string="tags.`nb2pkg.drift_data` = 'shifted-missing.csv'",
    )
    assert len(runs) == 1
    run = runs[0]
    assert run.data.tags["nb2pkg.drift_of_run"] == package.run_id
    assert run.data.params["threshold"] == "0.25"
    metrics = run.data.metrics
    assert metrics["drift.drifted_columns"] == 3
    assert metrics["drift.psi.x"] > 0.25 and metrics["drift.ks.x"] > 0.2
    assert abs(metrics["drift.missing_rate.n"] - 0.5) < 0.01
    assert metrics["drift.max_psi"] == max(
        metrics["drift.psi.x"], metrics["drift.psi.n"], metrics["drift.psi.c"]
    )


def test_a_missing_column_drifts_and_a_profile_file_can_stand_in(package: ScoringPackage) -> None:
    profile_path = package.workdir / "profile.json"
    script = (
        "import json, pandas as pd\n"
        "from pricing._drift import profile_frame\n"
        "frame = pd.read_csv('train.csv')[['x', 'n', 'c']]\n"
        f"open({str(profile_path)!r}, 'w').write(json.dumps(profile_frame(frame)))\n"
    )
    made = package.run_python(script)
    assert made.returncode == 0, made.stderr
    profile = json.loads(profile_path.read_text())
    assert set(profile["columns"]) == {"x", "n", "c"}
    assert len(profile["columns"]["x"]["quantiles"]) == 101
    assert abs(sum(profile["columns"]["c"]["shares"].values()) - 1.0) < 1e-9
    package.train[["x", "c"]].to_csv(package.workdir / "no-n.csv", index=False)
    done = package.run("drift", "no-n.csv", "--profile", str(profile_path), "--no-track")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "missing from the new data" in done.stdout
    assert "drift above the threshold in: n" in done.stderr


def test_a_run_without_a_profile_is_an_error_not_a_traceback(package: ScoringPackage) -> None:
    client = MlflowClient(tracking_uri=package.tracking_uri)
    experiment = client.get_experiment_by_name(PACKAGE)
    assert experiment is not None
    bare = client.create_run(experiment.experiment_id)
    client.set_terminated(bare.info.run_id)
    package.train.to_csv(package.workdir / "any.csv", index=False)
    done = package.run("drift", "any.csv", "--run-id", bare.info.run_id, "--no-track")
    assert done.returncode == 1
    assert f"run {bare.info.run_id} has no training profile" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_file_larger_than_the_memory_limit_is_compared_in_chunks(
    package: ScoringPackage, tmp_path: Path
) -> None:
    """A shifted copy of the training inputs (with a wide column drift does not profile),
    repeated past the memory limit: the figures are those of one copy, as the rows' shares
    do not change with the repeats."""
    block = _shifted(package.train).assign(note="free text the profile does not cover; " * 25)
    large = tmp_path / "large-shifted.csv"
    write_large_csv(large, "x,n,c,note", block.to_csv(index=False, header=False).encode())
    whole = run_limited(package, "-c", f"open({str(large)!r}, 'rb').read()")
    assert whole.returncode != 0 and "MemoryError" in whole.stderr, whole.stderr

    done = run_limited(package, "-m", PACKAGE, "drift", str(large), "--alias", "champion",
                       "--no-track")  # fmt: skip
    small = package.workdir / "one-copy.csv"
    block.to_csv(small, index=False)
    one = package.run("drift", "one-copy.csv", "--alias", "champion", "--no-track")

    assert done.returncode == 3, done.stdout + done.stderr
    assert _table(done.stdout) == {"x": "DRIFT", "n": "ok", "c": "DRIFT"}
    assert "drift above the threshold in: x, c" in done.stderr
    psi = {line.split()[0]: line.split()[2] for line in done.stdout.splitlines()[2:-1]}
    assert psi == {line.split()[0]: line.split()[2] for line in one.stdout.splitlines()[2:-1]}
