"""Every node of a stdlib ``ast`` tree, faster than ``ast.walk``.

``ast.walk`` goes through ``ast.iter_child_nodes`` (a generator per node, ``iter_fields`` per
field); on the thousands of statements of a large notebook that is most of a pass's time.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence


def all_nodes(root: ast.AST) -> list[ast.AST]:
    """``root`` and every node below it, as ``ast.walk`` gives them, except the nodes without
    fields, which say nothing beyond their type: contexts (``Load``, ``Store``), operators
    (``Add``, ``And``), ``pass``, ``break`` and ``continue``."""
    return all_nodes_of([root])


def all_nodes_of(roots: Sequence[ast.AST]) -> list[ast.AST]:
    """``all_nodes`` of each of ``roots`` (a body's statements), in one list."""
    found: list[ast.AST] = list(roots)
    fields_of = _NODE_FIELDS
    position = 0
    while position < len(found):
        node = found[position]
        position += 1
        kind = node.__class__
        fields = fields_of.get(kind)
        if fields is None:
            fields = child_fields(kind)
        for field in fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                if value._fields:
                    found.append(value)
            elif isinstance(value, list):
                found.extend(
                    element for element in value if isinstance(element, ast.AST) and element._fields
                )
    return found


_NODE_FIELDS: dict[type, tuple[str, ...]] = {}
"""The fields of each node type that may hold nodes with fields, found on first use."""

_SCALAR_FIELDS = frozenset(
    {"id", "ctx", "op", "ops", "name", "attr", "arg", "module", "level", "kind"}
    | {"conversion", "is_async", "simple", "type_comment", "tag"}
)
"""Fields that hold text, numbers, or only nodes without fields (contexts, operators)."""


def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of nodes of type ``kind`` that may hold nodes with fields (the others hold
    text, numbers, or only contexts and operators)."""
    fields = _NODE_FIELDS.get(kind)
    if fields is None:
        fields = _NODE_FIELDS[kind] = _node_fields(kind)
    return fields


def _node_fields(kind: type) -> tuple[str, ...]:
    if kind is ast.Constant or kind is ast.MatchSingleton:
        return ()  # ``value`` is the constant itself
    fields: tuple[str, ...] = getattr(kind, "_fields", ())
    if kind.__name__ == "TypeAlias":  # Python 3.12's ``type X = …``: its name is a ``Name``
        return tuple(field for field in fields if field == "name" or field not in _SCALAR_FIELDS)
    return tuple(field for field in fields if field not in _SCALAR_FIELDS)


@functools.lru_cache(maxsize=8)
def recent_tree(source: str) -> ast.Module:
    """``ast.parse(source)``, kept for the next few callers: the passes that emit one cell's
    step each read its tree in turn. The tree is shared: callers never change it."""
    return ast.parse(source)
