"""What the auto-marker reads from a notebook's raw cells (``nb2pkg.plan.automark``): each
code cell's tags, analysis and heading, the notebook's title, and the names tags already give.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nb2pkg.analysis.cell import ParsedCell, analyze_cell
from nb2pkg.ir import Role
from nb2pkg.notebook.ipython_syntax import has_ipython_syntax
from nb2pkg.plan.step_names import words_of
from nb2pkg.roles.vocabulary import PREDICT_PREFIX, nbdev_tags, prefix_of, role_of_tag, value_of

_MAX_NAME_WORDS = 5


def has_role(tags: Sequence[str], source: str = "") -> bool:
    """Whether a cell is already marked (by a tag or an nbdev directive); ``predict`` makes
    a function too."""
    return any(
        role_of_tag(t) is not None or prefix_of(t) == PREDICT_PREFIX
        for t in (*tags, *nbdev_tags(source))
    )


def source_text(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def cell_tags(cell: Mapping[str, Any]) -> tuple[str, ...]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, Mapping) else None
    return tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ()


# --------------------------------------------------------------------------- headings


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_SETEXT = re.compile(r"^(\S.*)\n(=+|-+)\s*$", re.MULTILINE)


def _headings(markdown: str) -> list[tuple[int, int, str]]:
    """(position, level, text) of each heading of a markdown cell, in order."""
    found = [(m.start(), len(m.group(1)), m.group(2)) for m in _HEADING.finditer(markdown)]
    found += [
        (m.start(), 1 if m.group(2).startswith("=") else 2, m.group(1))
        for m in _SETEXT.finditer(markdown)
    ]
    return sorted(found)


def last_heading(markdown: str) -> str | None:
    """The last heading of a markdown cell (ATX ``# …`` or setext underline)."""
    headings = _headings(markdown)
    return headings[-1][2] if headings else None


def snake_case(heading: str) -> str:
    """``"2. Load the *raw* data!"`` → ``"load_the_raw_data"``; may return ``""``."""
    return "_".join(words_of(heading)[:_MAX_NAME_WORDS])


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class CellFacts:
    index: int
    cell_id: str
    tags: tuple[str, ...]
    parsed: ParsedCell
    heading: str | None
    heading_key: int | None
    heading_level: int
    marked: bool
    ipython: bool


def existing_names(cells: Sequence[Mapping[str, Any]]) -> set[str]:
    """Names a proposed function must not take: the names existing role tags give."""
    taken: set[str] = set()
    for cell in cells:
        for tag in cell_tags(cell):
            if role_of_tag(tag) in (Role.FUNCTION, Role.TEST) and value_of(tag):
                taken.add(value_of(tag))
    return taken


def cell_facts(cells: Sequence[Mapping[str, Any]]) -> list[CellFacts]:
    facts: list[CellFacts] = []
    heading: tuple[int | None, int, str | None] = (None, 0, None)
    """(number of the heading in the notebook, level, text) of the heading code is under."""
    count = 0
    for index, cell in enumerate(cells):
        source = source_text(cell)
        if cell.get("cell_type") == "markdown":
            found = _headings(source)
            if found:
                count += len(found)
                heading = (count - 1, found[-1][1], found[-1][2])
            continue
        if cell.get("cell_type") != "code":
            continue
        tags = cell_tags(cell)
        cell_id = str(cell.get("id", f"cell-{index + 1}"))
        facts.append(
            CellFacts(
                index,
                cell_id,
                tags,
                analyze_cell(source),
                heading[2],
                heading[0],
                heading[1],
                has_role(tags, source),
                has_ipython_syntax(source),
            )
        )
    return facts


def title_key(cells: Sequence[Mapping[str, Any]]) -> int | None:
    """The notebook's title: its first heading, when it is the only one of level 1 and
    sections follow, or it is the only heading and comes before any code (0, the number of
    that heading, or None). Code under a title is named from what it computes."""
    levels: list[int] = []
    first_at: int | None = None
    for position, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        for _, level, _ in _headings(source_text(cell)):
            levels.append(level)
            first_at = position if first_at is None else first_at
    if not levels or levels[0] != 1 or any(level == 1 for level in levels[1:]):
        return None
    code_before = any(c.get("cell_type") == "code" for c in cells[: first_at or 0])
    return 0 if len(levels) > 1 or not code_before else None
