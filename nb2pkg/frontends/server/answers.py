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

from nb2pkg.frontends.server.answer_lists import (
    ListEncoder,
    ListText,
    folder_forms,
    found_whole,
    names_folder,
)

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

    An analysis planned again after an edit mostly has the same cell and function summaries
    as the one before (the same objects): the text of each summary of a notebook's last answer
    is kept and reused (``nb2pkg.frontends.server.answer_lists``: the answer is the same
    text)."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._texts: OrderedDict[tuple[int, str], tuple[weakref.ref[Any], ShownAnswer]] = (
            OrderedDict()
        )
        self._lists: OrderedDict[str, tuple[ListText, ListText]] = OrderedDict()
        """The texts of the cell and function summaries of the last answer, by the notebook
        it showed (the lists hold the summaries: their ids stay theirs while they are here)."""
        self._cells = ListEncoder()
        self._functions = ListEncoder()

    @property
    def cells_encoded(self) -> int:
        """Cell summaries encoded so far (the others' text was reused; for tests)."""
        return self._cells.encoded

    @property
    def functions_encoded(self) -> int:
        """Function summaries encoded so far (for tests)."""
        return self._functions.encoded

    def text(self, analysis: Any, root: str) -> str:
        """``root_relative_json(analysis.to_json(), root)``, made once per analysis and root."""
        return self.shown(analysis, root).text

    def shown(self, analysis: Any, root: str) -> ShownAnswer:
        """The answer showing ``analysis`` (its text ``text(analysis, root)``), made once per
        analysis and root."""
        key = (id(analysis), root)
        with self._lock:
            known = self._texts.get(key)
        # a dead reference: another object may have the id now
        if known is not None and known[0]() is analysis:
            return known[1]
        shown = self._shown(analysis, root)
        with self._lock:
            self._texts[key] = (weakref.ref(analysis), shown)
            self._texts.move_to_end(key)
            while len(self._texts) > self.keep:
                self._texts.popitem(last=False)
        return shown

    def _shown(self, analysis: Any, root: str) -> ShownAnswer:
        """The answer ``root_relative_json(analysis.to_json(), root)``, the summaries' texts
        reused."""
        folders = _root_prefixes(root)
        forms = folder_forms(list(folders))
        with self._lock:
            previous = self._lists.get(analysis.notebook, (None, None))
        cells = self._cells.list_text(previous[0], analysis.cells, forms)
        functions = self._functions.list_text(previous[1], analysis.functions, forms)
        with self._lock:
            self._lists[analysis.notebook] = (cells, functions)
            self._lists.move_to_end(analysis.notebook)
            while len(self._lists) > self.keep:
                self._lists.popitem(last=False)
        values = {
            key: json.dumps(value) for key, value in analysis.to_json(summaries=False).items()
        }
        rest = object_text(values)
        shown = ShownAnswer(values, cells, functions)
        if found_whole(forms):
            whole = _shown_in_root(shown.text, analysis.to_json, root)
            return shown if whole is shown.text else ShownAnswer.whole(whole)
        if cells.any_named or functions.any_named or names_folder(rest, forms):
            # (a folder of the server replaced in it: its text is not its parts')
            return ShownAnswer.whole(json.dumps(replace_prefixes(analysis.to_json(), folders)))
        return shown


class ShownAnswer:
    """An analyze answer: the JSON text of each member's value (``values``) and of each summary
    of its lists, its text theirs joined (once asked for: an answer delta, ``answer_deltas``,
    names the summaries an earlier answer had instead); or only its text (``whole``)."""

    def __init__(
        self,
        values: Mapping[str, str] | None,
        cells: ListText | None = None,
        functions: ListText | None = None,
        text: str | None = None,
    ) -> None:
        self.values, self.cells, self.functions = values, cells, functions
        self._text = text

    @classmethod
    def whole(cls, text: str) -> ShownAnswer:
        """An answer known by its text alone (not its parts')."""
        return cls(None, text=text)

    @property
    def text(self) -> str:
        if self._text is None:
            assert self.values is not None and self.cells is not None
            assert self.functions is not None
            lists = {"cells": self.cells, "functions": self.functions}
            self._text = "".join(_object_parts(self.values, lists))
        return self._text


def object_text(values: Mapping[str, str]) -> str:
    """The JSON text of an object, from the JSON text of each member's value."""
    return "".join(_object_parts(values))


def _object_parts(
    values: Mapping[str, str], lists: Mapping[str, ListText] | None = None
) -> list[str]:
    """The pieces of the JSON text of an object, from the JSON text of each member's value;
    the members named in ``lists`` hold those lists (joined once, by the caller)."""
    parts = ["{"]
    for key, value in values.items():
        if len(parts) > 1:
            parts.append(", ")
        parts += (json.dumps(key), ": ")
        if lists and key in lists:
            lists[key].add_parts(parts)
        else:
            parts.append(value)
    parts.append("}")
    return parts
