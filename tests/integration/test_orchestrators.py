"""The exported pipeline on real orchestrator engines, each in its own cached virtualenv.

Airflow 3: ``dag.test()`` runs the exported DAGs of the classification and store-sales
examples end to end with a local artifact folder and the same results as ``run()``; a failing step fails its
task (and the DAG run's MLflow run); with the LocalExecutor two independent steps overlap.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.branching_notebook import write_branching_notebook
from tests.integration.cached_envs import (
    AIRFLOW_REQUIREMENTS,
    KFP_REQUIREMENTS,
    CachedEnv,
    cached_env,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def airflow_env() -> CachedEnv:
    return cached_env("airflow-3.3.2", AIRFLOW_REQUIREMENTS)


class AirflowHome:
    """An AIRFLOW_HOME with its own sqlite metadata database and DAGs folder."""

    def __init__(self, env: CachedEnv, root: Path) -> None:
        self.env = env
        self.root = root
        self.dags = root / "dags"
        self.dags.mkdir(parents=True)
        migrated = self.run("airflow", "db", "migrate")
        assert migrated.returncode == 0, migrated.stderr[-4000:]

    def variables(self, **extra: str) -> dict[str, str]:
        return {
            "AIRFLOW_HOME": str(self.root),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "MLFLOW_TRACKING_URI": f"sqlite:///{self.root / 'mlflow.db'}",
            "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
            **extra,
        }

    def run(
        self, *args: str | Path, timeout: float = 900, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return self.env.run(*args, cwd=self.root, timeout=timeout, **self.variables(**extra))

    def python(self, script: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return self.run(self.env.python, "-c", script, **extra)


@pytest.fixture
def airflow_home(airflow_env: CachedEnv, tmp_path: Path) -> AirflowHome:
    return AirflowHome(airflow_env, tmp_path / "airflow")


REPO_ROOT = Path(__file__).resolve().parents[2]


def run_nb2pkg(
    *args: str | Path, cwd: Path, kfp_python: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """This checkout's CLI (the one under test), as ``python -m nb2pkg``; ``kfp_python``:
    the Python with kfp that compiles KFP pipelines (else none: kfp is not in this venv)."""
    leaky = ("MLFLOW_TRACKING_URI", "NB2PKG_KFP_PYTHON")
    env = {k: v for k, v in os.environ.items() if k not in leaky}
    env["PYTHONPATH"] = str(REPO_ROOT)
    if kfp_python is not None:
        env["NB2PKG_KFP_PYTHON"] = str(kfp_python)
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg", *(str(a) for a in args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _export(
    notebook: Path,
    out: Path,
    *options: str,
    target: str = "airflow",
    kfp_python: Path | None = None,
) -> Path:
    done = run_nb2pkg(
        "export", target, notebook, "-o", out, *options, cwd=notebook.parent, kfp_python=kfp_python
    )
    assert done.returncode == 0, done.stderr
    [written] = (out / "orchestrators" / target).glob("*.py")
    return written


DAG_TEST = """
import importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location("exported_dag", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
[dag] = [v for v in vars(module).values() if type(v).__name__ == "DAG"]
started = time.perf_counter()
run = dag.test(run_conf=json.loads(sys.argv[2]))
seconds = time.perf_counter() - started
tasks = {ti.task_id: ti.state for ti in run.get_task_instances()}
print(json.dumps({"state": run.state, "run_id": run.run_id, "tasks": tasks, "seconds": seconds}))
"""


def _dag_test(home: AirflowHome, dag_file: Path, conf: dict[str, Any]) -> dict[str, Any]:
    installed = home.dags / dag_file.name
    shutil.copy(dag_file, installed)
    script = home.root / "dag_test.py"
    script.write_text(DAG_TEST)
    done = home.run(home.env.python, script, installed, json.dumps(conf))
    assert done.returncode == 0, done.stderr[-6000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _store(artifacts: Path, dag_id: str, run_id: str) -> Path:
    """Where the DAG run kept its values (the DAG's own naming)."""
    return artifacts / dag_id / re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)


def _mlflow_runs(home: AirflowHome) -> list[dict[str, Any]]:
    script = (
        "import json, mlflow\n"
        "client = mlflow.MlflowClient()\n"
        "runs = [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]\n"
        "print(json.dumps([{'id': r.info.run_id, 'status': r.info.status, 'tags': r.data.tags,"
        " 'metrics': r.data.metrics} for r in runs]))\n"
    )
    done = home.python(script)
    assert done.returncode == 0, done.stderr[-4000:]
    runs: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return runs


def test_the_classification_dag_gives_what_run_gives(
    airflow_home: AirflowHome,
    examples_workspace: Path,
    tmp_path: Path,
    same_value: Callable[..., None],
) -> None:
    out = tmp_path / "classification-pkg"
    dag_file = _export(
        examples_workspace / "classification.ipynb",
        out,
        "--schedule",
        "@daily",
        "--retries",
        "0",
    )
    airflow_home.env.pip_install(out, cwd=tmp_path)
    artifacts = tmp_path / "artifacts"
    result = _dag_test(
        airflow_home, dag_file, {"nb2pkg_artifacts": str(artifacts), "n_estimators": 50}
    )
    assert result["state"] == "success", result
    steps = ("load_data", "split", "train", "evaluate")
    assert all(result["tasks"][step] == "success" for step in steps), result
    store = _store(artifacts, "classification", result["run_id"])
    expected, stored, run_seconds = _run_and_stored(
        airflow_home, "classification", store, "n_estimators=50"
    )
    assert sorted(stored) == sorted(expected)
    for name in expected:
        same_value(expected[name], stored[name], where=name)
    # One MLflow run for the DAG run, one nested run per step, all FINISHED.
    runs = _mlflow_runs(airflow_home)
    [parent] = [r for r in runs if "nb2pkg.step" not in r["tags"]]
    children = [r for r in runs if r["tags"].get("mlflow.parentRunId") == parent["id"]]
    assert parent["status"] == "FINISHED"
    assert sorted(r["tags"]["nb2pkg.step"] for r in children) == sorted(steps)
    assert all(r["status"] == "FINISHED" for r in children)
    [evaluate] = [r for r in children if r["tags"]["nb2pkg.step"] == "evaluate"]
    same_value(expected["accuracy"], evaluate["metrics"]["accuracy"], where="accuracy metric")
    # The last task logged and registered the model in the DAG run's MLflow run.
    assert result["tasks"]["log_model"] == "success", result
    [version] = _model_versions(
        airflow_home.env,
        "classification",
        str(store),
        airflow_home.root,
        **airflow_home.variables(),
    )
    assert version["run_id"] == parent["id"]
    assert version["tags"]["nb2pkg.model_flavor"] == "sklearn"
    assert version["tags"]["nb2pkg.version"] == "0.1.0"
    assert version["inputs"] == list(expected["X_train"].columns)
    assert version["same_predictions"] is True
    print(f"\nAirflow dag.test(): {result['seconds']:.1f} s; run(): {run_seconds:.1f} s")


MODEL_VERSIONS = """
import json, sys
from importlib import import_module
import mlflow
from mlflow import MlflowClient

name, store = sys.argv[1], json.loads(sys.argv[2])
final = import_module(f"{name}.steps_io").final_outputs(store)
found = []
for version in MlflowClient().search_model_versions(f"name = '{name}'"):
    uri = f"models:/{name}/{version.version}"
    info = mlflow.models.get_model_info(uri)
    logged = mlflow.pyfunc.load_model(uri).predict(final["X_test"])
    found.append({
        "run_id": version.run_id,
        "tags": dict(version.tags),
        "inputs": [c["name"] for c in info.signature.inputs.to_dict()],
        "same_predictions": bool((logged == final["model"].predict(final["X_test"])).all()),
    })
print(json.dumps(found))
"""


def _model_versions(
    env: CachedEnv, package: str, store: str | dict[str, str], cwd: Path, **variables: str
) -> list[dict[str, Any]]:
    """The registered versions of the package's model in the MLflow store ``variables``
    name, with whether each predicts on the stored test rows what the stored model does."""
    done = env.run(
        env.python, "-c", MODEL_VERSIONS, package, json.dumps(store), cwd=cwd, **variables
    )
    assert done.returncode == 0, done.stderr[-4000:]
    found: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _run_and_stored(
    home: AirflowHome, package: str, store: Path, arguments: str
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """``PACKAGE.run(track=False, ARGUMENTS)``, the final values the DAG run stored, and
    run()'s wall time, all read in the Airflow venv (where the package is installed)."""
    compare = store.parent / "compare.pickle"
    script = (
        f"import pickle, sys, time, {package}\n"
        f"from {package}.steps_io import final_outputs\n"
        "started = time.perf_counter()\n"
        f"expected = {package}.run(track=False, {arguments})\n"
        "seconds = time.perf_counter() - started\n"
        "pickle.dump((expected, final_outputs(sys.argv[1]), seconds), open(sys.argv[2], 'wb'))\n"
    )
    done = home.run(home.env.python, "-c", script, store, compare)
    assert done.returncode == 0, done.stderr[-4000:]
    with compare.open("rb") as handle:
        loaded: tuple[dict[str, Any], dict[str, Any], float] = pickle.load(handle)
    return loaded


def test_the_store_sales_dag_reads_its_data_file_and_helpers_like_run(
    airflow_home: AirflowHome,
    examples_workspace: Path,
    tmp_path: Path,
    same_value: Callable[..., None],
) -> None:
    """A data-file parameter (its relative default read from under ``nb2pkg_data``), a
    vendored helper module and a ``module:`` submodule, all through Airflow tasks."""
    out = tmp_path / "store-sales-pkg"
    dag_file = _export(examples_workspace / "store_sales.ipynb", out, "--retries", "0")
    airflow_home.env.pip_install(out, cwd=tmp_path)
    artifacts = tmp_path / "artifacts"
    conf = {
        "nb2pkg_artifacts": str(artifacts),
        "nb2pkg_data": str(examples_workspace),  # the worker runs in AIRFLOW_HOME, not there
        "n_estimators": 50,
    }
    result = _dag_test(airflow_home, dag_file, conf)
    assert result["state"] == "success", result
    steps = ("load_sales", "build_features", "split_by_date", "train", "evaluate")
    assert all(result["tasks"][step] == "success" for step in steps), result
    store = _store(artifacts, "store_sales", result["run_id"])
    data_file = examples_workspace / "data" / "store_sales.csv"
    expected, stored, run_seconds = _run_and_stored(
        airflow_home, "store_sales", store, f"n_estimators=50, store_sales_path={str(data_file)!r}"
    )
    assert sorted(stored) == sorted(expected)
    for name in expected:
        same_value(expected[name], stored[name], where=name)
    runs = _mlflow_runs(airflow_home)
    [parent] = [r for r in runs if "nb2pkg.step" not in r["tags"]]
    assert parent["status"] == "FINISHED"
    [evaluate] = [r for r in runs if r["tags"].get("nb2pkg.step") == "evaluate"]
    same_value(expected["mae"], evaluate["metrics"]["mae"], where="mae metric")
    print(
        f"\nAirflow dag.test() store_sales: {result['seconds']:.1f} s; run(): {run_seconds:.1f} s"
    )


def test_a_failing_step_fails_its_task_and_the_mlflow_run(
    airflow_home: AirflowHome,
    tmp_path: Path,
) -> None:
    notebook = write_branching_notebook(tmp_path / "failing_branch.ipynb", fail_in="double")
    out = tmp_path / "failing-pkg"
    dag_file = _export(notebook, out, "--retries", "0")
    airflow_home.env.pip_install(out, cwd=tmp_path)
    result = _dag_test(airflow_home, dag_file, {"nb2pkg_artifacts": str(tmp_path / "artifacts")})
    assert result["state"] == "failed", result
    assert result["tasks"]["double"] == "failed"
    assert result["tasks"]["summarise"] == "success"  # the other branch still ran
    assert result["tasks"]["combine"] == "upstream_failed"
    runs = _mlflow_runs(airflow_home)
    [parent] = [r for r in runs if "nb2pkg.step" not in r["tags"]]
    assert parent["status"] == "FAILED"
    assert parent["tags"]["nb2pkg.failed_step"] == "double"
    [failed] = [r for r in runs if r["tags"].get("nb2pkg.step") == "double"]
    assert failed["status"] == "FAILED"
    assert failed["tags"]["nb2pkg.error"] == "RuntimeError: double failed on purpose"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def execution_api(airflow_home: AirflowHome) -> Iterator[str]:
    """Airflow's execution API server, which tasks run by the LocalExecutor report to."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/execution/"
    log = (airflow_home.root / "api-server.log").open("w")
    server = subprocess.Popen(
        ["airflow", "api-server", "--apps", "execution", "--port", str(port)],
        cwd=airflow_home.root,
        env=airflow_home.env.environment(**airflow_home.variables()),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, (airflow_home.root / "api-server.log").read_text()
            assert time.monotonic() < deadline, "the execution API server did not start"
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_independent_steps_run_at_the_same_time(
    airflow_home: AirflowHome,
    execution_api: str,
    tmp_path: Path,
) -> None:
    notebook = write_branching_notebook(tmp_path / "parallel_branches.ipynb")
    out = tmp_path / "parallel-pkg"
    dag_file = _export(notebook, out, "--no-track")
    airflow_home.env.pip_install(out, cwd=tmp_path)
    shutil.copy(dag_file, airflow_home.dags / dag_file.name)
    conf = {"nb2pkg_artifacts": str(tmp_path / "artifacts"), "pause": 3.0}
    done = airflow_home.run(
        "airflow",
        "dags",
        "test",
        "parallel_branches",
        "--use-executor",
        "--conf",
        json.dumps(conf),
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=execution_api,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    timings = _task_timings(airflow_home, "parallel_branches")
    assert all(state == "success" for state, _, _ in timings.values()), timings
    _, double_start, double_end = timings["double"]
    _, summarise_start, summarise_end = timings["summarise"]
    assert double_start < summarise_end and summarise_start < double_end, timings
    # ... and each starts only after what it reads is there.
    assert timings["load"][2] <= min(double_start, summarise_start)
    assert timings["combine"][1] >= max(double_end, summarise_end, timings["tag_rows"][2])


def _task_timings(home: AirflowHome, dag_id: str) -> dict[str, tuple[str, str, str]]:
    import sqlite3

    with sqlite3.connect(home.root / "airflow.db") as db:
        rows = db.execute(
            "select task_id, state, start_date, end_date from task_instance where dag_id = ?",
            (dag_id,),
        ).fetchall()
    return {task: (state, start, end) for task, state, start, end in rows}


# --------------------------------------------------------------------------- Kubeflow Pipelines


@pytest.fixture(scope="session")
def kfp_env() -> CachedEnv:
    return cached_env("kfp-2.17.3", KFP_REQUIREMENTS)


KFP_LOCAL_RUN = """
import importlib.util, sys
from kfp import local
spec = importlib.util.spec_from_file_location("exported_pipeline", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[2])
module.classification_pipeline(n_estimators=50)
"""


def test_the_kfp_pipeline_compiles_and_runs_locally_with_run_s_results(
    kfp_env: CachedEnv,
    examples_workspace: Path,
    tmp_path: Path,
    same_value: Callable[..., None],
) -> None:
    out = tmp_path / "classification-pkg"
    notebook = examples_workspace / "classification.ipynb"
    module = _export(notebook, out, target="kfp", kfp_python=kfp_env.python)
    kfp_env.pip_install(out, cwd=tmp_path)
    spec = module.with_suffix(".yaml").read_text()  # compiled by the export's build
    assert spec.count("'classification==0.1.0'") == 5  # one pinned install per component
    for step in ("load-data", "split", "train", "evaluate"):
        assert f"comp-step-{step}:" in spec
    assert "comp-log-model:" in spec  # the last component logs and registers the model
    workdir = tmp_path / "kfp-run"  # no folder named like the package on the import path
    workdir.mkdir()
    script = workdir / "run_pipeline.py"
    script.write_text(KFP_LOCAL_RUN)
    root = workdir / "pipeline-root"
    tracking = {"MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}"}
    done = kfp_env.run(kfp_env.python, script, module, root, cwd=workdir, **tracking)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    stores = {index.parent.name: str(index.parent.parent) for index in root.rglob("_outputs.json")}
    assert sorted(stores) == ["evaluate", "load_data", "split", "train"]
    compare = tmp_path / "compare.pickle"
    check = (
        "import json, pickle, sys, classification\n"
        "from classification.steps_io import final_outputs\n"
        "expected = classification.run(track=False, n_estimators=50)\n"
        "stored = final_outputs(json.loads(sys.argv[1]))\n"
        "pickle.dump((expected, stored), open(sys.argv[2], 'wb'))\n"
    )
    done = kfp_env.run(kfp_env.python, "-c", check, json.dumps(stores), compare, cwd=workdir)
    assert done.returncode == 0, done.stderr[-4000:]
    with compare.open("rb") as handle:
        expected, stored = pickle.load(handle)
    assert sorted(stored) == sorted(expected)
    for name in expected:
        same_value(expected[name], stored[name], where=name)
    [version] = _model_versions(kfp_env, "classification", stores, workdir, **tracking)
    assert version["tags"]["nb2pkg.model_flavor"] == "sklearn"
    assert version["inputs"] == list(expected["X_train"].columns)
    assert version["same_predictions"] is True


def _check(notebook: Path, out: Path, kfp_python: Path | None) -> subprocess.CompletedProcess[str]:
    return run_nb2pkg("check", notebook, "-o", out, cwd=notebook.parent, kfp_python=kfp_python)


def _build(notebook: Path, out: Path, kfp_python: Path | None) -> subprocess.CompletedProcess[str]:
    done = run_nb2pkg("build", notebook, "-o", out, cwd=notebook.parent, kfp_python=kfp_python)
    assert done.returncode == 0, done.stderr
    return done


def test_build_recompiles_the_kfp_yaml_and_check_compares_it(
    kfp_env: CachedEnv, examples_workspace: Path, tmp_path: Path
) -> None:
    out = tmp_path / "classification-pkg"
    notebook = examples_workspace / "classification.ipynb"
    module = _export(notebook, out, target="kfp", kfp_python=kfp_env.python)
    compiled = module.with_suffix(".yaml")
    yaml_path = "orchestrators/kfp/classification_kfp.yaml"
    manifest = json.loads((out / ".nb2pkg" / "manifest.json").read_text())
    assert yaml_path in manifest["files"]
    first = compiled.read_text()
    assert "defaultValue: 100.0" in first
    assert _check(notebook, out, kfp_env.python).returncode == 0
    # A notebook edit: check names the YAML among the stale files; build recompiles it.
    notebook.write_text(notebook.read_text().replace("n_estimators = 100", "n_estimators = 120"))
    stale = _check(notebook, out, kfp_env.python)
    assert stale.returncode == 3 and f"{yaml_path}: stale" in stale.stdout, stale.stdout
    _build(notebook, out, kfp_env.python)
    second = compiled.read_text()
    assert "defaultValue: 120.0" in second and "defaultValue: 100.0" not in second
    assert "'classification==0.1.1'" in second
    assert _check(notebook, out, kfp_env.python).returncode == 0
    # A hand edit of the YAML is a difference.
    compiled.write_text(second.replace("classification==0.1.1", "classification==0.0.9"))
    edited = _check(notebook, out, kfp_env.python)
    assert edited.returncode == 3 and f"{yaml_path}: hand-edited" in edited.stdout, edited.stdout
    compiled.write_text(second)
    # Where no kfp can compile it: an unchanged module keeps its YAML, flagged not verified...
    unverified = _check(notebook, out, None)
    assert unverified.returncode == 0, unverified.stdout + unverified.stderr
    assert "warning[NB703]" in unverified.stderr and "not verified" in unverified.stderr
    # ... and a changed one loses it rather than keep a stale YAML, with the warning.
    notebook.write_text(notebook.read_text().replace("n_estimators = 120", "n_estimators = 130"))
    rebuilt = _build(notebook, out, None)
    assert "warning[NB703]" in rebuilt.stderr and "not regenerated" in rebuilt.stderr
    assert not compiled.exists()
    assert "n_estimators: int = 130" in module.read_text()
    # Back where kfp is, a build with nothing else to do writes the YAML again.
    _build(notebook, out, kfp_env.python)
    assert "defaultValue: 130.0" in compiled.read_text()
    assert _check(notebook, out, kfp_env.python).returncode == 0
