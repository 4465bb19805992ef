"""Which notebook a kernel runs for: the clues ``%nb2pkg`` tries in turn (listed in
``nb2pkg.frontends.magic``'s docstring)."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class NotebookLocation:
    path: Path
    how: str
    """Which clue found it, shown to the user."""


def _existing(candidate: str | os.PathLike[str] | None, cwd: Path) -> Path | None:
    if not candidate:
        return None
    path = Path(candidate).expanduser()
    tries = [path] if path.is_absolute() else [cwd / path, cwd / path.name]
    # Why the basename too: a relative JPY_SESSION_NAME is the server-root path, while the
    # kernel runs in the notebook's own folder.
    return next((p.resolve() for p in tries if p.suffix == ".ipynb" and p.is_file()), None)


def _from_sessions_api(connection_file: str | None, cwd: Path) -> Path | None:
    """Ask each running Jupyter server which session owns this kernel."""
    if not connection_file:
        return None
    match = re.search(r"kernel-([\w-]+)\.json$", connection_file)
    if match is None:
        return None
    kernel_id = match.group(1)
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return None
    for server in list_running_servers():
        url = str(server.get("url", "")).rstrip("/") + "/api/sessions"
        request = urllib.request.Request(
            url, headers={"Authorization": f"token {server.get('token', '')}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # the local Jupyter server
                sessions = json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError):
            continue
        for session in sessions:
            if session.get("kernel", {}).get("id") == kernel_id:
                root = Path(str(server.get("root_dir") or server.get("notebook_dir") or cwd))
                found = _existing(str(root / session.get("path", "")), cwd)
                if found is not None:
                    return found
    return None


def find_notebook(
    user_ns: Mapping[str, Any],
    environ: Mapping[str, str],
    cwd: Path,
    connection_file: str | None = None,
) -> NotebookLocation | None:
    """The notebook this kernel runs for, from the clues listed in the module docstring."""
    clues: list[tuple[str, Callable[[], Path | None]]] = [
        ("__session__", lambda: _existing(user_ns.get("__session__"), cwd)),
        ("JPY_SESSION_NAME", lambda: _existing(environ.get("JPY_SESSION_NAME"), cwd)),
        ("VS Code", lambda: _existing(user_ns.get("__vsc_ipynb_file__"), cwd)),
        ("the Jupyter server's sessions", lambda: _from_sessions_api(connection_file, cwd)),
        ("the only notebook in the working directory", lambda: _only_notebook_in(cwd)),
    ]
    for how, clue in clues:
        found = clue()
        if found is not None:
            return NotebookLocation(found, how)
    return None


def _only_notebook_in(cwd: Path) -> Path | None:
    notebooks = sorted(p for p in cwd.glob("*.ipynb") if p.is_file())
    return notebooks[0].resolve() if len(notebooks) == 1 else None
