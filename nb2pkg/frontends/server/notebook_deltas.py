"""Analyze requests sent as a delta: the cells unchanged since an answered request named by id.

The JupyterLab extension sends the notebook after every edit; on a notebook of thousands of
cells the body is megabytes, and reading it costs more than analysing the edit. So, once the
server answered one of its requests, a client (one notebook panel) sends instead

    {"path": ..., "delta": {"base": <seq of that request>, "metadata": ..., "nbformat": ..,
     "nbformat_minor": .., "cells": ["<id of an unchanged cell>" | {a new or changed cell}]},
     "seq": n, "client": "..."}

and whoever analyses it (an analysis worker process, or the server's threads with
``analysis_processes = 0``) rebuilds the notebook from the cells it holds of that base
(``HeldNotebooks``), then analyses it exactly as the notebook sent in full. One that does not
hold the base (restarted, another worker, forgotten) refuses it (409, NB815): the client then
sends the notebook in full. Only what a request sent is held, never the saved file. The answer
each request got is held with its cells: a delta may ask for its answer as a delta against its
base's (``answer_deltas``).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import is_, is_not, itemgetter
from typing import Any, TypeGuard, cast

from nb2pkg.frontends.server.answers import ShownAnswer
from nb2pkg.frontends.server.errors import INVALID_REQUEST, UNKNOWN_BASE, RequestProblem
from nb2pkg.notebook.raw_cells import CellColumns, CellPiece, cell_pieces, numbered

MAX_CLIENTS = 32
"""Clients (notebook panels, per notebook path) whose notebooks are held, the most recent."""
MAX_VERSIONS = 4
"""Answered requests held per client: the extension has up to two requests out at a time, so a
delta's base may be a request or two older than the newest one analysed for its client."""


@dataclass(frozen=True)
class NotebookDelta:
    """A notebook as a delta against the request ``base`` of ``client`` (checked in shape)."""

    client: str
    base: int
    metadata: dict[str, Any]
    nbformat: int
    nbformat_minor: int
    cells: tuple[str | dict[str, Any], ...]
    """In order: the id of a cell as the base had it, or a new or changed cell."""
    answer_delta: bool = False
    """Whether the client takes its answer as a delta against the base's (``answer_deltas``)."""


@dataclass(frozen=True)
class Sender:
    """Who sent a request and its number among theirs: its notebook is held under these."""

    client: str
    seq: int


def notebook_delta(delta: Any, client: Any) -> NotebookDelta:
    """The ``delta`` member of an analyze body, checked (400, NB804, for any other shape)."""
    if not isinstance(delta, dict):
        raise _invalid("`delta` must be a JSON object")
    if not isinstance(client, str) or not client:
        raise _invalid("a request with `delta` needs the `client` whose request it builds on")
    members = {"base", "metadata", "nbformat", "nbformat_minor", "cells", "answer_delta"}
    unknown = set(delta) - members
    if unknown:
        raise _invalid(f"`delta` has unknown members: {', '.join(sorted(unknown))}")
    base, cells, metadata = delta.get("base"), delta.get("cells"), delta.get("metadata", {})
    nbformat, minor = delta.get("nbformat", 4), delta.get("nbformat_minor", 5)
    if not _is_count(base):
        raise _invalid("`delta.base` must be the `seq` of an answered request (an integer ≥ 0)")
    if not isinstance(cells, list):
        raise _invalid("`delta.cells` must be a list of cell ids and cells")
    if not set(map(type, cells)) <= {str, dict}:
        raise _invalid("each of `delta.cells` must be a cell id (a string) or a cell (an object)")
    if not isinstance(metadata, dict):
        raise _invalid("`delta.metadata` must be the notebook's metadata object")
    if not _is_count(nbformat) or not _is_count(minor):
        raise _invalid("`delta.nbformat` and `delta.nbformat_minor` must be integers ≥ 0")
    answer_delta = delta.get("answer_delta", False)
    if type(answer_delta) is not bool:
        raise _invalid("`delta.answer_delta` must be true or false")
    return NotebookDelta(client, base, metadata, nbformat, minor, tuple(cells), answer_delta)


