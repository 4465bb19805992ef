"""Figures a cell saves to a file (``plt.savefig("loss.png")``, ``fig.savefig(path)``).

A figure the notebook saves is a figure of its run: the package draws it in ``figures.py``
and a tracked run logs it as an artifact under the file's name, as it logs every figure; the
step keeps only the work. Only when a later packaged cell reads the file back does the cell
stay a step that writes it (nb2pkg.plan.read_back_figures).

Other image writers (``plt.imsave`` of an array, plotly's ``write_image``/``write_html``)
write a file that is no matplotlib figure of the run: their cells keep writing it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

SAVING_METHOD = "savefig"
"""matplotlib's ``Figure.savefig`` and ``pyplot.savefig``."""
_PATH_KEYWORD = "fname"


def saving_calls(nodes: Iterable[ast.AST]) -> list[ast.Call]:
    """The ``….savefig(…)`` calls among ``nodes``."""
    return [
        node
        for node in nodes
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == SAVING_METHOD
    ]


def saved_path(call: ast.Call) -> str:
    """The path literal a ``savefig`` call writes to (``""`` when it is computed)."""
    argument = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == _PATH_KEYWORD:
            argument = keyword.value
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    return ""


def saved_paths(tree: ast.AST) -> list[str]:
    """The path of each figure ``tree`` saves, in source order (``""``: a computed path)."""
    calls = saving_calls(ast.walk(tree))
    calls.sort(key=lambda c: (c.lineno, c.col_offset))
    return [saved_path(call) for call in calls]


def is_saving_statement(statement: ast.stmt) -> bool:
    """``plt.savefig(…)`` or ``fig.savefig(…)`` as a statement of its own."""
    return isinstance(statement, ast.Expr) and bool(saving_calls([statement.value]))


def artifact_name(path: str) -> str:
    """The file name a saved figure is logged under: the notebook's (``figures/05_01.png`` →
    ``05_01.png``); "" when the path is computed or names no image file."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = name.rpartition(".")
    if not stem or not dot or suffix.lower() not in _IMAGE_SUFFIXES:
        return ""
    return name


_IMAGE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "svg", "pdf", "eps", "ps", "tif", "tiff"})
"""What ``savefig`` writes (the format follows the suffix); MLflow's ``log_figure`` too."""


def without_saving(tree: ast.Module) -> ast.Module:
    """``tree`` without its ``savefig`` statements, at any depth (a block left empty gets a
    ``pass``): what drawing the figure reads."""
    return _NoSaving().visit(tree)  # type: ignore[no-any-return]


class _NoSaving(ast.NodeTransformer):
    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                kept = [s for s in block if not is_saving_statement(s)]
                if not kept and not isinstance(node, ast.Module) and field == "body":
                    kept = [ast.Pass()]
                setattr(node, field, kept)
        return node
