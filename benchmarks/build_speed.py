"""How fast nb2pkg is on a large notebook, as ratios against baselines measured in the same run.

    python benchmarks/build_speed.py [--cells 300] [--repeat 5]

Figures:
  1. analysis after editing one cell, warm (the extension's badge refresh path), against a cold
     analysis of the same notebook; the design target is < 20 ms absolute;
  2. `nb2pkg build` of the notebook, whole process, cold (fresh output directory), against
     `jupyter nbconvert --to script` of the same notebook; with the peak RSS of each process;
  3. `nb2pkg build` again with nothing changed (no-op rebuild), whole process, against
     `python -c pass` (interpreter start).
With ``--against TREE`` (another checkout of nb2pkg, e.g. the main branch's), figure 2 also
runs TREE's build in the same alternation and prints this tree's as a ratio of TREE's.
Machines here are noisy: each figure is a median of alternating runs. Bytecode is written and
used as for an installed copy (PYTHONDONTWRITEBYTECODE is dropped for the runs, and an untimed
first build and conversion compile it), so source compilation is not counted.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any


def make_notebook(code_cells: int) -> dict[str, Any]:
    """A realistic long notebook: parameters, many steps, exploration, markdown headings."""
    cells: list[dict[str, Any]] = []

    def add(kind: str, source: str, tags: list[str] | None = None) -> None:
        cell: dict[str, Any] = {
            "cell_type": kind,
            "id": f"cell-{len(cells):04d}",
            "metadata": {"tags": tags} if tags else {},
            "source": source,
        }
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        cells.append(cell)

    add("code", "rate = 0.1\nrounds = 3\nlabel = 'demo'\n", ["parameters"])
    add(
        "code",
        "import math\nimport statistics\n\nvalues = [float(i) for i in range(50)]\n",
        ["function:load_values"],
    )
    for index in range(1, code_cells - 1):
        if index % 10 == 0:
            add("markdown", f"## Stage {index}\nTransform the values again.")
        if index % 3 == 0:
            add("code", f"# look at the data\nvalues[:5]\nprint(len(values), {index})\n")
            continue
        add(
            "code",
            f"# step {index}: scale and clip\n"
            f"scaled_{index} = [v * (1 + rate) for v in values]\n"
            f"values = [min(v, 1000.0) for v in scaled_{index}]\n"
            f"summary_{index} = statistics.mean(values) + math.sqrt(rounds)\n"
            f"if summary_{index} > 500:\n    values = [v / 2 for v in values]\n",
            [f"function:stage_{index}"],
        )
    add("code", "final_mean = statistics.mean(values)\n", ["function:finish", "metrics"])
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
        "cells": cells,
    }


def forget_analyses() -> None:
    """Empty every cache an analysis leaves for the next one (the cells read, their roles and
    analyses, the last tagging, plan and summaries of each notebook), so that the next is
    cold."""
    from nb2pkg.analysis.cell import analyze_cell
    from nb2pkg.frontends import api, retagging
    from nb2pkg.notebook import ipython_syntax, raw_cells
    from nb2pkg.plan import markdown_summary
    from nb2pkg.roles import resolve

    analyze_cell.cache_clear()
    ipython_syntax.to_python.cache_clear()
    for recent in (api.RECENT, api.PLANS, api.SUMMARIES):
        recent.clear()
    raw_cells.RECENT_CELLS.clear()
    resolve._RECENT_TAGGED.clear()
    retagging.TAGGING.clear()
    markdown_summary._LAST_ABOVE.clear()


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


_ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str], cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, env=_ENVIRONMENT, check=True, capture_output=True)


def run_measured(
    command: list[str], cwd: Path, tree: str | None = None
) -> tuple[float, float, float]:
    """(seconds, CPU seconds, peak resident memory in MiB) of one process.

    CPU time (user + system, with the processes it waited for, e.g. the formatter) is the
    steadier figure on a shared machine: waiting for a busy core does not count."""
    start = time.perf_counter()
    environment = _ENVIRONMENT if tree is None else {**_ENVIRONMENT, "PYTHONPATH": tree}
    process = subprocess.Popen(
        command, cwd=cwd, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cells", type=int, default=300, help="code cells in the notebook")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", help="another nb2pkg checkout to compare figure 2 with")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nb2pkg-bench-"))
    try:
        data = make_notebook(args.cells)
        notebook = work / "large.ipynb"
        notebook.write_text(json.dumps(data, indent=1), encoding="utf-8")
        code_cells = sum(1 for c in data["cells"] if c["cell_type"] == "code")
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"notebook: {code_cells} code cells, {len(data['cells'])} cells in all; load {load}")

        # 1. warm analysis of one edited cell vs a cold analysis of the whole notebook
        from nb2pkg.frontends.api import analyze_notebook

        def cold() -> None:
            forget_analyses()
            analyze_notebook(data, "large.ipynb")

        cold_seconds = median_seconds(cold, args.repeat)
        analyze_notebook(data, "large.ipynb")
        edits = iter(range(10_000))
        target = next(
            c for c in data["cells"] if "function:stage_1" in c["metadata"].get("tags", [])
        )

        def edit_one() -> None:
            target["source"] = (
                f"# edit {next(edits)}\nscaled_1 = [v * (1 + rate) for v in values]\n"
            )
            analyze_notebook(data, "large.ipynb")

        warm_seconds = median_seconds(edit_one, max(args.repeat, 20))
        print(
            f"1. analysis after one edit, warm: {warm_seconds * 1000:.1f} ms "
            f"(cold, whole notebook: {cold_seconds * 1000:.0f} ms; "
            f"ratio warm/cold = {warm_seconds / cold_seconds:.3f}; target < 20 ms)"
        )

        # 2. whole-process cold build vs nbconvert --to script, alternating
        nb2pkg = [sys.executable, "-m", "nb2pkg", "build", str(notebook), "--name", "large"]
        nbconvert = [
            sys.executable,
            "-m",
            "nbconvert",
            "--to",
            "script",
            str(notebook),
            "--output-dir",
            str(work / "script"),
        ]
        run([*nb2pkg, "-o", str(work / "out-untimed")], work)  # writes the bytecode
        run(nbconvert, work)
        ours, theirs, our_cpu, their_cpu, our_memory, their_memory = [], [], [], [], [], []
        other_cpu: list[float] = []
        if args.against:
            build = [*nb2pkg, "-o", str(work / "other-untimed")]
            other_environment = {**_ENVIRONMENT, "PYTHONPATH": args.against}
            subprocess.run(build, cwd=work, env=other_environment, check=True, capture_output=True)
        for attempt in range(args.repeat):
            out = work / f"out-{attempt}"
            if args.against:
                other = [*nb2pkg, "-o", str(work / f"other-{attempt}")]
                other_cpu.append(run_measured(other, work, args.against)[1])
            seconds, cpu, memory = run_measured([*nb2pkg, "-o", str(out)], work)
            ours.append(seconds)
            our_cpu.append(cpu)
            our_memory.append(memory)
            seconds, cpu, memory = run_measured(nbconvert, work)
            theirs.append(seconds)
            their_cpu.append(cpu)
            their_memory.append(memory)
        build_seconds, convert_seconds = statistics.median(ours), statistics.median(theirs)
        build_cpu, convert_cpu = statistics.median(our_cpu), statistics.median(their_cpu)
        print(
            f"2. nb2pkg build, whole process, cold: {build_seconds:.2f} s "
            f"(CPU {build_cpu:.2f} s); jupyter nbconvert --to script: {convert_seconds:.2f} s "
            f"(CPU {convert_cpu:.2f} s); ratio = {build_seconds / convert_seconds:.2f}, "
            f"CPU ratio = {build_cpu / convert_cpu:.2f} (below 1 is faster); "
            f"peak RSS {max(our_memory):.0f} MiB (nbconvert {max(their_memory):.0f} MiB)"
        )
        if other_cpu:
            other = statistics.median(other_cpu)
            print(
                f"   {args.against}: CPU {other:.2f} s ({other / convert_cpu:.2f} of nbconvert's); "
                f"this tree's CPU = {build_cpu / other:.2f} of it"
            )

        # 3. no-op rebuild vs python -c pass
        out = work / "out-0"
        noop = median_seconds(lambda: run([*nb2pkg, "-o", str(out)], work), args.repeat)
        bare = median_seconds(lambda: run([sys.executable, "-c", "pass"], work), args.repeat)
        print(
            f"3. no-op rebuild, whole process: {noop * 1000:.0f} ms; python -c pass: "
            f"{bare * 1000:.0f} ms; ratio = {noop / bare:.1f}; "
            f"work beyond interpreter start: {(noop - bare) * 1000:.0f} ms (target < 100 ms)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
