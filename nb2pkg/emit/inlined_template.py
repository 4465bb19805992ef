"""A template module split for inlining into a generated file: its imports, and its code below
the placeholders that the generated file defines itself (``templates/airflow_tasks.py``)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class InlinedTemplate:
    imports: tuple[str, ...]
    """The template's import lines, one statement each, ``from __future__`` left out."""
    body: str
    """The template's source from the first statement after the placeholders to its end."""


def inlined_template(path: Path, placeholders: frozenset[str]) -> InlinedTemplate:
    """``path`` split as the module docstring, imports, then assignments of ``placeholders``
    (each may have a docstring), then the code to inline; any other order is refused."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    imports: list[str] = []
    defined: set[str] = set()
    start: int | None = None
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if not (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
                imports.append(ast.unparse(node))
        elif _is_string(node) or _assigned(node) & placeholders:
            defined |= _assigned(node)
        else:
            start = node.lineno if not _decorators(node) else _decorators(node)[0].lineno
            break
    if defined != placeholders or start is None:
        raise ValueError(f"{path.name}: expected the placeholders {sorted(placeholders)} first")
    for node in tree.body:
        if node.lineno >= start and (isinstance(node, ast.Import | ast.ImportFrom)):
            raise ValueError(f"{path.name}: an import below the placeholders is not inlined")
        if node.lineno >= start and _assigned(node) & placeholders:
            raise ValueError(f"{path.name}: a placeholder is assigned again below the others")
    return InlinedTemplate(tuple(imports), "".join(lines[start - 1 :]))


def _is_string(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _assigned(node: ast.stmt) -> set[str]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    return {target.id for target in targets if isinstance(target, ast.Name)}


def _decorators(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.decorator_list
    return []
