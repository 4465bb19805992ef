"""Names a packaged cell takes from an import that a later import binds to something else.

The package imports each name once, at the top of its module, as the notebook last imported
it: ``from math import cos`` in one cell, ``x = cos(a)`` in the next, then
``from numpy import cos``, and the package's ``x`` is computed with numpy's ``cos``. A cell that
reads a name while an import below it binds that name from another module is refused (NB317).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.ir import ImportBinding, Role, TaggedCell
from nb2pkg.plan.cell_plans import PACKAGED

ImportSource = tuple[str, int]
"""What an import binds a name to: its dotted path (``from a import b`` and ``import a.b as b``
alike give ``a.b``; ``import a.b`` binds ``a``) and the relative level."""


@dataclass(frozen=True)
class ReboundImport:
    """A name a packaged cell reads from one import that a later import rebinds."""

    item: TaggedCell
    name: str
    line: int | None
    read: ImportBinding
    later: ImportBinding
    later_cell: int


def rebound_import_reads(
    tagged: Sequence[TaggedCell], parsed: Mapping[str, ParsedCell], import_cells: Iterable[int]
) -> Iterator[ReboundImport]:
    """Each name a packaged cell reads from an import while a later cell imports the name from
    elsewhere. ``import_cells``: the positions in ``tagged`` of the cells that import by name."""
    positions = sorted(import_cells)
    last: dict[str, tuple[ImportSource, int, ImportBinding]] = {}
    rebound = False
    for position in positions:
        item = tagged[position]
        if item.role is Role.SKIP:
            continue
        for binding in parsed[item.cell.cell_id].analysis.imports:
            earlier = last.get(binding.bound)
            rebound = rebound or (earlier is not None and earlier[0] != source_of(binding))
            last[binding.bound] = (source_of(binding), position, binding)
    if rebound:
        yield from _reads_of_rebound(tagged, parsed, last)


def source_of(binding: ImportBinding) -> ImportSource:
    if binding.name is not None:
        return f"{binding.module}.{binding.name}", binding.level
    if binding.alias is not None:
        return binding.module, binding.level
    return binding.module.split(".")[0], binding.level


def _reads_of_rebound(
    tagged: Sequence[TaggedCell],
    parsed: Mapping[str, ParsedCell],
    final: Mapping[str, tuple[ImportSource, int, ImportBinding]],
) -> Iterator[ReboundImport]:
    """Walk the cells in order with what each name is bound to there."""
    current: dict[str, ImportBinding] = {}
    for item in tagged:
        if item.role is Role.SKIP:
            continue
        cell = parsed[item.cell.cell_id]
        analysis = cell.analysis
        for binding in analysis.imports:
            current[binding.bound] = binding
        if item.role in PACKAGED and cell.parses:
            for name in analysis.reads:
                read = current.get(name)
                if read is None or name not in final:
                    continue
                source, position, later = final[name]
                if source != source_of(read):
                    line = analysis.first_line_of.get(name)
                    yield ReboundImport(item, name, line, read, later, tagged[position].cell.number)
        imported = {binding.bound for binding in analysis.imports}
        for name in analysis.binds:
            if name not in imported:
                current.pop(name, None)  # the cell's own value from here on
