"""What a reviewer finds inside generated step functions, over a folder of real notebooks.

    python benchmarks/generated_code_quality.py DIR [DIR…] [--limit N] [--run-tests]

Builds every notebook under the folders with ``nb2pkg build NB --auto -o OUT``, each in a
pristine copy of its folder, with whichever nb2pkg ``python -m nb2pkg`` imports (set PYTHONPATH
to compare two checkouts), then counts in the generated step functions: plotting statements,
``print`` calls, statements that set display/warning options or seed a global generator,
figure/axes values returned, functions whose body is over 40 lines (apart: ``long_one_cell``,
made from one cell that is that long), functions that return nothing (apart:
``returning_nothing_<effect>``, those that write a file, change an input, print (kept or
unpacking), raise, log a figure or draw from the global random generator), names from ``step``
(functions the notebook itself defines are not steps: they are counted apart, with the prints
in them, and so are prints and plotting calls in a function a step defines,
``user_function_prints`` and ``user_function_plots``; ``hoisted_helpers``: those of them a
step's cell defined and nb2pkg moved beside the step); over the whole package: ruff
violations (``ruff check`` and ``ruff format --check`` with default settings, also broken down
by rule, ``format`` for a file ruff would reformat), distributions listed as dependencies that
no generated module imports (``matplotlib``, ``seaborn``); and with ``--run-tests``, packages
whose pipeline runs (``run(track=False)`` beside the notebook's files) and, of those with
tests, whose tests pass (``pytest`` from the package folder).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import tomllib

PLOT_ROOTS = ("plt", "sns", "pylab", "px")
PLOT_METHODS = frozenset(
    {
        "plot",
        "hist",
        "boxplot",
        "scatter",
        "imshow",
        "bar",
        "barh",
        "set_title",
        "set_xlabel",
        "set_ylabel",
        "legend",
        "show",
        "subplots",
        "figure",
        "tight_layout",
        "colorbar",
    }
)
STATE_CALLS = frozenset(
    {
        "np.random.seed",
        "random.seed",
        "pd.set_option",
        "np.set_printoptions",
        "plt.rc",
        "plt.style.use",
        "sns.set",
        "sns.set_style",
        "warnings.filterwarnings",
        "warnings.simplefilter",
        "torch.manual_seed",
    }
)
PLOTTING_DISTRIBUTIONS = frozenset({"matplotlib", "seaborn", "plotly"})
FILE_CALLS = frozenset(
    {
        "to_csv",
        "to_excel",
        "to_json",
        "to_parquet",
        "to_pickle",
        "to_hdf",
        "to_sql",
        "to_feather",
        "savefig",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "dump",
        "write",
        "write_text",
        "write_bytes",
        "writelines",
        "remove",
        "unlink",
        "makedirs",
        "mkdir",
        "rmtree",
        "rename",
        "urlretrieve",
        "system",
    }
)
"""Calls that write, move or delete files: a step made of them has done its work."""
LONG_BODY = 40
STEP_NAME = re.compile(r"^(step(_\w+)?|\w+_step(_\d+)?)$")


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def _draws_figure(call: ast.Call) -> bool:
    """``plt.subplots()``, ``sns.pairplot(…)``, ``df.plot()``: a call that makes a figure or axes."""
    name = dotted(call.func)
    return name.split(".")[0] in PLOT_ROOTS or (
        isinstance(call.func, ast.Attribute) and call.func.attr in PLOT_METHODS
    )


def body_lines(function: ast.FunctionDef, lines: list[str]) -> int:
    """Non-blank lines of the body, without the docstring."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        return 0
    start, end = body[0].lineno, body[-1].end_lineno or body[-1].lineno
    return sum(1 for line in lines[start - 1 : end] if line.strip())


def returns_value(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(node, ast.Return) and node.value is not None for node in ast.walk(function)
    )


