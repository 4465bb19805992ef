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
  tracked run (which starts the worker, reported on its own line); later runs reuse it.

The three whole-process commands run in turn, ``--repeats`` times; each figure is a median,
and each ratio is tracked / untracked measured in this same run: the ratio of the medians,
and the median of the ratios of each round's runs. The load average before and after is
printed: on a busy machine every figure is slower and noisier.

By default the package runs from its source folder in this interpreter's environment (which
may hold the full ``mlflow`` and more); ``--fresh-venv`` pip-installs it into a new virtualenv
first, so only what the generated package declares (``mlflow-skinny``…) is there.

    python benchmarks/tracking_overhead.py [--repeats 7] [--notebook PATH | --built DIR]
                                           [--fresh-venv [--also REQUIREMENT]...]
                                           [--telemetry-off]
"""

from __future__ import annotations

import argparse
import json
import os
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


def drop_model_logging(pipeline: Path) -> None:
    text = pipeline.read_text(encoding="utf-8")
    call = "recorder.log_model({**params, **outputs})"
    if call not in text:
        raise SystemExit(f"{pipeline} logs no model")
    pipeline.write_text(text.replace(call, "pass"), encoding="utf-8")


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


@dataclass(frozen=True)
class Rounds:
    """Seconds per command, one entry per round."""

    seconds: dict[str, list[float]]

    def median(self, command: str) -> float:
        return statistics.median(self.seconds[command])

    def paired_ratio(self, command: str, baseline: str) -> float:
        pairs = zip(self.seconds[command], self.seconds[baseline], strict=True)
        return statistics.median(tracked / untracked for tracked, untracked in pairs)


def whole_process(interpreter: Interpreter, package: str, store_dir: Path, repeats: int) -> Rounds:
    commands = {
        "untracked": ["-m", package, "run", "--no-track"],
        "worker": ["-m", package, "run"],
        "in-process": ["-c", LOGGING_IN_PROCESS.format(package=package)],
    }
    # Warm-up: the first tracked run creates the store (schema migrations), once per folder.
    for args in commands.values():
        interpreter.run(args, store_dir)
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, args in commands.items():
            seconds[name].append(interpreter.timed(args, store_dir))
    return Rounds(seconds)


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
    for command, how in (("worker", "tracking worker"), ("in-process", "in-process logging")):
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
    args = parser.parse_args()
    load_before = load_average()

    with tempfile.TemporaryDirectory(prefix="nb2pkg-tracking-") as scratch_dir:
        scratch = Path(scratch_dir)
        package_dir = (
            args.built.resolve() if args.built else build(args.notebook, scratch / "package")
        )
        package = package_name(package_dir)
        if args.without_model:
            drop_model_logging(package_dir / "src" / package / "pipeline.py")
        interpreter = (
            fresh_venv(package_dir, scratch, args.also)
            if args.fresh_venv
            else from_source(package_dir)
        )
        store_dir = scratch / "runs"
        store_dir.mkdir()
        process = whole_process(interpreter, package, store_dir, args.repeats)
        # MLflow's usage telemetry (on by default) starts threads and a network request in
        # every process that logs; the same measurement with it off shows its share.
        quiet = (
            whole_process(
                interpreter.with_env(MLFLOW_DISABLE_TELEMETRY="true"),
                package,
                store_dir,
                args.repeats,
            )
            if args.telemetry_off
            else None
        )
        inside = in_process(interpreter, package, store_dir, args.repeats)

    where = "this environment"
    if args.fresh_venv:
        where = "fresh venv: declared dependencies" + "".join(f" + {r}" for r in args.also)
    source = args.built.name if args.built else args.notebook.name
    if args.without_model:
        source += ", without logging the model"
    print(
        f"tracking overhead of {package}.run() ({source}), embedded store, {where}, "
        f"median of {args.repeats}, load average {load_before} before, {load_average()} after "
        f"({os.cpu_count()} CPUs)"
    )
    for text in process_lines("whole process", process):
        print(text)
    if quiet is not None:
        for text in process_lines("telemetry off", quiet):
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
