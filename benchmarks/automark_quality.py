"""How reviewable the functions of `nb2pkg build --auto` are, over real notebooks.

Usage:
    PYTHONPATH=/path/to/nb2pkg python benchmarks/automark_quality.py NB.ipynb [NB.ipynb ...]

Each notebook is copied alone into a fresh folder and built with ``python -m nb2pkg build NB
--auto -o OUT`` (the nb2pkg that PYTHONPATH selects, so two checkouts compare in one sitting).
Printed counts, over the generated step functions:

* functions whose body (without docstring and blank lines) is over 40 lines;
* names generated from ``step`` (``step``, ``step_2``, ``x_step``, ``step_x``);
* names that shadow a builtin or an importable module (``numpy``, ``list``);
* functions that return nothing;
* module or package names over 30 characters;
* notebooks that build (exit code 0).
"""

from __future__ import annotations

import argparse
import ast
import builtins
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LONG_BODY = 40
LONG_NAME = 30
_STEP_NAME = re.compile(r"^(step(_\w+)?|\w+_step(_\d+)?)$")
_COMMON_MODULES = frozenset(
    {"numpy", "scipy", "pandas", "sklearn", "matplotlib", "seaborn", "statsmodels", "torch"}
    | {"tensorflow", "keras", "plotly", "requests", "nltk", "sympy", "bokeh", "xgboost"}
)
_NOT_STEPS = frozenset({"pipeline", "tracking", "__init__", "__main__", "_build", "steps_io"})


@dataclass
class Counts:
    notebooks: int = 0
    built: int = 0
    functions: int = 0
    long_bodies: int = 0
    step_names: int = 0
    shadowing: int = 0
    return_nothing: int = 0
    long_module_names: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, kind: str, text: str) -> None:
        self.examples.setdefault(kind, []).append(text)


def body_lines(function: ast.FunctionDef, source_lines: list[str]) -> int:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body:
        return 0
    start, end = body[0].lineno, function.end_lineno or body[-1].lineno
    return sum(1 for line in source_lines[start - 1 : end] if line.strip())


def returns_value(function: ast.FunctionDef) -> bool:
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return False


def shadows(name: str) -> bool:
    return name in dir(builtins) or name in sys.stdlib_module_names or name in _COMMON_MODULES


def measure(notebook: Path, counts: Counts) -> None:
    counts.notebooks += 1
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        copy = folder / notebook.name
        shutil.copyfile(notebook, copy)
        result = subprocess.run(
            [sys.executable, "-m", "nb2pkg", "build", copy.name, "--auto", "-o", "out"],
            cwd=folder,
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            counts.note("failed", f"{notebook.name}: {result.stderr.strip()[-200:]}")
            return
        counts.built += 1
        for package in (folder / "out" / "src").iterdir():
            if len(package.name) > LONG_NAME:
                counts.long_module_names += 1
                counts.note("long name", package.name)
            for module in package.glob("*.py"):
                if module.stem in _NOT_STEPS:
                    continue
                if len(module.stem) > LONG_NAME and module.stem != package.name:
                    counts.long_module_names += 1
                    counts.note("long name", module.stem)
                _measure_module(module, f"{notebook.name}", counts)


def _measure_module(module: Path, where: str, counts: Counts) -> None:
    text = module.read_text(encoding="utf-8")
    lines = text.splitlines()
    for node in ast.parse(text).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        counts.functions += 1
        size = body_lines(node, lines)
        if size > LONG_BODY:
            counts.long_bodies += 1
            counts.note("long", f"{where}: {node.name} ({size} lines)")
        if _STEP_NAME.match(node.name):
            counts.step_names += 1
            counts.note("step", f"{where}: {node.name}")
        if shadows(node.name):
            counts.shadowing += 1
            counts.note("shadow", f"{where}: {node.name}")
        if not returns_value(node):
            counts.return_nothing += 1
            counts.note("nothing", f"{where}: {node.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--examples", action="store_true", help="list what each count found")
    args = parser.parse_args(argv)
    counts = Counts()
    for notebook in args.notebooks:
        measure(notebook, counts)
    print(f"notebooks            {counts.notebooks}")
    print(f"built                {counts.built}")
    print(f"step functions       {counts.functions}")
    print(f"over {LONG_BODY} body lines    {counts.long_bodies}")
    print(f"named from `step`    {counts.step_names}")
    print(f"shadowing names      {counts.shadowing}")
    print(f"returning nothing    {counts.return_nothing}")
    print(f"names over {LONG_NAME} chars  {counts.long_module_names}")
    if args.examples:
        for kind, texts in counts.examples.items():
            print(f"\n{kind}:")
            for text in texts:
                print(f"  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
