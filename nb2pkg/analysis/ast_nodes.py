"""Every node of a stdlib ``ast`` tree, faster than ``ast.walk``.

``ast.walk`` goes through ``ast.iter_child_nodes`` (a generator per node, ``iter_fields`` per
field); on the thousands of statements of a large notebook that is most of a pass's time.
"""

from __future__ import annotations

import ast


def all_nodes(root: ast.AST) -> list[ast.AST]:
    """``root`` and every node below it, as ``ast.walk`` gives them, except the nodes without
    fields, which say nothing beyond their type: contexts (``Load``, ``Store``), operators
    (``Add``, ``And``), ``pass``, ``break`` and ``continue``."""
    found: list[ast.AST] = [root]
    position = 0
    while position < len(found):
        node = found[position]
        position += 1
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                if value._fields:
                    found.append(value)
            elif isinstance(value, list):
                found.extend(
                    element for element in value if isinstance(element, ast.AST) and element._fields
                )
    return found
