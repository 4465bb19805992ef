"""The ``%nb2pkg`` IPython magic, for frontends without the JupyterLab extension.

    %load_ext nb2pkg
    %nb2pkg show  [NOTEBOOK]             the plan: each cell's role and signature, diagnostics
    %nb2pkg build [NOTEBOOK] [options]   build the package, with a progress bar and the result

Without NOTEBOOK the magic builds the notebook the kernel runs for. Jupyter tells the
kernel in several ways, none of them everywhere, so they are tried in turn:

1. ``__session__`` in the user namespace (ipykernel 6.17+ sets it from the server),
2. the ``JPY_SESSION_NAME`` environment variable (jupyter_server 2 sets it when it
   starts a kernel for a notebook; JupyterLab 4 and Notebook 7 run on it),
3. ``__vsc_ipynb_file__`` (VS Code),
4. the running Jupyter servers' sessions API, matched on this kernel's id (classic
   Notebook 6 and older servers),
5. the only ``.ipynb`` in the working directory (e.g. a kernel started by nbclient,
   which runs in the notebook's folder and tells the kernel nothing else).

Before building, the magic asks the frontend to save (a Javascript display that
classic Notebook and JupyterLab with ``expose_app_in_browser`` act on) and waits
briefly for the file to change: building reads the file on disk, never the kernel.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shlex
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Classic Notebook exposes IPython.notebook; JupyterLab exposes its app only with
# expose_app_in_browser, otherwise its save shortcut (Ctrl/Cmd+S) is dispatched to the page.
_SAVE_SCRIPT = """
(function () {
  try {
    if (window.jupyterapp) { window.jupyterapp.commands.execute('docmanager:save'); return; }
    if (window.IPython && IPython.notebook) { IPython.notebook.save_checkpoint(); return; }
    var mac = /Mac/.test(navigator.platform);
    document.dispatchEvent(new KeyboardEvent('keydown', {
      key: 's', code: 'KeyS', keyCode: 83, ctrlKey: !mac, metaKey: mac, bubbles: true
    }));
  } catch (error) { console.warn('nb2pkg: could not save the notebook', error); }
})();
"""


class MagicUsageError(Exception):
    """The magic's arguments are wrong; the message says how to call it."""


# --------------------------------------------------------------------------- finding the notebook


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


# --------------------------------------------------------------------------- arguments


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"%nb2pkg {command}", add_help=False, exit_on_error=False)
    parser.add_argument("notebook", nargs="?", help="the .ipynb file (default: this notebook)")
    parser.add_argument("--no-save", action="store_true", help="do not ask the frontend to save")
    if command == "build":
        parser.add_argument("-o", "--out", dest="out_dir")
        parser.add_argument("--name")
        parser.add_argument("--bump", choices=("major", "minor", "patch"))
        parser.add_argument("--version")
        parser.add_argument("--force", action="store_true")
        parser.add_argument("--auto", action="store_true")
    return parser


USAGE = (
    "usage: %nb2pkg show [NOTEBOOK] [--no-save]\n"
    "       %nb2pkg build [NOTEBOOK] [-o DIR] [--name PKG] [--bump major|minor|patch]\n"
    "                     [--version V] [--force] [--auto] [--no-save]"
)


def parse_line(line: str) -> tuple[str, argparse.Namespace]:
    """``"build -o dist"`` → ("build", namespace). Raises MagicUsageError with the usage."""
    try:
        words = shlex.split(line)
    except ValueError as error:
        raise MagicUsageError(f"{error}\n{USAGE}") from error
    if not words or words[0] not in {"show", "build"}:
        given = f"unknown command {words[0]!r}; " if words else ""
        raise MagicUsageError(f"{given}please choose one of: show, build\n{USAGE}")
    parser = _parser(words[0])
    try:
        args, unknown = parser.parse_known_args(words[1:])
    except (argparse.ArgumentError, SystemExit) as error:
        raise MagicUsageError(f"{error}\n{USAGE}") from error
    if unknown:
        raise MagicUsageError(f"unrecognised: {' '.join(unknown)}\n{USAGE}")
    return words[0], args


# --------------------------------------------------------------------------- rendering


