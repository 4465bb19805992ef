"""The example notebooks, end to end: build, install into a fresh venv, run, and agree with
the notebook.

For every notebook in ``example_notebooks/``:

1. ``nb2pkg build`` exits 0 and reports no error;
2. the generated package pip-installs into a fresh virtualenv (dependencies included);
3. ``python -m PKG run --no-track`` exits 0 there and leaves no tracking store; ``python -m
   PKG run`` exits 0 and logs into MLflow's local store in the working directory;
4. the tests generated from its ``test`` cells pass under pytest in that venv;
5. the differential check: the notebook is executed top to bottom with nbclient, and the
   value of every name a packaged step returns is captured in the kernel at the end; the
   installed package's ``run(track=False)`` must return the same values.

Which names the differential check compares: the names each ``function:`` cell returns,
according to ``nb2pkg.frontends.api.analyze_path``. The notebook is only observed at its end, so a name
that an unpackaged cell (exploration, ``test``, ``skip``) rebinds or modifies *after* the last
packaged step that produces it no longer holds that step's value there; such names are left out
of the comparison (the test prints them, so the exclusion stays visible). "Modifies" is judged statically:
assignment to the name, to an attribute or item of it, ``del``, and calls of a known mutating
method on it (``x.fit(...)``, ``x.append(...)``, ``inplace=True``...). The test fails if this
leaves nothing to compare.
"""

from __future__ import annotations

import ast
import copy
import pickle
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from nbclient import NotebookClient

if TYPE_CHECKING:
    from conftest import BuildOutcome, FreshVenv

    from nb2pkg.frontends.analysis_result import NotebookAnalysis

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "example_notebooks"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.ipynb"))
Explain = Callable[[subprocess.CompletedProcess[str]], str]
NOTEBOOK_CELL_TIMEOUT_SECONDS = 300

# Methods that change the object they are called on; used to spot unpackaged cells that
# modify a step's output after the step ran.
MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
        "update", "setdefault", "popitem", "add", "discard",
        "fit", "partial_fit", "set_params",
        "drop_duplicates", "fillna", "dropna", "rename", "reset_index", "set_index",
        "sort_values", "sort_index", "replace", "drop",
    }
)  # fmt: skip
# Cell magics whose body IPython runs as ordinary code in the user namespace.
TRANSPARENT_MAGICS = frozenset({"time", "capture"})


