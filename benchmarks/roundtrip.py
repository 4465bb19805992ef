"""Round trip, judged strictly: does the package built from a notebook end where it ends?

    python benchmarks/roundtrip.py DIR [--cell-timeout S] [--json FILE] [--keep DIR]
                                      [--runs N] [--nb2pkg CHECKOUT]

For every notebook under DIR (checkpoints excluded), in stages:

  build     ``nb2pkg build --auto`` in a child process (static: it never runs the notebook);
  execute   run the notebook with nbclient in a pristine copy of its input folder (the
            top-level folder under DIR that holds it, so ``../data`` is there too), then
            pickle the final value of every name a packaged cell binds and note the files
            it wrote;
  run       run the package's ``run(track=False)`` in another pristine copy of that folder
            (with ``--track``, ``run()`` tracked to an MLflow SQLite store outside the copy:
            the model's and the figures' logging must succeed too);
  compare   judge with ``strict_compare``: every name a packaged cell binds, as the notebook
            ends, must be in ``run()``'s result and equal; every file the notebook wrote must
            be written the same. When something differs, the notebook runs twice more
            (``--runs``): only what its own runs disagree on counts as varying.

Prints one line per notebook (expected / equal / missing / differing / varying /
uncomparable, files, steps returning nothing, the longest generated function), totals per
top-level folder (a repository, when DIR holds several) with the failure classes, and
"N of M strictly reproduced". Whatever a notebook does, the benchmark goes on.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import strict_compare as strict

REPO_ROOT = Path(__file__).resolve().parents[1]
# Guards against a hung child; never used to judge speed.
BUILD_TIMEOUT_SECONDS = 300
RUN_TIMEOUT_SECONDS = 900
_INSERTED = "nb2pkg-roundtrip"


@dataclass
class Outcome:
    notebook: str
    folder: str = ""
    """The top-level folder under DIR (a repository) the notebook belongs to."""
    ok: bool = False
    stage: str = ""
    """The stage that failed (empty when strictly reproduced)."""
    reason: str = ""
    package: str = ""
    expected: list[str] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    """The names found equal."""
    missing: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    varying: list[str] = field(default_factory=list)
    uncomparable: list[str] = field(default_factory=list)
    left_out: dict[str, list[str]] = field(default_factory=dict)
    files_expected: list[str] = field(default_factory=list)
    files_missing: list[str] = field(default_factory=list)
    files_differing: list[str] = field(default_factory=list)
    files_varying: list[str] = field(default_factory=list)
    steps: int = 0
    steps_returning_nothing: list[str] = field(default_factory=list)
    longest_function: str = ""
    longest_function_lines: int = 0
    notebook_runs: int = 0
    seconds: float = 0.0


class StageFailure(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _pythonpath(*entries: Path) -> str:
    existing = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join([*(str(e) for e in entries), *([existing] if existing else [])])


# --------------------------------------------------------------------------- build


# One child process marks, plans and builds, so the steps judged are exactly the ones built.
_BUILD_SCRIPT = """
import json, sys
from pathlib import Path
from nb2pkg.frontends import api
from nb2pkg.plan.automark import apply_in_memory
notebook, out_dir, project = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
raw = json.loads(notebook.read_text(encoding="utf-8"))
plan = api.analyze_notebook(apply_in_memory(raw), notebook.name, path=str(notebook)).to_json()
steps = [
    [cell["name"], [p["number"] for p in (cell.get("parts") or [cell])],
     list(cell.get("returns") or [])]
    for cell in plan.get("cells", [])
    if cell.get("role") == "function" and cell.get("name")
]
result = api.build([notebook], out_dir, auto=True, root=project)
print(json.dumps({"steps": steps, "build": result.to_json()}))
"""


@dataclass(frozen=True)
class Step:
    name: str
    cells: tuple[int, ...]
    """1-based numbers of the notebook cells the step was made from."""
    returns: tuple[str, ...]


@dataclass(frozen=True)
class Built:
    steps: list[Step]
    result: dict[str, Any]


def build_package(path: Path, out_dir: Path, nb2pkg_root: Path, project: Path) -> Built:
    """Build as from the top of ``project`` (its files may be read: helper modules on a
    ``sys.path`` the notebook extends, as well as those beside it)."""
    env = {**os.environ, "PYTHONPATH": _pythonpath(nb2pkg_root)}
    try:
        completed = subprocess.run(
            [sys.executable, "-c", _BUILD_SCRIPT, str(path), str(out_dir), str(project)],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_SECONDS,
            env=env,
            cwd=out_dir.parent,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise StageFailure("build", f"no result after {BUILD_TIMEOUT_SECONDS} s") from error
    if completed.returncode != 0:
        raise StageFailure("build", f"crashed: {_last_line(completed.stderr)}")
    try:
        output = json.loads(_last_line(completed.stdout))
    except ValueError as error:
        raise StageFailure("build", f"unreadable output: {completed.stdout[-200:]}") from error
    steps = [
        Step(str(name), tuple(int(n) for n in numbers), tuple(returns))
        for name, numbers, returns in output["steps"]
    ]
    return Built(steps, output["build"])


def check_build(result: dict[str, Any]) -> None:
    if not result.get("ok"):
        errors = [d for d in result.get("diagnostics", []) if d.get("severity") == "error"]
        first = errors[0] if errors else {}
        raise StageFailure(
            "build", f"{first.get('code')} {first.get('where')}: {first.get('message')}"
        )


def longest_function(out_dir: Path, package: str) -> tuple[str, int]:
    """The generated step or export function with the most lines."""
    best = ("", 0)
    generated = {"pipeline", "tracking", "__main__", "__init__", "_build"}
    for module in sorted((out_dir / "src" / package).glob("*.py")):
        if module.stem in generated:
            continue
        try:
            tree = ast.parse(module.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > best[1]:
                    best = (f"{module.stem}.{node.name}", lines)
    return best


# --------------------------------------------------------------------------- notebook


def expected_names(path: Path, steps: list[Step]) -> tuple[list[str], set[str]]:
    """Names the packaged cells bind at top level; and those the notebook ends with as a loop
    variable, an import or a plot's state (the last packaged cell binding them binds them so)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    numbers = {n for step in steps for n in step.cells}
    names: list[str] = []
    incidental: set[str] = set()
    for number, cell in enumerate(nb.cells, start=1):
        if number not in numbers or cell.cell_type != "code":
            continue
        binds, loops = strict.top_level_binds(cell.source)
        for name in binds:
            if name not in names:
                names.append(name)
        # The last packaged cell that binds a name decides what the notebook ends with.
        incidental = (incidental - set(binds)) | loops
    return names, incidental


