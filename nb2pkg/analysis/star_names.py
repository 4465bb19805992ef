"""The names ``from MODULE import *`` binds, when the module's source says so without running.

A module whose source assigns ``__all__`` a literal list or tuple of strings, once, binds
exactly those; anything else (a C extension, an ``__all__`` built by code, none at all) is
not known, and the caller assumes the import may bind any name. Nothing is imported: the
module's file is found from its top-level package's location on ``sys.path``.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.util
from pathlib import Path

_LARGEST_SOURCE = 2_000_000
"""Bytes: a module's source larger than this is not read."""


@functools.cache
def star_import_names(module: str) -> frozenset[str] | None:
    """The names ``from module import *`` binds, or None when its source does not say."""
    path = _source_file(module)
    if path is None:
        return None
    try:
        if path.stat().st_size > _LARGEST_SOURCE:
            return None
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return _literal_all(tree)


def _source_file(module: str) -> Path | None:
    top, *rest = module.split(".")
    try:
        spec = importlib.util.find_spec(top)  # a top-level name: found, not imported
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    if not rest:
        origin = Path(spec.origin)
        return origin if origin.suffix == ".py" else None
    folders = spec.submodule_search_locations
    if not folders:
        return None
    for folder in folders:
        base = Path(folder, *rest)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        if any(base.with_suffix(s).is_file() for s in importlib.machinery.EXTENSION_SUFFIXES):
            return None
    return None


def _literal_all(tree: ast.Module) -> frozenset[str] | None:
    """The strings of the module's one ``__all__ = [...]``, when nothing else names ``__all__``
    (``__all__ += ...``, ``__all__.extend(...)``); None otherwise."""
    assigned: list[ast.expr] = []
    mentions = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "__all__":
            mentions += 1
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            assigned.append(node.value)
    if mentions != 1 or len(assigned) != 1 or not isinstance(assigned[0], ast.List | ast.Tuple):
        return None
    names: list[str] = []
    for element in assigned[0].elts:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            return None
        names.append(element.value)
    return frozenset(names)
