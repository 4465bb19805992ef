"""The work of the analyze, build, preview, propose and suggest-name endpoints, by name.

A handler validates its request on the server (``requests.py``: the paths confined to the
root) and hands the typed request to ``run_job``, in the analysis worker process
(``analysis_worker.py``) or, with ``c.Nb2pkgServer.analysis_processes = 0``, on the server's
worker threads. Either way the answer is the same JSON text.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.answer_deltas import answer_delta_text
from nb2pkg.frontends.server.answers import RecentAnswers, root_relative_json
from nb2pkg.frontends.server.notebook_deltas import HeldNotebooks, Sender
from nb2pkg.frontends.server.request_reading import BodyToRead, typed_request, with_sender
from nb2pkg.frontends.server.requests import body_too_large
from nb2pkg.frontends.server.workload import WorkLimits, check_workload, saved_notebook

ANSWERS = RecentAnswers()
"""The text of recent analyze answers: an edit that leaves the analysis as it was is answered
with the same text."""
HELD = HeldNotebooks()
"""The notebooks analysed for the most recent clients: their next request may be a delta."""


def analyze(request: requests.AnalyzeRequest, root: str, limits: WorkLimits) -> str:
    from nb2pkg.analysis.collector import fewer_collections

    # (a delta's notebook is rebuilt from thousands of held cells: collected as the analysis)
    with fewer_collections():
        return _answer_text(request, root, limits)


def _answer_text(request: requests.AnalyzeRequest, root: str, limits: WorkLimits) -> str:
    from nb2pkg.frontends import api

    notebook, rebuilt = request.notebook, None
    if request.delta is not None:
        rebuilt = HELD.notebook(request.delta, str(request.path))
        if limits.max_notebook_bytes is not None and rebuilt.size > limits.max_notebook_bytes:
            raise body_too_large(rebuilt.size, limits.max_notebook_bytes)
        notebook = rebuilt.notebook
    if notebook is None:
        check_workload([saved_notebook(request.path)], limits)
        analysis = api.analyze_path(
            request.path, package=request.package, shown=request.display_path
        )
    else:
        check_workload([notebook], limits)
        analysis = api.analyze_notebook(
            notebook,
            request.display_path,
            package=request.package,
            path=str(request.path),
            columns=rebuilt.columns if rebuilt is not None else None,
        )
    shown = ANSWERS.shown(analysis, root)
    text = shown.text
    delta = request.delta
    if delta is not None and delta.answer_delta:  # (its base's answer looked up before holding)
        base = HELD.answer(delta.client, str(request.path), delta.base)
        text = (answer_delta_text(shown, base, delta.base) if base else None) or text
    if request.sender is not None and rebuilt is not None:
        HELD.remember_rebuilt(request.sender, str(request.path), rebuilt, shown)
    elif request.sender is not None and notebook is not None:
        HELD.remember(request.sender, str(request.path), notebook, shown)
    return text


def build(request: requests.BuildRequest, root: str, limits: WorkLimits) -> dict[str, Any]:
    from nb2pkg.frontends import api

    check_workload((saved_notebook(path) for path in request.notebooks), limits)
    result = api.build(
        list(request.notebooks),
        request.out_dir,
        name=request.name,
        bump=request.bump,
        version=request.version,
        force=request.force,
        root=request.notebooks[0].parent,
        # An output folder from [tool.nb2pkg] is not in the request: the writer confines it.
        confine_to=Path(root),
    )
    payload = result.to_json()
    payload["out_dir"] = _shown(Path(payload["out_dir"]), root)
    return payload


def preview(request: requests.PreviewRequest, root: str, limits: WorkLimits) -> dict[str, Any]:
    from nb2pkg.frontends.server.preview import preview as preview_modules

    return preview_modules(request, root, limits)


def propose(request: requests.AnalyzeRequest, root: str, limits: WorkLimits) -> dict[str, Any]:
    from nb2pkg.frontends.server.propose import propose as propose_marking

    return propose_marking(request, limits)


def suggest_name(
    request: tuple[requests.AnalyzeRequest, str], root: str, limits: WorkLimits
) -> dict[str, Any]:
    from nb2pkg.frontends.server.propose import suggest_name as suggested

    notebook, cell_id = request
    return suggested(notebook, cell_id, limits)


JOBS: dict[str, Callable[[Any, str, WorkLimits], dict[str, Any] | str]] = {
    "analyze": analyze,
    "build": build,
    "preview": preview,
    "propose": propose,
    "suggest-name": suggest_name,
}


@dataclass(frozen=True)
class PickledRequest:
    """A typed request as the server pickled it once (``handlers.py``), for a worker process,
    and who sent it (``request_reading.ReadRequest.sender``)."""

    packed: bytes
    sender: Sender | None = None

    def request(self) -> Any:
        # only the server that started the worker writes to its pipe
        return with_sender(pickle.loads(self.packed), self.sender)


def run_job(name: str, request: Any, root: str, limits: WorkLimits) -> str:
    """The JSON text answering the request of job ``name``, typed, pickled or a body still to
    read (a ``RequestProblem`` refuses it)."""
    if isinstance(request, PickledRequest):
        request = request.request()
    elif isinstance(request, BodyToRead):
        request = typed_request(request, root)
    result = JOBS[name](request, root, limits)
    return result if isinstance(result, str) else root_relative_json(result, root)


def warm_imports() -> None:
    """Import what the first analysis of plain Python cells needs and run it once on a
    one-cell notebook; no user code runs. IPython's transformer, which only cells with IPython
    syntax need, is ``warm_ipython``'s: a worker imports it after it says it is ready, while
    no request waits, so a request right after the server starts waits for less."""
    from nb2pkg.frontends import api

    api.analyze_notebook(_warm_up_notebook("total = 1 + 1\n"), "warm-up.ipynb")


def warm_ipython() -> None:
    """Import IPython's transformer and analyse a ``%time`` line with it once."""
    from nb2pkg.frontends import api

    api.analyze_notebook(_warm_up_notebook("%time total = 1 + 1\n"), "warm-up.ipynb")


def _warm_up_notebook(source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": "code",
        "id": "warm-up",
        "metadata": {"tags": ["function:warm_up"]},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}


def _shown(path: Path, root: str) -> str:
    """A path inside the root as the user sees it; "" for any other path."""
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return ""
