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
from itertools import compress, count, islice
from operator import is_not

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
    of ``before`` from some place on as ``[start, count]``, any other item as its text.

    A run goes on at C speed while the items are the very same strings (an analysis planned
    again keeps the texts of the summaries it did not change). Where it stops, the next run
    is looked for at the same place, where the last run ended (an item inserted) and just
    after (an item removed); an item found at none of them is sent."""
    parts: list[str | list[int]] = []
    index, expected = 0, 0
    while index < len(texts):
        text = texts[index]
        at = next((at for at in (index, expected, expected + 1) if _at(before, at) == text), None)
        if at is None:
            parts.append(text)
            index += 1
            continue
        length = 1 + _same_run(texts, index + 1, before, at + 1)
        last = parts[-1] if parts else None
        if isinstance(last, list) and last[0] + last[1] == at:
            last[1] += length
        else:
            parts.append([at, length])
        index, expected = index + length, at + length
    return "[" + ", ".join(f"[{p[0]}, {p[1]}]" if isinstance(p, list) else p for p in parts) + "]"


def _at(items: Sequence[str], index: int) -> str | None:
    return items[index] if index < len(items) else None


def _same_run(texts: Sequence[str], start: int, before: Sequence[str], at: int) -> int:
    """How many items of ``texts`` from ``start`` on are the very items of ``before`` from
    ``at`` on."""
    longest = max(0, min(len(texts) - start, len(before) - at))
    pairs = map(is_not, islice(texts, start, None), islice(before, at, None))
    return next(compress(count(), pairs), longest)
