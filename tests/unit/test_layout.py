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
    return STAGES.index(parts[1]) if parts[1] in STAGES else None


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