def effect_of(function: ast.FunctionDef, figures: set[str]) -> str | None:
    """What a step that returns nothing does that a caller can observe, or None (a defect:
    the step computes for nothing). Nested ``def``s and ``class``es are not looked into."""
    if function.name in figures:
        return "figure"  # figures.py draws it in a tracked run, logged as an artifact
    params = {a.arg for a in function.args.args + function.args.kwonlyargs}
    found: list[str] = []
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        pending.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Raise):
            found.append("raises")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            if any(not isinstance(t, ast.Name) and _root(t) in params for t in targets):
                found.append("changes_input")
        elif isinstance(node, ast.Call):
            name = dotted(node.func)
            attr = node.func.attr if isinstance(node.func, ast.Attribute) else name
            if attr in FILE_CALLS or (name == "open" and len(node.args) > 1):
                found.append("writes_file")
            elif name == "print":
                found.append("prints")
            elif ".random." in f".{name}" or name.startswith("random."):
                found.append("random_draws")
            elif _changes_input(node, name, params):
                found.append("changes_input")
    order = ("writes_file", "changes_input", "prints", "raises", "random_draws")
    return next((kind for kind in order if kind in found), None)


def _changes_input(call: ast.Call, name: str, params: set[str]) -> bool:
    """``df.fillna(0, inplace=True)``, ``next(rows)``: a call on one of the step's inputs."""
    if isinstance(call.func, ast.Attribute) and _root(call.func.value) in params:
        return True
    return name in ("next", "setattr") and bool(call.args) and _root(call.args[0]) in params


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def pipeline_steps(package: Path) -> set[str]:
    """The step names ``pipeline.py`` lists (``STEP_CELLS``)."""
    pipeline = package / "pipeline.py"
    if not pipeline.is_file():
        return set()
    for node in ast.parse(pipeline.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and "STEP_CELLS" in {t.id for t in ast.walk(node) if isinstance(t, ast.Name)}
            and isinstance(node.value, ast.Dict)
        ):
            return {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    return set()


def step_counts(
    module: Path,
    examples: dict[str, list[str]] | None = None,
    steps: set[str] | None = None,
    figure_steps: set[str] | None = None,
    long_cells: set[str] | None = None,
    helpers: set[str] | None = None,
) -> Counter[str]:
    """Counts over the step functions of ``module`` (every function when ``steps`` is None);
    the notebook's own functions count as ``user_functions`` and ``user_function_prints``.

    A step that returns nothing counts as ``returning_nothing`` (a defect: it computes for
    nothing) or, when it does something a caller observes, as ``returning_nothing_<effect>``
    (``writes_file``, ``changes_input``, ``prints`` (kept or unpacking), ``figure``,
    ``raises``, ``random_draws``: draws from the global generator, so later steps draw what
    the notebook drew). A long
    function is ``long_functions`` (cells merged past the limit) or ``long_one_cell`` when
    the one cell it is made of is that long (``long_cells``: function names). Of the user's
    functions, those a step's cell defined for the step and nb2pkg moved beside it
    (``helpers``) also count as ``hoisted_helpers``."""
    counts: Counter[str] = Counter()
    text = module.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        if steps is not None and function.name not in steps:
            counts["user_functions"] += 1
            counts["hoisted_helpers"] += function.name in (helpers or set())
            counts["user_function_prints"] += sum(
                isinstance(n, ast.Call) and dotted(n.func) == "print" for n in ast.walk(function)
            )
            continue
        counts["functions"] += 1
        where = f"{module.name}:{function.lineno} {function.name}"
        long = body_lines(function, lines) > LONG_BODY
        nothing = not returns_value(function)
        effect = effect_of(function, figure_steps or set()) if nothing else None
        long_cells = long_cells or set()
        for kind, found in (
            ("long_functions", long and function.name not in long_cells),
            ("long_one_cell", long and function.name in long_cells),
            ("returning_nothing", nothing and effect is None),
            (f"returning_nothing_{effect}", nothing and effect is not None),
            ("step_names", bool(STEP_NAME.match(function.name))),
        ):
            if found:
                counts[kind] += 1
                if examples is not None:
                    examples.setdefault(kind, []).append(where)
        figures = {
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _draws_figure(node.value)
            for target in ast.walk(node.targets[0])
            if isinstance(target, ast.Name)
        }
        nested = {
            id(call)
            for inner in ast.walk(function)
            if inner is not function and isinstance(inner, ast.FunctionDef | ast.ClassDef)
            for call in ast.walk(inner)
        }
        for node in ast.walk(function):
            if isinstance(node, ast.Return) and node.value is not None:
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                counts["figure_outputs"] += sum(
                    isinstance(v, ast.Name) and v.id in figures for v in values
                )
            if not isinstance(node, ast.Call):
                continue
            name = dotted(node.func)
            if name == "print" and id(node) in nested:
                # in a function the cell defines (the user's own code, kept as written)
                counts["user_function_prints"] += 1
            elif name == "print":
                counts["prints"] += 1
                if examples is not None:
                    examples.setdefault("prints", []).append(f"{module.name}:{node.lineno}")
            elif name in STATE_CALLS or name.startswith("plt.rcParams"):
                counts["process_state"] += 1
            elif (
                name.split(".")[0] in PLOT_ROOTS
                or (isinstance(node.func, ast.Attribute) and node.func.attr in PLOT_METHODS)
            ) and id(node) in nested:
                # drawing in a function the cell defines, among the work it does with the
                # values it computes: not separable from it without changing what it returns
                counts["user_function_plots"] += 1
            elif name.split(".")[0] in PLOT_ROOTS or (
                isinstance(node.func, ast.Attribute) and node.func.attr in PLOT_METHODS
            ):
                counts["plot_statements"] += 1
                if examples is not None:
                    examples.setdefault("plot_statements", []).append(
                        f"{module.name}:{node.lineno} {function.name}"
                    )
    return counts


def _function_names(module: Path) -> set[str]:
    if not module.is_file():
        return set()
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def _defined_in_spans(out: Path) -> list[tuple[int, int, int, list[str]]]:
    """Each cell's block in the generated modules: (lines from, to, cell number, the names of
    the functions it defines at the left margin, in order)."""
    manifest = json.loads((out / ".nb2pkg" / "manifest.json").read_text(encoding="utf-8"))
    found: list[tuple[int, int, int, list[str]]] = []
    for module, spans in manifest.get("source_map", {}).items():
        text = (out / module).read_text(encoding="utf-8").splitlines()
        for start, end, _, _, number in spans:
            defined = [
                line.split("(")[0].split()[-1]
                for line in text[start - 1 : end]
                if line.startswith(("def ", "async def "))
            ]
            found.append((start, end, number, defined))
    return found


def hoisted_helpers(out: Path, steps: set[str]) -> set[str]:
    """The functions a step's cell defines for the step, moved beside it at module level
    (nb2pkg.emit.helper_defs): the user's own code, as written, counted apart from steps."""
    return {
        name
        for _, _, _, defined in _defined_in_spans(out)
        if steps & set(defined)
        for name in defined
        if name not in steps
    }


def _one_long_cell(out: Path, notebook: Path, steps: set[str]) -> set[str]:
    """Steps made from one notebook cell whose code, formatted as ruff formats it, is over
    ``LONG_BODY`` lines: the issue allows those ("unless one cell is that long"). A function
    of several merged cells starts with its first cell, which is shorter. (The step is the
    function of the cell's block that ``steps`` lists: its helpers may stand above it.)"""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    ruff = Path(sys.executable).with_name("ruff")
    found: set[str] = set()
    for start, end, number, defined in _defined_in_spans(out):
        names = [name for name in defined if name in steps]
        if end - start < LONG_BODY or not names or not 0 < number <= len(cells):
            continue
        source = cells[number - 1].get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        # formatted as a function body, where ruff breaks lines 4 columns earlier
        code = "def cell():\n" + "\n".join(
            "    " + ("pass" if line.lstrip().startswith(("%", "!")) else line)
            for line in [*source.splitlines(), "pass"]
        )
        formatted = subprocess.run(
            [str(ruff), "format", "--isolated", "--no-cache", "-"],
            input=code,
            capture_output=True,
            text=True,
            check=False,
        )
        shown = formatted.stdout if formatted.returncode == 0 else code
        body = [line for line in shown.splitlines()[1:] if line.strip() not in ("", "pass")]
        if len(body) > LONG_BODY:
            found.add(names[0])
    return found


def ruff_violations(package: Path) -> Counter[str]:
    """Violations by rule (``format``: a file ruff would reformat)."""
    ruff = Path(sys.executable).with_name("ruff")
    checked = subprocess.run(
        [str(ruff), "check", "--isolated", "--no-cache", "--output-format", "json", "."],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    rules: Counter[str] = Counter(str(v["code"]) for v in json.loads(checked.stdout or "[]"))
    formatted = subprocess.run(
        [str(ruff), "format", "--check", "--isolated", "--no-cache", "."],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    rules["format"] += sum(
        1 for line in formatted.stdout.splitlines() if line.startswith("Would reformat")
    )
    return +rules


def unused_plot_dependencies(package: Path) -> int:
    project = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    names = {
        d.split("[")[0].split(">")[0].split("<")[0].split("=")[0].split("!")[0].strip().lower()
        for d in project["project"].get("dependencies", [])
    }
    imported: set[str] = set()
    for module in (package / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    return len((names & PLOTTING_DISTRIBUTIONS) - imported)


def measure(
    notebook: Path,
    work: Path,
    run_tests: bool,
    rules: Counter[str],
    examples: dict[str, list[str]],
) -> Counter[str] | None:
    copy = work / "nb"
    shutil.copytree(notebook.parent, copy, ignore=shutil.ignore_patterns("*.ipynb_checkpoints"))
    out = work / "out"
    built = subprocess.run(
        [sys.executable, "-m", "nb2pkg", "build", notebook.name, "--auto", "-o", str(out)],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if built.returncode != 0:
        return None
    counts: Counter[str] = Counter(built=1)
    package = next((out / "src").iterdir())
    steps = pipeline_steps(package)
    figures = _function_names(package / "figures.py")
    long_cells = _one_long_cell(out, notebook, steps)
    helpers = hoisted_helpers(out, steps)
    for module in package.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        if "\n# nb2pkg: " not in text:
            continue  # generated infrastructure, or a helper module copied as it is
        if module.name == "figures.py":  # drawn only by a tracked run, outside the steps
            counts["figure_functions"] += step_counts(module)["functions"]
        else:
            found: dict[str, list[str]] = {}
            counts += step_counts(module, found, steps, figures, long_cells, helpers)
            for kind, where in found.items():
                examples.setdefault(kind, []).extend(f"{notebook.name} {w}" for w in where)
    violations = ruff_violations(out)
    rules.update(violations)
    counts["ruff_violations"] = violations.total()
    counts["unused_plot_dependencies"] = unused_plot_dependencies(out)
    if run_tests:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{work / 'mlflow.db'}"
        ran = subprocess.run(
            [sys.executable, "-c", f"import {package.name}; {package.name}.run(track=False)"],
            cwd=copy,
            env={**env, "PYTHONPATH": str(out / "src"), "MPLBACKEND": "Agg"},
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        counts["pipeline_runs"] = int(ran.returncode == 0)
        if (out / "tests").is_dir():
            counts["with_tests"] = 1
            tested = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
                cwd=out,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=900,
            )
            counts["tests_pass"] = int(tested.returncode == 0)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="at most this many notebooks")
    parser.add_argument("--run-tests", action="store_true")
    parser.add_argument("--json", type=Path, help="write the per-notebook counts here")
    parser.add_argument("--examples", action="store_true", help="list where each count is")
    args = parser.parse_args()
    notebooks = sorted(
        nb
        for folder in args.folders
        for nb in folder.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in nb.parts
    )
    if args.limit:
        notebooks = notebooks[: args.limit]
    total: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    rows: dict[str, dict[str, int]] = {}
    for notebook in notebooks:
        with tempfile.TemporaryDirectory() as work:
            counts = measure(notebook, Path(work), args.run_tests, rules, examples)
        total["notebooks"] += 1
        if counts is not None:
            total += counts
            rows[str(notebook)] = dict(counts)
        print(f"{notebook.name}: {dict(counts) if counts else 'build failed'}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, sort_keys=True), encoding="utf-8")
    if args.examples:
        for kind, where in sorted(examples.items()):
            print(f"\n{kind}:", *where, sep="\n  ")
    print("\nruff rules:", ", ".join(f"{k} {v}" for k, v in rules.most_common()))
    print("\ntotal:", ", ".join(f"{k} {v}" for k, v in sorted(total.items())))


if __name__ == "__main__":
    main()
