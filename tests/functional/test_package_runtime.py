"""A generated package at run time, as a user runs it: ``python -m demo run ...``.

Bad option values are usage errors that name the option; an MLflow store that cannot be
reached or written fails before any step, fast, saying what to do; a failing step is one
paragraph naming the step and its notebook cell (the traceback only with ``--debug``).
Subprocess timeouts only guard against a hang: a run that MLflow's default retries would
keep for minutes fails the test by hitting them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nb2pkg.frontends.api import build
from tests.helpers import write_notebook

HANG_GUARD_SECONDS = 60
MLFLOW_SETTINGS = ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID")


@pytest.fixture(scope="module")
def package_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("runtime")
    notebook = write_notebook(
        folder / "demo.ipynb",
        [
            (
                "n = 3\nlabels = ['a', 'b']\nweights = {'a': 1}\nthreshold = None\nscale = 1.5",
                ["parameters"],
            ),
            ("data = list(range(n))", ["function:load"]),
            ("ratio = sum(data) / (n - 3)", ["function:divide"]),
            ("summary = (labels, weights, threshold, ratio * scale)", ["function:summarise"]),
        ],
    )
    result = build([notebook], folder / "out", name="demo", root=folder)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    return folder / "out" / "src"


def run_package(src: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in MLFLOW_SETTINGS}
    return subprocess.run(
        [sys.executable, "-m", "demo", "run", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(src), **env},
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["--labels", "5"], "--labels", "expected a list like the default"),
        (["--labels", "abc"], "--labels", "'abc' is not a Python literal"),
        (["--weights", "[1]"], "--weights", "expected a dict like the default"),
        (["--threshold", "abc"], "--threshold", "'abc' is not a Python literal"),
        (["--n", "2.5"], "--n", "invalid int value: '2.5'"),
        (["--scale", "big"], "--scale", "invalid float value: 'big'"),
    ],
)
def test_a_bad_option_value_is_a_usage_error_naming_the_option(
    package_src: Path, tmp_path: Path, args: list[str], option: str, message: str
) -> None:
    result = run_package(package_src, *args, "--no-track", cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert f"error: argument {option}: {message}" in result.stderr
    assert result.stderr.startswith("usage: python -m demo run")
    assert "Traceback" not in result.stderr


def test_option_values_of_the_defaults_types_reach_the_pipeline(
    package_src: Path, tmp_path: Path
) -> None:
    result = run_package(
        package_src,
        *("--n", "4", "--labels", "['x']", "--weights", "{'x': 2}", "--threshold", "'high'"),
        "--no-track",
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "summary: (['x'], {'x': 2}, 'high', 9.0)" in result.stdout


# --------------------------------------------------------------------------- failing steps


def test_a_failing_step_is_one_paragraph_naming_the_step_and_its_cell(
    package_src: Path, tmp_path: Path
) -> None:
    result = run_package(package_src, "--no-track", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Step `divide` (demo.ipynb [id cell-3]) failed: ZeroDivisionError: division by zero. Fix "
        "the cell in the notebook and run `nb2pkg build` again, or check the values passed to "
        "the pipeline. To see the traceback, run again with --debug."
    )


def test_debug_shows_the_traceback_of_a_failing_step(package_src: Path, tmp_path: Path) -> None:
    result = run_package(package_src, "--no-track", "--debug", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "ratio = sum(data) / (n - 3)" in result.stderr
    assert "Step `divide` (demo.ipynb [id cell-3]) failed" in result.stderr


# --------------------------------------------------------------------------- MLflow out of reach


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def assert_no_step_ran_and_the_way_out_is_named(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result.stderr
    assert "No step has run." in result.stderr
    assert "--no-track" in result.stderr and "MLFLOW_TRACKING_URI" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_tracking_server_with_nothing_listening_fails_before_the_first_step(
    package_src: Path, tmp_path: Path, closed_port: int
) -> None:
    uri = f"http://127.0.0.1:{closed_port}"

    result = run_package(package_src, "--n", "4", cwd=tmp_path, MLFLOW_TRACKING_URI=uri)

    assert_no_step_ran_and_the_way_out_is_named(result)
    assert result.stderr.startswith(
        f"Could not start the MLflow run at {uri}: nothing is listening there (connection refused)."
    )


def test_a_tracking_server_that_never_answers_fails_before_the_first_step(
    package_src: Path, tmp_path: Path, silent_server: int
) -> None:
    uri = f"http://127.0.0.1:{silent_server}"

    result = run_package(package_src, "--n", "4", cwd=tmp_path, MLFLOW_TRACKING_URI=uri)

    assert_no_step_ran_and_the_way_out_is_named(result)
    assert result.stderr.startswith(
        f"Could not start the MLflow run at {uri}: the tracking server did not answer within 10 s."
    )


def read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (root ignores permission bits: /proc)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder
    (folder / "probe").unlink()
    return Path("/proc")


def test_a_read_only_working_directory_fails_before_the_first_step(
    package_src: Path, tmp_path: Path
) -> None:
    folder = read_only_folder(tmp_path)

    result = run_package(package_src, "--n", "4", cwd=folder)

    assert_no_step_ran_and_the_way_out_is_named(result)
    assert result.stderr.startswith(
        f"Cannot write the MLflow store sqlite:///{folder}/mlflow.db: cannot create files in "
        f"{folder}"
    )
    assert not (folder / "mlflow.db").exists()


def test_a_parameter_named_debug_keeps_its_option_and_the_traceback_gets_another(
    tmp_path: Path,
) -> None:
    notebook = write_notebook(
        tmp_path / "demo.ipynb",
        [
            ("debug = False", ["parameters"]),
            ("if debug:\n    raise RuntimeError('asked to fail')\ndone = True", ["function:work"]),
        ],
    )
    assert build([notebook], tmp_path / "out", name="demo", root=tmp_path).ok
    src = tmp_path / "out" / "src"

    assert run_package(src, "--no-debug", "--no-track", cwd=tmp_path).returncode == 0
    result = run_package(src, "--debug", "--traceback", "--no-track", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.rstrip().endswith(
        "Step `work` (demo.ipynb [id cell-2]) failed: RuntimeError: asked to fail. Fix the cell in "
        "the notebook and run `nb2pkg build` again, or check the values passed to the pipeline. "
        "To see the traceback, run again with --traceback."
    )
