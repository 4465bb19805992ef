"""The jupyter_server extension: ``POST /nb2pkg/analyze``, ``/nb2pkg/build``, ``/nb2pkg/preview``,
``/nb2pkg/propose`` (the automatic marking), ``/nb2pkg/run`` (+ ``/run/status``, ``/run/cancel``:
the built pipeline in a subprocess) and ``/nb2pkg/runs`` (its last MLflow runs).

Enabled by ``jupyter-config/server-config/nb2pkg.json`` when nb2pkg is installed. The server's
modules are imported when the extension loads: the analysis worker process
(``analysis_worker.py``), which imports this package too, needs none of them.
"""

from __future__ import annotations

from typing import Any


def _load_jupyter_server_extension(server_app: Any) -> None:
    from nb2pkg.frontends.server.options import Nb2pkgServer
    from nb2pkg.frontends.server.routes import setup_handlers

    options = Nb2pkgServer(parent=server_app)
    setup_handlers(server_app.web_app, options, server_app.log)
    server_app.log.info(
        "nb2pkg server extension loaded: POST /nb2pkg/{analyze,build,preview,propose,run,runs}"
    )
