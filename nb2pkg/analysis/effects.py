"""Effects a cell leaves behind besides the names it binds: files written, global state changed.

A cell left out of the package must not change what packaged cells compute. Two kinds of
effect do, though the cell binds nothing they read:

* **files**: ``savefig``, ``to_csv``, ``np.save``… write a file a later cell may read;
* **global state**: a draw from the global random generator (``np.random.rand``,
  ``random.shuffle``, ``df.sample()`` without ``random_state``) shifts every later draw; a
  seed resets it; ``pd.set_option`` (other than ``display.*``) changes how pandas computes.

Both the auto-marker (such a cell is never skipped) and the planner (a skipped one is named
in a warning) use these rules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from nb2pkg.analysis.ast_nodes import all_nodes

FILE_WRITERS = frozenset(
    {
        "savefig",
        "imsave",
        "to_csv",
        "to_excel",
        "to_parquet",
        "to_pickle",
        "to_json",
        "to_feather",
        "to_hdf",
        "to_html",
        "to_latex",
        "to_stata",
        "to_markdown",
        "to_file",
        "tofile",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "dump",
        "write_text",
        "write_bytes",
        "write_image",
        "write_html",
    }
)
"""Calls that write a file (``df.to_csv("out.csv")``, ``np.save``, ``joblib.dump``)."""

_RANDOM_MODULES = ("np.random.", "numpy.random.", "random.", "torch.", "tf.random.")
_NOT_GLOBAL_RANDOM = frozenset(
    {
        "default_rng",
        "RandomState",
        "Generator",
        "SeedSequence",
        "PCG64",
        "MT19937",
        "Random",
        "SystemRandom",
        "getstate",
        "get_state",
    }
)
_TORCH_RANDOM = frozenset({"manual_seed", "rand", "randn", "randint", "randperm", "normal"})
_OPTION_SETTERS = frozenset({"pd.set_option", "pandas.set_option", "np.seterr", "numpy.seterr"})


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def file_writes(tree: ast.AST) -> list[tuple[str, int, str]]:
    """(call, line, path literal or "") of each call that writes a file."""
    return file_writes_among(ast.walk(tree))


def file_writes_among(nodes: Iterable[ast.AST]) -> list[tuple[str, int, str]]:
    """``file_writes`` of the tree whose nodes, in ``ast.walk`` order, are ``nodes``."""
    found: list[tuple[str, int, str]] = []
    for call in _calls(nodes):
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in FILE_WRITERS:
            paths = [
                a.value
                for a in (*call.args, *(k.value for k in call.keywords))
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            found.append((dotted(func) or name, call.lineno, paths[0] if paths else ""))
    return found


def global_state_changes(tree: ast.AST) -> list[tuple[str, int]]:
    """(what, line) of each use of the global random generator or of a computing option."""
    return global_state_changes_among(all_nodes(tree))


def global_state_changes_among(nodes: list[ast.AST]) -> list[tuple[str, int]]:
    """``global_state_changes`` of the tree whose nodes, in ``ast.walk`` order, are ``nodes``."""
    found: list[tuple[str, int]] = []
    for call in _calls(nodes):
        name = dotted(call.func)
        if is_global_random(name):
            found.append((name, call.lineno))
        elif (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "sample"
            and not name.startswith("random.")
            and not any(k.arg == "random_state" for k in call.keywords)
        ):
            found.append((f"{name or '.sample'}() without random_state", call.lineno))
        elif name in _OPTION_SETTERS and not _display_option(call):
            found.append((name, call.lineno))
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                name = dotted(target)
                if name.startswith(("pd.options.", "pandas.options.")) and ".display." not in (
                    name + "."
                ):
                    found.append((name, node.lineno))
    return sorted(found, key=lambda item: item[1])


def is_global_random(name: str) -> bool:
    """Whether a call of ``name`` (dotted) draws from or seeds a global random generator."""
    if not name.startswith(_RANDOM_MODULES):
        return False
    last = name.rsplit(".", 1)[-1]
    if name.startswith("torch."):
        return last in _TORCH_RANDOM
    if name.startswith("random.") and name.count(".") != 1:
        return False
    return last not in _NOT_GLOBAL_RANDOM and not last[:1].isupper()


def _display_option(call: ast.Call) -> bool:
    first = call.args[0] if call.args else None
    return (
        isinstance(first, ast.Constant)
        and isinstance(first.value, str)
        and first.value.startswith("display.")
    )


def _calls(nodes: Iterable[ast.AST]) -> list[ast.Call]:
    return [node for node in nodes if isinstance(node, ast.Call)]
