"""IPython syntax → plain Python, with a record of what was kept, dropped or refused.

IPython's own ``TransformerManager`` turns magics, ``!shell`` and ``?help`` into calls such as
``get_ipython().run_line_magic('time', 'x = f()')``. We then find those calls with ``ast`` and
apply the policy of DESIGN.md "Conversion semantics":

* ``%time STMT`` → ``STMT``; ``%%time``, ``%%capture``, ``%%prun`` → their body (IPython runs
  them in the user namespace, so their assignments bind);
* ``%timeit STMT`` and ``%%timeit`` → dropped: IPython runs the code inside a private function,
  so nothing it assigns is bound in the notebook;
* ``%pylab`` → the imports it runs (``pylab_imports``);
* ``%pip install X`` / ``!pip install X`` → X joins the package's dependencies;
* other line magics, ``!shell`` and ``?help`` → dropped (the caller warns, naming each);
* other cell magics, and ``x = !cmd`` → unsupported (an error in a packaged cell).
"""

from __future__ import annotations

import ast
import functools
import shlex
from dataclasses import dataclass, replace
from typing import Any

from nb2pkg.ir import MagicUse

_UNWRAPPED_CELL_MAGICS = frozenset({"time", "capture", "prun"})
_TIMING_MAGICS = frozenset({"timeit"})
"""Magics that time their code in a function of their own: it binds nothing in the notebook."""
_HELP_MAGICS = frozenset({"pinfo", "pinfo2", "psearch"})
_PIP_OPTIONS_WITH_VALUE = frozenset(
    {
        "-r",
        "--requirement",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-c",
        "--constraint",
        "-f",
        "--find-links",
        "--target",
        "-t",
        "--prefix",
        "--python",
    }
)


@dataclass(frozen=True)
class PythonSource:
    source: str
    line_offset: int
    """Line L of ``source`` is line L + line_offset of the cell (a cell magic's first line)."""
    magics: tuple[MagicUse, ...]
    pip_requirements: tuple[str, ...]


def has_ipython_syntax(source: str) -> bool:
    """A quick, conservative pre-check: False means the cell is certainly plain Python."""
    first = source.lstrip("\r\n")[:1]
    if first in (" ", "\t"):
        return True  # IPython strips the first line's indentation from every line
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped[:1] in ("%", "!", "?") or stripped.endswith("?"):
            return True
        if "=" in stripped and ("!" in stripped or "%" in stripped):
            return True
    return False


@functools.lru_cache(maxsize=4096)
def to_python(source: str) -> PythonSource:
    """Translate one cell's source. Never raises: syntax errors surface when the result is parsed."""
    if not has_ipython_syntax(source):
        return PythonSource(source, 0, (), ())
    lines = source.splitlines(keepends=True)
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if blank:
        # IPython drops leading blank lines; keep them so lines still count from the cell's top.
        inner = to_python("".join(lines[blank:]))
        return PythonSource(
            "\n" * blank + inner.source,
            inner.line_offset,
            tuple(replace(m, line=m.line + blank) for m in inner.magics),
            inner.pip_requirements,
        )
    try:
        transformed = _transformer().transform_cell(source)
    except (SyntaxError, ValueError):  # IPython's tokenizer on bad indentation, say
        return PythonSource(source, 0, (), ())
    try:
        tree = ast.parse(transformed)
    except SyntaxError:
        # Report the error where it is, not at the first (untransformed) magic line.
        return PythonSource(transformed, 0, (), ())
    body = tree.body
    if len(body) == 1 and (cell_magic := _ipython_call(body[0])) is not None:
        method, args = cell_magic
        if method == "run_cell_magic" and len(args) == 3:
            return _cell_magic(args[0], args[1], args[2])
    return _line_magics(transformed, tree)


def _cell_magic(name: str, line: str, body: str) -> PythonSource:
    if name in _UNWRAPPED_CELL_MAGICS:
        inner = to_python(body)
        use = MagicUse("cell-magic", name, 1, "unwrapped", f"%%{name} {line}".strip())
        # The body starts on the cell's second line: its magics' lines count from there.
        shifted = tuple(replace(m, line=m.line + 1) for m in inner.magics)
        return PythonSource(
            inner.source, inner.line_offset + 1, (use, *shifted), inner.pip_requirements
        )
    action = "dropped" if name in _TIMING_MAGICS else "unsupported"
    use = MagicUse("cell-magic", name, 1, action, f"%%{name} {line}".strip())
    return PythonSource("", 1, (use,), ())


