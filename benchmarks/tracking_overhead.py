"""What MLflow tracking costs a generated package's ``run()``.

Builds an example notebook (the classification example by default) with nb2pkg, then times
its pipeline tracked against untracked, with MLflow's default embedded store in a temporary
working directory (no ``MLFLOW_TRACKING_URI``):

- whole process: ``python -m PKG run`` (MLflow logging in a tracking worker process while
  the steps run) against ``python -m PKG run --no-track``, and against the same command with
  mlflow imported before the package, which makes the package log from its own process as
  it did before the tracking worker (``in-process logging``);
- with ``--telemetry-off``, the same again with MLflow's usage telemetry off
  (``MLFLOW_DISABLE_TELEMETRY``);
- in-process: ``run()`` against ``run(track=False)`` in one interpreter, after a first
  tracked run (which starts the worker, reported on its own line); later runs reuse it;
- with ``--floor``, the least a fresh tracking process does before it can log a scikit-learn
  model saved with skops (the classification example's): ``python -c`` importing mlflow,
  scikit-learn's ensemble module and ``skops.io``, then opening the store, against
  ``--no-track``. A tracked whole-process run cannot be faster than this plus the model's own
  logging, whatever the worker does.

The three whole-process commands run in turn, ``--repeats`` times; each figure is a median,
and each ratio is tracked / untracked measured in this same run: the ratio of the medians,
and the median of the ratios of each round's runs. The load average before and after is
printed: on a busy machine every figure is slower and noisier.

``--against DIR`` times another built package (the same notebook built by an earlier nb2pkg)
in the same rounds, its commands right after this one's, so that a change is judged by two
ratios measured under the same load.

By default the package runs from its source folder in this interpreter's environment (which
may hold the full ``mlflow`` and more); ``--fresh-venv`` pip-installs it into a new virtualenv
first, so only what the generated package declares (``mlflow-skinny``…) is there.

    python benchmarks/tracking_overhead.py [--repeats 7] [--notebook PATH | --built DIR]
                                           [--against DIR]
                                           [--fresh-venv [--also REQUIREMENT]...]
                                           [--telemetry-off] [--floor]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOK = REPO_ROOT / "example_notebooks" / "classification.ipynb"
# Settings that would send the runs elsewhere, or point a child at another environment.
INHERITED_SETTINGS = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_EXPERIMENT_NAME",
    "MLFLOW_EXPERIMENT_ID",
    "PYTHONPATH",
    "VIRTUAL_ENV",
)

IN_PROCESS = """
import json, sys, time
import {package} as package

def timed(**options):
    started = time.perf_counter()
    package.run(**options)
    return time.perf_counter() - started

timed(track=False)  # warms what the pipeline itself loads on first use
first_tracked = timed()
tracked, untracked = [], []
for _ in range({repeats}):
    untracked.append(timed(track=False))
    tracked.append(timed())
