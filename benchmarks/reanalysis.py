"""Re-analysis after one edit: what the server's ``/nb2pkg/analyze`` does per keystroke.

    python benchmarks/reanalysis.py [--cells 300 3000] [--repeat 15] [--profile]
                                    [--against TREE [--rounds 2]]

For a notebook of ``--cells`` code cells (``build_speed.make_notebook``), analysed once to warm
the caches, each figure is the median CPU time (this process's, so that other work on the
shared machine counts less) of ``--repeat`` runs of the server's work for one request (the
edited request body is made before the clock starts)
— ``json.loads`` of the request body, ``api.analyze_notebook``, the answer's JSON text as the
server makes it (``RecentAnswers``):
  1. nothing changed since the last analysis;
  2. a number typed in one function cell (what it reads and binds stays the same);
  3. one function cell binds a new name no other cell reads;
  4. one function cell binds a new name a later cell reads (the wiring changes);
  5. one function cell imports a module under a new name;
  6. one function cell's tag renames its function.
The baseline, measured in the same run, is the parser floor of the request: ``json.loads`` of
the body plus ``ast.parse`` of every code cell. ``json.loads alone`` is the share of each
figure that parsing the request body takes (the server's, before any analysis): subtract it for
the analysis and the answer alone. Figures are printed in ms and as ratios against
it, with the load average (the machines here are shared). ``--profile`` prints where the time
of edit 4 goes. Next to each, the same edit sent as a delta, as the JupyterLab extension sends
it once a request was answered (``analyze_deltas.py``: the unchanged cells by id): the server's
work is then ``json.loads`` of the delta, the notebook rebuilt from the cells held of its base
(``notebook_deltas.py``), the same analysis and answer, and the notebook held for the next one.

``--against TREE`` compares with another checkout of nb2pkg (e.g. the main branch's): each of
``--rounds`` rounds measures TREE then this tree, each in a process of its own, and each figure
is printed for both (the median over the rounds) with this tree's as a ratio of TREE's.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import cProfile
import importlib.util
import itertools
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_deltas import body_text, cell_texts, delta_of
from build_speed import make_notebook

from nb2pkg.frontends import api
from nb2pkg.frontends.server.answers import RecentAnswers

EDITS = itertools.count()
"""Numbers that make each edited source new."""


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def parser_floor(body: str) -> None:
    for cell in json.loads(body)["notebook"]["cells"]:
        if cell["cell_type"] == "code":
            with contextlib.suppress(SyntaxError):
                ast.parse(cell["source"])


ANSWERS = RecentAnswers()


def median_served_ms(
    make_body: Callable[[], str], repeat: int, served: Callable[[str], str] | None = None
) -> float:
    """The median CPU time of serving (``serve``, or ``served``) the request bodies
    ``make_body`` makes (making them is the editor's work: not timed)."""
    times = []
    for _ in range(repeat):
        body = make_body()
        start = time.process_time()
        (served or serve)(body)
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def serve(body: str) -> str:
    data = json.loads(body)
    answer = api.analyze_notebook(data["notebook"], data["path"], path=data["path"])
    return ANSWERS.text(answer, "/srv/notebooks")


class DeltaServing:
    """The server's work for a delta body (as the extension sends after an answered request):
    the body read as the analysis worker reads it, and answered by the server's own analyze
    job (the notebook rebuilt from the cells held of its base, the notebook as analysed to
    warm up, request 0; analysed; answered, as a delta answer when the tree has them; held)."""

    ROOT = "/srv/notebooks"

    def __init__(self, notebook: dict[str, Any]) -> None:
        self.path = "large.ipynb"
        self.base = cell_texts(notebook) or {}
        self.serve(body_text(self.path, {"notebook": notebook}, 0, "bench").decode())

    def body(self, full_body: str) -> str:
        """The delta standing for ``full_body`` (the extension's work: not timed)."""
        notebook = json.loads(full_body)["notebook"]
        delta = delta_of(notebook, cell_texts(notebook) or {}, 0, self.base)
        return body_text(self.path, {"delta": delta}, 1, "bench").decode()

    def serve(self, body: str) -> str:
        from nb2pkg.frontends.server.jobs import run_job
        from nb2pkg.frontends.server.request_reading import BodyToRead
        from nb2pkg.frontends.server.workload import WorkLimits

        read = BodyToRead("analyze", "analyze", body.encode(), 2**40, True)
        return run_job("analyze", read, self.ROOT, WorkLimits(2**40, 2**40, 2**40))


def has_deltas() -> bool:
    """Whether the nb2pkg measured takes deltas (``--against`` an older tree: not)."""
    return importlib.util.find_spec("nb2pkg.frontends.server.notebook_deltas") is not None


def edited_body(notebook: dict[str, Any], cell: dict[str, Any], line: str, old: str = "") -> str:
    """The request body with ``line`` appended to the cell (or put in place of ``old``)."""
    original = cell["source"]
    cell["source"] = original.replace(old, line) if old else original + line
    try:
        return json.dumps({"path": "/tmp/large.ipynb", "notebook": notebook})
    finally:
        cell["source"] = original


def measure(cells: int, repeat: int, profile: bool) -> dict[str, float]:
    notebook = make_notebook(cells)
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    function_cells = [c for c in code if "function:stage" in str(c["metadata"].get("tags"))]
    target = function_cells[len(function_cells) // 2]
    reader = next(c for c in code if code.index(c) > code.index(target) and "function:" in str(c))
    body = json.dumps({"path": "/tmp/large.ipynb", "notebook": notebook})
    serve(body)  # warm: imports and caches

    def same() -> str:
        return body

    def typed_number() -> str:
        return edited_body(notebook, target, f"1000.{next(EDITS)}", old="1000.0")

    def constant_edit() -> str:
        return edited_body(notebook, target, f"constant_{next(EDITS)} = 1\n")

    def wiring_edit() -> str:
        number = next(EDITS)
        original = reader["source"]
        reader["source"] = original + f"seen_{number} = extra_{number}\n"
        try:
            return edited_body(notebook, target, f"extra_{number} = {number}\n")
        finally:
            reader["source"] = original

    def import_edit() -> str:
        return edited_body(notebook, target, f"import json as json_{next(EDITS)}\n")

    def renamed_function() -> str:
        tags = target["metadata"]["tags"]
        target["metadata"]["tags"] = [f"function:renamed_{next(EDITS)}"]
        try:
            return json.dumps({"path": "/tmp/large.ipynb", "notebook": notebook})
        finally:
            target["metadata"]["tags"] = tags

    floor = median_ms(lambda: parser_floor(body), repeat)
    edits = {
        "nothing changed": same,
        "number typed": typed_number,
        "new name, unread": constant_edit,
        "edit, new wiring": wiring_edit,
        "import added": import_edit,
        "function renamed": renamed_function,
    }
    figures = {
        "parser floor": floor,
        "json.loads alone": median_ms(lambda: json.loads(body), repeat),
        **{name: median_served_ms(make, repeat) for name, make in edits.items()},
    }
    if has_deltas():
        figures.update(delta_figures(notebook, edits, repeat))
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            serve(wiring_edit())
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return figures


def delta_figures(
    notebook: dict[str, Any], edits: dict[str, Callable[[], str]], repeat: int
) -> dict[str, float]:
    """The figures of ``edits`` sent as deltas against the notebook as analysed to warm up."""
    deltas = DeltaServing(notebook)
    typed = deltas.body(edits["number typed"]())
    figures = {"json.loads alone, delta": median_ms(lambda: json.loads(typed), repeat)}
    for name, make in edits.items():
        figures[f"{name}, delta"] = median_served_ms(
            lambda make=make: deltas.body(make()),
            repeat,
            deltas.serve,
        )
    return figures


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measured_in(tree: Path, cells: int, repeat: int) -> dict[str, float]:
    """The figures of the nb2pkg checkout at ``tree``, measured in a process of its own."""
    result = subprocess.run(
        [sys.executable, __file__, "--cells", str(cells), "--repeat", str(repeat), "--json"],
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout)[str(cells)]
    return figures


def compare(against: Path, cells: int, repeat: int, rounds: int) -> None:
    this_tree = Path(__file__).resolve().parents[1]
    loads = [load_average()]
    runs: dict[Path, list[dict[str, float]]] = {against: [], this_tree: []}
    for _ in range(rounds):
        for tree in runs:
            runs[tree].append(measured_in(tree, cells, repeat))
            loads.append(load_average())
    print(f"{cells} code cells, {rounds} rounds (load average {' → '.join(loads)}):")
    print(f"  {'':<24} {'before':>9} {'after':>9}  after/before  (x parser floor: before, after)")
    medians = {
        tree: {name: statistics.median(r[name] for r in figures) for name in figures[0]}
        for tree, figures in runs.items()
    }
    before, after = medians[against], medians[this_tree]
    floors = before["parser floor"], after["parser floor"]
    for name in before:
        was, now = before[name], after[name]
        print(
            f"  {name:<24} {was:6.1f} ms {now:6.1f} ms  {now / was:8.2f}x"
            f"      {was / floors[0]:5.2f}x {now / floors[1]:5.2f}x"
        )
    for name in [name for name in after if name not in before]:  # deltas: before, in full
        full = name.removesuffix(", delta")
        was, now = before.get(full), after[name]
        if was is not None:
            print(
                f"  {name:<24} {was:6.1f} ms {now:6.1f} ms  {now / was:8.2f}x"
                f"      {was / floors[0]:5.2f}x {now / floors[1]:5.2f}x  (before: in full)"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cells", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--against", type=Path, help="another nb2pkg checkout to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against is not None:
        for cells in args.cells:
            compare(args.against.resolve(), cells, args.repeat, args.rounds)
        return 0
    measured = {}
    for cells in args.cells:
        figures = measured[str(cells)] = measure(cells, args.repeat, args.profile)
        if args.json:
            continue
        print(f"{cells} code cells (load average {load_average()}):")
        floor = figures["parser floor"]
        for name, value in figures.items():
            if name.endswith(", delta"):
                continue
            full = f"  {name:<24} {value:8.1f} ms  {value / floor:6.2f}x parser floor"
            delta = figures.get(f"{name}, delta")
            if delta is not None:  # the same edit sent as a delta, and delta/full
                full += f"   delta {delta:8.1f} ms  {delta / floor:6.2f}x  ({delta / value:.2f}x)"
            print(full)
    if args.json:
        print(json.dumps(measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
