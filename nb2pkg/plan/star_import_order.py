"""Names a packaged cell imports that star imports make something else in the package.

The package runs every import first, at its module's top: the star imports in the notebook's
order, then the imports by name (``nb2pkg.emit.imports``). A name a star import binds is the
last such star import's in every step, unless an import by name gives it. In the notebook, a
cell read what the imports above it gave: ``from math import *``, ``x = cos(a)``, then
``from numpy import *`` gives the notebook's ``x`` as a float and the package's as a
``numpy.float64``; so does ``from math import cos``, ``from numpy import *``, ``x = cos(a)``
the other way round. Which names a star import binds is not known without importing its module
(unless its source gives a literal ``__all__``: ``nb2pkg.analysis.star_names``), and the build
runs no code: a packaged cell that reads a name an import gave where the package may give it
from another import is refused (NB316). Names bound to modules (``import numpy as np``) are
left out: star imports seldom rebind them.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.analysis.star_names import star_import_names
from nb2pkg.ir import Role, TaggedCell
from nb2pkg.plan.cell_plans import IPYTHON_BUILTINS, PACKAGED


@dataclass(frozen=True)
class Source:
    """An import that gives a name: ``from module import *`` (``star``) or by name."""

    position: int
    module: str
    star: bool


@dataclass(frozen=True)
class StarRead:
    """A packaged cell's reads the package's imports give otherwise."""

    item: TaggedCell
    names: tuple[str, ...]
    line: int | None
    read: Source
    """What gave the first of the names in the notebook, at the cell."""
    given: Source
    """What gives it in the package."""


def rebound_star_reads(
    tagged: Sequence[TaggedCell], parsed: Mapping[str, ParsedCell], star_cells: Iterable[int]
) -> Iterator[StarRead]:
    """Each packaged cell that reads a name whose import in the package is another one than
    the notebook's at the cell. ``star_cells``: the positions in ``tagged`` of the cells that
    hold a star import (the package keeps those of every cell but the skipped ones)."""
    stars: list[Source] = []
    for position in sorted(star_cells):
        item = tagged[position]
        if item.role is not Role.SKIP:
            for module, _line in parsed[item.cell.cell_id].analysis.star_imports:
                stars.append(Source(position, module, star=True))
    if not stars:
        return
    defined, named = _names_of_cells(tagged, parsed)
    for position, item in enumerate(tagged):
        cell = parsed[item.cell.cell_id]
        if item.role not in PACKAGED or not cell.parses:
            continue
        found: dict[str, tuple[Source, Source]] = {}
        for name in cell.analysis.reads:
            if name in defined or hasattr(builtins, name) or name in IPYTHON_BUILTINS:
                continue
            sources = [*named.get(name, ()), *(s for s in stars if _may_bind(s.module, name))]
            given = _in_the_package(sources)
            read = _in_the_notebook(sources, position, given)
            if given is not None and read is not None and read.module != given.module:
                found[name] = (read, given)
        if found:
            names = tuple(found)
            line = min((cell.analysis.first_line_of.get(n) or 0 for n in names), default=0)
            yield StarRead(item, names, line or None, *found[names[0]])


def _in_the_package(sources: list[Source]) -> Source | None:
    """The import that gives the name in the package: the last by name, else the last star."""
    by_name = [s for s in sources if not s.star]
    last = by_name or sources
    return last[-1] if last else None


def _in_the_notebook(sources: list[Source], position: int, given: Source | None) -> Source | None:
    """The import that gave the name to the cell at ``position``: the last one above it (in
    the cell itself, the package's when it is one of them: their order there is not known)."""
    above = [s for s in sources if s.position <= position]
    if not above:
        return None  # read before any import gives it
    last = max(s.position for s in above)
    at_last = [s for s in above if s.position == last]
    return given if given in at_last else at_last[-1]


def _may_bind(module: str, name: str) -> bool:
    """Whether ``from module import *`` may bind ``name`` (any name, unless its source says)."""
    names = star_import_names(module)
    return names is None or name in names


def _names_of_cells(
    tagged: Sequence[TaggedCell], parsed: Mapping[str, ParsedCell]
) -> tuple[set[str], dict[str, list[Source]]]:
    """The names some cell that runs binds, defines or binds to a module by importing it; and
    the imports by name (``from m import name``) of each name, in order."""
    defined: set[str] = set()
    named: dict[str, list[Source]] = {}
    for position, item in enumerate(tagged):
        if item.role is Role.SKIP:
            continue
        analysis = parsed[item.cell.cell_id].analysis
        defined.update(analysis.binds, analysis.defines)
        for binding in analysis.imports:
            if binding.name is None:
                defined.add(binding.bound)
            else:
                named.setdefault(binding.bound, []).append(
                    Source(position, binding.module, star=False)
                )
    return defined, named
