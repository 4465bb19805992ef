"""Badge latency in a real JupyterLab: from the last keystroke in a cell to its updated badge.

Starts JupyterLab (this checkout's built labextension and server extension, as the browser
tests do) and headless Chromium, opens the browser tests' 300-cell notebook and types into
one function cell ``--repeats`` times, timing each badge update. It does so twice, in the
same run: with the old default analysis delay (400 ms, the baseline) and with the current
default from the settings schema, and prints the medians, the ratio current / baseline, and
the share of the analyze request itself.

    python benchmarks/badge_latency.py [--repeats 9]

Needs the labextension built (``jlpm build:prod`` in labextension/) and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "ui"))

from lab_process import CHROMIUM, CHROMIUM_FLAGS, running_lab  # noqa: E402
from latency import Latency, debounce_setting, measure  # noqa: E402
from ui_notebooks import LARGE_EDIT_CELL, large_notebook  # noqa: E402

BASELINE_DEBOUNCE_MS = 400
"""The analysis delay before issue 13 (the figure the target was set against)."""


def measure_with(debounce: int | None, repeats: int) -> tuple[list[Latency], object]:
    from playwright.sync_api import sync_playwright

    settings = {"nb2pkg:plugin": {"debounceMs": debounce}} if debounce is not None else {}
    with (
        tempfile.TemporaryDirectory(prefix="nb2pkg-latency-") as base,
        running_lab(Path(base), settings) as lab,
        sync_playwright() as playwright,
    ):
        (lab.root / "large.ipynb").write_text(json.dumps(large_notebook()))
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(lab.page_url("large.ipynb"))
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.context"
                " && window.jupyterapp.shell.currentWidget.context.isReady",
                timeout=90_000,
            )
            names = [f"value_{i}" for i in range(1, repeats + 1)]
            return measure(page, LARGE_EDIT_CELL, names), debounce_setting(page)
        finally:
            browser.close()


def describe(label: str, runs: list[Latency], debounce: object) -> float:
    total = statistics.median(r.total_ms for r in runs)
    request = statistics.median(r.request_ms for r in runs)
    before = statistics.median(r.before_request_ms for r in runs)
    after = statistics.median(r.after_response_ms for r in runs)
    print(
        f"{label:<9} debounce {debounce} ms: keystroke -> badge median {total:.0f} ms "
        f"(runs {', '.join(f'{r.total_ms:.0f}' for r in runs)}); medians: keystroke -> "
        f"request sent {before:.0f} ms, request {request:.0f} ms, answer -> badge {after:.0f} ms"
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    baseline_runs, baseline_debounce = measure_with(BASELINE_DEBOUNCE_MS, args.repeats)
    current_runs, current_debounce = measure_with(None, args.repeats)
    baseline = describe("baseline", baseline_runs, baseline_debounce)
    current = describe("default", current_runs, current_debounce)
    print(f"ratio default / baseline: {current / baseline:.2f}")


if __name__ == "__main__":
    main()
