"""Virtualenvs for orchestrator engines (Airflow, KFP), cached across test sessions.

Airflow and KFP pin many libraries; they never go into the development virtualenv, where
their pins could clash with mlflow's. Each engine gets its own venv under
``$NB2PKG_TEST_ENVS`` (default ``~/.cache/nb2pkg-test-envs``), keyed by the engine's exact
version, made once with ``python -m venv`` and ``pip install``; later sessions reuse it
(pip only confirms the requirements). Generated packages are pip-installed into it by the
tests themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

INSTALL_TIMEOUT_SECONDS = 1800
READY_MARKER = ".nb2pkg-requirements"

AIRFLOW_REQUIREMENTS = ("apache-airflow==3.3.2", "pandas", "pyarrow", "scikit-learn", "joblib")
KFP_REQUIREMENTS = ("kfp==2.17.3", "pandas", "pyarrow", "scikit-learn", "joblib")


def cache_root() -> Path:
    configured = os.environ.get("NB2PKG_TEST_ENVS")
    return Path(configured) if configured else Path.home() / ".cache" / "nb2pkg-test-envs"


@dataclass(frozen=True)
class CachedEnv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    def environment(self, **overrides: str) -> dict[str, str]:
        leaky = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MLFLOW_TRACKING_URI")
        env = {k: v for k, v in os.environ.items() if k not in leaky}
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env.update(overrides)
        return env

    def run(
        self, *args: str | os.PathLike[str], cwd: Path, timeout: float = 900, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env=self.environment(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def pip_install(self, *requirements: str | os.PathLike[str], cwd: Path) -> None:
        done = self.run(
            self.python,
            "-m",
            "pip",
            "install",
            "-q",
            *requirements,
            cwd=cwd,
            timeout=INSTALL_TIMEOUT_SECONDS,
        )
        assert done.returncode == 0, f"pip install {requirements} failed:\n{done.stderr[-4000:]}"


def cached_env(name: str, requirements: tuple[str, ...]) -> CachedEnv:
    """The venv ``name`` with ``requirements`` installed, made on first use."""
    env = CachedEnv(cache_root() / name)
    wanted = "\n".join(requirements) + "\n"
    marker = env.root / READY_MARKER
    if marker.is_file() and marker.read_text() == wanted and env.python.exists():
        return env
    env.root.parent.mkdir(parents=True, exist_ok=True)
    if not env.python.exists():
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(env.root)],
            capture_output=True,
            text=True,
            check=False,
            timeout=INSTALL_TIMEOUT_SECONDS,
        )
        assert made.returncode == 0, made.stderr
    env.pip_install(*requirements, cwd=env.root)
    marker.write_text(wanted)
    return env
