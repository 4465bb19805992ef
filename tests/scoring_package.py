"""A generated package whose model is registered in a real MLflow store, for the tests of
``serve``, ``predict`` and ``drift``.

The notebook trains a scikit-learn pipeline (scaling, one-hot encoding, ridge regression)
on ``train.csv`` (columns ``x`` double, ``n`` long, ``c`` string; target ``y``). The test
builds it with nb2pkg and runs the package's tracked ``run()`` in a child process: the run
logs the fitted model (signature and input example from the training inputs) and the
training profile into a SQLite store and registers the model under the package name; the
package's own ``promote`` points the alias ``champion`` at it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nb2pkg.frontends.api import build
from tests.helpers import code_cell, write_notebook

PACKAGE = "pricing"
FEATURES = ("x", "n", "c")
CATEGORIES = ("red", "green", "blue")
TRAIN_ROWS = 2000

MEMORY_LIMIT_BYTES = 2**30
"""The address-space limit (RLIMIT_AS) of a process given a file larger than it."""
LARGE_FILE_BYTES = int(1.25 * 2**30)
LARGE_FILE_TIMEOUT_SECONDS = 900
LEAN_ENVIRONMENT = {
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}
"""Settings that keep a process's address space close to what it uses: pyarrow's default
allocator reserves 1 GiB up front, OpenBLAS a buffer per thread, glibc an arena per thread."""

LOG_MODEL_SCRIPT = """
from mlflow import MlflowClient
import pricing
from pricing._model import promote

pricing.run()
(version,) = MlflowClient().search_model_versions("name='pricing'")
promote(str(version.version), alias="champion")
print(version.run_id)
"""


def training_frame(rows: int = TRAIN_ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x": rng.normal(10.0, 2.0, rows),
            "n": rng.integers(0, 20, rows),
            "c": rng.choice(CATEGORIES, rows, p=[0.5, 0.3, 0.2]),
        }
    )
    bonus = frame["c"].map({"red": 3.0, "green": -1.0, "blue": 0.5})
    frame["y"] = 2.0 * frame["x"] - 0.5 * frame["n"] + bonus + rng.normal(0, 0.1, rows)
    return frame


def write_training_notebook(path: Path) -> Path:
    cells = [
        code_cell('data_path = "train.csv"\nalpha = 1.0\n', ["parameters"]),
        code_cell(
            "import pandas as pd\n"
            "from sklearn.compose import make_column_transformer\n"
            "from sklearn.linear_model import Ridge\n"
            "from sklearn.pipeline import make_pipeline\n"
            "from sklearn.preprocessing import OneHotEncoder, StandardScaler\n",
            ["export"],
        ),
        code_cell("frame = pd.read_csv(data_path)\n", ["function:load"]),
        code_cell(
            "features = frame[['x', 'n', 'c']]\n"
            "model = make_pipeline(\n"
            "    make_column_transformer(\n"
            "        (StandardScaler(), ['x', 'n']),\n"
            "        (OneHotEncoder(handle_unknown='ignore'), ['c']),\n"
            "    ),\n"
            "    Ridge(alpha=alpha),\n"
            ").fit(features, frame['y'])\n",
            ["function:train"],
            settings={"outputs": ["model"]},
        ),
    ]
    return write_notebook(path, cells)


@dataclass(frozen=True)
class ScoringPackage:
    """A built package (``root``/src/pricing) and the MLflow store holding its model."""

    root: Path
    workdir: Path
    tracking_uri: str
    run_id: str
    train: pd.DataFrame

    def environment(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("MLFLOW_") and key not in ("PYTHONPATH", "NB2PKG_DEBUG")
        }
        env.update(
            PYTHONPATH=str(self.root / "src"),
            MLFLOW_TRACKING_URI=self.tracking_uri,
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update(extra)
        return env

    def model_predictions(self, frame: pd.DataFrame) -> np.ndarray:
        """The registered model's own predict() on ``frame``, in a Python process of its own."""
        source = self.workdir / "expected-in.pickle"
        target = self.workdir / "expected-out.npy"
        frame.to_pickle(source)
        script = (
            "import sys, numpy as np, pandas as pd\n"
            "from pricing._model import load_model\n"
            "model = load_model(alias='champion')\n"
            "np.save(sys.argv[2], np.asarray(model.predict(pd.read_pickle(sys.argv[1]))))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, str(source), str(target)],
            cwd=self.workdir,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return np.asarray(np.load(target))

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """``python -m pricing ARGS`` in the work folder."""
        return self.run_python("-m", PACKAGE, *args, timeout=timeout)

    def run_python(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """``python ARGS`` (a script after ``-c`` when only one argument is given)."""
        arguments = ["-c", *args] if len(args) == 1 else list(args)
        return subprocess.run(
            [sys.executable, *arguments],
            cwd=self.workdir,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def run_limited(package: ScoringPackage, *args: str) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in the work folder, its address space capped at MEMORY_LIMIT_BYTES."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=package.workdir,
        env=package.environment(**LEAN_ENVIRONMENT),
        capture_output=True,
        text=True,
        timeout=LARGE_FILE_TIMEOUT_SECONDS,
        check=False,
        preexec_fn=_limit_address_space,
    )


def write_large_csv(path: Path, header: str, block: bytes) -> int:
    """``header`` then ``block`` (CSV rows) repeated until the file passes LARGE_FILE_BYTES
    (more than the memory limit); returns how many times ``block`` was written."""
    with path.open("wb") as handle:
        handle.write(header.encode("utf-8") + b"\n")
        written = 0
        while written < LARGE_FILE_BYTES:
            handle.write(block)
            written += len(block)
    assert path.stat().st_size > MEMORY_LIMIT_BYTES
    return written // len(block)


def make_scoring_package(folder: Path) -> ScoringPackage:
    workdir = folder / "work"
    workdir.mkdir(parents=True)
    train = training_frame()
    train.to_csv(workdir / "train.csv", index=False)
    notebook = write_training_notebook(workdir / "pricing.ipynb")
    result = build([notebook], folder / "out", root=workdir, name=PACKAGE)
    assert result.ok, [d.message for d in result.diagnostics]
    root = folder / "out"
    package = ScoringPackage(
        root=root,
        workdir=workdir,
        tracking_uri=f"sqlite:///{workdir / 'mlflow.db'}",
        run_id="",
        train=train,
    )
    logged = subprocess.run(
        [sys.executable, "-c", LOG_MODEL_SCRIPT],
        cwd=workdir,
        env=package.environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert logged.returncode == 0, logged.stderr
    run_id = logged.stdout.strip().splitlines()[-1]
    return ScoringPackage(root, workdir, package.tracking_uri, run_id, train)


@pytest.fixture(scope="session", name="package")
def package_fixture(tmp_path_factory: pytest.TempPathFactory) -> ScoringPackage:
    """The package with its registered model, shared by the serving, batch and drift tests
    (import this fixture into the test module)."""
    return make_scoring_package(tmp_path_factory.mktemp("scoring"))
