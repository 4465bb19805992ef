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


EVERY_KIND = """
from . import a as b, c
import d.e
x: int = -1 if not y else 2 ** z
x += f"{x!r:>{w}}" + b"raw"
z = [*a, {**k}, (q := 3), a[1:2, ...], a < b <= c, a and b or None, True, ...]
async def g(p, /, q=2, *, r):
    async for i in arange():
        async with lock as held:
            yield [j async for j in held]
    await g()
    nonlocal_free = {i for i in p} | {i: j for i, j in q}
match point:
    case Point(x=0, y=None) | [1, *_] | {"k": True, **rest} as whole if whole:
        raise
    case -1 | 1+2j | "s" | None:
        pass
@decorated(1)
class K[T](Base):
    type Alias = list[T]
try:
    pass
except* ValueError:
    pass
"""


def test_all_nodes_finds_every_kind_of_node_ast_walk_finds() -> None:
    try:
        tree = ast.parse(EVERY_KIND)
    except SyntaxError:  # type parameters and `type` need Python 3.12
        tree = ast.parse(
            EVERY_KIND.replace(
                "class K[T](Base):\n    type Alias = list[T]", "class K(Base):\n    Alias = list"
            )
        )
    walked = [node for node in ast.walk(tree) if node._fields]
    found = all_nodes(tree)
    assert found == walked  # the same nodes, in the same order
