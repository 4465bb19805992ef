"""Time per line of cell analysis for cells of 100 … 100,000 lines, as ratios against 100 lines.

    python benchmarks/analysis_scaling.py [--sizes 100 1000 10000 100000] [--repeat 3]

Figures, for each cell size:
  1. ``analyze_cell`` (parse + name flow of one cell, the per-cell cache bypassed);
  2. ``api.analyze_notebook`` of a notebook holding that one cell as a function step (what the
     server's ``/nb2pkg/analyze`` runs).
Each is printed as microseconds per line and as a ratio against the 100-line figure: linear
analysis keeps the ratio near 1 as the cell grows. The machines here are shared and noisy, so the
100-line baseline is measured again right before and after each size (median of ``--repeat``
runs each time) and each ratio is taken against the baseline measured around it. The cell binds
a new name on most lines, reads earlier ones, mutates lists and holds file-path literals, so
every list the analysis keeps grows with the cell.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any


def make_cell(lines: int) -> str:
    """A cell of ``lines`` statements, nearly each binding a new name from earlier ones."""
    body = ["import math", "v0 = 1"]
    for index in range(1, lines - 1):
        kind = index % 5
        if kind == 0:
            body.append(f"v{index} = v{index - 1} + math.sqrt({index})")
        elif kind == 1:
            body.append(f"items_{index} = [v{index - 1} * j for j in range(3)]")
        elif kind == 2:
            body.append(f"items_{index - 1}.append(v{index - 2})")
        elif kind == 3:
            body.append(f"path_{index} = 'data/file_{index}.csv'")
        else:
            body.append(f"v{index} = max(v{index - 4}, {index})")
    return "\n".join(body) + "\n"


RUNS = itertools.count()
"""Numbers that make each analysed notebook's source new."""


def one_cell_notebook(source: str) -> dict[str, Any]:
    cell = {
        "cell_type": "code",
        "id": "big",
        "metadata": {"tags": ["function:compute"]},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"language_info": {"name": "python"}},
        "cells": [cell],
    }


def seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_line(lines: int, repeat: int) -> tuple[float, float]:
    """Seconds per line of (cell analysis, notebook analysis) for a cell of ``lines`` lines."""
    from nb2pkg.analysis.cell import analyze_cell
    from nb2pkg.frontends import api

    source = make_cell(lines)
    cell_time = seconds(lambda: analyze_cell.__wrapped__(source), repeat)
    # A fresh source per run keeps the notebook analysis off the per-cell cache.
    notebook_time = seconds(
        lambda: api.analyze_notebook(
            one_cell_notebook(source + f"run_{next(RUNS)} = 0\n"), "big.ipynb"
        ),
        repeat,
    )
    return cell_time / lines, notebook_time / lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per size under 10,000 lines")
    args = parser.parse_args()

    sizes = sorted(args.sizes)
    base_lines = sizes[0]
    print(f"{'lines':>8} {'cell µs/line':>13} {'ratio':>6} {'notebook µs/line':>17} {'ratio':>6}")
    for lines in sizes:
        before = per_line(base_lines, args.repeat)
        measured = per_line(lines, args.repeat if lines < 10_000 else 1)
        after = per_line(base_lines, args.repeat)
        base_cell = statistics.mean((before[0], after[0]))
        base_notebook = statistics.mean((before[1], after[1]))
        print(
            f"{lines:>8} {measured[0] * 1e6:>13.0f} {measured[0] / base_cell:>6.2f} "
            f"{measured[1] * 1e6:>17.0f} {measured[1] / base_notebook:>6.2f}",
            flush=True,
        )
    print(f"\nratios are against the {base_lines}-line figures measured around each size")


if __name__ == "__main__":
    main()
