"""The notebook's own modules reach the package: a package folder the notebook imports from a
folder its cells put on ``sys.path`` is copied in, its imports of itself name the copy, and the
package runs where that folder is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nb2pkg.frontends.api import build
from tests.helpers import run_outputs, write_notebook


def _project(root: Path) -> Path:
    """A repository: its own library ``mylib/`` at the top, a notebook two folders down."""
    library = root / "mylib"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("from .scaling import scale\n", "utf-8")
    (library / "constants.py").write_text("FACTOR = 3\n", "utf-8")
    (library / "scaling.py").write_text(
        "from mylib.constants import FACTOR\n\n\ndef scale(x):\n    return x * FACTOR\n", "utf-8"
    )
    (library / "__pycache__").mkdir()
    (library / "__pycache__" / "stale.py").write_text("raise ImportError\n", "utf-8")
    folder = root / "notebooks" / "demo"
    folder.mkdir(parents=True)
    return write_notebook(
        folder / "analysis.ipynb",
        [
            ("import sys\nsys.path.append('../..')", []),
            ("from mylib import scale\nimport mylib.scaling as scaling", []),
            ("values = [scale(1), scaling.scale(2)]", ["function:compute_values"]),
        ],
    )


def _build_from(folder: Path, notebook: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``nb2pkg build`` run in ``folder``, the build's root; it must succeed."""
    monkeypatch.chdir(folder)
    result = build([notebook], out, root=folder)
    assert result.ok, [d.to_json() for d in result.diagnostics]


def _outputs_elsewhere(tmp_path: Path, package: str) -> dict[str, Any]:
    """``run()``'s result of the package built in ``tmp_path / "out"``, run from a folder
    holding none of the notebook's files."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return run_outputs(tmp_path / "out", package, cwd=elsewhere)


def test_a_package_on_the_notebooks_sys_path_is_copied_in_and_runs_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = _project(tmp_path / "repo")
    _build_from(tmp_path / "repo", notebook, tmp_path / "out", monkeypatch)  # the repo's top
    copied = tmp_path / "out" / "src" / "analysis" / "mylib"
    assert sorted(p.name for p in copied.iterdir()) == [
        "__init__.py",
        "constants.py",
        "scaling.py",
    ]
    scaling = (copied / "scaling.py").read_text("utf-8")
    assert "from analysis.mylib.constants import FACTOR" in scaling
    module = (tmp_path / "out" / "src" / "analysis" / "analysis.py").read_text("utf-8")
    assert "from analysis.mylib import scale, scaling\n" in module
    pyproject = (tmp_path / "out" / "pyproject.toml").read_text("utf-8")
    assert '"mylib' not in pyproject
    assert _outputs_elsewhere(tmp_path, "analysis") == {"values": [3, 6]}


def test_a_package_outside_the_project_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = _project(tmp_path / "repo")
    monkeypatch.chdir(notebook.parent)  # the project is the notebook's folder: mylib is out
    result = build([notebook], tmp_path / "out", root=None)
    assert not result.ok
    refusals = [d for d in result.diagnostics if d.code == "NB514"]
    assert refusals and refusals[0].severity.value == "error"
    assert "helper module ../../mylib/" in refusals[0].message
    assert "is outside the project" in refusals[0].message
    assert refusals[0].hint.startswith("build from a folder that holds it")
    assert not (tmp_path / "out").exists()


def test_a_folder_appended_to_sys_path_does_not_shadow_an_installed_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python searches an appended folder after the installed packages: `packaging` comes from
    # the installed distribution, as in the notebook, and is a requirement, not a copy.
    (tmp_path / "vendor" / "packaging").mkdir(parents=True)
    (tmp_path / "vendor" / "packaging" / "__init__.py").write_text("raise ImportError\n")
    notebook = write_notebook(
        tmp_path / "versions.ipynb",
        [
            ("import sys\nsys.path.append('vendor')\nfrom packaging.version import Version", []),
            ("newest = max(Version('1.2'), Version('1.10'))", ["function:pick_newest"]),
        ],
    )
    _build_from(tmp_path, notebook, tmp_path / "out", monkeypatch)
    assert not (tmp_path / "out" / "src" / "versions" / "packaging").exists()
    assert '"packaging' in (tmp_path / "out" / "pyproject.toml").read_text("utf-8")


def test_a_helper_module_brings_the_helper_modules_it_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The notebook imports `survey`; `survey.py` imports `stats.py`, beside it: both are copied
    # in, and the copy of `survey` imports the copy of `stats`.
    (tmp_path / "stats.py").write_text("def mean(xs):\n    return sum(xs) / len(xs)\n")
    (tmp_path / "survey.py").write_text(
        "import stats\n\n\ndef summary(xs):\n    return {'mean': stats.mean(xs)}\n"
    )
    notebook = write_notebook(
        tmp_path / "report.ipynb",
        [
            ("import survey", []),
            ("result = survey.summary([1, 2, 3, 6])", ["function:summarise"]),
        ],
    )
    _build_from(tmp_path, notebook, tmp_path / "out", monkeypatch)
    source = tmp_path / "out" / "src" / "report"
    assert "from report import stats" in (source / "survey.py").read_text("utf-8")
    assert _outputs_elsewhere(tmp_path, "report") == {"result": {"mean": 3.0}}