print(json.dumps({{"first_tracked": first_tracked, "tracked": tracked, "untracked": untracked}}))
"""


@dataclass(frozen=True)
class Interpreter:
    """The Python that runs the package, and the environment it runs in."""

    python: str
    env: dict[str, str] = field(default_factory=dict)

    def with_env(self, **overrides: str) -> Interpreter:
        return Interpreter(self.python, {**self.env, **overrides})

    def run(self, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [self.python, *args], cwd=cwd, env=self.env, capture_output=True, text=True
        )
        if completed.returncode != 0:
            raise SystemExit(f"{self.python} {' '.join(args)} failed:\n{completed.stderr}")
        return completed

    def timed(self, args: list[str], cwd: Path) -> float:
        started = time.perf_counter()
        self.run(args, cwd)
        return time.perf_counter() - started


def base_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in INHERITED_SETTINGS}


def build(notebook: Path, out_dir: Path) -> Path:
    sys.path.insert(0, str(REPO_ROOT))
    from nb2pkg.frontends.api import build as build_package

    result = build_package([notebook], out_dir)
    if not result.ok:
        raise SystemExit(f"cannot build {notebook}:\n{json.dumps(result.to_json(), indent=2)}")
    return out_dir


def package_name(package_dir: Path) -> str:
    src = package_dir / "src"
    [name] = [path.name for path in src.iterdir() if (path / "pipeline.py").is_file()]
    return name


def drop_model_logging(package_dir: Path) -> None:
    """Make the package one without a model: run() logs none, ``MODEL`` is None, and there is
    no ``_model`` module (the tracking worker prepares a model's logging only when there is).
    """
    package = package_name(package_dir)
    folder = package_dir / "src" / package
    pipeline = folder / "pipeline.py"
    text = pipeline.read_text(encoding="utf-8")
    call = "recorder.log_model({**params, **outputs})"
    model = re.search(r"^MODEL = .*$", text, flags=re.MULTILINE)
    if call not in text or model is None:
        raise SystemExit(f"{pipeline} logs no model")
    text = text.replace(call, "pass")
    pipeline.write_text(text[: model.start()] + "MODEL = None" + text[model.end() :], "utf-8")
    init = folder / "__init__.py"
    kept = [line for line in init.read_text("utf-8").splitlines() if "from ._model " not in line]
    init.write_text("\n".join(kept) + "\n", encoding="utf-8")
    (folder / "_model.py").unlink()


def from_source(package_dir: Path) -> Interpreter:
    return Interpreter(
        sys.executable, {**base_environment(), "PYTHONPATH": str(package_dir / "src")}
    )


def fresh_venv(package_dir: Path, scratch: Path, also: list[str]) -> Interpreter:
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    interpreter = Interpreter(python, base_environment())
    interpreter.run(["-m", "pip", "install", "--quiet", str(package_dir), *also], cwd=scratch)
    return interpreter


# `python -m PKG run` with mlflow imported first: the package then logs from its own process.
LOGGING_IN_PROCESS = (
    "import runpy, sys, mlflow; sys.argv = [{package!r}, 'run']; "
    "runpy.run_module({package!r}, run_name='__main__', alter_sys=True)"
)


# What a fresh tracking process must load before it can log the classification example's
# model, and the store it opens (MLflow checks the schema of an existing store on opening it).
TRACKING_FLOOR = (
    "import mlflow, sklearn.ensemble, skops.io; "
    "mlflow.MlflowClient().search_experiments(max_results=1)"
)


@dataclass(frozen=True)
class Rounds:
    """Seconds per command, one entry per round."""

    seconds: dict[str, list[float]]

    def median(self, command: str) -> float:
        return statistics.median(self.seconds[command])

    def paired_ratio(self, command: str, baseline: str) -> float:
        pairs = zip(self.seconds[command], self.seconds[baseline], strict=True)
        return statistics.median(tracked / untracked for tracked, untracked in pairs)


@dataclass(frozen=True)
class Subject:
    """A built package to time: how to run it, its name, and the folder its runs land in."""

    label: str
    interpreter: Interpreter
    package: str
    store_dir: Path
    floor: bool = False

    def commands(self) -> dict[str, list[str]]:
        found = {
            "untracked": ["-m", self.package, "run", "--no-track"],
            "worker": ["-m", self.package, "run"],
            "in-process": ["-c", LOGGING_IN_PROCESS.format(package=self.package)],
        }
        if self.floor:
            found["floor"] = ["-c", TRACKING_FLOOR]
        return found


def whole_process(subjects: list[Subject], repeats: int) -> dict[str, Rounds]:
    """Every subject's commands in turn, one round after another (so each round's figures
    share the load of that moment)."""
    # Warm-up: the first tracked run creates the store (schema migrations), once per folder.
    for subject in subjects:
        for args in subject.commands().values():
            subject.interpreter.run(args, subject.store_dir)
    seconds: dict[str, dict[str, list[float]]] = {
        s.label: {name: [] for name in s.commands()} for s in subjects
    }
    for _ in range(repeats):
        for subject in subjects:
            for name, args in subject.commands().items():
                seconds[subject.label][name].append(
                    subject.interpreter.timed(args, subject.store_dir)
                )
    return {label: Rounds(found) for label, found in seconds.items()}


def in_process(
    interpreter: Interpreter, package: str, store_dir: Path, repeats: int
) -> dict[str, float]:
    script = IN_PROCESS.format(package=package, repeats=repeats)
    completed = interpreter.run(["-c", script], store_dir)
    timings = json.loads(completed.stdout.strip().splitlines()[-1])
    return {
        "first_tracked": timings["first_tracked"],
        "tracked": statistics.median(timings["tracked"]),
        "untracked": statistics.median(timings["untracked"]),
    }


def line(
    label: str, tracked_label: str, tracked: float, untracked_label: str, untracked: float
) -> str:
    return (
        f"  {label:<34} {tracked_label} {tracked:.3f} s   {untracked_label} {untracked:.3f} s   "
        f"ratio {tracked / untracked:.2f}   (+{(tracked - untracked) * 1000:.0f} ms)"
    )


def process_lines(label: str, rounds: Rounds) -> list[str]:
    untracked = rounds.median("untracked")
    found = []
    commands = [("worker", "tracking worker"), ("in-process", "in-process logging")]
    if "floor" in rounds.seconds:
        commands.append(("floor", "floor: mlflow+sklearn+skops+store"))
    for command, how in commands:
        found.append(
            line(f"{label}, {how}", "run", rounds.median(command), "--no-track", untracked)
            + f"   paired ratio {rounds.paired_ratio(command, 'untracked'):.2f}"
        )
    return found


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    parser.add_argument("--built", type=Path, help="time this built package instead of building")
    parser.add_argument(
        "--against",
        type=Path,
        help="also time this built package (e.g. built by an earlier nb2pkg), in the same rounds",
    )
    parser.add_argument("--fresh-venv", action="store_true", help="pip-install it into a new venv")
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="REQUIREMENT",
        help="with --fresh-venv: install this too (a dependency the package fails to declare)",
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--without-model",
        action="store_true",
        help="drop the model's logging from the built package's run(): the tracking of "
        "params, metrics and tags alone",
    )
    parser.add_argument(
        "--telemetry-off",
        action="store_true",
        help="also measure with MLflow's usage telemetry off",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the least a fresh tracking process does for this example's model "
        "(import mlflow, scikit-learn and skops, open the store)",
    )
    args = parser.parse_args()
    load_before = load_average()

    with tempfile.TemporaryDirectory(prefix="nb2pkg-tracking-") as scratch_dir:
        scratch = Path(scratch_dir)
        package_dir = (
            args.built.resolve() if args.built else build(args.notebook, scratch / "package")
        )
        folders = {"this": package_dir}
        if args.against:
            folders[f"against {args.against.name}"] = args.against.resolve()
        subjects = []
        for index, (label, folder) in enumerate(folders.items()):
            work = scratch / f"subject{index}"
            if args.without_model or args.fresh_venv:
                # A copy: dropping the model's logging edits it, pip may build in it.
                folder = Path(shutil.copytree(folder, work / "package"))
            package = package_name(folder)
            if args.without_model:
                drop_model_logging(folder)
            interpreter = (
                fresh_venv(folder, work, args.also) if args.fresh_venv else from_source(folder)
            )
            store_dir = work / "runs"
            store_dir.mkdir(parents=True)
            subjects.append(Subject(label, interpreter, package, store_dir, args.floor))
        process = whole_process(subjects, args.repeats)
        # MLflow's usage telemetry (on by default) starts threads and a network request in
        # every process that logs; the same measurement with it off shows its share.
        quiet = (
            whole_process(
                [
                    Subject(
                        s.label,
                        s.interpreter.with_env(MLFLOW_DISABLE_TELEMETRY="true"),
                        s.package,
                        s.store_dir,
                    )
                    for s in subjects
                ],
                args.repeats,
            )
            if args.telemetry_off
            else None
        )
        this = subjects[0]
        inside = in_process(this.interpreter, this.package, this.store_dir, args.repeats)

    where = "this environment"
    if args.fresh_venv:
        where = "fresh venv: declared dependencies" + "".join(f" + {r}" for r in args.also)
    source = args.built.name if args.built else args.notebook.name
    if args.without_model:
        source += ", without logging the model"
    print(
        f"tracking overhead of {this.package}.run() ({source}), embedded store, {where}, "
        f"median of {args.repeats}, load average {load_before} before, {load_average()} after "
        f"({os.cpu_count()} CPUs)"
    )
    for label, rounds in process.items():
        prefix = "" if label == "this" else f"{label}: "
        for text in process_lines(f"{prefix}whole process", rounds):
            print(text)
    for label, rounds in (quiet or {}).items():
        prefix = "" if label == "this" else f"{label}: "
        for text in process_lines(f"{prefix}telemetry off", rounds):
            print(text)
    print(line("in-process", "run()", inside["tracked"], "track=False", inside["untracked"]))
    print(
        line(
            "in-process, first tracked",
            "run()",
            inside["first_tracked"],
            "track=False",
            inside["untracked"],
        )
        + "   (starts the tracking worker)"
    )


if __name__ == "__main__":
    main()
