"""Analyze answers as deltas: the summaries an earlier answer of the client had, named by place.

An answer to an analyze request on a notebook of thousands of cells is megabytes of JSON (a
summary per cell), and after one edit nearly every summary is as it was. A delta request that
asks for it (``"answer_delta": true`` in its ``delta``) is answered, when whoever analyses it
holds the answer it gave the delta's base, with

    {"answer_base": <seq of that request>, "notebook": ..., ... (every other member in full),
     "cells": [[start, count] | {a new or changed summary}, ...], "functions": [...]}

where ``[start, count]`` stands for the ``count`` summaries of the base answer's list from
``start`` on. The client puts them back in place and has the answer as it would have had it
whole (``labextension/src/deltas.ts``). Any other request gets its answer whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from nb2pkg.frontends.server.answers import ShownAnswer, object_text

ANSWER_BASE = "answer_base"
"""The member naming the request whose answer a delta answer builds on (it comes first)."""


def answer_delta_text(shown: ShownAnswer, base: ShownAnswer, base_seq: int) -> str | None:
    """The text of ``shown`` as a delta against ``base`` (the answer to request ``base_seq``);
    None when either is not made of its summaries' texts (then the answer goes whole)."""
    if (
        shown.values is None
        or shown.cells is None
        or shown.functions is None
        or base.cells is None
        or base.functions is None
    ):
        return None
    values = {ANSWER_BASE: json.dumps(base_seq), **shown.values}
    values["cells"] = _references(shown.cells.texts, base.cells.texts)
    values["functions"] = _references(shown.functions.texts, base.functions.texts)
    return object_text(values)


def _references(texts: Sequence[str], before: Sequence[str]) -> str:
    """The JSON text of a list whose items are ``texts``: each run of items that are the items
    of ``before`` from some place on as ``[start, count]``, any other item as its text."""
    found: dict[str, int] | None = None
    parts: list[str] = []
    start = count = 0
    for index, text in enumerate(texts):
        # most summaries are the very text at the same place (after an edit inside a cell)
        if index < len(before) and before[index] is text:
            at: int | None = index
        else:
            if found is None:
                found = {}
                for place, known in enumerate(before):
                    found.setdefault(known, place)
            at = found.get(text)
        if at is not None and count and at == start + count:
            count += 1
            continue
        if count:
            parts.append(f"[{start}, {count}]")
        if at is None:
            parts.append(text)
            count = 0
        else:
            start, count = at, 1
    if count:
        parts.append(f"[{start}, {count}]")
    return "[" + ", ".join(parts) + "]"
