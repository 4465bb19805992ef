"""Values between tasks: every step run on its own through `run-step` gives what run() gives.

The generated package runs here with the development environment's libraries (pandas,
pyarrow, numpy, scikit-learn, joblib) and the package's `src` on the import path.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nb2pkg.frontends.api import build
from tests.branching_notebook import write_branching_notebook

STEPS = ("load", "double", "summarise", "tag_rows", "combine")


def _python(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(out / "src")},
    )


@pytest.fixture
def package(tmp_path: Path) -> Path:
    notebook = write_branching_notebook(tmp_path / "branches.ipynb")
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    return tmp_path / "out"


def _stored_and_run(
    out: Path, base: Path, params: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    compare = out / "compare.pickle"
    script = (
        "import pickle, sys, branches\n"
        "from branches.steps_io import final_outputs\n"
        f"expected = branches.run(track=False, **{params!r})\n"
        f"pickle.dump((expected, final_outputs({str(base)!r})), open({str(compare)!r}, 'wb'))\n"
    )
    done = _python(out, "-c", script)
    assert done.returncode == 0, done.stderr
    with compare.open("rb") as handle:
        expected, stored = pickle.load(handle)
    return expected, stored


def test_every_step_through_run_step_gives_what_run_gives(
    package: Path, tmp_path: Path, same_value: Callable[..., None]
) -> None:
    base = tmp_path / "artifacts"
    for step in STEPS:
        args = ["--scale", "3"] if step in ("double", "combine") else []
        done = _python(
            package,
            "-m",
            "branches",
            "run-step",
            step,
            "--inputs",
            str(base),
            "--outputs",
            str(base),
            *args,
        )
        assert done.returncode == 0, done.stderr
        if step == "combine":
            # Anything without a portable format is pickled, and the warning names it.
            assert "value `shifted` (builtins.complex) is stored with pickle" in done.stderr
        else:
            assert "PickledValueWarning" not in done.stderr
    expected, stored = _stored_and_run(package, base, {"scale": 3})
    assert sorted(stored) == sorted(expected)
    for name in expected:
        same_value(expected[name], stored[name], where=name)
    formats = {p.name for p in (base / "combine").iterdir()} | {
        p.name for p in (base / "summarise").iterdir()
    }
    assert {"model.joblib", "total.json", "shifted.pickle", "counts.npy", "labels.json"} <= formats
    assert (base / "load" / "frame.parquet").is_file()
    assert (base / "double" / "doubled.parquet").is_file()


def test_a_step_whose_inputs_are_missing_says_which_step_to_run_first(
    package: Path, tmp_path: Path
) -> None:
    base = tmp_path / "artifacts"
    done = _python(
        package,
        "-m",
        "branches",
        "run-step",
        "double",
        "--inputs",
        str(base),
        "--outputs",
        str(base),
    )
    assert done.returncode == 1
    assert "step `load` has not completed" in done.stderr
    assert "Traceback" not in done.stderr
    wrong = _python(
        package,
        "-m",
        "branches",
        "run-step",
        "load",
        "--inputs",
        str(base),
        "--outputs",
        str(base),
        "--scale",
        "2",
    )
    assert wrong.returncode == 2
    assert "step load takes no parameter scale" in wrong.stderr


def test_running_a_step_again_overwrites_only_its_own_values(package: Path, tmp_path: Path) -> None:
    base = tmp_path / "artifacts"
    for step in ("load", "double", "double"):
        done = _python(
            package,
            "-m",
            "branches",
            "run-step",
            step,
            "--inputs",
            str(base),
            "--outputs",
            str(base),
        )
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (base / "double").iterdir()) == [
        "_outputs.json",
        "doubled.parquet",
    ]


def test_without_pyarrow_data_frames_are_pickled_with_a_warning(
    package: Path, tmp_path: Path
) -> None:
    base = tmp_path / "artifacts"
    script = (
        "import sys, warnings\n"
        "sys.modules['pyarrow'] = None  # as on a machine without pyarrow\n"
        "from branches.steps_io import run_step, ArtifactStore\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    run_step('load', inputs={str(base)!r}, outputs={str(base)!r})\n"
        "print([str(w.message) for w in caught])\n"
        f"print(ArtifactStore({str(base)!r}).load('load', 'frame').shape)\n"
    )
    done = _python(package, "-c", script)
    assert done.returncode == 0, done.stderr
    messages, shape = done.stdout.strip().splitlines()
    assert (
        "value `frame` (pandas.DataFrame) is stored with pickle because pyarrow is not installed"
        in messages
    )
    assert shape == "(4, 2)"
    assert (base / "load" / "frame.pickle").is_file()


def test_an_artifact_url_without_fsspec_is_a_clear_error(package: Path) -> None:
    script = (
        "import sys\n"
        "sys.modules['fsspec'] = None  # as on a machine without fsspec\n"
        "from branches.steps_io import ArtifactStore, ArtifactError\n"
        "try:\n"
        "    ArtifactStore('s3://bucket/run-1')\n"
        "except ArtifactError as error:\n"
        "    print(error)\n"
    )
    done = _python(package, "-c", script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "s3://bucket/run-1: an artifact URL needs fsspec (pip install fsspec, and the "
        "filesystem's own package such as s3fs)"
    )


def test_run_step_spells_parameter_options_as_run_does(tmp_path: Path) -> None:
    """Lower-case first (``--seed`` for ``SEED``), the parameter's own spelling as alias."""
    from tests.helpers import code_cell, make_notebook

    notebook = tmp_path / "seeded.ipynb"
    cells = [
        code_cell("SEED = 7\n", ["parameters"]),
        code_cell("value = SEED * 2\n", ["function:make"]),
    ]
    notebook.write_text(json.dumps(make_notebook(cells)))
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    out = tmp_path / "out"
    helped = _python(out, "-m", "seeded", "run-step", "--help")
    assert "--seed SEED, --SEED SEED" in helped.stdout, helped.stdout
    for flag, given in (("--seed", 5), ("--SEED", 6)):
        base = tmp_path / f"artifacts{given}"
        done = _python(
            out,
            "-m",
            "seeded",
            "run-step",
            "make",
            "--inputs",
            str(base),
            "--outputs",
            str(base),
            flag,
            str(given),
        )
        assert done.returncode == 0, done.stderr
        script = (
            "from seeded.steps_io import final_outputs\n"
            f"print(final_outputs({str(base)!r})['value'])\n"
        )
        stored = _python(out, "-c", script)
        assert stored.stdout.strip() == str(given * 2), stored.stderr


