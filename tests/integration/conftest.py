"""Shared fixtures for integration tests: build notebooks with the real CLI, install the
generated packages into one real, fresh virtualenv, and run them there.

The fixtures are deliberately thin wrappers around subprocesses, so a test exercises
exactly what a user types:

    nb2pkg build NOTEBOOK -o DIR --format json      (``build_package``)
    python -m venv VENV                             (``fresh_venv``, once per session)
    VENV/bin/pip install DIR                        (``fresh_venv.install``)
    VENV/bin/python -m PKG run --no-track           (``fresh_venv.run_module``)

One virtualenv is shared by the whole session: creating it and installing the generated
packages' dependencies (scikit-learn, pandas, mlflow, ...) costs about a minute, and the
generated packages have distinct names, so they coexist. The venv never sees the
development environment's site-packages (no ``--system-site-packages``): every dependency a
generated package needs must be declared in its own ``pyproject.toml``.

Values crossing process boundaries are pickled; the ``same_value`` fixture compares them with
numpy/pandas/scikit-learn-aware equality. Helpers reach test modules as fixtures
(``explain_process``, ``same_value``, ``examples_dir``), never by importing this file.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO_ROOT / "example_notebooks"

# Guards against a hung subprocess; never used to judge speed.
BUILD_TIMEOUT_SECONDS = 300
INSTALL_TIMEOUT_SECONDS = 900
RUN_TIMEOUT_SECONDS = 600

# Variables that would leak the development environment into a child process. A developer's
# own MLflow server must not receive test runs: tests that want one pass it as an override.
_LEAKY_VARIABLES = (
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "CONDA_PREFIX",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_EXPERIMENT_NAME",
)


def clean_environment(**overrides: str) -> dict[str, str]:
    """The current environment without anything that points a child at our own venv."""
    env = {key: value for key, value in os.environ.items() if key not in _LEAKY_VARIABLES}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(overrides)
    return env


def describe_process(completed: subprocess.CompletedProcess[str]) -> str:
    """A failure message with everything needed to understand a failed command."""
    command = " ".join(str(part) for part in completed.args)
    return (
        f"command: {command}\nexit code: {completed.returncode}\n"
        f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}"
    )


def run_command(
    command: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=dict(env) if env is not None else clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES_DIR


_NOT_COPIED = shutil.ignore_patterns(
    ".ipynb_checkpoints", "__pycache__", "mlflow.db", "mlruns", "mlartifacts"
)


def copy_examples_to(destination: Path) -> Path:
    """Copy ``example_notebooks/`` (notebooks, data files, helper modules) to ``destination``."""
    shutil.copytree(EXAMPLES_DIR, destination, ignore=_NOT_COPIED)
    return destination


@pytest.fixture(scope="session")
def copy_examples() -> Callable[[Path], Path]:
    """``copy_examples(dest)``: a private copy of the examples, for fixtures of any scope."""
    return copy_examples_to


@pytest.fixture
def examples_workspace(tmp_path: Path) -> Path:
    """A fresh copy of ``example_notebooks/`` to build, execute or run in without touching
    the repository; data paths relative to the notebooks resolve in it."""
    return copy_examples_to(tmp_path / "example_notebooks")


@pytest.fixture(scope="session")
def explain_process() -> Callable[[subprocess.CompletedProcess[str]], str]:
    """``assert p.returncode == 0, explain_process(p)``: command, exit code, stdout, stderr."""
    return describe_process


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class BuildOutcome:
    """What ``nb2pkg build ... --format json`` did."""

    process: subprocess.CompletedProcess[str]
    out_dir: Path
    report: dict[str, Any] | None
    """The JSON report, or None when stdout was not JSON (itself worth a failure)."""

    @property
    def ok(self) -> bool:
        return self.process.returncode == 0 and bool(self.report and self.report.get("ok"))

    @property
    def package(self) -> str:
        assert self.report is not None, describe_process(self.process)
        return str(self.report["package"])

    def errors(self) -> list[dict[str, Any]]:
        diagnostics = (self.report or {}).get("diagnostics", [])
        return [d for d in diagnostics if d.get("severity") == "error"]

    def explain(self) -> str:
        return describe_process(self.process)


@dataclass(frozen=True)
class Nb2pkgCommand:
    """How to invoke the CLI: the installed console script, as a user does.

    In a development checkout where nb2pkg is not installed, ``python -m nb2pkg`` with the
    checkout on ``PYTHONPATH`` stands in for it.
    """

    argv: tuple[str, ...]
    environment: Mapping[str, str]


@pytest.fixture(scope="session")
def nb2pkg_command() -> Nb2pkgCommand:
    script = Path(sys.executable).with_name("nb2pkg")
    if script.exists():
        return Nb2pkgCommand((str(script),), clean_environment())
    return Nb2pkgCommand(
        (sys.executable, "-m", "nb2pkg"), clean_environment(PYTHONPATH=str(REPO_ROOT))
    )


@pytest.fixture(scope="session")
def run_nb2pkg(
    nb2pkg_command: Nb2pkgCommand,
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_nb2pkg("show", nb, "--format", "json", cwd=dir)`` runs the real CLI."""

    def run(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return run_command(
            [*nb2pkg_command.argv, *args],
            cwd=cwd,
            env=nb2pkg_command.environment,
            timeout=BUILD_TIMEOUT_SECONDS,
        )

    return run


@pytest.fixture(scope="session")
def build_package(
    run_nb2pkg: Callable[..., subprocess.CompletedProcess[str]],
) -> Callable[..., BuildOutcome]:
    """``build_package([nb], out_dir, "--name", "x")`` → ``BuildOutcome``.

    Runs from the first notebook's folder, as a user building their notebook would.
    """

    def build(
        notebooks: Sequence[Path], out_dir: Path, *extra_args: str, cwd: Path | None = None
    ) -> BuildOutcome:
        workdir = cwd if cwd is not None else Path(notebooks[0]).parent
        process = run_nb2pkg(
            "build", *notebooks, "-o", out_dir, "--format", "json", *extra_args, cwd=workdir
        )
        try:
            report = json.loads(process.stdout)
        except json.JSONDecodeError:
            report = None
        return BuildOutcome(process=process, out_dir=out_dir, report=report)

    return build


# --------------------------------------------------------------------------- the fresh venv


@dataclass
class FreshVenv:
    """A real virtualenv made with ``python -m venv``, isolated from the development one."""

    root: Path
    installed: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    def environment(self, **overrides: str) -> dict[str, str]:
        path = f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        return clean_environment(VIRTUAL_ENV=str(self.root), PATH=path, **overrides)

    def pip(self, *args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return run_command(
            [self.python, "-m", "pip", *args],
            cwd=cwd,
            env=self.environment(),
            timeout=INSTALL_TIMEOUT_SECONDS,
        )

    def install(self, project_dir: Path, extras: str = "") -> subprocess.CompletedProcess[str]:
        """``pip install PROJECT_DIR[EXTRAS]`` with its dependencies, once per session."""
        project_dir = project_dir.resolve()
        requirement = f"{project_dir}[{extras}]" if extras else str(project_dir)
        if requirement not in self.installed:
            self.installed[requirement] = self.pip("install", requirement, cwd=project_dir.parent)
        return self.installed[requirement]

    def run_python(
        self, *args: str | os.PathLike[str], cwd: Path, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return run_command(
            [self.python, *args], cwd=cwd, env=self.environment(**env), timeout=RUN_TIMEOUT_SECONDS
        )

    def run_module(
        self, module: str, *args: str, cwd: Path, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return self.run_python("-m", module, *args, cwd=cwd, **env)

    def call_and_pickle(
        self, statement: str, result_file: Path, *, cwd: Path, imports: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """Evaluate ``statement`` in the venv and pickle its value to ``result_file``."""
        script = (
            "import pickle, sys\n"
            f"{imports}\n"
            f"value = {statement}\n"
            "with open(sys.argv[1], 'wb') as handle:\n"
            "    pickle.dump(value, handle)\n"
        )
        return self.run_python("-c", script, result_file, cwd=cwd)


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshVenv]:
    """One fresh virtualenv per test session, shared by every test that installs a package."""
    root = tmp_path_factory.mktemp("fresh-venv") / "venv"
    created = run_command(
        [sys.executable, "-m", "venv", root],
        cwd=root.parent,
        timeout=INSTALL_TIMEOUT_SECONDS,
    )
    assert created.returncode == 0, describe_process(created)
    venv = FreshVenv(root=root)
    isolated = venv.run_python(
        "-c", "import sys; print(sys.prefix != sys.base_prefix)", cwd=root.parent
    )
    assert isolated.stdout.strip() == "True", describe_process(isolated)
    yield venv
    shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------- comparing values


@pytest.fixture(scope="session")
def same_value() -> Callable[..., None]:
    """``same_value(expected, actual, where="name")`` asserts equality (see ``assert_same_value``)."""
    return assert_same_value


FLOAT_RTOL = 1e-7
"""Two processes running the same code on the same libraries agree to far better than
this; the slack only absorbs summation-order differences from threaded BLAS."""

_MAX_DEPTH = 40


def assert_same_value(expected: Any, actual: Any, where: str = "value") -> None:
    """Assert two values are equal the way a data scientist means it.

    Arrays, DataFrames and Series are compared with numpy/pandas testing helpers
    (floats with a tiny relative tolerance); fitted scikit-learn estimators by type and
    their full state (hyper-parameters and fitted attributes, recursively); containers
    element by element; anything else by its pickled state or ``==``.
    """
    _compare(expected, actual, where, depth=0)


def _compare(expected: Any, actual: Any, where: str, depth: int) -> None:
    import numpy as np
    import pandas as pd
    import pandas.testing as pdt

    assert depth < _MAX_DEPTH, f"{where}: structure nested too deeply to compare"
    assert type(actual) is type(expected), (
        f"{where}: type {type(actual).__name__}, expected {type(expected).__name__}"
    )
    if isinstance(expected, (pd.DataFrame, pd.Series, pd.Index)):
        expected, actual = _plain_strings(expected), _plain_strings(actual)
    if isinstance(expected, pd.DataFrame):
        pdt.assert_frame_equal(actual, expected, check_exact=False, rtol=FLOAT_RTOL, obj=where)
    elif isinstance(expected, pd.Series):
        pdt.assert_series_equal(actual, expected, check_exact=False, rtol=FLOAT_RTOL, obj=where)
    elif isinstance(expected, pd.Index):
        pdt.assert_index_equal(actual, expected, obj=where)
    elif isinstance(expected, np.ndarray):
        assert actual.shape == expected.shape, f"{where}: shape {actual.shape} != {expected.shape}"
        if expected.dtype.kind in "fc":
            np.testing.assert_allclose(
                actual, expected, rtol=FLOAT_RTOL, atol=0, equal_nan=True, err_msg=where
            )
        elif expected.dtype.kind == "O":
            for index, (left, right) in enumerate(
                zip(expected.ravel(), actual.ravel(), strict=True)
            ):
                _compare(left, right, f"{where}[{index}]", depth + 1)
        else:
            np.testing.assert_array_equal(actual, expected, err_msg=where)
    elif isinstance(expected, (float, np.floating)):
        both_nan = math.isnan(expected) and math.isnan(actual)
        assert both_nan or math.isclose(actual, expected, rel_tol=FLOAT_RTOL, abs_tol=0.0), (
            f"{where}: {actual!r} != {expected!r}"
        )
    elif expected is None or isinstance(expected, (bool, int, str, bytes, np.generic)):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, Mapping):
        assert list(actual) == list(expected), f"{where}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            _compare(expected[key], actual[key], f"{where}[{key!r}]", depth + 1)
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), f"{where}: length {len(actual)} != {len(expected)}"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            _compare(left, right, f"{where}[{index}]", depth + 1)
    elif isinstance(expected, (set, frozenset)):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    else:
        _compare_state(expected, actual, where, depth)


def _plain_strings(value: Any) -> Any:
    """The same labels and values with pandas' string dtype turned into plain ``object``.

    pandas picks the storage of its string dtype by what is installed (``pyarrow`` or
    ``python``), so the same strings made in two environments differ only in that storage;
    that is not a difference in what the notebook computed.
    """
    import pandas as pd

    def plain(index: pd.Index) -> pd.Index:
        return index.astype(object) if isinstance(index.dtype, pd.StringDtype) else index

    if isinstance(value, pd.Index):
        return plain(value)
    value = value.copy()
    value.index = plain(value.index)
    if isinstance(value, pd.Series):
        return value.astype(object) if isinstance(value.dtype, pd.StringDtype) else value
    value.columns = plain(value.columns)
    strings = [name for name, dtype in value.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    return value.astype(dict.fromkeys(strings, object)) if strings else value


def _compare_state(expected: Any, actual: Any, where: str, depth: int) -> None:
    """Objects (estimators, their trees, bunches...) compare by the state they pickle.

    A fitted scikit-learn estimator's state is its hyper-parameters plus every fitted
    attribute, so two estimators with equal state predict identically.
    """
    expected_state = expected.__getstate__()
    actual_state = actual.__getstate__()
    if expected_state is None and actual_state is None:
        assert pickle.dumps(actual) == pickle.dumps(expected), f"{where}: pickles differ"
        return
    _compare(expected_state, actual_state, f"{where}.<state>", depth + 1)
