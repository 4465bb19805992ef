"""Where a notebook imports its own modules from: its folder, and the folders its cells put
on ``sys.path`` with a path the code spells out (``sys.path.append('../..')``,
``sys.path.insert(0, os.path.abspath('src'))``).

A notebook runs with its own folder as the working directory, so a relative path is taken from
there. A path computed from anything but literals (an environment variable, a loop) is not
followed: a module found nowhere else stays an import of an installed distribution.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_WRAPPERS = frozenset({"abspath", "realpath", "normpath", "str", "Path", "PurePath", "fspath"})
"""Calls that leave a path where it is (``os.path.abspath('..')``, ``str(Path('..'))``)."""
_METHODS = frozenset({"resolve", "absolute"})


@dataclass(frozen=True)
class ImportFolder:
    folder: Path
    before_installed: bool
    """Searched before the installed distributions (the notebook's folder, ``insert(0, …)``);
    an appended folder is searched after them."""


def import_folders(notebook_folder: Path, sources: Iterable[str]) -> tuple[ImportFolder, ...]:
    """The folders ``import NAME`` searches for the notebook's own modules, in the order Python
    searches them: the notebook's folder first, then what the cells add to ``sys.path``."""
    first: list[Path] = []
    appended: list[Path] = []
    for source in sources:
        if "sys.path" not in source:
            continue
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            added = _sys_path_addition(node)
            if added is None:
                continue
            at_front, paths = added
            for path in paths:
                folder = notebook_folder / path if not Path(path).is_absolute() else Path(path)
                (first if at_front else appended).append(folder)
    ordered = [
        ImportFolder(notebook_folder, True),
        *(ImportFolder(f, True) for f in first),
        *(ImportFolder(f, False) for f in appended),
    ]
    seen: set[Path] = set()
    unique: list[ImportFolder] = []
    for entry in ordered:
        key = _normal(entry.folder)
        if key not in seen:
            seen.add(key)
            unique.append(ImportFolder(key, entry.before_installed))
    return tuple(unique)


def _normal(folder: Path) -> Path:
    """``a/notebooks/../..`` → ``a/..`` resolved lexically (``os.path.normpath``'s rule: the
    plan stage imports no module that does I/O, tests/unit/test_layout.py)."""
    parts: list[str] = []
    for part in folder.parts:
        if part == "..":
            if parts and parts[-1] not in ("..", folder.anchor):
                parts.pop()
                continue
        elif part == ".":
            continue
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def _sys_path_addition(node: ast.AST) -> tuple[bool, list[str]] | None:
    """(put in front, the literal paths) of ``sys.path.append/insert/extend(...)``."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and _is_sys_path(node.func.value)
    ):
        return None
    method = node.func.attr
    if method == "append" and len(node.args) == 1:
        path = _literal_path(node.args[0])
        return (False, [path]) if path is not None else None
    if method == "insert" and len(node.args) == 2:
        path = _literal_path(node.args[1])
        front = isinstance(node.args[0], ast.Constant) and node.args[0].value == 0
        return (front, [path]) if path is not None else None
    if (
        method == "extend"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.List | ast.Tuple)
    ):
        paths = [_literal_path(item) for item in node.args[0].elts]
        return (False, [p for p in paths if p is not None])
    return None


def _is_sys_path(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def _literal_path(node: ast.expr) -> str | None:
    """The path an expression of literals names, relative to the working directory."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value or "."
    if not isinstance(node, ast.Call):
        return None
    name = _called_name(node.func)
    if name in _METHODS and isinstance(node.func, ast.Attribute) and not node.args:
        return _literal_path(node.func.value)
    if name in _WRAPPERS and len(node.args) == 1 and not node.keywords:
        return _literal_path(node.args[0])
    if name == "join" and node.args and not node.keywords:
        parts = [_literal_path(arg) for arg in node.args]
        if all(part is not None for part in parts):
            return str(Path(*(p for p in parts if p is not None)))
        return None
    if name == "getcwd" and not node.args:
        return "."
    if name == "dirname" and len(node.args) == 1:
        inner = _literal_path(node.args[0])
        return None if inner is None else str(Path(inner) / "..")
    return None


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