MODEL_FACTS = """
import json, sys
import mlflow
import pandas as pd
from mlflow import MlflowClient
from pricing.steps_io import final_outputs

client = MlflowClient()
found = []
for version in client.search_model_versions("name = 'pricing'"):
    run = client.get_run(version.run_id)
    info = mlflow.models.get_model_info(f"models:/pricing/{version.version}")
    rows = pd.read_csv("train.csv")[["x", "n", "c"]].head(50)
    logged = mlflow.pyfunc.load_model(f"models:/pricing/{version.version}").predict(rows)
    stored = final_outputs(sys.argv[1])["model"].predict(rows)
    found.append({
        "version": str(version.version),
        "run": version.run_id,
        "step": run.data.tags.get("nb2pkg.step"),
        "status": run.info.status,
        "flavor": version.tags.get("nb2pkg.model_flavor"),
        "package_version": version.tags.get("nb2pkg.version"),
        "inputs": [c["name"] for c in info.signature.inputs.to_dict()],
        "same_predictions": bool((abs(logged - stored) < 1e-12).all()),
        "profile": "drift/training_profile.json" in [
            f.path for f in client.list_artifacts(version.run_id, "drift")
        ],
    })
print(json.dumps(sorted(found, key=lambda f: int(f["version"]))))
"""


def test_steps_run_one_at_a_time_with_tracking_log_and_register_the_model(
    tmp_path: Path,
) -> None:
    from tests.scoring_package import training_frame, write_training_notebook

    work = tmp_path / "work"
    work.mkdir()
    training_frame(300).to_csv(work / "train.csv", index=False)
    notebook = write_training_notebook(work / "pricing.ipynb")
    assert build([notebook], tmp_path / "out", root=work, name="pricing").ok
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")},
        "PYTHONPATH": str(tmp_path / "out" / "src"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}",
    }

    def python(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, *args], cwd=work, env=env, capture_output=True, text=True,
            check=False, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-4000:]
        return done

    alone, nested = tmp_path / "alone", tmp_path / "nested"
    for step in ("load", "train"):
        python("-m", "pricing", "run-step", step, "--inputs", str(alone), "--outputs",
               str(alone), "--track")  # fmt: skip
    start = "from pricing.steps_io import start_pipeline_run; print(start_pipeline_run({}))"
    parent = python("-c", start).stdout.strip().splitlines()[-1]
    for step in ("load", "train"):
        python("-m", "pricing", "run-step", step, "--inputs", str(nested), "--outputs",
               str(nested), "--track", "--parent-run-id", parent)  # fmt: skip

    first = json.loads(python("-c", MODEL_FACTS, str(alone)).stdout.strip().splitlines()[-1])
    second = json.loads(python("-c", MODEL_FACTS, str(nested)).stdout.strip().splitlines()[-1])

    # Alone, the last step's own run holds the model; nested, the pipeline's run, which stays
    # open until the orchestrator closes it.
    assert [f["version"] for f in first] == ["1", "2"]
    assert first[0]["step"] == "train" and first[0]["status"] == "FINISHED"
    assert second[1]["run"] == parent and second[1]["step"] is None
    assert second[1]["status"] == "RUNNING"
    for facts in (first[0], second[1]):
        assert facts["flavor"] == "sklearn" and facts["package_version"] == "0.1.0"
        assert facts["inputs"] == ["x", "n", "c"]
        assert facts["profile"] is True
    assert first[0]["same_predictions"] is True and second[1]["same_predictions"] is True
