"""How to open MLflow's UI on a package's runs: whether the server's environment has MLflow,
and the exact command that serves the package's store, to run in a terminal.

The server does not start the UI itself: ``mlflow ui`` serves the whole store on a port of the
server's machine without any authentication, outside Jupyter's token and root checks, and from
a remote browser that port is not reachable anyway. The command is run where the user decides
(JupyterLab's terminal starts in the server's root, where the command's ``cd`` begins).
"""

from __future__ import annotations

import importlib.util
import os
import shlex
from pathlib import Path
from typing import Any

DEFAULT_PORT = 5000
"""The port ``mlflow ui`` listens on unless told otherwise."""


def mlflow_installed() -> bool:
    """Whether the server's Python can import MLflow (looked up, not imported: it is slow)."""
    return importlib.util.find_spec("mlflow") is not None


def mlflow_ui(out_dir: Path, store_file: str) -> dict[str, Any]:
    """{"installed", "command", "url", "note"} for the runs of the package built in ``out_dir``.

    ``command`` names ``out_dir`` by its absolute path: the answer shows it root-relative.
    """
    if not mlflow_installed():
        return {
            "installed": False,
            "command": None,
            "url": None,
            "note": "MLflow is not installed in the Jupyter server's environment: "
            "pip install mlflow there to browse the runs in its UI",
        }
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    if uri.startswith(("http://", "https://", "databricks")):
        return {
            "installed": True,
            "command": None,
            "url": None,
            "note": "the runs are on the tracking server $MLFLOW_TRACKING_URI names: its address "
            "in a browser is the MLflow UI",
        }
    store = '"$MLFLOW_TRACKING_URI"' if uri else f"sqlite:///{store_file}"
    command = (
        f"cd {shlex.quote(str(out_dir))} && "
        f"python -m mlflow ui --backend-store-uri {store} --port {DEFAULT_PORT}"
    )
    return {
        "installed": True,
        "command": command,
        "url": f"http://127.0.0.1:{DEFAULT_PORT}",
        "note": "run it in a terminal of the Jupyter server's environment (JupyterLab's terminal "
        "starts in the server's root), then open the address",
    }
