"""Badge latency in a real JupyterLab: the time from the last keystroke in a cell to its
updated badge, shared by the browser test (which prints it) and benchmarks/badge_latency.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import expect

NOTEBOOK_JS = "window.jupyterapp.shell.currentWidget.content"


@dataclass(frozen=True)
class Latency:
    total_ms: float
    """Last keydown → the badge shows the new signature."""
    request_ms: float
    """The last POST /nb2pkg/analyze, from sending to the end of its answer."""
    before_request_ms: float
    """Last keydown → that request is sent (the analysis delay, then building the body)."""
    after_response_ms: float
    """The end of its answer → the badge shows it."""


def measure(page: Any, index: int, names: list[str]) -> list[Latency]:
    """Type ``+ NAME`` at the end of cell ``index`` once per name; time each badge update."""
    cell = page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]')
    page.evaluate(f"async () => {{ await {NOTEBOOK_JS}.scrollToItem({index}, 'center'); }}")
    signature = cell.locator(".nb2pkg-Badge-signature")
    expect(signature).to_have_text(re.compile(r"\(.*\) ->"), timeout=60_000)
    results = []
    for name in names:
        cell.locator(".cm-content").click()
        page.keyboard.press("End")
        page.evaluate(
            f"""() => {{
                const node = {NOTEBOOK_JS}.widgets[{index}].node;
                performance.clearResourceTimings();
                window.__nb2pkgLatency = new Promise(resolve => {{
                    let last = 0;
                    const keys = e => {{ last = performance.now(); }};
                    document.addEventListener('keydown', keys, true);
                    const observer = new MutationObserver(() => {{
                        const text = node.querySelector('.nb2pkg-Badge-signature');
                        if (text && /\\b{name}\\b/.test(text.textContent)) {{
                            const total = performance.now() - last;
                            observer.disconnect();
                            document.removeEventListener('keydown', keys, true);
                            const requests = performance.getEntriesByType('resource')
                                .filter(e => e.name.includes('/nb2pkg/analyze'));
                            const request = requests[requests.length - 1];
                            resolve(request ? [total, request.responseEnd - request.startTime,
                                request.startTime - last,
                                performance.now() - last - (request.responseEnd - last)]
                                : [total, -1, -1, -1]);
                        }}
                    }});
                    observer.observe(node, {{ subtree: true, childList: true, characterData: true }});
                }});
            }}"""
        )
        page.keyboard.type(f" + {name}")
        results.append(Latency(*page.evaluate("() => window.__nb2pkgLatency")))
        expect(signature).to_contain_text(name)
    return results


def debounce_setting(page: Any) -> Any:
    return page.evaluate(
        """async () => {
            const plugin = await window.jupyterapp.serviceManager.settings.fetch('nb2pkg:plugin');
            return plugin.settings?.debounceMs ?? plugin.schema.properties.debounceMs.default;
        }"""
    )