def pristine_copy(folder: Path, destination: Path) -> Path:
    shutil.copytree(
        folder,
        destination,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ".git"),
        symlinks=True,
    )
    return destination


def execute_notebook(
    path: Path, folder: Path, work: Path, names: list[str], cell_timeout: float, run: int
) -> tuple[dict[str, strict.Pickled], dict[str, str]]:
    """Run the notebook in a pristine copy of ``folder``: its final state and the files it
    wrote (relative path → sha256)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    copy = pristine_copy(folder, work / f"notebook_run_{run}")
    before = strict.file_hashes(copy)
    notebook_copy = copy / path.relative_to(folder)
    try:
        nb = nbformat.read(notebook_copy, as_version=4)  # type: ignore[no-untyped-call]
    except Exception as error:
        raise StageFailure("read", f"{type(error).__name__}: {error}") from error
    dump = work / f"notebook_state_{run}.pickle"
    cell = nbformat.v4.new_code_cell(  # type: ignore[no-untyped-call]
        strict.dump_source(dump, names), metadata={_INSERTED: True}
    )
    nb.cells.append(cell)
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook_copy.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        detail = f"{error.ename}: {_strip_ansi(str(error.evalue))}"
        raise StageFailure("execute", f"cell {_failed_cell(nb)}: {detail}"[:300]) from error
    except CellTimeoutError as error:
        raise StageFailure("execute", f"a cell ran over {cell_timeout:.0f} s") from error
    except DeadKernelError as error:
        raise StageFailure("execute", f"the kernel died: {error}") from error
    state: dict[str, strict.Pickled] = pickle.loads(dump.read_bytes())
    written = strict.written_files(before, strict.file_hashes(copy))
    shutil.rmtree(copy, ignore_errors=True)
    return state, written


def _failed_cell(nb: Any) -> int | None:
    for number, cell in enumerate(nb.cells, start=1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return number
    return None


# --------------------------------------------------------------------------- package


def run_package(
    package: str,
    out_dir: Path,
    folder: Path,
    notebook_dir: Path,
    work: Path,
    *,
    track: bool = False,
) -> dict[str, str]:
    """``run(track=track)`` in a pristine copy of ``folder``, in the notebook's place there;
    its result pickled to ``work/package.pickle``. Returns the files it wrote (MLflow's
    artifact folder ``mlruns/`` of a tracked run aside)."""
    copy = pristine_copy(folder, work / "package_run")
    before = strict.file_hashes(copy)
    report = work / "package_run.json"
    env = {
        **os.environ,
        "PYTHONPATH": _pythonpath(out_dir / "src", Path(__file__).resolve().parent),
        "MPLBACKEND": "Agg",
        "NB2PKG_ROUNDTRIP_TRACK": "1" if track else "",
    }
    if track:
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{work / 'mlflow.db'}"
    command = [
        sys.executable,
        "-c",
        "import roundtrip, sys; roundtrip.package_child(*sys.argv[1:])",
        package,
        str(work / "package.pickle"),
        str(report),
    ]
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
            env=env,
            cwd=copy / notebook_dir.relative_to(folder),
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise StageFailure("run", f"no result after {RUN_TIMEOUT_SECONDS} s") from error
    if not report.exists():
        raise StageFailure("run", f"the pipeline process died: {_last_line(completed.stderr)}")
    outcome: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    if outcome.get("stage"):
        raise StageFailure(outcome["stage"], outcome["reason"])
    written = strict.written_files(before, strict.file_hashes(copy))
    shutil.rmtree(copy, ignore_errors=True)
    if track:
        written = {path: h for path, h in written.items() if not path.startswith("mlruns/")}
    return written


def package_child(package: str, dump_file: str, report_file: str) -> None:
    """In the child process: import the package, run it, pickle each value of its result."""
    import importlib

    report = {"stage": "", "reason": ""}
    try:
        pipeline = importlib.import_module(f"{package}.pipeline")
    except BaseException as error:
        report.update(stage="import", reason=f"{type(error).__name__}: {error}"[:300])
    else:
        try:
            outputs = pipeline.run(track=bool(os.environ.get("NB2PKG_ROUNDTRIP_TRACK")))
        except BaseException as error:
            where = traceback.extract_tb(error.__traceback__)[-1]
            origin = f" ({Path(where.filename).name}:{where.lineno})"
            report.update(stage="run", reason=f"{type(error).__name__}: {error}{origin}"[:300])
        else:
            pickled: dict[str, bytes | None] = {}
            for name, value in outputs.items():
                try:
                    pickled[name] = pickle.dumps(value)
                except Exception:
                    pickled[name] = None
            Path(dump_file).write_bytes(pickle.dumps(pickled))
    Path(report_file).write_text(json.dumps(report), encoding="utf-8")


def compare_values(
    package: str,
    out_dir: Path,
    work: Path,
    names: list[str],
    incidental: set[str],
    runs: int,
) -> dict[str, Any]:
    """Judge in a child process that can import the package (its values may need it)."""
    request = work / "compare_request.json"
    request.write_text(
        json.dumps(
            {
                "names": names,
                "incidental": sorted(incidental),
                "notebook_dumps": [str(work / f"notebook_state_{i}.pickle") for i in range(runs)],
                "package_dump": str(work / "package.pickle"),
            }
        ),
        encoding="utf-8",
    )
    result = work / "compare_result.json"
    env = {
        **os.environ,
        "PYTHONPATH": _pythonpath(out_dir / "src", Path(__file__).resolve().parent),
        "MPLBACKEND": "Agg",
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import roundtrip, sys; roundtrip.compare_child(*sys.argv[1:])",
            str(request),
            str(result),
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        env=env,
        cwd=work,
        check=False,
    )
    if not result.exists():
        raise StageFailure("compare", f"the comparison died: {_last_line(completed.stderr)}")
    judged: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return judged


def compare_child(request_file: str, result_file: str) -> None:
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    runs = [pickle.loads(Path(p).read_bytes()) for p in request["notebook_dumps"]]
    dumped: dict[str, bytes | None] = pickle.loads(Path(request["package_dump"]).read_bytes())
    values: dict[str, Any] = {}
    unpicklable: set[str] = set()
    for name, data in dumped.items():
        try:
            values[name] = pickle.loads(data) if data is not None else None
            if data is None:
                unpicklable.add(name)
        except Exception:
            unpicklable.add(name)
            values[name] = None
    judged = strict.judge_values(
        request["names"], set(request["incidental"]), runs, values, unpicklable
    )
    Path(result_file).write_text(json.dumps(asdict(judged)), encoding="utf-8")


# --------------------------------------------------------------------------- one notebook


def input_folder(path: Path, root: Path) -> Path:
    """The top-level folder under ``root`` that holds the notebook (``root`` itself for a
    notebook directly in it): what the notebook may read, copied before every run."""
    relative = path.relative_to(root)
    return root / relative.parts[0] if len(relative.parts) > 1 else root


def roundtrip(
    path: Path,
    root: Path,
    cell_timeout: float,
    keep: Path | None,
    *,
    runs: int = 3,
    nb2pkg_root: Path = REPO_ROOT,
    track: bool = False,
) -> Outcome:
    folder = input_folder(path, root)
    outcome = Outcome(notebook=str(path.relative_to(root)), folder=folder.name or ".")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="nb2pkg-roundtrip-"))
    try:
        out_dir = (keep.resolve() / path.stem) if keep else work / "package"
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if keep and out_dir.exists():
            shutil.rmtree(out_dir)
        built = build_package(path, out_dir, nb2pkg_root, folder)
        names, incidental = expected_names(path, built.steps)
        state, notebook_files = execute_notebook(path, folder, work, names, cell_timeout, 0)
        states, files = [state], [notebook_files]
        check_build(built.result)
        outcome.package = str(built.result.get("package", ""))
        outcome.steps = len(built.steps)
        outcome.steps_returning_nothing = [s.name for s in built.steps if not s.returns]
        outcome.longest_function, outcome.longest_function_lines = longest_function(
            out_dir, outcome.package
        )
        package_files = run_package(
            outcome.package, out_dir, folder, path.parent, work, track=track
        )
        judged = _judge(outcome.package, out_dir, work, names, incidental, files, package_files)
        if judged.needs_more_runs and runs > 1:
            for run in range(1, runs):
                state, notebook_files = execute_notebook(
                    path, folder, work, names, cell_timeout, run
                )
                states.append(state)
                files.append(notebook_files)
            judged = _judge(outcome.package, out_dir, work, names, incidental, files, package_files)
        outcome.notebook_runs = len(states)
        _record(outcome, judged)
        if not judged.reproduced:
            outcome.stage = "compare"
            outcome.reason = _compare_reason(judged)
        outcome.ok = judged.reproduced
    except StageFailure as failure:
        outcome.stage, outcome.reason = failure.stage, failure.reason
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the benchmark itself must go on to the next notebook
        outcome.stage, outcome.reason = "benchmark", f"{type(error).__name__}: {error}"[:300]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def _judge(
    package: str,
    out_dir: Path,
    work: Path,
    names: list[str],
    incidental: set[str],
    notebook_files: list[dict[str, str]],
    package_files: dict[str, str],
) -> strict.Judgement:
    values = compare_values(package, out_dir, work, names, incidental, len(notebook_files))
    judged = strict.Judgement(**values)
    return strict.judge_files(notebook_files, package_files, judged)


def _record(outcome: Outcome, judged: strict.Judgement) -> None:
    outcome.expected = judged.expected
    outcome.compared = judged.equal
    outcome.missing = judged.missing
    outcome.differing = judged.differing
    outcome.varying = judged.varying
    outcome.uncomparable = judged.uncomparable
    outcome.left_out = judged.left_out
    outcome.files_expected = judged.files_expected
    outcome.files_missing = judged.files_missing
    outcome.files_differing = judged.files_differing
    outcome.files_varying = judged.files_varying


def _compare_reason(judged: strict.Judgement) -> str:
    parts = []
    if judged.missing:
        parts.append(f"missing {', '.join(judged.missing[:6])}")
    if judged.differing:
        parts.append(f"differing {'; '.join(judged.differing[:3])}")
    if judged.files_missing:
        parts.append(f"files not written {', '.join(judged.files_missing[:4])}")
    if judged.files_differing:
        parts.append(f"files differ {', '.join(judged.files_differing[:4])}")
    if judged.vacuous and not parts:
        parts.append("nothing to compare: the notebook ends with no value a step binds")
    return " | ".join(parts)[:400]


# --------------------------------------------------------------------------- report


def find_notebooks(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*.ipynb")):
        if ".ipynb_checkpoints" not in path.parts:
            yield path


def failure_class(outcome: Outcome) -> str:
    if outcome.ok:
        return "reproduced"
    if outcome.stage != "compare":
        return outcome.stage
    classes = []
    if outcome.missing:
        classes.append("missing")
    if outcome.differing:
        classes.append("differing")
    if outcome.files_missing:
        classes.append("file not written")
    if outcome.files_differing:
        classes.append("file differs")
    return "+".join(classes) or "nothing to compare"


def describe(outcome: Outcome) -> str:
    counts = (
        f"expected {len(outcome.expected)} / equal {len(outcome.compared)} / "
        f"missing {len(outcome.missing)} / differing {len(outcome.differing)} / "
        f"varying {len(outcome.varying)} / uncomparable {len(outcome.uncomparable)}; "
        f"files {len(outcome.files_expected)} (missing {len(outcome.files_missing)}, "
        f"differing {len(outcome.files_differing)}); "
        f"steps {outcome.steps}, returning nothing {len(outcome.steps_returning_nothing)}; "
        f"longest {outcome.longest_function} {outcome.longest_function_lines} lines"
    )
    if outcome.ok:
        return f"strictly reproduced ({counts})"
    if outcome.stage == "compare":
        return f"FAILED at compare: {outcome.reason} ({counts})"
    return f"FAILED at {outcome.stage}: {outcome.reason}"


def summary(outcomes: list[Outcome]) -> list[str]:
    lines: list[str] = []
    folders = sorted({o.folder for o in outcomes})
    for folder in folders:
        mine = [o for o in outcomes if o.folder == folder]
        executed = [o for o in mine if o.stage not in {"read", "execute"}]
        classes = Counter(failure_class(o) for o in mine if not o.ok)
        lines.append(
            f"{folder}: {sum(o.ok for o in mine)} of {len(mine)} strictly reproduced "
            f"({len(executed)} ran offline here); failures: "
            + (", ".join(f"{k} {v}" for k, v in sorted(classes.items())) or "none")
        )
    reproduced = sum(o.ok for o in outcomes)
    executed = [o for o in outcomes if o.stage not in {"read", "execute"}]
    lines.append(f"{reproduced} of {len(outcomes)} strictly reproduced")
    lines.append(f"({reproduced} of {len(executed)} notebooks that ran offline here)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--cell-timeout", type=float, default=120.0)
    parser.add_argument("--json", type=Path, help="also write every outcome to this file")
    parser.add_argument("--keep", type=Path, help="keep the generated packages in this folder")
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs of the notebook when values differ, to tell its own variation (default 3)",
    )
    parser.add_argument(
        "--only",
        type=Path,
        help="a file listing the notebooks to run (paths relative to DIR, one a line)",
    )
    parser.add_argument(
        "--nb2pkg",
        type=Path,
        default=REPO_ROOT,
        help="the nb2pkg checkout that builds (default: this one), to compare versions",
    )
    parser.add_argument(
        "--track",
        action="store_true",
        help="run the package tracked (an MLflow SQLite store in a temporary folder)",
    )
    args = parser.parse_args(argv)
    root = args.directory.resolve()
    if not root.is_dir():
        print(f"roundtrip: no directory {root}", file=sys.stderr)
        return 2
    outcomes: list[Outcome] = []
    chosen = (
        {line.strip() for line in args.only.read_text(encoding="utf-8").splitlines()}
        if args.only
        else None
    )
    for path in find_notebooks(root):
        if chosen is not None and path.relative_to(root).as_posix() not in chosen:
            continue
        outcome = roundtrip(
            path,
            root,
            args.cell_timeout,
            args.keep,
            runs=args.runs,
            nb2pkg_root=args.nb2pkg.resolve(),
            track=args.track,
        )
        outcomes.append(outcome)
        print(f"{outcome.notebook}: {describe(outcome)} [{outcome.seconds} s]", flush=True)
        if args.json:
            args.json.write_text(
                json.dumps([asdict(o) for o in outcomes], indent=2), encoding="utf-8"
            )
    for line in summary(outcomes):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
