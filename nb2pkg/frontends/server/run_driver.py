"""Run a built package's pipeline in this process, reporting its progress as JSON lines.

    python -m nb2pkg.frontends.server.run_driver PACKAGE [--no-track]

The server starts it as a subprocess (never inside the server's own process), with the
package's ``src`` folder on ``PYTHONPATH`` and its output folder as working directory, so
the pipeline logs to the package's own MLflow store. Each event is one stdout line starting
with ``EVENT_PREFIX``; every other line is the pipeline's own output.

Events: ``started`` (the steps in order, with their cells), ``running`` (a step starts),
``step`` (a step finished: its seconds and output names), then ``done`` (outputs, metrics)
or ``failed`` (the step that raised, its cell, the error).
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

EVENT_PREFIX = "\x1enb2pkg-event "
"""Starts each event line (a record separator first: a print of the pipeline never does)."""
SUMMARY_CHARS = 200


def emit(event: str, **fields: Any) -> None:
    line = json.dumps({"event": event, **fields}, default=str)
    sys.stdout.write(f"{EVENT_PREFIX}{line}\n")
    sys.stdout.flush()


def cell_id_of(where: str) -> str | None:
    """``"nb.ipynb [id 3f2a]"`` (a STEP_CELLS value) → ``"3f2a"``."""
    found = re.search(r"\[id ([^\]]+)\]", where)
    return found.group(1) if found else None


def summary(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def main(argv: list[str]) -> int:
    package, track = argv[0], "--no-track" not in argv[1:]
    pipeline = importlib.import_module(f"{package}.pipeline")
    step_cells: dict[str, str] = dict(getattr(pipeline, "STEP_CELLS", {}))
    metric_steps = frozenset(getattr(pipeline, "METRIC_STEPS", frozenset()))
    order = list(step_cells)
    emit("started", steps=[{"name": n, "cell_id": cell_id_of(step_cells[n])} for n in order])
    state: dict[str, Any] = {"running": order[0] if order else None, "metrics": {}}
    original = pipeline.steps

    def reporting_steps(**params: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        if state["running"]:
            emit("running", name=state["running"])
        started = time.perf_counter()
        for name, values in original(**params):
            seconds = round(time.perf_counter() - started, 3)
            emit("step", name=name, seconds=seconds, outputs=sorted(values))
            if name in metric_steps:
                state["metrics"].update({k: v for k, v in values.items() if is_number(v)})
            following = order.index(name) + 1 if name in order else len(order)
            state["running"] = order[following] if following < len(order) else None
            if state["running"]:
                emit("running", name=state["running"])
            yield name, values
            started = time.perf_counter()

    # run() looks `steps` up in its module when called: it runs the reporting version.
    setattr(pipeline, "steps", reporting_steps)  # noqa: B010 - a module of the package
    try:
        outputs = pipeline.run(track=track)
    except Exception as error:  # noqa: BLE001 - the failure is the report
        failed = state["running"]
        emit(
            "failed",
            step=failed,
            cell_id=cell_id_of(step_cells.get(failed, "")) if failed else None,
            message=f"{type(error).__name__}: {error}",
        )
        return 1
    emit(
        "done",
        outputs={name: summary(value) for name, value in outputs.items()},
        metrics=state["metrics"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
