"""Analyze request bodies as the JupyterLab extension writes them (``labextension/src/deltas.ts``):
the whole notebook first, then, once a request was answered, deltas against it (cells unchanged
since then by their id); a delta refused 409 NB815 is sent again in full. For the benchmarks."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

UNKNOWN_BASE = "NB815"
ANSWER_DELTAS = importlib.util.find_spec("nb2pkg.frontends.server.answer_deltas") is not None
"""Whether the nb2pkg measured answers deltas as deltas (an older tree: not)."""


def cell_texts(
    notebook: dict[str, Any],
    known: dict[str, str] | None = None,
    changed: Collection[str] = (),
) -> dict[str, str] | None:
    """Each cell's JSON text by id; None when a cell has no id of its own (sent in full).

    ``known``: the texts written for an earlier request, reused for every cell but those whose
    ids are in ``changed`` (a client that follows its edits writes only the edited cells again;
    the texts are the same as when every cell is written)."""
    texts: dict[str, str] = {}
    for cell in notebook["cells"]:
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not cell_id or cell_id in texts:
            return None
        text = known.get(cell_id) if known is not None and cell_id not in changed else None
        texts[cell_id] = text if text is not None else json.dumps(cell, separators=(",", ":"))
    return texts


def body_text(path: str, content: dict[str, Any], seq: int, client: str) -> bytes:
    """Path first, seq and client last, as ``JSON.stringify`` writes the extension's body."""
    body = {"path": path, **content, "seq": seq, "client": client}
    return json.dumps(body, separators=(",", ":")).encode()


def delta_of(
    notebook: dict[str, Any], texts: dict[str, str], base: int, before: dict[str, str]
) -> dict[str, Any]:
    cells = [
        cell["id"] if before.get(cell["id"]) == texts[cell["id"]] else cell
        for cell in notebook["cells"]
    ]
    return {
        "base": base,
        "metadata": notebook["metadata"],
        "nbformat": notebook["nbformat"],
        "nbformat_minor": notebook["nbformat_minor"],
        "cells": cells,
        # as the extension asks, when the nb2pkg measured answers so
        **({"answer_delta": True} if ANSWER_DELTAS else {}),
    }


class DeltaClient:
    """One panel's analyze requests: deltas against the newest answered one, when there is one."""

    def __init__(self, path: str, client: str) -> None:
        self.path, self.client = path, client
        self._lock = threading.Lock()
        self._base: tuple[int, dict[str, str]] | None = None
        self._written: dict[str, str] | None = None
        """The cells' texts of the last body (one thread writes the bodies)."""
        self.resent = 0
        """Deltas refused 409 NB815 and sent again in full."""

    def body(
        self, notebook: dict[str, Any], seq: int, changed: Collection[str] | None = None
    ) -> tuple[bytes, Sent]:
        """Request ``seq``'s body, and what it sent (for ``answered`` or ``in_full``).

        ``changed``: the ids of the only cells edited since the last body (None: not known,
        every cell's text is written again)."""
        known = self._written if changed is not None else None
        texts = cell_texts(notebook, known, changed or ())
        self._written = texts
        sent = Sent(seq, texts, None)
        with self._lock:
            base = self._base
        if texts is None or base is None:
            return body_text(self.path, {"notebook": notebook}, seq, self.client), sent
        delta = delta_of(notebook, texts, base[0], base[1])
        head = {k: notebook[k] for k in ("nbformat", "nbformat_minor", "metadata")}
        sent = Sent(seq, texts, json.dumps(head, separators=(",", ":")))
        return body_text(self.path, {"delta": delta}, seq, self.client), sent

    def full_body(self, notebook: dict[str, Any], seq: int) -> bytes:
        """Request ``seq``'s body with the whole notebook (as before deltas)."""
        return body_text(self.path, {"notebook": notebook}, seq, self.client)

    def in_full(self, sent: Sent) -> bytes:
        """The body of the edit ``sent`` as a delta, with the whole notebook (the notebook may
        have changed since: it is made of the cells' texts as they were sent)."""
        with self._lock:
            self.resent += 1
        assert sent.texts is not None and sent.head is not None
        notebook = sent.head[:-1] + ',"cells":[' + ",".join(sent.texts.values()) + "]}"
        return (
            f'{{"path":{json.dumps(self.path)},"notebook":{notebook},'
            f'"seq":{sent.seq},"client":{json.dumps(self.client)}}}'
        ).encode()

    def answered(self, sent: Sent) -> None:
        with self._lock:
            if sent.texts is not None and (self._base is None or sent.seq > self._base[0]):
                self._base = (sent.seq, sent.texts)


@dataclass(frozen=True)
class Sent:
    """What a request sent: its number, its cells' texts (None: not all with an id of their
    own), and the rest of a delta's notebook as JSON (None for a whole notebook)."""

    seq: int
    texts: dict[str, str] | None
    head: str | None

    @property
    def is_delta(self) -> bool:
        return self.head is not None
