"""Whether a helper module's imports are part of what other code takes from it.

A helper module beside the notebook is copied into the package; an import nothing in it reads
is ruff's F401, and leaves it (nb2pkg.emit.code_style, kind ``helper``) unless the notebook or
another helper takes that name from the module (``from helpers import np``, ``helpers.np``)
or takes everything it has (``from helpers import *``): then the module stays as written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from nb2pkg.emit.function_scopes import imported_name


def others_take_its_imports(name: str, source: str, others: Iterable[str]) -> bool:
    """Whether code in ``others`` star-imports module ``name`` (whose code is ``source``) or
    reads from it a name its module level binds by an import."""
    imported = _imported_at_module_level(source)
    for text in others:
        taken = _taken_from(name, text)
        if "*" in taken or taken & imported:
            return True
    return False


def _imported_at_module_level(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    return {
        imported_name(alias, node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def _taken_from(name: str, text: str) -> set[str]:
    """The names ``text`` takes from a module whose dotted name ends in ``name``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {"*"}  # unknown: as if it took everything
    aliases = {name}
    taken: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == name:
            taken.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            aliases.update(
                alias.asname for alias in node.names if alias.asname and _ends(alias.name, name)
            )
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _dotted_end(node.value) in aliases:
            taken.add(node.attr)
    return taken


def _ends(dotted: str, name: str) -> bool:
    return dotted.split(".")[-1] == name


def _dotted_end(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""
