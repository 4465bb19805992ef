"""The stage folders of ``nb2pkg`` depend on each other one way only.

A notebook flows ``notebook → roles → analysis → plan → emit → builder → frontends``; a module may
import from its own stage and from earlier ones, never from a later one (``ir`` holds the shared
data types every stage uses). The README's "How it works" names the stages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nb2pkg"

STAGES = ("ir", "notebook", "roles", "analysis", "plan", "emit", "builder", "frontends")
"""The stages in the order data flows through them."""

SAME_STAGE_AS = {"ir_cells": "ir"}
"""A module beside a stage's module that belongs to that stage (``nb2pkg.ir`` defines the
records of ``nb2pkg.ir_cells`` on first use)."""

ROOT_MODULES = frozenset({"nb2pkg", "nb2pkg.__main__"})
"""Entry points Python and Jupyter look up by name; they may import any stage."""


KNOWN_BACKWARD: list[str] = []
"""Imports still pointing backwards, being removed; the list may only shrink."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "nb2pkg":
        return None
    stage = SAME_STAGE_AS.get(parts[1], parts[1])
    return STAGES.index(stage) if stage in STAGES else None


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "nb2pkg":
                found.update(f"nb2pkg.{alias.name}" for alias in node.names)
    return {name for name in found if name == "nb2pkg" or name.startswith("nb2pkg.")}


def package_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "labextension" not in path.relative_to(PACKAGE).parts
    )


def backward_imports() -> list[str]:
    found = []
    for path in package_modules():
        importer = module_name(path)
        if importer in ROOT_MODULES:
            continue
        importer_stage = stage_of(importer)
        assert importer_stage is not None, f"{importer} is in no stage folder"
        for imported in sorted(imported_modules(path)):
            imported_stage = stage_of(imported)
            if imported_stage is not None and imported_stage > importer_stage:
                found.append(f"{importer} → {imported}")
    return found


def test_every_module_sits_in_a_stage_folder() -> None:
    outside = [
        module_name(path)
        for path in package_modules()
        if module_name(path) not in ROOT_MODULES and stage_of(module_name(path)) is None
    ]
    assert outside == []


def test_imports_point_from_later_stages_to_earlier_ones() -> None:
    assert backward_imports() == KNOWN_BACKWARD


@pytest.mark.parametrize(
    ("importer", "imported", "backward"),
    [("nb2pkg.plan.x", "nb2pkg.emit.y", True), ("nb2pkg.emit.y", "nb2pkg.plan.x", False)],
)
def test_the_stage_order_is_read_the_right_way(
    importer: str, imported: str, backward: bool
) -> None:
    importer_stage, imported_stage = stage_of(importer), stage_of(imported)
    assert importer_stage is not None and imported_stage is not None
    assert (imported_stage > importer_stage) is backward


def test_the_readme_names_every_stage_folder() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it works", 1)[1].split("\n## ", 1)[0]
    folders = [f"`nb2pkg/{stage}/`" for stage in STAGES if stage != "ir"]
    assert [folder for folder in folders if folder not in section] == []
    assert "`nb2pkg/ir.py`" in section
    assert "tests/unit/test_layout.py" in section


# ------------------------------------------------------------------ sizes and purity

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
TEMPLATES = PACKAGE / "emit" / "templates"
"""Copied into generated packages as single files: exempt from the size limits."""


def hand_written_modules() -> list[Path]:
    return [path for path in package_modules() if TEMPLATES not in path.parents]


def test_no_module_is_longer_than_the_limit() -> None:
    long = [
        f"{module_name(path)}: {count} lines"
        for path in hand_written_modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert long == []


def test_no_function_is_longer_than_the_limit() -> None:
    long = []
    for path in hand_written_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                count = node.end_lineno - node.lineno + 1
                if count > MAX_FUNCTION_LINES:
                    long.append(f"{module_name(path)}.{node.name}: {count} lines")
    assert long == []


FILE_SYSTEM_CALLS = frozenset(
    {
        "open",
        "is_file",
        "is_dir",
        "exists",
        "stat",
        "lstat",
        "is_symlink",
        "resolve",
        "readlink",
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "iterdir",
        "glob",
        "rglob",
        "mkdir",
        "unlink",
        "samefile",
    }
)
"""Builtins and ``Path`` methods that touch the file system (``os``'s are refused by import)."""
EXPLICIT_INPUTS = frozenset({"environment", "files", "self.files", "self.environment"})
"""The plan's explicit inputs (``nb2pkg.plan.build_environment``): asking them is no I/O."""
IMPURE_MODULES = frozenset({"os", "shutil", "subprocess", "glob", "importlib", "socket", "urllib"})


def file_system_uses(tree: ast.Module) -> list[str]:
    """Calls of file-system functions and methods, and imports of modules that do I/O."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in FILE_SYSTEM_CALLS:
                found.append(f"line {node.lineno}: {function.id}()")
            elif (
                isinstance(function, ast.Attribute)
                and function.attr in FILE_SYSTEM_CALLS
                and ast.unparse(function.value) not in EXPLICIT_INPUTS
            ):
                found.append(f"line {node.lineno}: {ast.unparse(function)}()")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                if name and name.split(".")[0] in IMPURE_MODULES:
                    found.append(f"line {node.lineno}: import {name}")
    return found


def test_the_plan_stage_does_no_file_system_io() -> None:
    found = {
        module_name(path): uses
        for path in package_modules()
        if stage_of(module_name(path)) == STAGES.index("plan")
        and (uses := file_system_uses(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert found == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("Path(x).is_file()", ["line 1: Path(x).is_file()"]),
        ("(folder / name).read_text()", ["line 1: (folder / name).read_text()"]),
        ("open(path)", ["line 1: open()"]),
        ("import os.path", ["line 1: import os.path"]),
        ("from importlib import metadata", ["line 1: import importlib"]),
        ("environment.is_file(folder / name)", []),
        ("self.files.is_file(folder / name)", []),
        ("text.strip()", []),
    ],
)
def test_file_system_uses_are_told_from_asking_the_explicit_inputs(
    source: str, found: list[str]
) -> None:
    assert file_system_uses(ast.parse(source)) == found
