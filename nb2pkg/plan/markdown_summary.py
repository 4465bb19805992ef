"""A markdown cell → the plain-text summary a docstring starts with.

Notebook markdown is written to be rendered: HTML tags, images, links, emphasis, tables,
code fences and paragraphs of prose. A docstring wants a sentence or two of plain text, so
HTML is reduced to its text (images, scripts and styles dropped, entities decoded, via the
standard library's ``html.parser``), markdown images go, links keep their text, emphasis
markers, heading hashes, list and quote markers are removed, and code blocks and tables are
left out. LaTeX (``$\\alpha$``) is kept as written.
"""

from __future__ import annotations

import functools
import html
import itertools
import operator
import re
import textwrap
from collections.abc import Sequence
from html.parser import HTMLParser

from nb2pkg.ir import Cell
from nb2pkg.notebook.raw_cells import CELL_TYPE
from nb2pkg.plan.plan_state_views import changed_places

MAX_SENTENCES = 2
_HEADING = "\x00"
"""Marks a heading block: one sentence, whatever its punctuation."""
MAX_CHARS = 240
WIDTH = 80

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$")
_EMPHASIS = re.compile(
    r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\3(?![\w*])"
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_SENTENCE_END = re.compile(r"(?<=[^\s\d.][.!?])\s+(?=[A-Z`\"'(\[])")


class _TextOnly(HTMLParser):
    """The text of an HTML fragment, without images, scripts and styles."""

    _SILENT = frozenset({"script", "style", "img", "svg", "iframe", "video", "audio"})
    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "center"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SILENT and tag != "img":
            self.silent += 1
        if tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SILENT and tag != "img" and self.silent:
            self.silent -= 1
        if tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.parts.append(data)


def _without_html(text: str) -> str:
    if "<" not in text and "&" not in text:
        return text
    parser = _TextOnly()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep the text as it is
        return html.unescape(text)
    return "".join(parser.parts)


def _blocks(source: str) -> list[str]:
    """Paragraphs of the markdown (headings are paragraphs of their own), markup removed."""
    blocks: list[str] = []
    current: list[str] = []
    fenced = False

    def close() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    for raw in source.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            close()
            continue
        if fenced or (raw.startswith(("    ", "\t")) and not current):
            continue  # code blocks say nothing a docstring should
        if not stripped or _RULE.match(stripped) or _REFERENCE.match(stripped):
            close()
            continue
        if stripped.startswith("|") or stripped.count("|") >= 2:
            close()  # a table row
            continue
        if stripped.startswith("#"):
            close()
            blocks.append(_HEADING + stripped.lstrip("#").strip())
            continue
        stripped = stripped.lstrip("> ").strip() if stripped.startswith(">") else stripped
        if _LIST_MARKER.match(stripped):
            close()
            stripped = _LIST_MARKER.sub("", stripped)
        current.append(stripped)
    close()
    return [b for b in (_inline(block) for block in blocks) if b]


def _inline(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _AUTOLINK.sub(r"\1", text)
    for _ in range(2):  # nested emphasis: ***x***
        text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(4) or "", text)
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=4096)
def markdown_summary(source: str) -> str:
    """The first sentence or two of the markdown, as wrapped plain text ("" if none).

    Cached by text: re-planning after an edit summarises only the markdown that changed."""
    text = "\n\n".join(_blocks(_without_html(source.replace(_HEADING, ""))))
    blocks = [b for b in (re.sub(r"\s+", " ", p).strip() for p in text.split("\n\n")) if b]
    sentences: list[str] = []
    for index, block in enumerate(blocks):
        if block.startswith(_HEADING):
            heading = block[1:].strip()
            if heading and index < len(blocks) - 1 and heading[-1] not in ".!?:;":
                heading += "."  # a heading followed by prose reads as a sentence of its own
            sentences.extend([heading] if heading else [])
        else:
            sentences.extend(s for s in _SENTENCE_END.split(block) if s)
        if len(sentences) >= MAX_SENTENCES:
            break
    chosen: list[str] = []
    for sentence in sentences[:MAX_SENTENCES]:
        if chosen and len(" ".join([*chosen, sentence])) > MAX_CHARS:
            break
        chosen.append(sentence)
    # The first sentence is the summary line; what follows is a paragraph of its own.
    paragraphs = [_shortened(sentence) for sentence in chosen[:1]]
    if chosen[1:]:
        paragraphs.append(_shortened(" ".join(chosen[1:])))
    return "\n\n".join(
        textwrap.fill(p, WIDTH, break_long_words=False, break_on_hyphens=False) for p in paragraphs
    )


def _shortened(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    return text[: MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


_LAST_ABOVE: list[tuple[Sequence[Cell], dict[str, str]]] = []
"""The cells of the last ``markdown_above`` and what it gave."""


def markdown_above(cells: Sequence[Cell]) -> dict[str, str]:
    """The summary of the markdown cell just above each code cell that has one, by the code
    cell's id. The last answer is given back (the same mapping: it is only read) when the
    cells differ from its cells only in the text of code cells keeping their ids (the reader
    gives back the objects of unchanged cells: the others are found at C speed)."""
    last = _LAST_ABOVE[-1] if _LAST_ABOVE else None
    if last is not None and len(last[0]) == len(cells):
        before = last[0]
        if all(
            before[i].cell_type == cells[i].cell_type == "code"
            and before[i].cell_id == cells[i].cell_id
            for i in changed_places(before, cells)
        ):
            _LAST_ABOVE[:] = [(cells, last[1])]
            return last[1]
    types = list(map(CELL_TYPE, cells))
    # the code cells after a markdown cell, found at C speed
    after_markdown = map(
        operator.and_,
        map(operator.eq, types, itertools.repeat("markdown")),
        map(operator.eq, types[1:], itertools.repeat("code")),
    )
    found = {
        cells[index + 1].cell_id: markdown_summary(cells[index].source)
        for index in itertools.compress(range(len(cells) - 1), after_markdown)
    }
    _LAST_ABOVE[:] = [(cells, found)]
    return found