def _line_magics(transformed: str, tree: ast.Module) -> PythonSource:
    lines = transformed.splitlines()
    uses: list[MagicUse] = []
    requirements: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        call = _ipython_call(node)
        if call is None:
            continue
        method, args = call
        first, last = node.lineno, node.end_lineno or node.lineno
        indent = " " * node.col_offset
        replacement = "pass" if node.col_offset else ""
        if method == "run_line_magic" and len(args) == 2:
            name, arg = args
            if name in ("time", "pylab") and isinstance(node, ast.Expr):
                uses.append(MagicUse("line-magic", name, first, "unwrapped", f"%{name} {arg}"))
                replacement = arg if name == "time" else pylab_imports(arg)
            elif name in ("pip", "conda"):
                found = (_pip_requirements(arg) or []) if name == "pip" else []
                requirements.extend(found)
                action = "dependency" if found else "dropped"
                uses.append(MagicUse("pip", name, first, action, f"%{name} {arg}"))
            elif name in _HELP_MAGICS:
                uses.append(MagicUse("help", name, first, "dropped", f"{arg}?"))
            elif isinstance(node, ast.Expr):
                uses.append(
                    MagicUse("line-magic", name, first, "dropped", f"%{name} {arg}".strip())
                )
            else:
                uses.append(MagicUse("line-magic", name, first, "unsupported", f"%{name} {arg}"))
                continue
        elif method == "system" and len(args) == 1:
            shell_pip = _pip_requirements(args[0], from_shell=True)
            if shell_pip is not None:
                requirements.extend(shell_pip)
                uses.append(MagicUse("pip", "pip", first, "dependency", f"!{args[0]}"))
            else:
                uses.append(
                    MagicUse(
                        "shell",
                        args[0].split()[0] if args[0].split() else "",
                        first,
                        "dropped",
                        f"!{args[0]}",
                    )
                )
        elif method == "getoutput" and len(args) == 1:
            uses.append(MagicUse("shell", "getoutput", first, "unsupported", f"!{args[0]}"))
            continue
        else:
            uses.append(MagicUse("line-magic", method, first, "unsupported", ""))
            continue
        lines[first - 1] = indent + replacement if replacement else ""
        for index in range(first, last):
            lines[index] = ""
    uses.sort(key=lambda use: use.line)
    return PythonSource("\n".join(lines) + "\n", 0, tuple(uses), tuple(requirements))


def pylab_imports(arg: str) -> str:
    """The imports ``%pylab`` runs in the notebook, on one line: numpy and pyplot as ``np`` and
    ``plt``, then, unless ``--no-import-all``, every name of ``pylab`` and of ``numpy``."""
    imports = [
        "import numpy",
        "import matplotlib",
        "from matplotlib import pylab, mlab, pyplot",
        "import numpy as np",
        "import matplotlib.pyplot as plt",
    ]
    if "--no-import-all" not in arg.split():
        imports += ["from pylab import *", "from numpy import *"]
    return "; ".join(imports)


def _ipython_call(node: ast.stmt) -> tuple[str, list[str]] | None:
    """``get_ipython().METHOD('a', 'b')`` as a statement or an assignment's value."""
    value: ast.expr | None
    if isinstance(node, (ast.Expr, ast.Assign)):
        value = node.value
    else:
        return None
    if not (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Call)
        and isinstance(value.func.value.func, ast.Name)
        and value.func.value.func.id == "get_ipython"
    ):
        return None
    args = [a.value for a in value.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(args) != len(value.args):
        return None
    return value.func.attr, args


def _pip_requirements(arg: str, *, from_shell: bool = False) -> list[str] | None:
    """The requirements of a ``pip install`` command line; None if it is not one."""
    try:
        words = shlex.split(arg)
    except ValueError:
        return None if from_shell else []
    if from_shell:
        if words[:1] == ["pip"] or words[:1] == ["pip3"]:
            words = words[1:]
        elif len(words) >= 3 and words[0].startswith("python") and words[1:3] == ["-m", "pip"]:
            words = words[3:]
        else:
            return None
    if words[:1] != ["install"]:
        return None if from_shell else []
    from packaging.requirements import InvalidRequirement, Requirement  # (only here: 60 ms)

    found: list[str] = []
    skip_next = False
    for word in words[1:]:
        if skip_next:
            skip_next = False
            continue
        if word.startswith("-"):
            skip_next = word in _PIP_OPTIONS_WITH_VALUE
            continue
        try:
            found.append(str(Requirement(word)))
        except InvalidRequirement:
            continue
    return found


@functools.lru_cache(maxsize=1)
def _transformer() -> Any:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()  # type: ignore[no-untyped-call,unused-ignore]
