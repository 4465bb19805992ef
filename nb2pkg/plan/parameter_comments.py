"""The comment a data scientist writes after a parameter (``n_estimators = 300  # trees``)."""

from __future__ import annotations

import ast
import io
import tokenize


def trailing_comments(source: str) -> dict[str, str]:
    """Name → the comment on the line where its assignment ends (empty when unreadable)."""
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError, IndentationError):
        return {}
    by_line = {
        token.start[0]: _plain(token.string.lstrip("#"))
        for token in tokens
        if token.type == tokenize.COMMENT
    }
    found: dict[str, str] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        comment = by_line.get(node.end_lineno or node.lineno, "")
        for target in targets:
            if isinstance(target, ast.Name) and comment:
                found[target.id] = comment
    return found


def _plain(comment: str) -> str:
    """One short line of plain text: it lands in a docstring, CLI help and a Markdown table."""
    text = "".join(c if c.isprintable() else " " for c in comment)
    text = " ".join(text.replace("\\", "/").replace('"', "'").replace("|", "/").split())
    return text if len(text) <= 120 else text[:117].rstrip() + "..."
