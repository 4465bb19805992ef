"""The jupyter_server extension: ``POST /nb2pkg/analyze``, ``/nb2pkg/build``, ``/nb2pkg/preview``,
``/nb2pkg/propose`` (the automatic marking), ``/nb2pkg/run`` (+ ``/run/status``, ``/run/cancel``:
the built pipeline in a subprocess) and ``/nb2pkg/runs`` (its last MLflow runs).

Enabled by ``jupyter-config/server-config/nb2pkg.json`` when nb2pkg is installed. The analysis
worker processes start when the server links the extension (early in its start), the routes
when it loads it. The server's modules are imported then: the analysis worker process
(``analysis_worker.py``), which imports this package too, needs none of them.
"""

from __future__ import annotations

from typing import Any


def _link_jupyter_server_extension(server_app: Any) -> None:
    from nb2pkg.frontends.server.options import Nb2pkgServer
    from nb2pkg.frontends.server.routes import start_workers

    start_workers(server_app, Nb2pkgServer(parent=server_app))


def _load_jupyter_server_extension(server_app: Any) -> None:
    from nb2pkg.frontends.server.options import Nb2pkgServer
    from nb2pkg.frontends.server.routes import setup_handlers

    options = Nb2pkgServer(parent=server_app)
    setup_handlers(server_app.web_app, options, server_app.log)
    server_app.log.info(
        "nb2pkg server extension loaded: POST /nb2pkg/{analyze,build,preview,propose,run,runs}"
    )
