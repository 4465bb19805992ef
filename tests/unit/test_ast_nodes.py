"""all_nodes visits what ast.walk visits, but the nodes without fields."""

from __future__ import annotations

import ast

from nb2pkg.analysis.ast_nodes import all_nodes

SOURCE = """
import os.path as p
def f(a, *rest, key=1, **more):
    global g
    x = [v for v in rest if v]
    del x
    return {k: w for k, w in more.items()}, lambda y: y + a
class C(Base, metaclass=M):
    @property
    def value(self) -> int:
        try:
            return self.x[1:2]
        except KeyError as error:
            raise ValueError(f"{error!r}") from None
with open(p.join("a", "b")) as handle, other():
    match handle.read():
        case [1, *others] if others:
            pass
"""


def test_all_nodes_is_ast_walk_without_fieldless_nodes() -> None:
    tree = ast.parse(SOURCE)
    walked = [node for node in ast.walk(tree) if node._fields]
    found = all_nodes(tree)
    assert sorted(map(id, found)) == sorted(map(id, walked))
    assert len(found) == len(walked)
    assert {type(node) for node in ast.walk(tree) if not node._fields} == {
        ast.Load,
        ast.Store,
        ast.Del,
        ast.Add,
        ast.Pass,
    }


def test_all_nodes_of_a_subtree_starts_there() -> None:
    statement = ast.parse("total = a + b * c").body[0]
    names = {node.id for node in all_nodes(statement) if isinstance(node, ast.Name)}
    assert all_nodes(statement)[0] is statement
    assert names == {"total", "a", "b", "c"}