def sender_of(data: dict[str, Any]) -> Sender | None:
    """The client and number of a request that names both (its notebook is held for them)."""
    client, seq = data.get("client"), data.get("seq")
    if isinstance(client, str) and client and _is_count(seq):
        return Sender(client, seq)
    return None


_Held = tuple[dict[str, Any], int, CellPiece | None, Any]
"""A cell as held: as sent, its size as JSON (in UTF-8 bytes), and what the notebook reader
reads of it (``raw_cells.cell_pieces``: its piece and its settings; no piece when the reader
reads it another way)."""
_Cells = dict[str, _Held]
"""The cells of one request by id."""
_Version = tuple[_Cells, ShownAnswer | None]
"""What is held of one request: its cells, and its answer (``answer_deltas``)."""
_AS_SENT, _SIZE, _PIECE, _SETTINGS = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(3)
_CELL_ID = itemgetter(0)
"""A piece's id (``raw_cells.CellPiece``)."""


_SHARED: _Held = ({}, 0, None, None)
"""In place of a cell whose id another cell of the notebook has too (neither is held)."""


@dataclass(frozen=True)
class Rebuilt:
    """The notebook a delta stands for, its size as JSON, and its cells by id (to hold)."""

    notebook: dict[str, Any]
    size: int
    cells_by_id: _Cells
    columns: CellColumns | None = None
    """What the notebook reader reads of its cells (``raw_cells.cell_columns``), from the
    cells held and the new ones alone: None when it reads them another way."""


