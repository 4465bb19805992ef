"""The JSON text of the long lists of an answer (its cell and function summaries), kept from
one answer of a notebook to the next.

An analysis planned again after an edit mostly holds the same summaries as the one before (the
same objects, ``nb2pkg.frontends.cell_summaries``): only the items that are new objects are
encoded, and only their text is searched for the server's folders. Each item's text is
``json.dumps`` of its ``to_json()``; a list's text is theirs joined as ``json.dumps`` joins
them, so the answer is the same text as encoding it whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nb2pkg.plan.plan_state_views import changed_places

SPANNING = ",[]"
"""Characters of the JSON text between a list's items and around it: a folder whose JSON form
has none of them can only appear inside one item's text or outside the lists."""


def folder_forms(folders: Sequence[str]) -> tuple[str, ...]:
    """Each folder as it appears inside a JSON string."""
    return tuple(json.dumps(folder)[1:-1] for folder in folders)


def found_whole(forms: Sequence[str]) -> bool:
    """Whether a folder may span the items of a list: its text must be searched whole."""
    return any(mark in form for form in forms for mark in SPANNING)


def names_folder(text: str, forms: Sequence[str]) -> bool:
    return any(form in text for form in forms)


@dataclass
class ListText:
    """The text of each item of a list, and whether it names one of the folders ``forms``."""

    items: Sequence[Any]
    texts: list[str]
    named: list[bool]
    forms: tuple[str, ...]
    joined: str | None = None
    """The item texts joined, once made (kept by the next list when its items are these)."""

    def add_parts(self, parts: list[str]) -> None:
        """Adds the pieces of the list's JSON text to ``parts`` (joined once with the rest)."""
        if self.joined is None:
            self.joined = ", ".join(self.texts)
        parts += ("[", self.joined, "]")

    @property
    def any_named(self) -> bool:
        return True in self.named


class ListEncoder:
    """Encodes lists of items with a ``to_json()``, reusing the texts of the items of the list
    before it (the same objects)."""

    def __init__(self) -> None:
        self.encoded = 0
        """Items encoded so far (the others' text was reused; for tests)."""

    def list_text(
        self, previous: ListText | None, items: Sequence[Any], forms: tuple[str, ...]
    ) -> ListText:
        if previous is None or previous.forms != forms:
            return ListText(items, *self._encoded(items, forms), forms)
        if len(previous.items) == len(items):
            changed = changed_places(previous.items, items)
            if not changed:  # the same items: the same text
                return ListText(items, previous.texts, previous.named, forms, previous.joined)
            texts, named = list(previous.texts), list(previous.named)
            for index in changed:
                texts[index], named[index] = self._one(items[index], forms)
            return ListText(items, texts, named, forms)
        # items came or went: the others are found by identity (the previous ones are alive)
        place = {id(item): index for index, item in enumerate(previous.items)}
        texts, named = [], []
        for item in items:
            at = place.get(id(item))
            if at is not None and previous.items[at] is item:
                text, found = previous.texts[at], previous.named[at]
            else:
                text, found = self._one(item, forms)
            texts.append(text)
            named.append(found)
        return ListText(items, texts, named, forms)

    def _encoded(
        self, items: Sequence[Any], forms: tuple[str, ...]
    ) -> tuple[list[str], list[bool]]:
        texts = [json.dumps(item.to_json()) for item in items]
        self.encoded += len(texts)
        return texts, [names_folder(text, forms) for text in texts]

    def _one(self, item: Any, forms: tuple[str, ...]) -> tuple[str, bool]:
        text = json.dumps(item.to_json())
        self.encoded += 1
        return text, names_folder(text, forms)
