"""Code a notebook runs but a packaged cell cannot hold: found before anything is generated.

A function cell becomes the body of a plain ``def`` and an export cell the top of a module, so
statements that only the notebook's top level accepts, or whose effect the package cannot keep,
are reported here instead of building a package that fails when it runs.

Its diagnostics (NB205, NB206, NB207, NB208, NB209) are described once, in
``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
import unicodedata
from collections.abc import Iterator

from nb2pkg.analysis.cell import CellProblem
from nb2pkg.ir import CellAnalysis, Severity

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def packaging_problems(analysis: CellAnalysis) -> tuple[CellProblem, ...]:
    """Problems of a cell that goes into the package (empty when it parses as nothing)."""
    return _problems(analysis.python_source, analysis.line_offset)


_Found = tuple[str, ast.AST, str, str]
"""A problem found in a statement: code, node, message, hint."""


_KEYWORDS = re.compile(r"\b(?:await|async|return|yield|nonlocal|exec|eval|del)\b")
"""A word every problem found here needs (an ASCII cell without one has none)."""


@functools.lru_cache(maxsize=4096)
def _problems(source: str, offset: int) -> tuple[CellProblem, ...]:
    if source.isascii() and not _KEYWORDS.search(source):
        return ()  # most cells: no need to parse again
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()  # reported as NB201 by the cell analysis
    bound = _bound_names(tree)
    problems = [
        _located(found, offset)
        for node in _top_level_nodes(tree)
        for found in _statement_problems(node, bound)
    ]
    problems += [_compatibility_problem(t, offset) for t in _names_python_normalises(source)]
    return tuple(problems)


def _located(found: _Found, offset: int) -> CellProblem:
    code, node, message, hint = found
    line = getattr(node, "lineno", 1) + offset
    column = getattr(node, "col_offset", None)
    return CellProblem(
        code, Severity.ERROR, message, line, None if column is None else column + 1, hint
    )


def _statement_problems(node: ast.AST, bound: set[str]) -> list[_Found]:
    """NB205-NB208: what a cell's top level may do in IPython but not in a function."""
    if isinstance(node, ast.Await | ast.AsyncFor | ast.AsyncWith):
        what = {ast.Await: "await", ast.AsyncFor: "async for", ast.AsyncWith: "async with"}[
            type(node)
        ]
        return [
            (
                "NB205",
                node,
                f"top-level `{what}`: IPython runs it in the notebook, but a packaged cell "
                "becomes a plain function",
                "put the asynchronous code in an `async def` and run it with "
                "`asyncio.run(...)` in the cell",
            )
        ]
    if isinstance(node, ast.Return | ast.Yield | ast.YieldFrom):
        what = "return" if isinstance(node, ast.Return) else "yield"
        return [
            (
                "NB206",
                node,
                f"`{what}` outside a function: the notebook cannot run this cell either",
                "remove it; a function step returns the values later cells read",
            )
        ]
    if isinstance(node, ast.Nonlocal):
        return [
            (
                "NB206",
                node,
                "`nonlocal` outside a function: the notebook cannot run this cell either",
                "remove it, or use `global` for a name of the notebook's top level",
            )
        ]
    if isinstance(node, ast.Call) and _hidden_namespace_call(node):
        assert isinstance(node.func, ast.Name)
        return [
            (
                "NB207",
                node,
                f"`{node.func.id}()` runs code nb2pkg cannot see: the names it reads and binds "
                "are not passed between the package's steps",
                "write the code out in the cell, or pass an explicit namespace dict as the "
                "second argument",
            )
        ]
    if isinstance(node, ast.Delete):
        return _deletion_problems(node, bound)
    return []


def _deletion_problems(node: ast.Delete, bound: set[str]) -> list[_Found]:
    return [
        (
            "NB208",
            target,
            f"`del {target.id}` deletes a value this cell did not create: in the "
            "package each step gets its own inputs, and the deletion would fail",
            f"remove `del {target.id}` (the package frees values itself)",
        )
        for target in node.targets
        if isinstance(target, ast.Name) and target.id not in bound
    ]


def _compatibility_problem(token: tokenize.TokenInfo, offset: int) -> CellProblem:
    normal = unicodedata.normalize("NFKC", token.string)
    return CellProblem(
        "NB209",
        Severity.ERROR,
        f"`{token.string}` is written with compatibility characters: Python reads it as `{normal}`",
        token.start[0] + offset,
        token.start[1] + 1,
        f"write it as `{normal}`",
    )


def _names_python_normalises(source: str) -> list[tokenize.TokenInfo]:
    if source.isascii():
        return []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [
        t
        for t in tokens
        if t.type == tokenize.NAME and unicodedata.normalize("NFKC", t.string) != t.string
    ]


def _top_level_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node of the cell's own scope (not inside a def, lambda or class body)."""
    pending: list[ast.AST] = list(reversed(tree.body))
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, _SCOPES):
            continue
        pending.extend(reversed(list(ast.iter_child_nodes(node))))


def _bound_names(tree: ast.Module) -> set[str]:
    """Names the cell's own scope binds (assignments, imports, loops, defs, classes)."""
    bound: set[str] = set()
    for node in _top_level_nodes(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _hidden_namespace_call(node: ast.Call) -> bool:
    if not isinstance(node.func, ast.Name) or node.func.id not in ("exec", "eval"):
        return False
    explicit = len(node.args) >= 2 or any(k.arg in ("globals", "locals") for k in node.keywords)
    return not explicit
