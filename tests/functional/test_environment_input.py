"""The building environment is an input: `build` and `check` agree after an upgrade.

A distribution is installed into a folder on the path (a real ``.dist-info`` that
``importlib.metadata`` reads); "upgrading" it replaces that folder with a newer version's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import tomllib

from tests.helpers import run_cli, write_notebook

CELLS = [
    ("import probe_lib\nrows = 3", ["parameters"]),
    ("values = [probe_lib.scale(i) for i in range(rows)]", ["function:load"]),
]


def _install(site: Path, version: str) -> None:
    for old in site.glob("probe_lib-*.dist-info"):
        shutil.rmtree(old)
    package = site / "probe_lib"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("def scale(x):\n    return 2 * x\n", encoding="utf-8")
    info = site / f"probe_lib-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: probe-lib\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "top_level.txt").write_text("probe_lib\n", encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_notebook(tmp_path / "probe.ipynb", CELLS)
    _install(tmp_path / "site", "1.2.3")
    return tmp_path


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(p for p in (str(folder / "site"), os.environ.get("PYTHONPATH", "")) if p)
    return run_cli(folder, *args, "probe.ipynb", "-o", "out", env={"PYTHONPATH": path})


def _dependencies(folder: Path) -> list[str]:
    data = tomllib.loads((folder / "out" / "pyproject.toml").read_text(encoding="utf-8"))
    return [d for d in data["project"]["dependencies"] if d.startswith("probe")]


def test_the_range_is_the_release_line_built_with(project: Path) -> None:
    assert _cli(project, "build").returncode == 0
    assert _dependencies(project) == ["probe-lib>=1.2"]


def test_an_upgrade_within_the_range_is_up_to_date_for_both(project: Path) -> None:
    assert _cli(project, "build").returncode == 0
    before = (project / "out" / "pyproject.toml").read_bytes()
    _install(project / "site", "1.4.0")

    check = _cli(project, "check")
    build = _cli(project, "build")

    assert check.returncode == 0, check.stdout
    assert build.returncode == 0 and "is up to date" in build.stdout, build.stdout
    assert (project / "out" / "pyproject.toml").read_bytes() == before


def test_a_version_outside_the_range_is_stale_for_both_and_named(project: Path) -> None:
    assert _cli(project, "build").returncode == 0
    _install(project / "site", "1.1.0")

    check = _cli(project, "check")
    assert check.returncode == 3
    assert "probe-lib 1.1.0 is installed here" in check.stdout, check.stdout
    assert "`probe-lib>=1.2` becomes `probe-lib>=1.1`" in check.stdout

    build = _cli(project, "build")
    assert build.returncode == 0 and "0.1.0 -> 0.1.1" in build.stdout, build.stdout
    assert _dependencies(project) == ["probe-lib>=1.1"]
    assert _cli(project, "check").returncode == 0
    assert "is up to date" in _cli(project, "build").stdout


def test_the_project_can_set_the_range(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.nb2pkg.dependencies]\nProbe_Lib = ">=1.0, <2"\n', encoding="utf-8"
    )
    assert _cli(project, "build").returncode == 0
    assert _dependencies(project) == ["probe-lib>=1.0,<2"]


def test_a_range_that_is_not_one_is_a_coded_error(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.nb2pkg.dependencies]\nprobe-lib = "newest please"\n', encoding="utf-8"
    )
    result = _cli(project, "build")
    assert result.returncode == 1
    assert "NB521" in result.stderr and "probe-lib" in result.stderr


def test_a_change_after_the_environment_was_stamped_is_seen(project: Path) -> None:
    """A rebuild with nothing changed stamps the environment it found fitting; a downgrade
    afterwards (a folder on the path changes) is seen by the next build all the same."""
    assert _cli(project, "build").returncode == 0
    long_ago = time.time_ns() - 3_600_000_000_000
    for info in (project / "site").glob("*.dist-info"):  # installed long ago
        os.utime(info, ns=(long_ago, long_ago))
    assert "is up to date" in _cli(project, "build").stdout
    assert (project / "out" / ".nb2pkg" / "environment.json").is_file()

    _install(project / "site", "1.1.0")

    build = _cli(project, "build")
    assert build.returncode == 0 and "0.1.0 -> 0.1.1" in build.stdout, build.stdout
    assert _dependencies(project) == ["probe-lib>=1.1"]
