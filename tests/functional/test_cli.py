"""The ``nb2pkg`` command line, run as a user runs it: a subprocess in a project folder."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import tomllib

from tests.helpers import CellSpec, markdown_cell, package_files, run_cli, write_notebook

CELLS: list[CellSpec] = [
    ("n_items = 10\nseed = 0", ["parameters"]),
    markdown_cell("## Load\nMake the rows."),
    ("data = list(range(n_items))", ["function:load"]),
    ("clean = [x for x in data if x % 2 == 0]", ["function:clean_data"]),
    ("score = sum(clean) / len(clean)", ["function:evaluate", "metrics"]),
    ("assert score > 0", ["test:score_positive"]),
    ("clean[:3]", []),
]
CLEAN_CELL = 4


def nb2pkg(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(folder, *args)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_notebook(tmp_path / "churn.ipynb", CELLS)
    return tmp_path


def build_ok(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = nb2pkg(folder, "build", *args)
    assert result.returncode == 0, result.stderr
    return result


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in package_files(folder)
    }


def edit_cell(notebook: Path, number: int, source: str) -> None:
    data = json.loads(notebook.read_text(encoding="utf-8"))
    data["cells"][number - 1]["source"] = source
    notebook.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ show


def test_show_lists_each_packaged_cell_with_its_signature(project: Path) -> None:
    result = nb2pkg(project, "show", "churn.ipynb")

    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "churn.ipynb -> module churn"
    rows = [re.fullmatch(r"\s*cell\s+(\d+)\s+(\w+)\s+(.*)", line) for line in lines[1:]]
    assert all(rows), lines
    assert [row.groups() for row in rows if row] == [
        ("1", "parameters", "parameters: n_items, seed"),
        ("3", "function", "load(n_items) -> data"),
        ("4", "function", "clean_data(data) -> clean"),
        ("5", "function", "evaluate(clean) -> score [metrics]"),
        ("6", "test", "test_score_positive(score)"),
    ]


def test_show_prints_diagnostics_with_a_summary(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "nb.ipynb", [("raw = [1, 2]", []), ("total = sum(raw)", ["function:add"])]
    )

    result = nb2pkg(tmp_path, "show", "nb.ipynb")

    assert result.returncode == 0
    assert "warning[NB302]" in result.stdout
    assert "--> nb.ipynb:cell 2:line 1" in result.stdout
    assert result.stdout.rstrip().endswith("0 errors, 1 warning")


def test_show_exits_1_when_the_notebook_has_errors(tmp_path: Path) -> None:
    write_notebook(tmp_path / "nb.ipynb", [("x = 1", ["function:class"])])

    result = nb2pkg(tmp_path, "show", "nb.ipynb")

    assert result.returncode == 1
    assert "error[NB102]" in result.stdout


def test_show_json_is_the_plan(project: Path) -> None:
    text = nb2pkg(project, "show", "churn.ipynb")
    result = nb2pkg(project, "show", "churn.ipynb", "--format", "json")

    assert result.returncode == 0
    plan: dict[str, Any] = json.loads(result.stdout)
    assert (plan["notebook"], plan["package"], plan["module"]) == ("churn.ipynb", "churn", "churn")
    assert [(f["name"], f["number"], f["signature"]) for f in plan["functions"]] == [
        ("load", 3, "load(n_items) -> data"),
        ("clean_data", 4, "clean_data(data) -> clean"),
        ("evaluate", 5, "evaluate(clean) -> score"),
    ]
    assert [(t["name"], t["cell_id"]) for t in plan["tests"]] == [("test_score_positive", "cell-6")]
    assert plan["parameters"] == [
        {"name": "n_items", "default": "10", "annotation": "int"},
        {"name": "seed", "default": "0", "annotation": "int"},
    ]
    roles = {c["number"]: c["role"] for c in plan["cells"]}
    assert roles == {
        1: "parameters",
        3: "function",
        4: "function",
        5: "function",
        6: "test",
        7: "exploration",
    }
    load = next(c for c in plan["cells"] if c["name"] == "load")
    assert load["params"] == [{"name": "n_items", "source": "parameter", "default": "10"}]
    assert load["returns"] == ["data"]
    assert plan["diagnostics"] == []
    for function in plan["functions"]:
        assert function["signature"] in text.stdout


def test_show_of_a_damaged_file_is_a_diagnostic_in_both_formats(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text("{ not json", encoding="utf-8")

    text = nb2pkg(tmp_path, "show", "nb.ipynb")
    as_json = nb2pkg(tmp_path, "show", "nb.ipynb", "--format", "json")

    assert text.returncode == as_json.returncode == 1
    assert "error[NB001]" in text.stdout
    plan = json.loads(as_json.stdout)
    assert [d["code"] for d in plan["diagnostics"]] == ["NB001"]
    assert plan["cells"] == [] and plan["functions"] == []


# ------------------------------------------------------------------ build


def test_build_json_reports_what_it_wrote(project: Path) -> None:
    result = nb2pkg(project, "build", "churn.ipynb", "-o", "out", "--format", "json")

    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["ok"] is True and payload["up_to_date"] is False
    assert (payload["package"], payload["version"], payload["previous_version"]) == (
        "churn",
        "0.1.0",
        None,
    )
    assert Path(payload["out_dir"]) == project / "out"
    written = set(payload["changed_files"])
    assert {"src/churn/churn.py", "src/churn/pipeline.py", "pyproject.toml"} <= written
    on_disk = {p.relative_to(project / "out").as_posix() for p in (project / "out").rglob("*")}
    assert written <= on_disk
    assert payload["diagnostics"] == []

    again = json.loads(
        nb2pkg(project, "build", "churn.ipynb", "-o", "out", "--format", "json").stdout
    )
    assert again["ok"] is True and again["up_to_date"] is True
    assert again["changed_files"] == []


def test_warnings_are_printed_and_do_not_stop_the_build(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "nb.ipynb",
        [("raw = [1, 2]", []), ("total = sum(raw)\n!ls", ["function:add"])],
    )

    result = build_ok(tmp_path, "nb.ipynb", "-o", "out")

    assert "warning[NB302]" in result.stderr
    assert "warning[NB203]" in result.stderr
    assert "built nb 0.1.0" in result.stdout
    assert (tmp_path / "out" / "src" / "nb" / "nb.py").is_file()


def test_a_rebuild_with_nothing_changed_is_up_to_date_and_touches_nothing(project: Path) -> None:
    build_ok(project, "churn.ipynb", "-o", "out")
    before = snapshot(project / "out")

    result = build_ok(project, "churn.ipynb", "-o", "out")

    assert "up to date" in result.stdout
    assert snapshot(project / "out") == before


# ------------------------------------------------------------------ init


def test_init_writes_the_settings_and_build_uses_them(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "analysis"\n', encoding="utf-8")

    result = nb2pkg(project, "init", "--name", "churnpkg", "-o", "dist/churn")

    assert result.returncode == 0, result.stderr
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"] == {"name": "analysis"}
    assert data["tool"]["nb2pkg"]["name"] == "churnpkg"
    assert data["tool"]["nb2pkg"]["notebooks"] == ["churn.ipynb"]
    assert data["tool"]["nb2pkg"]["out"] == "dist/churn"

    built = build_ok(project)

    assert "built churnpkg 0.1.0" in built.stdout
    assert (project / "dist" / "churn" / "src" / "churnpkg" / "churn.py").is_file()


def test_init_without_arguments_finds_the_notebooks_here(project: Path) -> None:
    assert nb2pkg(project, "init").returncode == 0

    settings = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "nb2pkg"
    ]
    assert settings["notebooks"] == ["churn.ipynb"]
    assert settings["name"] == "churn"
    build_ok(project)
    assert (project / settings["out"] / "src" / "churn" / "pipeline.py").is_file()


def test_the_settings_survive_moving_the_project(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert nb2pkg(project, "init").returncode == 0
    moved = tmp_path_factory.mktemp("moved") / "project"
    shutil.copytree(project, moved)

    build_ok(moved)

    assert any(moved.glob("*/src/churn/churn.py"))


def test_init_refuses_to_write_the_settings_twice(project: Path) -> None:
    assert nb2pkg(project, "init").returncode == 0
    before = (project / "pyproject.toml").read_bytes()

    again = nb2pkg(project, "init")

    assert again.returncode == 1
    assert "already has [tool.nb2pkg]" in again.stderr
    assert (project / "pyproject.toml").read_bytes() == before


def test_build_without_notebooks_or_settings_says_what_to_do(tmp_path: Path) -> None:
    result = nb2pkg(tmp_path, "build")

    assert result.returncode == 1
    assert "error[NB522]" in result.stderr
    assert "nb2pkg init" in result.stderr


# ------------------------------------------------------------------ where


def test_where_maps_a_generated_line_back_to_its_cell(project: Path) -> None:
    build_ok(project, "churn.ipynb", "-o", "out")
    module = project / "out" / "src" / "churn" / "churn.py"
    lines = module.read_text(encoding="utf-8").splitlines()
    line = 1 + next(i for i, text in enumerate(lines) if "clean = [x for x in data" in text)

    result = nb2pkg(project, "where", f"src/churn/churn.py:{line}", "-o", "out")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"churn.ipynb:cell {CLEAN_CELL}:line 1 [id cell-{CLEAN_CELL}]"
    absolute = nb2pkg(project, "where", f"{module}:{line}", "-o", "out")
    assert absolute.stdout == result.stdout


def test_where_finds_the_package_from_the_file_itself(project: Path, tmp_path: Path) -> None:
    build_ok(project, "churn.ipynb", "-o", "out")
    module = project / "out" / "src" / "churn" / "churn.py"
    lines = module.read_text(encoding="utf-8").splitlines()
    line = 1 + next(i for i, text in enumerate(lines) if "clean = [x for x in data" in text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    result = nb2pkg(elsewhere, "where", f"{module}:{line}")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"churn.ipynb:cell {CLEAN_CELL}:line 1 [id cell-{CLEAN_CELL}]"


def test_where_finds_the_package_from_the_settings(project: Path) -> None:
    assert nb2pkg(project, "init").returncode == 0
    build_ok(project)
    module = next(project.glob("*/src/churn/churn.py"))
    lines = module.read_text(encoding="utf-8").splitlines()
    line = 1 + next(i for i, text in enumerate(lines) if "data = list(range(n_items))" in text)

    result = nb2pkg(project, "where", f"src/churn/churn.py:{line}")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "churn.ipynb:cell 3:line 1 [id cell-3]"


def test_where_says_so_when_a_line_comes_from_no_cell(project: Path) -> None:
    build_ok(project, "churn.ipynb", "-o", "out")

    result = nb2pkg(project, "where", "src/churn/churn.py:1", "-o", "out")

    assert result.returncode == 1
    assert "does not come from a notebook cell" in result.stderr


def test_where_needs_file_colon_line(project: Path) -> None:
    result = nb2pkg(project, "where", "src/churn/churn.py", "-o", "out")

    assert result.returncode == 2
    assert "FILE:LINE" in result.stderr


# ------------------------------------------------------------------ check


def test_check_passes_after_a_build_and_fails_after_an_edit(project: Path) -> None:
    build_ok(project, "churn.ipynb", "-o", "out")

    fresh = nb2pkg(project, "check", "churn.ipynb", "-o", "out")

    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "up to date" in fresh.stdout

    edit_cell(project / "churn.ipynb", CLEAN_CELL, "clean = [x for x in data if x % 3 == 0]")
    stale = nb2pkg(project, "check", "churn.ipynb", "-o", "out")

    assert stale.returncode == 3
    assert "churn.ipynb: changed since the last build" in stale.stdout
    assert "src/churn/churn.py" in stale.stdout
    assert "nb2pkg build" in stale.stdout

    payload = json.loads(
        nb2pkg(project, "check", "churn.ipynb", "-o", "out", "--format", "json").stdout
    )
    assert payload["ok"] is False
    assert any("src/churn/churn.py" in d for d in payload["differences"])


def test_check_before_any_build_is_stale(project: Path) -> None:
    result = nb2pkg(project, "check", "churn.ipynb", "-o", "out")

    assert result.returncode == 3
    assert "no package built here yet" in result.stdout
    assert not (project / "out").exists()


def test_check_reports_errors_in_the_notebook_with_exit_1(project: Path) -> None:
    build_ok(project, "churn.ipynb", "-o", "out")
    edit_cell(project / "churn.ipynb", CLEAN_CELL, "clean = [x for x in data if\n")

    result = nb2pkg(project, "check", "churn.ipynb", "-o", "out")

    assert result.returncode == 1
    assert "error[NB201]" in result.stderr


# ------------------------------------------------------------------ usage


def test_the_help_lists_the_exit_codes(tmp_path: Path) -> None:
    result = nb2pkg(tmp_path, "build", "--help")

    assert result.returncode == 0
    assert "3 check: package out of date" in " ".join(result.stdout.split())


def test_an_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    result = nb2pkg(tmp_path, "build", "--no-such-option")

    assert result.returncode == 2
