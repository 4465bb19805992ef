"""Golden cases: input notebook → expected package tree, byte for byte.

Each folder under ``cases/`` holds ``input.ipynb`` (plus any helper files beside it) and
``expected/``, the package nb2pkg must generate. A missing expected file fails the test;
regenerate deliberately with ``pytest tests/functional/test_golden.py --update-golden`` and
review the diff. Every case also checks that the generated Python compiles, that a second build
is byte-identical and reports "up to date", and that the package imports and runs.

The comparison does not depend on the day it runs: the CHANGELOG entry's date is masked (the
manifest's hash of CHANGELOG.md is checked against the file, then masked too), and the suite is
run with ``SOURCE_DATE_EPOCH`` unset and set to two different dates.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from nb2pkg.emit.code_style import formatted
from nb2pkg.emit.main_file import render_command_line
from nb2pkg.emit.package import TRACKING_TEMPLATE
from nb2pkg.emit.pipeline_files import render_runner
from nb2pkg.emit.step_files import render_steps_io
from nb2pkg.frontends.api import build
from tests.helpers import package_files

CASES = Path(__file__).with_name("cases")
TEMPLATES: dict[str, Callable[[], str]] = {
    "tracking.py": lambda: TRACKING_TEMPLATE.read_text(encoding="utf-8"),
    "steps_io.py": render_steps_io,
    "_command_line.py": render_command_line,
    "_runner.py": render_runner,
}
NOT_GOLDEN = tuple(TEMPLATES)
"""Copied from nb2pkg's templates (formatted as generated code is) (tracking, step values, the
command line's and run()'s fixed parts), which have tests of their own."""
ENTRY_DATE = re.compile(r"^(## \[[^\]]+\] - )\d{4}-\d{2}-\d{2}$", re.MULTILINE)
BUILD_DATES = {"today": None, "1970-01-01": "0", "2033-05-18": "2000000000"}
"""SOURCE_DATE_EPOCH for each run of the golden comparison (None: unset)."""


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "input.ipynb").is_file())


def _normalised(path: Path, root: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.name == "manifest.json":
        data = json.loads(text)
        for name in data["files"]:
            if name.endswith(NOT_GOLDEN):
                data["files"][name] = "<hash of a template copied verbatim>"
        changelog = root / "CHANGELOG.md"
        if "<DATE>" not in changelog.read_text(encoding="utf-8"):  # a produced tree
            recorded = data["files"]["CHANGELOG.md"]
            assert recorded == hashlib.sha256(changelog.read_bytes()).hexdigest()
        data["files"]["CHANGELOG.md"] = "<hash of CHANGELOG.md, checked against the file>"
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if path.name == "CHANGELOG.md":
        text = ENTRY_DATE.sub(r"\1<DATE>", text)
    return text


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): _normalised(p, root)
        for p in package_files(root)
        if p.name not in NOT_GOLDEN
    }


@pytest.fixture
def built(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Path]:
    case: str = request.param
    epoch = BUILD_DATES.get(request.node.callspec.params.get("date", "today"))
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    work = tmp_path / case
    shutil.copytree(CASES / case, work, ignore=shutil.ignore_patterns("expected"))
    result = build([work / "input.ipynb"], work / "out", name="golden", root=work)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    return case, work


@pytest.mark.parametrize("date", sorted(BUILD_DATES))
@pytest.mark.parametrize("built", _cases(), indirect=True)
def test_generated_package_matches_golden(
    built: tuple[str, Path], date: str, request: pytest.FixtureRequest
) -> None:
    case, work = built
    if BUILD_DATES[date] is not None:
        changelog = (work / "out" / "CHANGELOG.md").read_text(encoding="utf-8")
        assert f"] - {date}\n" in changelog
    produced = _tree(work / "out")
    for name, render in TEMPLATES.items():
        copied = work / "out" / "src" / "golden" / name
        expected_copy = formatted(render())
        assert copied.read_text(encoding="utf-8") == expected_copy, name
    expected_dir = CASES / case / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        for relative, text in produced.items():
            target = expected_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    assert expected_dir.is_dir(), f"no golden files for {case}: run with --update-golden and review"
    expected = _tree(expected_dir)
    assert sorted(produced) == sorted(expected)
    for relative in expected:
        assert produced[relative] == expected[relative], relative


@pytest.mark.parametrize("built", _cases(), indirect=True)
def test_rebuild_is_byte_identical_and_up_to_date(built: tuple[str, Path]) -> None:
    _, work = built
    out = work / "out"
    before = {p: p.read_bytes() for p in package_files(out)}
    again = build([work / "input.ipynb"], out, name="golden", root=work)
    assert again.ok and again.up_to_date and not again.changed_files
    assert {p: p.read_bytes() for p in package_files(out)} == before
    forced = build([work / "input.ipynb"], work / "second", name="golden", root=work)
    assert forced.ok
    assert _tree(work / "second") == _tree(out)


@pytest.mark.parametrize("built", _cases(), indirect=True)
def test_generated_code_compiles_imports_and_runs(built: tuple[str, Path]) -> None:
    _, work = built
    src = work / "out" / "src"
    for file in src.rglob("*.py"):
        compile(file.read_text(encoding="utf-8"), str(file), "exec")
    inputs_file = work / "run_inputs.json"
    inputs = inputs_file.read_text(encoding="utf-8") if inputs_file.is_file() else "{}"
    script = (
        "import json, sys, golden\n"
        "assert 'mlflow' not in sys.modules, 'import golden must not import mlflow'\n"
        f"outputs = golden.run(track=False, **json.loads({inputs!r}))\n"
        "print(sorted(outputs))\n"
    )
    env_path = f"{src}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=work,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    tests = work / "out" / "tests"
    if tests.is_dir():
        ran = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
            cwd=work,  # data file defaults are relative to the notebook's folder
            capture_output=True,
            text=True,
            env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
            timeout=300,
            check=False,
        )
        if inputs_file.is_file():
            # run() needs inputs only unmarked cells define: the generated tests say so.
            assert ran.returncode != 0 and "mark those cells" in ran.stdout, ran.stdout
        else:
            assert ran.returncode == 0, ran.stdout + ran.stderr
