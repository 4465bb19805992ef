"""Parsing the command line imports light modules only: a command imports what it needs to run.

``--version``, ``--help`` and a usage error must cost little more than starting Python, so the
parser is built without the analysis (libcst, IPython's transformer), notebook reading, version
ranges (packaging), the server or tracking. Which modules a process imported is read from
``python -X importtime`` (the ``PYTHONPROFILEIMPORTTIME`` variable), never from a clock.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_notebook

HEAVY = frozenset(
    {
        "libcst",
        "IPython",
        "packaging",
        "nbformat",
        "fastjsonschema",
        "jsonschema",
        "jupyter_server",
        "tornado",
        "mlflow",
        "tomllib",
        "importlib.metadata",
    }
)
"""Libraries the parser must not import (a module or any module below it)."""

PARSER_MODULES = frozenset(
    {
        "nb2pkg",
        "nb2pkg.frontends",
        "nb2pkg.frontends.cli.main",
        "nb2pkg.frontends.cli",
        "nb2pkg.frontends.cli.tag_parser",
        "nb2pkg.frontends.cli.export_parser",
    }
)
"""The only modules of nb2pkg itself that building the parser may import."""

_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|( *)(\S+)$", re.MULTILINE)


def imported_by(folder: Path, *args: str) -> tuple[int, set[str]]:
    """The exit status of ``nb2pkg ARGS`` and every module the process imported."""
    result = run_cli(folder, *args, env={"PYTHONPROFILEIMPORTTIME": "1"})
    modules = {match.group(2) for match in _IMPORT_LINE.finditer(result.stderr)}
    assert "nb2pkg.frontends.cli.main" in modules, result.stderr[-2000:]
    return result.returncode, modules


def heavy_among(modules: set[str]) -> set[str]:
    return {
        module
        for module in modules
        if any(module == heavy or module.startswith(heavy + ".") for heavy in HEAVY)
    }


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("--version",), 0),
        (("--help",), 0),
        (("build", "--help"), 0),
        (("show", "--help"), 0),
        (("check", "--help"), 0),
        (("where", "--help"), 0),
        (("init", "--help"), 0),
        (("tag", "--help"), 0),
        (("export", "--help"), 0),
        (("build", "--bump", "huge"), 2),
        (("tag", "nb.ipynb"), 2),
        (("export", "spark"), 2),
        (("frobnicate",), 2),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value),
)
def test_parsing_the_command_line_imports_light_modules_only(
    tmp_path: Path, args: tuple[str, ...], status: int
) -> None:
    returncode, modules = imported_by(tmp_path, *args)
    assert returncode == status
    assert heavy_among(modules) == set()
    assert {m for m in modules if m.split(".")[0] == "nb2pkg"} <= PARSER_MODULES


def test_a_command_that_analyses_imports_what_it_needs(tmp_path: Path) -> None:
    """The same reading sees heavy imports where they belong, so the checks above can fail."""
    write_notebook(tmp_path / "steps.ipynb", [("total = 1 + 2", ["function:add"])])
    returncode, modules = imported_by(tmp_path, "show", "steps.ipynb")
    assert returncode == 0
    assert {"packaging", "nb2pkg.analysis.cell"} <= modules


def test_a_build_imports_libcst_only_for_a_step_that_needs_it(tmp_path: Path) -> None:
    """Steps cut from the cell's text and literal parameters are read with ``ast`` alone;
    a step that loses a nested print and a cast is rewritten with libcst."""
    plain = [
        ("rate = 0.5  # per round", ["parameters"]),
        ("values = [1.0, 2.0]\ntotal = sum(values) * rate", ["function:add"]),
    ]
    write_notebook(tmp_path / "plain.ipynb", plain)
    returncode, modules = imported_by(tmp_path, "build", "plain.ipynb", "-o", "plain")
    assert returncode == 0
    assert "libcst" not in modules and "nb2pkg.emit.modules" in modules
    package = (tmp_path / "plain" / "src" / "plain" / "plain.py").read_text(encoding="utf-8")
    assert "def add(rate: float = 0.5):" in package

    source = "values = [1.5, 2.5]\nfor v in values:\n    print(v)\ntotal = int(round(sum(values)))"
    write_notebook(tmp_path / "nested.ipynb", [(source, ["function:add"])])
    returncode, modules = imported_by(tmp_path, "build", "nested.ipynb", "-o", "nested")
    assert returncode == 0
    assert "libcst" in modules
    package = (tmp_path / "nested" / "src" / "nested" / "nested.py").read_text(encoding="utf-8")
    assert "print(" not in package and "total = round(sum(values))" in package


def test_the_export_parser_offers_every_export_target() -> None:
    from nb2pkg.emit import export_settings
    from nb2pkg.frontends.cli import export_parser

    assert export_parser.TARGETS == export_settings.TARGETS


def test_export_options_left_out_take_the_settings_defaults() -> None:
    from nb2pkg.emit.export_settings import ExportSettings
    from nb2pkg.frontends.cli.export_command import settings_from
    from nb2pkg.frontends.cli.main import build_parser

    parser = build_parser()
    assert settings_from(parser.parse_args(["export", "kfp"])) == ExportSettings(target="kfp")
    given = parser.parse_args(
        ["export", "airflow", "--retries", "0", "--artifacts", "", "--no-track"]
    )
    assert settings_from(given) == ExportSettings(
        target="airflow", retries=0, artifacts="", track=False
    )


def test_a_build_with_nothing_changed_does_not_import_the_analysis(tmp_path: Path) -> None:
    """The up-to-date shortcut reads the manifest and hashes: no libcst, no per-cell analysis."""
    write_notebook(tmp_path / "steps.ipynb", [("total = 1 + 2", ["function:add"])])
    first = run_cli(tmp_path, "build", "steps.ipynb", "-o", "out")
    assert first.returncode == 0, first.stderr
    returncode, modules = imported_by(tmp_path, "build", "steps.ipynb", "-o", "out")
    assert returncode == 0
    assert "libcst" not in modules and "nb2pkg.analysis.cell" not in modules


def test_an_auto_build_with_nothing_changed_takes_the_same_shortcut(tmp_path: Path) -> None:
    """``--auto`` proposes roles for untagged cells; with nothing changed since the last
    ``--auto`` build it answers from the manifest too."""
    cells = [("rate = 0.5", ["parameters"]), ("total = rate * 2", [])]
    write_notebook(tmp_path / "steps.ipynb", cells)
    first = run_cli(tmp_path, "build", "steps.ipynb", "-o", "out", "--auto")
    assert first.returncode == 0, first.stderr
    returncode, modules = imported_by(tmp_path, "build", "steps.ipynb", "-o", "out", "--auto")
    assert returncode == 0
    assert "nb2pkg.analysis.cell" not in modules and "nb2pkg.plan.automark" not in modules
    assert "libcst" not in modules


def test_a_rebuild_in_the_environment_last_found_fitting_looks_up_no_versions(
    tmp_path: Path,
) -> None:
    """The first rebuild with nothing changed looks up the installed versions and stamps the
    environment (``nb2pkg.builder.environment_stamp``); the next ones answer from the stamp."""
    write_notebook(tmp_path / "steps.ipynb", [("total = 1 + 2", ["function:add"])])
    assert run_cli(tmp_path, "build", "steps.ipynb", "-o", "out").returncode == 0
    returncode, checked = imported_by(tmp_path, "build", "steps.ipynb", "-o", "out")
    assert returncode == 0 and {"importlib.metadata", "packaging"} <= checked

    returncode, stamped = imported_by(tmp_path, "build", "steps.ipynb", "-o", "out")
    assert returncode == 0
    assert heavy_among(stamped) == set()
    assert "nb2pkg.ir_cells" not in stamped
    # Nor what only a build that renders needs: planning, preparing, export settings.
    later = {"nb2pkg.builder.planning", "nb2pkg.builder.prepare", "nb2pkg.emit.export_settings"}
    assert later & stamped == set()


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "nb.ipynb", "-o", "out", "--name", "pkg", "--bump", "minor", "--auto"],
        ["build"],
        ["show", "nb.ipynb", "--format", "json"],
        ["check", "a.ipynb", "b.ipynb", "--auto"],
        ["where", "src/p/m.py:3", "-o", "out"],
        ["init", "nb.ipynb", "--name", "pkg"],
        ["tag", "nb.ipynb", "--cell", "2", "--as", "parameters"],
        ["export", "airflow", "--retries", "2", "--no-track"],
    ],
    ids=lambda argv: argv[0],
)
def test_the_parser_of_one_command_reads_it_as_the_whole_parser_does(argv: list[str]) -> None:
    """A command line naming its command builds that command's parser alone."""
    from nb2pkg.frontends.cli.main import COMMANDS, build_parser

    assert argv[0] in COMMANDS
    whole = build_parser().parse_args(argv)
    assert build_parser(argv[0]).parse_args(argv) == whole
    others = build_parser(argv[0])._subparsers
    assert others is not None
    (choices,) = [a.choices for a in others._actions if getattr(a, "choices", None)]
    assert list(choices) == [argv[0]]
