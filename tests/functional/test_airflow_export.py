"""`nb2pkg export airflow`: the DAG file, kept up to date by build and compared by check."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from nb2pkg.frontends.cli.main import main
from tests.branching_notebook import write_branching_notebook
from tests.helpers import code_cell, make_notebook

DAG = Path("orchestrators/airflow/branches_dag.py")


@pytest.fixture
def exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    notebook = write_branching_notebook(tmp_path / "branches.ipynb")
    out = tmp_path / "out"
    assert main(["build", str(notebook), "-o", str(out)]) == 0
    code = main(
        [
            "export",
            "airflow",
            str(notebook),
            "-o",
            str(out),
            "--schedule",
            "@daily",
            "--retries",
            "3",
            "--retry-delay",
            "1.5",
            "--artifacts",
            "s3://team-bucket/runs",
        ]
    )
    assert code == 0, capsys.readouterr().err
    return out


def _dag_call(tree: ast.Module) -> ast.Call:
    [pipeline] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.decorator_list]
    [decorator] = pipeline.decorator_list
    assert isinstance(decorator, ast.Call)
    return decorator


def test_the_dag_has_a_task_per_step_with_the_graph_s_dependencies(exported: Path) -> None:
    text = (exported / DAG).read_text()
    tree = ast.parse(text)
    options = {k.arg: k.value for k in _dag_call(tree).keywords}
    assert ast.literal_eval(options["schedule"]) == "@daily"
    default_args = ast.unparse(options["default_args"])
    assert "'retries': 3" in default_args and "timedelta(minutes=1.5)" in default_args
    declared = options["params"]
    assert isinstance(declared, ast.Dict)
    params = {
        ast.literal_eval(key): ast.unparse(value)
        for key, value in zip(declared.keys, declared.values, strict=True)
        if key is not None
    }
    assert params["scale"] == "Param(2, type='integer', description='pipeline parameter')"
    assert params["pause"] == "Param(0.0, type='number', description='pipeline parameter')"
    assert "type='boolean'" in params["nb2pkg_track"]
    assert "nb2pkg_data" not in params  # no data file: no data folder to give
    # Dependencies: each task takes the results of exactly the steps it reads from.
    assert "step_2_double(mlflow_run, after_load=step_1_load_done)" in text
    assert "step_3_summarise(mlflow_run, after_load=step_1_load_done)" in text
    assert (
        "step_5_combine(mlflow_run, after_double=step_2_double_done, "
        "after_summarise=step_3_summarise_done, after_tag_rows=step_4_tag_rows_done)"
    ) in text
    # Every task runs the package at this exact version.
    assert 'PACKAGE = "branches"\nVERSION = "0.1.0"\n' in text
    assert text.count("return _run_step(") == 5
    # Provenance: each task names its cell, as the package's modules do.
    for number, step in enumerate(("load", "double", "summarise", "tag_rows", "combine"), 3):
        comment = f"    # nb2pkg: branches.ipynb [id cell-{number}]\n"
        assert f'{comment}    @task(task_id="{step}", on_failure_callback=_step_failed)' in text


def test_a_last_task_logs_the_model_in_the_dag_run_s_mlflow_run(
    exported: Path, tmp_path: Path
) -> None:
    text = (exported / DAG).read_text()
    assert '    @task(task_id="log_model", on_failure_callback=_step_failed)\n' in text
    assert "        _log_model(mlflow_run, get_current_context())\n" in text
    assert "    _steps_io().log_stored_model(\n" in text  # inlined from the template
    # After every step, before the DAG run's MLflow run is closed.
    assert (
        "    [step_1_load_done, step_2_double_done, step_3_summarise_done, "
        "step_4_tag_rows_done, step_5_combine_done] >> log_model(mlflow_run) >> "
        "finish_tracking(mlflow_run)\n"
    ) in text
    ast.parse(text)
    # Without a model, no such task.
    notebook = tmp_path / "plain.ipynb"
    notebook.write_text(
        json.dumps(make_notebook([code_cell("total = sum(range(10))\n", ["function:add"])]))
    )
    assert main(["export", "airflow", str(notebook), "-o", str(tmp_path / "plain")]) == 0
    plain = (tmp_path / "plain" / "orchestrators" / "airflow" / "plain_dag.py").read_text()
    assert '@task(task_id="log_model"' not in plain
    assert "_log_model(mlflow_run, get_current_context())" not in plain
    assert "    [step_1_add_done] >> finish_tracking(mlflow_run)\n" in plain


def test_export_writes_no_secret_and_refuses_credentials(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (exported / DAG).read_text()
    assert 'os.environ.get("NB2PKG_ARTIFACTS", "s3://team-bucket/runs")' in text
    before = (exported / DAG).read_bytes()
    code = main(
        [
            "export",
            "airflow",
            str(tmp_path / "branches.ipynb"),
            "-o",
            str(exported),
            "--artifacts",
            "s3://key:secret@bucket/runs",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "NB701" in err and "must not hold credentials" in err
    assert (exported / DAG).read_bytes() == before
    assert "secret" not in (exported / ".nb2pkg" / "exports.json").read_text()


def test_an_export_does_not_change_the_version_and_check_covers_it(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notebook = tmp_path / "branches.ipynb"
    manifest = json.loads((exported / ".nb2pkg" / "manifest.json").read_text())
    assert manifest["version"] == "0.1.0"
    assert str(DAG) in manifest["files"]
    assert main(["check", str(notebook), "-o", str(exported)]) == 0
    # A hand edit of the DAG is a difference like any generated file's.
    dag = exported / DAG
    dag.write_text(dag.read_text().replace('"retries": 3', '"retries": 9'))
    capsys.readouterr()
    assert main(["check", str(notebook), "-o", str(exported)]) == 3
    assert str(DAG) in capsys.readouterr().out


def test_build_regenerates_the_dag_when_the_notebook_changes(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notebook = tmp_path / "branches.ipynb"
    data = json.loads(notebook.read_text())
    extra = make_notebook([("report = len(labels)\n", ["function:report"])])["cells"][0]
    extra["id"] = "cell-report"
    data["cells"].append(extra)
    notebook.write_text(json.dumps(data, indent=1))
    capsys.readouterr()
    assert main(["check", str(notebook), "-o", str(exported)]) == 3
    assert str(DAG) in capsys.readouterr().out
    assert main(["build", str(notebook), "-o", str(exported)]) == 0
    text = (exported / DAG).read_text()
    assert 'VERSION = "0.2.0"' in text
    assert "step_6_report(mlflow_run, after_summarise=step_3_summarise_done)" in text
    assert "# nb2pkg: branches.ipynb [id cell-report]" in text
    assert main(["check", str(notebook), "-o", str(exported)]) == 0


def test_a_data_file_parameter_resolves_against_the_nb2pkg_data_param(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rows.csv").write_text("x\n1\n")
    notebook = tmp_path / "reader.ipynb"
    cells = [
        code_cell("import pandas as pd\n", []),
        code_cell('rows = pd.read_csv("data/rows.csv")\n', ["function:load"]),
    ]
    notebook.write_text(json.dumps(make_notebook(cells)))
    out = tmp_path / "out"
    code = main(["export", "airflow", str(notebook), "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    text = (out / "orchestrators/airflow/reader_dag.py").read_text()
    assert 'DATA_FILE_PARAMS: list[str] = ["rows_path"]' in text
    assert "\"rows_path\": Param('data/rows.csv', type='string'" in text
    assert '"nb2pkg_data": Param(DATA, type="string"' in text
    assert 'DATA = os.environ.get("NB2PKG_DATA", "")' in text
    # The rule, run without Airflow: relative paths move under the folder, others stay.
    namespace: dict[str, object] = {}
    tree = ast.parse(text)
    tree.body = [
        node
        for node in tree.body
        if not (isinstance(node, ast.ImportFrom) and node.module == "airflow.sdk")
        and not getattr(node, "decorator_list", None)
        and not (isinstance(node, ast.Assign) and "_dag" in ast.unparse(node.targets[0]))
    ]
    exec(compile(tree, "reader_dag.py", "exec"), namespace)  # the DAG's helpers, unchanged
    resolve = namespace["_pipeline_params"]
    assert callable(resolve)
    for given, folder, expected in [
        ("data/rows.csv", "/srv/shared/", "/srv/shared/data/rows.csv"),
        ("data/rows.csv", "s3://bucket/in", "s3://bucket/in/data/rows.csv"),
        ("data/rows.csv", "", "data/rows.csv"),
        ("/abs/rows.csv", "/srv/shared", "/abs/rows.csv"),
        ("gs://b/rows.csv", "/srv/shared", "gs://b/rows.csv"),
    ]:
        context = {"params": {"rows_path": given, "nb2pkg_data": folder}}
        assert resolve(context) == {"rows_path": expected}


def test_unknown_target_is_a_usage_error(tmp_path: Path) -> None:
    notebook = tmp_path / "n.ipynb"
    notebook.write_text(json.dumps(make_notebook([code_cell("a = 1\n", ["function:f"])])))
    with pytest.raises(SystemExit) as stopped:
        main(["export", "argo", str(notebook)])
    assert stopped.value.code == 2
