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


_GLOBAL_STATE_WORDS = ("random", "torch", "sample", "set_option", "seterr", "options")
"""A word each of the names ``global_state_changes`` looks for holds: the random modules'
(``np.random.``, ``torch.``…), ``.sample``, the option setters' and ``pd.options.``."""
_FILE_WRITER_WORDS = ("save", "to_", "tofile", "dump", "write_")
"""A word each of ``FILE_WRITERS`` holds."""


def may_write_files(source: str) -> bool:
    """False when no call in ``source`` (a cell's Python) can be a ``FILE_WRITERS`` call: the
    text holds none of their words (an identifier is written as ``ast`` holds it when the
    text is ASCII; other text may spell it in other Unicode forms)."""
    return not source.isascii() or any(word in source for word in _FILE_WRITER_WORDS)


def may_change_global_state(source: str) -> bool:
    """False when ``global_state_changes`` of ``source`` (a cell's Python) is surely empty:
    the text holds none of ``_GLOBAL_STATE_WORDS`` (see ``may_write_files``)."""
    return not source.isascii() or any(word in source for word in _GLOBAL_STATE_WORDS)


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


_FAMILIES = (
    ("np.random.", "numpy"),
    ("numpy.random.", "numpy"),
    ("random.", "random"),
    ("torch.", "torch"),
    ("tf.random.", "tensorflow"),
)
_SEEDS = frozenset({"seed", "manual_seed", "set_seed"})


def family_of(what: str) -> str | None:
    """The generator a global-state change uses (``numpy``, ``random``, ``torch``,
    ``tensorflow``), None for a computing option."""
    if what.endswith("without random_state"):
        return "numpy"
    return next((family for prefix, family in _FAMILIES if what.startswith(prefix)), None)


def is_seed(what: str) -> bool:
    """A global-state change that seeds its generator (``np.random.seed``, ``torch.manual_seed``)."""
    return what.rsplit(".", 1)[-1] in _SEEDS


def _display_option(call: ast.Call) -> bool:
    first = call.args[0] if call.args else None
    return (
        isinstance(first, ast.Constant)
        and isinstance(first.value, str)
        and first.value.startswith("display.")
    )


def _calls(nodes: Iterable[ast.AST]) -> list[ast.Call]:
    return [node for node in nodes if isinstance(node, ast.Call)]
