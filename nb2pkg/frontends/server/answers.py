"""Answers show the server's disk only relative to its root directory.

Diagnostics from the build name files by absolute paths (the command line shows them so). In an
answer of the server, a path inside the root becomes root-relative (``sub/nb.ipynb``) and a path
in a folder above the root becomes relative to the root (``../pkg``), so no answer tells a client
where the server's files live; other folders (a private scratch folder) get a placeholder.
"""

from __future__ import annotations

import json
import os
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any, TypeVar, cast

T = TypeVar("T")

_PATH_END = r"(?=$|[\s'\"`:;,)\]}])"
"""A prefix replaced without a following ``/`` must end where the path ends."""


def root_relative_json(payload: Any, root: str) -> str:
    """The JSON text of ``with_root_relative_paths(payload, root)``.

    Most answers name no folder of the server at all: when the JSON text holds none of the
    folders (as JSON writes them), no string in it does, and the text is the answer as is.
    """
    return _shown_in_root(json.dumps(payload), lambda: payload, root)


def _shown_in_root(text: str, payload: Callable[[], Any], root: str) -> str:
    """``text`` (the JSON text of ``payload()``) when it names no folder of the root or above,
    else the JSON text of ``payload()`` with those folders made relative."""
    folders = _root_prefixes(root)
    if not any(json.dumps(folder)[1:-1] in text for folder in folders):
        return text
    return json.dumps(replace_prefixes(payload(), folders))


def with_root_relative_paths(payload: T, root: str) -> T:
    """``payload`` (JSON values) with absolute paths of the root and its parents made relative."""
    return replace_prefixes(payload, _root_prefixes(root))


def _root_prefixes(root: str) -> dict[str, str]:
    """Each absolute folder from the root up (as given and resolved) → how answers show it."""
    prefixes: dict[str, str] = {}
    for base in (os.path.abspath(root), os.path.realpath(root)):
        ups = [str(p) for p in (PurePosixPath(base), *PurePosixPath(base).parents)]
        ups = [folder for folder in ups if folder != "/"]  # a server rooted at / hides nothing
        for level, folder in enumerate(ups):
            prefixes.setdefault(folder, "/".join([".."] * level) or ".")
    return prefixes


def replace_prefixes(payload: T, prefixes: Mapping[str, str]) -> T:
    """``payload`` with each absolute folder of ``prefixes`` (and the paths in it) shown by its
    replacement; a replacement "." vanishes before the rest of a path."""
    if not prefixes:
        return payload
    ordered = sorted(prefixes, key=len, reverse=True)
    pattern = re.compile("|".join(f"{re.escape(folder)}(?:/|{_PATH_END})" for folder in ordered))

    def shown(match: re.Match[str]) -> str:
        text = match.group(0)
        replacement = prefixes[text.removesuffix("/")]
        if not text.endswith("/"):
            return replacement
        return "" if replacement == "." else replacement + "/"

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(shown, value)
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        return value

    return cast(T, walk(payload))


class RecentAnswers:
    """The JSON text of the last answers, by the analysis they show: an analysis reused after
    an edit (``nb2pkg.frontends.reanalysis``) is the same object, and its text is not made
    again. Only the texts are kept (and weak references: the analyses stay the records').

    An analysis planned again after an edit mostly has the same cell summaries as the one
    before (the same objects): the text of each summary of a notebook's last answer is kept
    and reused (JSON text as ``json.dumps`` writes it: the answer is the same text)."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._texts: OrderedDict[tuple[int, str], tuple[weakref.ref[Any], str]] = OrderedDict()
        self._cell_texts: OrderedDict[str, dict[int, tuple[Any, str]]] = OrderedDict()
        """The text of each cell summary of the last answer (by the summary's id, with the
        summary: its id stays its own while it is here), by the notebook it showed."""
        self.cells_encoded = 0
        """Cell summaries encoded so far (the others' text was reused; for tests)."""

    def text(self, analysis: Any, root: str) -> str:
        """``root_relative_json(analysis.to_json(), root)``, made once per analysis and root."""
        key = (id(analysis), root)
        with self._lock:
            known = self._texts.get(key)
        # a dead reference: another object may have the id now
        if known is not None and known[0]() is analysis:
            return known[1]
        text = _shown_in_root(self._encoded(analysis), analysis.to_json, root)
        with self._lock:
            self._texts[key] = (weakref.ref(analysis), text)
            self._texts.move_to_end(key)
            while len(self._texts) > self.keep:
                self._texts.popitem(last=False)
        return text

    def _encoded(self, analysis: Any) -> str:
        """``json.dumps(analysis.to_json())``, with the text of each cell summary reused from
        the notebook's last answer when that showed the same summary (the same object: the
        summaries of cells an edit leaves as they were are, ``nb2pkg.frontends.cell_summaries``)."""
        with self._lock:
            known = self._cell_texts.get(analysis.notebook, {})
        texts: dict[int, tuple[Any, str]] = {}
        for cell in analysis.cells:
            hit = known.get(id(cell))
            if hit is not None and hit[0] is cell:
                texts[id(cell)] = hit
            else:
                texts[id(cell)] = (cell, json.dumps(cell.to_json()))
                self.cells_encoded += 1
        cells = "[" + ", ".join(texts[id(cell)][1] for cell in analysis.cells) + "]"
        fields = analysis.to_json(cells=False)
        members = (
            f"{json.dumps(key)}: {cells if key == 'cells' else json.dumps(value)}"
            for key, value in fields.items()
        )
        encoded = "{" + ", ".join(members) + "}"
        with self._lock:
            self._cell_texts[analysis.notebook] = texts
            self._cell_texts.move_to_end(analysis.notebook)
            while len(self._cell_texts) > self.keep:
                self._cell_texts.popitem(last=False)
        return encoded
