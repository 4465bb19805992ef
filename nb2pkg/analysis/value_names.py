"""Walk the stdlib ``ast`` of a cell in source order, visiting only the names that are values.

``ast`` fields are not always in source order (a conditional expression keeps its test first,
a call its keywords after a starred argument): ``children`` gives them as written, which is the
order Python evaluates them in, so a read is seen before the binding that follows it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from nb2pkg.analysis.ast_nodes import child_fields


def ordered_arguments(call: ast.Call) -> list[ast.expr]:
    """A call's positional and keyword argument values in source order."""
    values: list[ast.expr] = list(call.args)
    if call.keywords:
        if values and (call.keywords[0].lineno, call.keywords[0].col_offset) < (
            values[-1].lineno,
            values[-1].col_offset,
        ):
            # `f(x=1, *rest)`: keywords may precede a starred argument
            pairs: list[tuple[tuple[int, int], ast.expr]] = [
                ((v.lineno, v.col_offset), v) for v in values
            ]
            pairs.extend(((k.lineno, k.col_offset), k.value) for k in call.keywords)
            pairs.sort(key=lambda pair: pair[0])
            return [v for _, v in pairs]
        values.extend(k.value for k in call.keywords)
    return values


def children(node: ast.AST) -> Iterator[ast.AST]:
    """The child nodes of ``node`` in source order (``ast`` fields are not always in it)."""
    if isinstance(node, ast.IfExp):
        yield node.body
        yield node.test
        yield node.orelse
    elif isinstance(node, ast.Dict):
        for key, item in zip(node.keys, node.values, strict=True):
            if key is not None:
                yield key
            yield item
    elif isinstance(node, ast.Call):
        yield node.func
        yield from ordered_arguments(node)
    elif isinstance(node, ast.keyword):
        yield node.value
    else:
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                if value._fields:
                    yield value
            elif isinstance(value, list):
                for element in value:
                    if isinstance(element, ast.AST):
                        yield element


_Handler = Callable[[Any, Any], bool]
_UNSEEN: Any = object()
_ORDERED = frozenset({ast.IfExp, ast.Dict, ast.Call, ast.keyword})
"""Node types whose fields are not in source order: their children come from ``children``."""


class ValueNamesVisitor:
    """Visits only the names that are values: not ``.attr`` of ``x.attr``, not ``key=`` of a call.

    ``visit_<NodeType>`` methods return True to go on into the node's children.
    """

    _handlers: ClassVar[dict[type, _Handler | None]] = {}
    """Each node type's ``visit_`` method (None: none), found on first use, one table per
    class."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}

    def visit(self, node: ast.AST) -> None:
        kind = node.__class__
        handlers = self._handlers
        handler = handlers.get(kind, _UNSEEN)
        if handler is _UNSEEN:
            handler = handlers[kind] = getattr(type(self), f"visit_{kind.__name__}", None)
        if handler is not None and not handler(self, node):
            return
        if kind in _ORDERED:
            for child in children(node):
                self.visit(child)
            return
        # ``children`` of the other types, without a generator: every node a field holds
        # (fields of only text, numbers or nodes without fields, such as ``ctx``, hold none
        # a visitor acts on)
        for field in child_fields(kind):
            value = getattr(node, field, None)
            if isinstance(value, list):
                for element in value:
                    if isinstance(element, ast.AST):
                        self.visit(element)
            elif isinstance(value, ast.AST) and value._fields:
                self.visit(value)

    def visit_all(self, nodes: Iterable[ast.AST]) -> None:
        for node in nodes:
            self.visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> bool:
        self.visit(node.value)
        return False

    def visit_For(self, node: ast.For | ast.AsyncFor) -> bool:
        # The iterable is evaluated before the loop variable is bound.
        self.visit(node.iter)
        self.record_target(node.target)
        self.visit_all(node.body)
        self.visit_all(node.orelse)
        return False

    visit_AsyncFor = visit_For

    def record_target(self, target: ast.expr) -> None:
        raise NotImplementedError

    def record_name(self, name: str) -> None:
        raise NotImplementedError

    # ``match`` patterns: capture names are bindings; keyword keys of class patterns are
    # attribute names, not reads.

    def visit_MatchAs(self, node: ast.MatchAs) -> bool:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name is not None:
            self.record_name(node.name)
        return False

    def visit_MatchStar(self, node: ast.MatchStar) -> bool:
        if node.name is not None:
            self.record_name(node.name)
        return False

    def visit_MatchMapping(self, node: ast.MatchMapping) -> bool:
        for key, pattern in zip(node.keys, node.patterns, strict=True):
            self.visit(key)
            self.visit(pattern)
        if node.rest is not None:
            self.record_name(node.rest)
        return False


def parameters_of(params: ast.arguments) -> list[str]:
    names = [p.arg for p in (*params.posonlyargs, *params.args, *params.kwonlyargs)]
    if params.vararg is not None:
        names.append(params.vararg.arg)
    if params.kwarg is not None:
        names.append(params.kwarg.arg)
    return names


def target_names_of(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in target_names_of(element)]
    if isinstance(target, ast.Starred):
        return target_names_of(target.value)
    return []


def base_name_of(expression: ast.expr) -> ast.Name | None:
    """``df`` of ``df.loc[mask, "x"]`` or ``model.steps[0]``."""
    current = expression
    while isinstance(current, (ast.Attribute, ast.Subscript, ast.Call)):
        current = current.func if isinstance(current, ast.Call) else current.value
    return current if isinstance(current, ast.Name) else None


# -------------------------------------------------------------------- libcst helpers
