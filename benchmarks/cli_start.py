"""How fast the command line starts, as ratios against `python -c pass` measured in the same run.

    python benchmarks/cli_start.py [--repeat 11]

Whole-process times of
  1. `nb2pkg --version`            (target: <= 3x `python -c pass`), also as the console
                                   script starts it (without `-m`'s runpy)
  2. `nb2pkg --help`               (target: <= 3x)
  3. `nb2pkg build` with nothing changed since the last build (the up-to-date shortcut)
  4. `nb2pkg build --auto` with nothing changed (takes the same shortcut)
each run as `python -m nb2pkg` with this interpreter (nb2pkg as found on PYTHONPATH). The
machines here are noisy: every round runs each command once, in turn, and each figure is the
median over the rounds. Bytecode is written and used as for an installed copy
(PYTHONDONTWRITEBYTECODE is dropped for the runs, and an untimed first round compiles it),
so source compilation is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def small_notebook() -> dict[str, Any]:
    """A few tagged steps and one untagged cell (which `--auto` proposes a role for)."""

    def code(source: str, tags: list[str] | None = None) -> dict[str, Any]:
        return {
            "cell_type": "code",
            "id": f"cell-{len(cells)}",
            "metadata": {"tags": tags} if tags else {},
            "source": source,
            "outputs": [],
            "execution_count": None,
        }

    cells: list[dict[str, Any]] = []
    cells.append(code("rate = 0.1\n", ["parameters"]))
    cells.append(code("values = [float(i) for i in range(20)]\n", ["function:load"]))
    cells.append(code("scaled = [v * (1 + rate) for v in values]\n", ["function:scale"]))
    cells.append(code("total = sum(scaled)\n"))
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
        "cells": cells,
    }


def elapsed(command: list[str], cwd: Path) -> float:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=environment, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=11, help="rounds (at least 9)")
    args = parser.parse_args()
    repeat = max(args.repeat, 9)
    work = Path(tempfile.mkdtemp(prefix="nb2pkg-start-"))
    try:
        (work / "steps.ipynb").write_text(json.dumps(small_notebook(), indent=1), "utf-8")
        nb2pkg = [sys.executable, "-m", "nb2pkg"]
        # What the installed `nb2pkg` console script runs (no runpy, as `-m` has).
        script = [
            sys.executable,
            "-c",
            "import sys; from nb2pkg.frontends.cli.main import main; sys.exit(main())",
        ]
        build = [*nb2pkg, "build", "steps.ipynb", "--name", "steps"]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "nb2pkg --version": [*nb2pkg, "--version"],
            "nb2pkg --version, script": [*script, "--version"],
            "nb2pkg --help": [*nb2pkg, "--help"],
            "nb2pkg build, no-op": [*build, "-o", "plain"],
            "nb2pkg build --auto, no-op": [*build, "-o", "auto", "--auto"],
        }
        for name in ("nb2pkg build, no-op", "nb2pkg build --auto, no-op"):
            elapsed(commands[name], work)  # the first build; every timed one is a no-op
        for command in commands.values():
            elapsed(command, work)  # untimed: writes the bytecode of everything these import
        timings: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, command in commands.items():
                timings[name].append(elapsed(command, work))
        medians = {name: statistics.median(times) for name, times in timings.items()}
        bare = medians["python -c pass"]
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; rounds: {repeat}")
        for name, seconds in medians.items():
            print(f"{name:<28} {seconds * 1000:7.1f} ms  {seconds / bare:5.1f}x python -c pass")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
