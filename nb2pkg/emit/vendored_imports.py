"""The notebooks' own modules, as copied into the package: their imports of one another
(``from homemade.utils import normalize``) name the copies (``from pkg.homemade.utils import
normalize``), since the originals are not installed where the package runs.

Relative imports need nothing; an import sharing its line with other code (``import a; x = 1``)
is left as written.
"""

from __future__ import annotations

import ast
from collections.abc import Set


def vendored_source(source: str, package: str, local: Set[str]) -> str:
    """``source`` with its absolute imports of the ``local`` top-level modules moved under
    ``package``; returned as it is when it does not parse or imports none of them."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        replacement = _moved(node, package, local)
        if replacement is None or not _alone_on_its_lines(node, lines):
            continue
        indent = lines[node.lineno - 1][: node.col_offset]
        text = "".join(f"{indent}{ast.unparse(n)}\n" for n in replacement)
        edits.append((node.lineno - 1, node.end_lineno or node.lineno, text))
    for start, end, text in sorted(edits, reverse=True):
        lines[start:end] = [text]
    return "".join(lines)


def _moved(
    node: ast.Import | ast.ImportFrom, package: str, local: Set[str]
) -> list[ast.stmt] | None:
    if isinstance(node, ast.ImportFrom):
        if node.level or not node.module or node.module.split(".")[0] not in local:
            return None
        return [ast.ImportFrom(f"{package}.{node.module}", node.names, 0)]
    if not any(alias.name.split(".")[0] in local for alias in node.names):
        return None
    statements: list[ast.stmt] = []
    for alias in node.names:
        root = alias.name.split(".")[0]
        if root not in local:
            statements.append(ast.Import([alias]))
        elif alias.asname is not None and "." in alias.name:
            statements.append(ast.Import([ast.alias(f"{package}.{alias.name}", alias.asname)]))
        else:
            if "." in alias.name:  # `import homemade.utils`: load the submodule, bind homemade
                statements.append(ast.Import([ast.alias(f"{package}.{alias.name}")]))
            statements.append(ast.ImportFrom(package, [ast.alias(root, alias.asname)], 0))
    return statements


def _alone_on_its_lines(node: ast.stmt, lines: list[str]) -> bool:
    first = lines[node.lineno - 1]
    last = lines[(node.end_lineno or node.lineno) - 1]
    before = first[: node.col_offset]
    after = last.encode("utf-8")[node.end_col_offset or 0 :].decode("utf-8", "replace").strip()
    return not before.strip() and (not after or after.startswith("#"))
