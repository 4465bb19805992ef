"""The server extension's options (``c.Nb2pkgServer.<option>`` in jupyter_server_config)."""

from __future__ import annotations

from traitlets import Int
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