def _cell(value: object) -> str:
    return f"<td>{html.escape(str(value))}</td>"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return (
        f'<table class="nb2pkg-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _diagnostic_rows(diagnostics: Sequence[Mapping[str, Any]]) -> list[list[object]]:
    return [
        [
            d.get("severity", ""),
            d.get("code", ""),
            d.get("where") or "",
            d.get("message", ""),
            d.get("hint", ""),
        ]
        for d in diagnostics
    ]


def _diagnostics_html(diagnostics: Sequence[Mapping[str, Any]]) -> str:
    if not diagnostics:
        return "<p>No problems found.</p>"
    return "<h4>Diagnostics</h4>" + _table(
        ["severity", "code", "where", "message", "hint"], _diagnostic_rows(diagnostics)
    )


def _diagnostics_text(diagnostics: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for d in diagnostics:
        where = f"{d.get('where')}: " if d.get("where") else ""
        lines.append(f"{where}{d.get('severity')} {d.get('code')}: {d.get('message')}")
        if d.get("hint"):
            lines.append(f"  hint: {d.get('hint')}")
    return lines


def _cell_rows(plan: Mapping[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for cell in plan.get("cells", []):
        role = cell.get("role") or ""
        if cell.get("metrics"):
            role += " + metrics"
        mutates = ", ".join(cell.get("mutates") or [])
        rows.append(
            [
                cell.get("number", ""),
                role,
                cell.get("signature") or cell.get("name") or "",
                cell.get("module") or "",
                mutates,
            ]
        )
    return rows


def render_plan(plan: Mapping[str, Any]) -> dict[str, str]:
    """The plan of ``nb2pkg.frontends.api.analyze_*`` as HTML and plain text."""
    title = f"{plan.get('notebook', '')} → package {plan.get('package', '')}"
    headers = ["cell", "role", "signature", "module", "mutates"]
    rows = _cell_rows(plan)
    parameters = plan.get("parameters") or []
    parts = [f"<h3>{html.escape(title)}</h3>", _table(headers, rows)]
    if parameters:
        parts.append("<h4>run() parameters</h4>")
        parts.append(
            _table(
                ["name", "default", "type"],
                [[p.get("name"), p.get("default"), p.get("annotation") or ""] for p in parameters],
            )
        )
    parts.append(_diagnostics_html(plan.get("diagnostics") or []))
    text = [title, *("  ".join(str(v) for v in row) for row in rows)]
    text += [f"parameter {p.get('name')} = {p.get('default')}" for p in parameters]
    text += _diagnostics_text(plan.get("diagnostics") or [])
    return {"text/html": "".join(parts), "text/plain": "\n".join(text)}


def render_build(result: Mapping[str, Any]) -> dict[str, str]:
    """A build result (``BuildResult.to_json()``) as HTML and plain text."""
    if result.get("ok"):
        if result.get("up_to_date"):
            headline = f"{result.get('package')} {result.get('version')} is up to date."
        else:
            previous = result.get("previous_version")
            change = f" (was {previous}, {result.get('bump')} bump)" if previous else ""
            headline = f"Built {result.get('package')} {result.get('version')}{change} in {result.get('out_dir')}"
    else:
        headline = "The build stopped; nothing was written."
    rows: list[list[object]] = [
        ["package", result.get("package") or ""],
        ["version", result.get("version") or ""],
        ["previous version", result.get("previous_version") or ""],
        ["output", result.get("out_dir") or ""],
    ]
    changes = list(result.get("changes") or [])
    changed_files = list(result.get("changed_files") or [])
    parts = [f"<h3>{html.escape(headline)}</h3>", _table(["", ""], rows)]
    if changes:
        parts.append("<h4>API changes</h4><ul>")
        parts.extend(f"<li>{html.escape(str(c))}</li>" for c in changes)
        parts.append("</ul>")
    if changed_files:
        parts.append("<h4>Changed files</h4>" + _table(["file"], [[f] for f in changed_files]))
    parts.append(_diagnostics_html(result.get("diagnostics") or []))
    text = [headline, *(f"  {c}" for c in changes), *(f"  changed: {f}" for f in changed_files)]
    text += _diagnostics_text(result.get("diagnostics") or [])
    return {"text/html": "".join(parts), "text/plain": "\n".join(text)}


# --------------------------------------------------------------------------- the magic


class _Progress:
    """An ipywidgets progress bar, or nothing where widgets are not available."""

    def __init__(self, display: Callable[[object], Any], steps: int) -> None:
        self._bar: Any = None
        try:
            import ipywidgets
        except ImportError:
            return
        self._bar = ipywidgets.IntProgress(value=0, min=0, max=steps, description="nb2pkg")
        self._label = ipywidgets.Label("starting")
        display(ipywidgets.HBox([self._bar, self._label]))

    def step(self, label: str) -> None:
        if self._bar is not None:
            self._bar.value += 1
            self._label.value = label

    def finish(self, ok: bool) -> None:
        if self._bar is not None:
            self._bar.value = self._bar.max
            self._bar.bar_style = "success" if ok else "danger"
            self._label.value = "done" if ok else "failed"


class Nb2pkgMagic:
    """State and behaviour of ``%nb2pkg`` for one IPython shell."""

    save_timeout = 3.0
    """Seconds to wait for the frontend to save the notebook before building."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell

    def __call__(self, line: str) -> None:
        from IPython.display import display

        try:
            command, args = parse_line(line)
            location = self._locate(args.notebook)
        except MagicUsageError as error:
            print(str(error))
            return
        if not args.no_save:
            self._ask_frontend_to_save(location.path, display)
        if command == "show":
            self.show(location, display)
        else:
            self.build(location, args, display)

    def _locate(self, explicit: str | None) -> NotebookLocation:
        cwd = Path.cwd()
        if explicit:
            path = Path(explicit).expanduser()
            path = path if path.is_absolute() else cwd / path
            if not path.is_file():
                raise MagicUsageError(f"no notebook at {path}")
            return NotebookLocation(path.resolve(), "the path given")
        connection_file = _connection_file()
        found = find_notebook(self.shell.user_ns, os.environ, cwd, connection_file)
        if found is None:
            raise MagicUsageError(
                "could not tell which notebook this kernel runs; give its path, "
                "e.g. %nb2pkg build analysis.ipynb"
            )
        return found

    def _ask_frontend_to_save(self, path: Path, display: Callable[..., Any]) -> None:
        from IPython.display import Javascript

        before = path.stat().st_mtime_ns
        display(Javascript(_SAVE_SCRIPT))  # type: ignore[no-untyped-call]
        if not _has_frontend(self.shell):
            return
        deadline = time.monotonic() + self.save_timeout
        while time.monotonic() < deadline:
            if path.stat().st_mtime_ns != before:
                time.sleep(0.2)  # Why: let the server finish writing the file it just replaced.
                return
            time.sleep(0.1)

    def show(self, location: NotebookLocation, display: Callable[..., Any]) -> None:
        from nb2pkg.frontends import api

        plan = api.analyze_path(location.path)
        display(render_plan(plan), raw=True)

    def build(
        self, location: NotebookLocation, args: argparse.Namespace, display: Callable[..., Any]
    ) -> None:
        from nb2pkg.frontends import api

        progress = _Progress(display, steps=2)
        progress.step(f"building {location.path.name}")
        result = api.build(
            [location.path],
            args.out_dir,
            name=args.name,
            bump=args.bump,
            version=args.version,
            force=args.force,
            auto=args.auto,
        )
        outcome = result.to_json()
        progress.finish(ok=bool(outcome.get("ok")))
        # Why say so: the build reads the saved file, which may lag behind the open notebook.
        saved = time.strftime("%H:%M:%S", time.localtime(location.path.stat().st_mtime))
        print(f"From {location.path.name} as saved at {saved} (found by {location.how}).")
        display(render_build(outcome), raw=True)
        self.shell.user_ns["_nb2pkg_build"] = outcome


def _connection_file() -> str | None:
    """This kernel's connection file (its name holds the kernel id), when ipykernel runs us."""
    try:
        from ipykernel.connect import get_connection_file

        return str(get_connection_file())
    except Exception:  # not an ipykernel kernel (plain IPython): no clue
        return None


def _has_frontend(shell: Any) -> bool:
    """Whether a browser frontend may act on the save request (a Jupyter server started us)."""
    return bool(os.environ.get("JPY_SESSION_NAME") or shell.user_ns.get("__session__"))


def register(ipython: Any) -> None:
    """Register ``%nb2pkg`` on an IPython shell (called by ``%load_ext nb2pkg``)."""
    magic = Nb2pkgMagic(ipython)
    ipython.register_magic_function(magic, magic_kind="line", magic_name="nb2pkg")