class HeldNotebooks:
    """The cells of the last requests analysed for each of the most recent clients, by id,
    each with the bytes it takes as JSON (a rebuilt notebook is held to the body limit).

    Versions of a client's notebook share the cell objects a delta left unchanged, so holding
    a few costs little more than holding one. Thread-safe (``analysis_processes = 0`` answers
    on the server's threads)."""

    def __init__(self, clients: int = MAX_CLIENTS, versions: int = MAX_VERSIONS) -> None:
        self._clients, self._versions = clients, versions
        self._lock = threading.Lock()
        self._held: OrderedDict[tuple[str, str], OrderedDict[int, _Version]] = OrderedDict()

    def notebook(self, delta: NotebookDelta, path: str) -> Rebuilt:
        """The notebook ``delta`` stands for, its unchanged cells taken from its base (409,
        NB815, when the base or one of the ids it names is not held)."""
        version = self._version(delta.client, path, delta.base)
        if version is None:
            raise _unknown_base(f"request {delta.base} of this client is not held here")
        base = version[0]
        # Read column by column (at C speed: a notebook of thousands of cells, a few new)
        entries = delta.cells
        ids: list[Any] = list(entries)
        new = list(compress(range(len(entries)), map(is_not, map(type, entries), repeat(str))))
        for index in new:
            ids[index] = None  # looked up as no cell of the base
        cells_held: list[_Held | None] = list(map(base.get, ids))
        for index in new:
            cell = entries[index]
            assert isinstance(cell, dict)
            cells_held[index], ids[index] = _held(cell), cell.get("id")
        if None in cells_held:
            missing = str(entries[cells_held.index(None)])
            raise _unknown_base(f"cell {missing[:80]!r} is not one of request {delta.base}")
        held = cast(list[_Held], cells_held)
        notebook = {
            "nbformat": delta.nbformat,
            "nbformat_minor": delta.nbformat_minor,
            "metadata": delta.metadata,
            "cells": list(map(_AS_SENT, held)),
        }
        size = _json_size(delta.metadata) + len(entries) + 64 + sum(map(_SIZE, held))
        pieces = list(map(_PIECE, held))
        # every piece known: each cell has a string id, so the reader reads ids (nbformat 4.5)
        columns = numbered((pieces, list(map(_SETTINGS, held)))) if None not in pieces else None
        return Rebuilt(notebook, size, _by_id(ids, held), columns)

    def remember(
        self, sender: Sender, path: str, notebook: Any, answer: ShownAnswer | None = None
    ) -> None:
        """Hold the cells of ``notebook`` (sent in full), as analysed for ``sender``'s request,
        by id (an id two cells share is not held: a delta naming it is refused), and the
        ``answer`` it got."""
        cells = notebook.get("cells") if isinstance(notebook, dict) else None
        if not isinstance(cells, list):
            return
        read = cell_pieces(cells, 5)
        held: list[_Held]
        ids: list[Any]
        if read is not None:  # (nearly always: every cell read alike, at once)
            held = list(zip(cells, map(_json_size, cells), read[0], read[1], strict=True))
            ids = list(map(_CELL_ID, read[0]))
        else:
            held = [_held(cell) if type(cell) is dict else _SHARED for cell in cells]
            ids = [cell.get("id") if type(cell) is dict else None for cell in cells]
        self._hold((sender.client, path), sender.seq, (_by_id(ids, held), answer))

    def remember_rebuilt(
        self, sender: Sender, path: str, rebuilt: Rebuilt, answer: ShownAnswer | None = None
    ) -> None:
        """Hold the cells of a notebook a delta stood for, as analysed for ``sender``, and the
        ``answer`` it got."""
        self._hold((sender.client, path), sender.seq, (rebuilt.cells_by_id, answer))

    def answer(self, client: str, path: str, seq: int) -> ShownAnswer | None:
        """The answer held for request ``seq`` of ``client`` (None: not held)."""
        version = self._version(client, path, seq)
        return version[1] if version is not None else None

    def held(self) -> int:
        """Notebook versions held (for tests and the worker's stats)."""
        with self._lock:
            return sum(len(versions) for versions in self._held.values())

    def _version(self, client: str, path: str, seq: int) -> _Version | None:
        with self._lock:
            versions = self._held.get((client, path))
            return versions.get(seq) if versions is not None else None

    def _hold(self, key: tuple[str, str], seq: int, version: _Version) -> None:
        cells = version[0]
        if any(map(is_, cells.values(), repeat(_SHARED))):  # (nearly never)
            for cell_id in [cell_id for cell_id, held in cells.items() if held is _SHARED]:
                del cells[cell_id]
        with self._lock:
            versions = self._held.pop(key, None) or OrderedDict()
            versions.pop(seq, None)
            versions[seq] = version
            while len(versions) > self._versions:
                versions.popitem(last=False)
            self._held[key] = versions
            while len(self._held) > self._clients:
                self._held.popitem(last=False)


def _by_id(ids: Sequence[Any], held: Sequence[_Held]) -> _Cells:
    """The cells by id, but those whose id is not a string or another cell's too."""
    by_id: _Cells = dict(zip(ids, held, strict=True))
    if len(by_id) == len(ids) and set(map(type, by_id)) <= {str}:
        return by_id  # (nearly always)
    by_id = {}
    for cell_id, cell in zip(ids, held, strict=True):
        if type(cell_id) is str:
            by_id[cell_id] = cell if cell_id not in by_id else _SHARED
    return by_id


def _held(cell: dict[str, Any]) -> _Held:
    """A cell as held (``_Held``)."""
    read = cell_pieces([cell], 5)
    piece, settings = (read[0][0], read[1][0]) if read is not None else (None, None)
    return cell, _json_size(cell), piece, settings


def _json_size(value: Any) -> int:
    return len(
        json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "surrogatepass"
        )
    )


def _is_count(value: Any) -> TypeGuard[int]:
    return type(value) is int and 0 <= value < 2**53


def _invalid(message: str) -> RequestProblem:
    return RequestProblem(400, INVALID_REQUEST, message, "see the request format in the README")


def _unknown_base(message: str) -> RequestProblem:
    return RequestProblem(
        409,
        UNKNOWN_BASE,
        f"the analyze delta builds on what this server does not hold: {message}",
        "send the whole notebook (`notebook` instead of `delta`); the extension does so itself",
    )
