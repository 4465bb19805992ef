"""A request body read into the typed request of its job, with what orders its work.

Read in the request reader process (``analysis_worker.py`` started to read requests), so the
server's own process holds no lock of Python's for a notebook's worth of JSON while
`/api/status` and every other request wait for it; with ``analysis_processes = 0`` on the
server's threads. Either way: the body parsed and checked (``requests.parse_body``), its paths
confined to the root, the request pickled once for the analysis worker, and known by that pickle.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.notebook_deltas import Sender, sender_of

READ = "read"
"""The job of the request reader process: a ``BodyToRead`` → its ``ReadRequest``."""


def _suggest_name_request(data: dict[str, Any], root: str) -> tuple[requests.AnalyzeRequest, str]:
    return requests.propose_request(data, root), requests.cell_id_of(data)


REQUESTS: dict[str, Callable[[dict[str, Any], str], Any]] = {
    "analyze": requests.analyze_request,
    "build": requests.build_request,
    "preview": requests.preview_request,
    "propose": requests.propose_request,
    "suggest-name": _suggest_name_request,
}
"""The typed request of each job (``jobs.JOBS``), from its parsed body and the server's root."""


@dataclass(frozen=True)
class ReadRequest:
    """What the server needs of a request to order its work, and the request for the worker."""

    client_and_path: tuple[str, str] | None
    """The client and notebook path of a request a newer one of theirs supersedes."""
    packed: bytes
    """The typed request, pickled."""
    same_work: str | None
    """Equal for requests asking for the same answer (shared while in flight)."""
    sender: Sender | None = None
    """The client and number of an analyze request (not in ``packed``: two clients asking for
    the same answer share it), for which its notebook is held (``notebook_deltas``)."""


@dataclass(frozen=True)
class BodyToRead:
    endpoint: str
    job: str
    body: bytes
    max_bytes: int
    supersedable: bool


def typed_request(body: BodyToRead, root: str) -> Any:
    """``body`` read as the typed request of its job (a ``RequestProblem`` refuses it)."""
    data = requests.parse_body(body.body, body.max_bytes)
    return with_sender(REQUESTS[body.job](data, root), sender_of(data))


def with_sender(request: Any, sender: Sender | None) -> Any:
    """An analyze request with who sent it (its notebook is held for their next delta)."""
    if sender is None or not isinstance(request, requests.AnalyzeRequest):
        return request
    return dataclasses.replace(request, sender=sender)


def read_request(body: BodyToRead, root: str) -> ReadRequest:
    """``body`` read as a request of its job (a ``RequestProblem`` refuses it)."""
    data = requests.parse_body(body.body, body.max_bytes)
    request = REQUESTS[body.job](data, root)
    packed = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
    if not body.supersedable:
        return ReadRequest(None, packed, None)
    key = same_work_key(body.endpoint, packed)
    return ReadRequest(client_and_path(data), packed, key, sender_of(data))


def same_work_key(endpoint: str, packed: bytes) -> str:
    """Requests with equal keys ask for the same answer: the endpoint and the typed request
    (which holds all of the body but the ``client`` that sent it: two panels showing the same
    notebook content), as pickled for the worker. Equal pickles are equal requests; two equal
    requests pickled differently only miss sharing their work."""
    return endpoint + "\0" + hashlib.sha256(packed).hexdigest()


def client_and_path(data: dict[str, Any]) -> tuple[str, str] | None:
    """An analyze request names its client (e.g. one notebook panel) to let newer ones win."""
    client, path = data.get("client"), data.get("path")
    return (client, path) if isinstance(client, str) and isinstance(path, str) else None


_FIRST_MEMBER_PATH = re.compile(rb'\A\s*\{\s*"path"\s*:\s*("(?:[^"\\]|\\.){0,4096}")')
_TAIL_BYTES = 256
_LAST_MEMBER_CLIENT = re.compile(
    rb'[,{]\s*(?:"seq"\s*:\s*(\d{1,15})\s*,\s*)?"client"\s*:\s*"([^"\\]{1,200})"\s*\}\s*\Z'
)
"""The client's last members: its number for the request (``seq``, optional), then its id."""


def client_and_path_in_body(body: bytes) -> tuple[str, str] | None:
    """``client_and_path`` of an analyze body whose path is its first member and whose client
    is its last (as the JupyterLab extension writes them), found without reading the notebook
    between them; None for any other body (its client and path are known once read).

    In JSON text, a string followed by a colon is a key, and the last member before the text's
    last ``}`` is one of the outer object: so a body that is valid JSON names these. One that is
    not is refused once read; until then it can only supersede its own client's requests."""
    end = _LAST_MEMBER_CLIENT.search(body[-_TAIL_BYTES:])
    start = _FIRST_MEMBER_PATH.match(body)
    if end is None or start is None:
        return None
    try:
        client, path = end.group(2).decode("utf-8"), json.loads(start.group(1))
    except ValueError:  # not UTF-8, or an escape JSON has not
        return None
    return client, path


def order_in_body(body: bytes) -> int | None:
    """The number the client gave this request among its own (``seq``, just before
    ``client``): the extension numbers its requests in the order it sends them, which is not
    always the order they arrive in. None when the body has none."""
    end = _LAST_MEMBER_CLIENT.search(body[-_TAIL_BYTES:])
    return int(end.group(1)) if end is not None and end.group(1) is not None else None


def same_work_in_body(endpoint: str, body: bytes) -> str | None:
    """For a body ``client_and_path_in_body`` reads: a key equal for the bodies that are the same
    but for their client (two panels showing the same notebook content), read or not; None for
    any other body. Bodies written differently for the same request only miss sharing work.
    (The key is of the body before ``seq`` and ``client``, which differ from panel to panel;
    but a delta's cells are its client's: the key of a body that may be one names its client.)"""
    tail = body[-_TAIL_BYTES:]
    end = _LAST_MEMBER_CLIENT.search(tail)
    if end is None:
        return None
    before_client = memoryview(body)[: len(body) - len(tail) + end.start()]
    digest = hashlib.sha256(before_client).hexdigest()
    if may_be_delta(body):
        return endpoint + "\0delta\0" + end.group(2).decode("utf-8", "replace") + "\0" + digest
    return endpoint + "\0body\0" + digest


_DELTA_MEMBER = b'"delta"'


def may_be_delta(body: bytes) -> bool:
    """Whether ``body`` may hold an analyze delta (``notebook_deltas.py``), without reading it:
    every body that does, and the few others holding the string "delta" as a JSON string."""
    return _DELTA_MEMBER in body
