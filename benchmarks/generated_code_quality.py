"""What a reviewer finds inside generated step functions, over a folder of real notebooks.

    python benchmarks/generated_code_quality.py DIR [DIR…] [--limit N] [--run-tests]

Builds every notebook under the folders with ``nb2pkg build NB --auto -o OUT``, each in a
pristine copy of its folder, with whichever nb2pkg ``python -m nb2pkg`` imports (set
PYTHONPATH to compare two checkouts), then counts in the generated step functions: plotting
statements, ``print`` calls, statements that set display/warning options or seed a global
generator, figure/axes values returned; over the whole package: ruff violations (``ruff
check`` and ``ruff format --check`` with default settings), distributions listed as
dependencies that no generated module imports (``matplotlib``, ``seaborn``); and with
``--run-tests``, packages whose pipeline runs (``run(track=False)`` beside the notebook's
files) and, of those with tests, whose tests pass (``pytest`` from the package folder).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
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


def step_counts(module: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        counts["functions"] += 1
        figures = {
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _draws_figure(node.value)
            for target in ast.walk(node.targets[0])
            if isinstance(target, ast.Name)
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
            if name == "print":
                counts["prints"] += 1
            elif name in STATE_CALLS or name.startswith("plt.rcParams"):
                counts["process_state"] += 1
            elif name.split(".")[0] in PLOT_ROOTS or (
                isinstance(node.func, ast.Attribute) and node.func.attr in PLOT_METHODS
            ):
                counts["plot_statements"] += 1
    return counts


def ruff_violations(package: Path) -> int:
    ruff = Path(sys.executable).with_name("ruff")
    checked = subprocess.run(
        [str(ruff), "check", "--isolated", "--no-cache", "--output-format", "json", "."],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    count = len(json.loads(checked.stdout or "[]"))
    formatted = subprocess.run(
        [str(ruff), "format", "--check", "--isolated", "--no-cache", "."],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    count += sum(1 for line in formatted.stdout.splitlines() if line.startswith("Would reformat"))
    return count


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


def measure(notebook: Path, work: Path, run_tests: bool) -> Counter[str] | None:
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
    for module in package.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        if "\n# nb2pkg: " not in text:
            continue  # generated infrastructure, or a helper module copied as it is
        if module.name == "figures.py":  # drawn only by a tracked run, outside the steps
            counts["figure_functions"] += step_counts(module)["functions"]
        else:
            counts += step_counts(module)
    counts["ruff_violations"] = ruff_violations(out)
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
    rows: dict[str, dict[str, int]] = {}
    for notebook in notebooks:
        with tempfile.TemporaryDirectory() as work:
            counts = measure(notebook, Path(work), args.run_tests)
        total["notebooks"] += 1
        if counts is not None:
            total += counts
            rows[str(notebook)] = dict(counts)
        print(f"{notebook.name}: {dict(counts) if counts else 'build failed'}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, sort_keys=True), encoding="utf-8")
    print("\ntotal:", ", ".join(f"{k} {v}" for k, v in sorted(total.items())))


if __name__ == "__main__":
    main()
