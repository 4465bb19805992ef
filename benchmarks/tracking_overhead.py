"""What MLflow tracking costs a generated package's ``run()``.

Builds an example notebook (the classification example by default) with nb2pkg, then times
its pipeline tracked against untracked, with MLflow's default embedded store in a temporary
working directory (no ``MLFLOW_TRACKING_URI``):

- whole process: ``python -m PKG run`` against ``python -m PKG run --no-track``;
- in-process: ``run()`` against ``run(track=False)`` in one interpreter, after a first
  tracked run (which imports mlflow and opens the store, reported on its own line).

Tracked and untracked runs alternate; each figure is the median of ``--repeats`` runs, and
each ratio is tracked / untracked measured in this same run.

    python benchmarks/tracking_overhead.py [--repeats 7] [--notebook PATH | --built DIR]
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
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOK = REPO_ROOT / "example_notebooks" / "classification.ipynb"
MLFLOW_SETTINGS = ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID")

IN_PROCESS = """
import json, sys, time
import {package} as package

def timed(**options):
    started = time.perf_counter()
    package.run(**options)
    return time.perf_counter() - started

timed(track=False)  # imports the pipeline's own dependencies lazily loaded on first use
first_tracked = timed()
tracked, untracked = [], []
for _ in range({repeats}):
    untracked.append(timed(track=False))
    tracked.append(timed())
print(json.dumps({{"first_tracked": first_tracked, "tracked": tracked, "untracked": untracked}}))
"""


def build(notebook: Path, out_dir: Path) -> str:
    sys.path.insert(0, str(REPO_ROOT))
    from nb2pkg.api import build as build_package

    result = build_package([notebook], out_dir)
    if not result.ok:
        raise SystemExit(f"cannot build {notebook}:\n{json.dumps(result.to_json(), indent=2)}")
    return str(result.to_json()["package"])


def environment(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in MLFLOW_SETTINGS}
    env["PYTHONPATH"] = str(src)
    return env


def run_process(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stderr}")
    return elapsed


def whole_process(package: str, src: Path, store_dir: Path, repeats: int) -> tuple[float, float]:
    env = environment(src)
    tracked_command = [sys.executable, "-m", package, "run"]
    untracked_command = [*tracked_command, "--no-track"]
    # Warm-up: the first tracked run creates the store (schema migrations), once per folder.
    run_process(tracked_command, store_dir, env)
    run_process(untracked_command, store_dir, env)
    tracked: list[float] = []
    untracked: list[float] = []
    for _ in range(repeats):
        untracked.append(run_process(untracked_command, store_dir, env))
        tracked.append(run_process(tracked_command, store_dir, env))
    return statistics.median(tracked), statistics.median(untracked)


def in_process(package: str, src: Path, store_dir: Path, repeats: int) -> dict[str, float]:
    script = IN_PROCESS.format(package=package, repeats=repeats)
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=store_dir,
        env=environment(src),
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise SystemExit(f"in-process timing failed:\n{completed.stderr}")
    timings = json.loads(completed.stdout.strip().splitlines()[-1])
    return {
        "first_tracked": timings["first_tracked"],
        "tracked": statistics.median(timings["tracked"]),
        "untracked": statistics.median(timings["untracked"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--built", type=Path, help="time this already built package instead of building one"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nb2pkg-tracking-") as scratch:
        root = Path(scratch)
        if args.built is None:
            package = build(args.notebook, root / "package")
            src = root / "package" / "src"
        else:
            src = args.built.resolve() / "src"
            [package] = [path.name for path in src.iterdir() if (path / "pipeline.py").exists()]
        store_dir = root / "runs"
        store_dir.mkdir()
        process_tracked, process_untracked = whole_process(package, src, store_dir, args.repeats)
        inside = in_process(package, src, store_dir, args.repeats)

    print(
        f"tracking overhead of {package}.run() ({args.notebook.name}), embedded store, "
        f"median of {args.repeats}"
    )
    print(
        f"  whole process  run {process_tracked:.3f} s  --no-track {process_untracked:.3f} s  "
        f"ratio {process_tracked / process_untracked:.2f}  "
        f"(+{(process_tracked - process_untracked) * 1000:.0f} ms)"
    )
    print(
        f"  in-process     run() {inside['tracked']:.3f} s  run(track=False) "
        f"{inside['untracked']:.3f} s  ratio {inside['tracked'] / inside['untracked']:.2f}  "
        f"(+{(inside['tracked'] - inside['untracked']) * 1000:.0f} ms per run)"
    )
    print(
        f"  in-process, first tracked run (imports mlflow, opens the store) "
        f"{inside['first_tracked']:.3f} s  ratio {inside['first_tracked'] / inside['untracked']:.2f}"
    )


if __name__ == "__main__":
    main()
