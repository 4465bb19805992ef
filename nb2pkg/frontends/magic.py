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

Finding the notebook is in ``nb2pkg.frontends.notebook_location``; showing a plan or a build
result in ``nb2pkg.frontends.magic_display``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nb2pkg.frontends.magic_display import render_build, render_plan
from nb2pkg.frontends.notebook_location import NotebookLocation, find_notebook

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
        display(render_plan(plan.to_json()), raw=True)

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
