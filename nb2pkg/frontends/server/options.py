"""The server extension's options (``c.Nb2pkgServer.<option>`` in jupyter_server_config)."""

from __future__ import annotations

import os

from traitlets import Float, Int, default
from traitlets.config import Configurable


class Nb2pkgServer(Configurable):
    """Options of the nb2pkg endpoints ``/nb2pkg/analyze``, ``/nb2pkg/build``, ``/nb2pkg/preview``."""

    max_body_bytes = Int(
        32 * 1024 * 1024,
        help=(
            "Largest request body accepted, in bytes. Analysis requests carry the whole "
            "notebook (outputs are stripped by the JupyterLab extension); larger requests "
            "are refused with 413."
        ),
    ).tag(config=True)

    worker_threads = Int(
        2,
        help=(
            "Threads that run analyses and builds, so the server's event loop stays "
            "responsive while a large notebook is analysed."
        ),
    ).tag(config=True)

    max_code_lines = Int(
        20_000,
        help=(
            "Most lines of cell source the notebooks of one request may hold (each cell counts "
            "at least one); larger requests are refused with 413 and code NB812, so one request "
            "cannot hold a worker thread for long. The command line has no such cap."
        ),
    ).tag(config=True)

    max_code_chars = Int(
        1_000_000,
        help="Most characters of cell source per request (see max_code_lines).",
    ).tag(config=True)

    analysis_processes = Int(
        help=(
            "Worker processes that run analyses and builds, started with the server (default: "
            "one per core, at most 4), so no analysis holds the GIL the server's event loop "
            "needs; one more process reads their request bodies (a notebook's JSON) for the "
            "same reason. 0 runs both on the server's own threads instead."
        ),
    ).tag(config=True)

    @default("analysis_processes")
    def _one_per_core(self) -> int:
        return max(1, min(4, os.cpu_count() or 1))

    warm_notebooks = Int(
        4,
        help=(
            "How many notebooks directly in the root (the most recently modified) the analysis "
            "workers analyse at start while no request waits, so opening one is answered as "
            "fast as an edit. 0: none. Nothing is run or written."
        ),
    ).tag(config=True)

    worker_niceness = Int(
        5,
        help=(
            "How much lower than the server's the CPU priority of the worker processes is "
            "(added to their niceness, POSIX only; 0: the same): on a busy machine the "
            "server's event loop, which answers every request, then waits less for a core."
        ),
    ).tag(config=True)

    worker_timeout_seconds = Float(
        600.0,
        help=(
            "Longest time an analysis worker may spend on one request; it is then stopped and "
            "started again, and the request is answered 503 (NB814)."
        ),
    ).tag(config=True)