def test_there_are_at_least_three_examples() -> None:
    assert len(EXAMPLES) >= 3, [path.name for path in EXAMPLES]


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda path: path.stem)
def example(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


@pytest.fixture(scope="module")
def example_build(
    example: Path,
    build_package: Callable[..., BuildOutcome],
    copy_examples: Callable[[Path], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> BuildOutcome:
    """The example built from a private copy of the examples folder, as its user would."""
    root = tmp_path_factory.mktemp(f"build-{example.stem}")
    workspace = copy_examples(root / "example_notebooks")
    return build_package([workspace / example.name], root / "dist" / example.stem)


@pytest.fixture(scope="module")
def installed_example(
    example_build: BuildOutcome, fresh_venv: FreshVenv, explain_process: Explain
) -> str:
    """The example's package, pip-installed into the session's fresh venv; its import name."""
    assert example_build.ok, example_build.explain()
    installed = fresh_venv.install(example_build.out_dir)
    assert installed.returncode == 0, explain_process(installed)
    return example_build.package


@pytest.mark.slow
def test_example_builds(example: Path, example_build: BuildOutcome) -> None:
    assert example_build.process.returncode == 0, example_build.explain()
    assert example_build.ok, example_build.explain()
    assert example_build.errors() == []
    assert (example_build.out_dir / "pyproject.toml").is_file()
    package_dir = example_build.out_dir / "src" / example_build.package
    assert (package_dir / "pipeline.py").is_file(), sorted(
        str(p.relative_to(example_build.out_dir)) for p in example_build.out_dir.rglob("*")
    )


@pytest.mark.slow
def test_example_installs_and_runs_untracked(
    installed_example: str,
    fresh_venv: FreshVenv,
    examples_workspace: Path,
    explain_process: Explain,
) -> None:
    # Run where the notebook lives, as its user would: data paths are relative to it.
    before = sorted(p.name for p in examples_workspace.iterdir())
    completed = fresh_venv.run_module(
        installed_example, "run", "--no-track", cwd=examples_workspace
    )

    assert completed.returncode == 0, explain_process(completed)
    assert sorted(p.name for p in examples_workspace.iterdir()) == before


@pytest.mark.slow
def test_example_runs_tracked_into_the_local_store(
    installed_example: str,
    fresh_venv: FreshVenv,
    examples_workspace: Path,
    explain_process: Explain,
) -> None:
    # No MLFLOW_TRACKING_URI: MLflow's embedded store in the working directory.
    completed = fresh_venv.run_module(installed_example, "run", cwd=examples_workspace)

    assert completed.returncode == 0, explain_process(completed)
    assert (examples_workspace / "mlflow.db").is_file(), sorted(
        p.name for p in examples_workspace.iterdir()
    )


@pytest.mark.slow
def test_tests_generated_from_test_cells_pass(
    example_build: BuildOutcome,
    installed_example: str,
    fresh_venv: FreshVenv,
    examples_workspace: Path,
    explain_process: Explain,
) -> None:
    with_test_extra = fresh_venv.install(example_build.out_dir, extras="test")
    assert with_test_extra.returncode == 0, explain_process(with_test_extra)
    generated_tests = example_build.out_dir / "tests"

    completed = fresh_venv.run_python(
        "-m", "pytest", generated_tests, "-p", "no:cacheprovider", "-q", cwd=examples_workspace
    )

    assert completed.returncode == 0, explain_process(completed)
    assert " passed" in completed.stdout, explain_process(completed)


@pytest.mark.slow
def test_run_returns_what_the_notebook_computes(
    example: Path,
    installed_example: str,
    fresh_venv: FreshVenv,
    examples_workspace: Path,
    tmp_path: Path,
    explain_process: Explain,
    same_value: Callable[..., None],
) -> None:
    from nb2pkg.frontends.api import analyze_path

    example = examples_workspace / example.name
    plan = analyze_path(example)
    step_outputs = step_outputs_by_cell(plan)
    assert any(step.names for step in step_outputs), f"{example.name}: no step returns anything"
    notebook = nbformat.read(example, as_version=4)
    compared, changed_later = names_to_compare(notebook, step_outputs)
    assert compared, f"every step output is changed by a later unpackaged cell: {changed_later}"
    print(f"comparing {sorted(compared)}; changed later by unpackaged cells: {changed_later}")

    notebook_values = execute_and_capture(
        notebook, example.parent, sorted(compared), tmp_path / "notebook.pkl"
    )
    package_file = tmp_path / "package.pkl"
    called = fresh_venv.call_and_pickle(
        "run(track=False)",
        package_file,
        cwd=examples_workspace,
        imports=f"from {installed_example}.pipeline import run",
    )
    assert called.returncode == 0, explain_process(called)
    package_values = load_pickle(package_file)

    missing = sorted(set(compared) - set(package_values))
    assert missing == [], f"run() does not return {missing}; it returns {sorted(package_values)}"
    for name in sorted(compared):
        same_value(notebook_values[name], package_values[name], where=name)


# The differential check is only as good as its two helpers: show they can tell values apart.


def test_value_comparison_tells_fitted_models_apart(same_value: Callable[..., None]) -> None:
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_wine(return_X_y=True, as_frame=True)
    shuffled = X.copy()
    shuffled["alcohol"] = shuffled["alcohol"].to_numpy()[::-1]

    def forest(features: Any) -> Any:
        return RandomForestClassifier(n_estimators=5, random_state=0).fit(features, y)

    same_value(forest(X), pickle.loads(pickle.dumps(forest(X))), where="model")
    with pytest.raises(AssertionError, match="tree_"):
        same_value(forest(X), forest(shuffled), where="model")
    with pytest.raises(AssertionError, match="alcohol"):
        same_value(X, shuffled, where="X")


def test_changed_names_cover_rebinding_mutation_and_magics() -> None:
    source = (
        "%time model = make()\n"
        "frame['ratio'] = frame.a / frame.b\n"
        "scores.append(1)\n"
        "table.dropna(inplace=True)\n"
        "estimator.fit(X, y)\n"
        "for fold, split in folds: pass\n"
        "def helper():\n"
        "    local = 1\n"
        "print(untouched.head())\n"
    )
    changed = names_changed_by(source)

    assert changed == {"model", "frame", "scores", "table", "estimator", "fold", "split", "helper"}
    assert names_changed_by("%%time\nresult = compute()\n") == {"result"}


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class StepOutputs:
    cell_id: str
    step: str
    names: tuple[str, ...]


def step_outputs_by_cell(plan: NotebookAnalysis) -> list[StepOutputs]:
    """Every packaged step, including those that return nothing (they may mutate inputs)."""
    return [
        StepOutputs(cell.cell_id, str(cell.name), cell.returns)
        for cell in plan.cells
        if cell.role == "function"
    ]


def names_to_compare(
    notebook: nbformat.NotebookNode, steps: list[StepOutputs]
) -> tuple[set[str], dict[str, str]]:
    """Step outputs still holding their packaged value at the end of the notebook.

    Returns the names to compare and, for the others, the id of the unpackaged cell that
    changes them later.
    """
    position = {cell["id"]: index for index, cell in enumerate(notebook.cells)}
    packaged_ids = {step.cell_id for step in steps}
    last_producer: dict[str, int] = {}
    for step in steps:
        for name in step.names:
            last_producer[name] = max(last_producer.get(name, -1), position[step.cell_id])

    changed_later: dict[str, str] = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or cell["id"] in packaged_ids:
            continue
        for name in names_changed_by(cell.source) & set(last_producer):
            if index > last_producer[name]:
                changed_later.setdefault(name, cell["id"])
    return set(last_producer) - set(changed_later), changed_later


def names_changed_by(source: str) -> set[str]:
    """Top-level names a cell binds, rebinds or visibly modifies (IPython syntax allowed)."""
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(source)
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return set()
    collector = _ChangedNames()
    collector.visit(tree)
    return collector.names


class _ChangedNames(ast.NodeVisitor):
    """Collects names changed at notebook (module) scope; does not enter function bodies."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def _target(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                self._target(element)
            return
        root = node
        while isinstance(root, (ast.Attribute, ast.Subscript, ast.Starred)):
            root = root.value
        if isinstance(root, ast.Name):
            self.names.add(root.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._target(target)

    def visit_For(self, node: ast.For) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._target(item.optional_vars)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.names.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.names.add(alias.asname or alias.name)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.names.add(node.name)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.names.add(node.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.names.add(node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Attribute):
            in_place = any(
                keyword.arg == "inplace"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value is True
                for keyword in node.keywords
            )
            if function.attr in MUTATING_METHODS or in_place:
                self._target(function.value)
            if function.attr in {"run_line_magic", "run_cell_magic"}:
                self._magic_body(node)
        self.generic_visit(node)

    def _magic_body(self, node: ast.Call) -> None:
        """``%time x = f()`` / ``%%time`` bodies run in the notebook's namespace."""
        constants = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        if len(constants) < 2 or constants[0] not in TRANSPARENT_MAGICS:
            return
        body = str(constants[-1])
        for line in body.splitlines():
            if line.startswith("-"):  # %timeit -n 3 stmt: options are not code
                return
        self.names |= names_changed_by(body)


def execute_and_capture(
    notebook: nbformat.NotebookNode, folder: Path, names: list[str], result_file: Path
) -> dict[str, Any]:
    """Run the notebook top to bottom in its own folder; pickle ``names`` from the kernel."""
    runnable = copy.deepcopy(notebook)
    capture = (
        "import pickle as _nb2pkg_pickle\n"
        f"with open({str(result_file)!r}, 'wb') as _nb2pkg_handle:\n"
        "    _nb2pkg_pickle.dump(\n"
        f"        {{_name: globals()[_name] for _name in {names!r} if _name in globals()}},\n"
        "        _nb2pkg_handle,\n"
        "    )\n"
    )
    runnable.cells.append(nbformat.v4.new_code_cell(capture))
    NotebookClient(
        runnable,
        timeout=NOTEBOOK_CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    values: dict[str, Any] = load_pickle(result_file)
    unbound = sorted(set(names) - set(values))
    assert unbound == [], f"the notebook never binds {unbound} at top level"
    return values


def load_pickle(path: Path) -> Any:
    with path.open("rb") as handle:
        return pickle.load(handle)


@pytest.mark.slow
def test_the_console_script_runs_the_command_line(
    installed_example: str,
    fresh_venv: FreshVenv,
    examples_workspace: Path,
    explain_process: Explain,
) -> None:
    script = fresh_venv.bin_dir / installed_example.replace("_", "-")
    by_script = subprocess.run(
        [str(script), "graph"],
        cwd=examples_workspace,
        env=fresh_venv.environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=NOTEBOOK_CELL_TIMEOUT_SECONDS,
    )
    by_module = fresh_venv.run_module(installed_example, "graph", cwd=examples_workspace)

    assert by_script.returncode == 0, explain_process(by_script)
    assert by_script.stdout == by_module.stdout
    assert by_script.stdout.strip()
