"""A notebook's cells from its JSON, the objects of unchanged cells given back.

The cells read lately without ``nb2pkg`` settings are kept by everything they hold: a notebook
read again after one edit gives back the very objects of its unchanged cells, so that the
analyses keyed by cell identity downstream find them. A notebook as JupyterLab sends it (each
cell a dictionary with its source as one string, string ids and tags, ids all different) is
read column by column at C speed (``operator``, ``map``) and each cell looked up at once;
anything else is read cell by cell.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nb2pkg.ir import Cell

CellKey = tuple[int, str, str, str, tuple[str, ...], int | None]
RECENT_CELLS: dict[CellKey, Cell] = {}
"""The cells read lately without ``nb2pkg`` settings, by everything they hold."""
RECENT_CELLS_KEPT = 65_536

CELL_TYPE = operator.attrgetter("cell_type")
SOURCE = operator.attrgetter("source")
CellColumns = tuple[list[CellKey], list[Any]]
"""Each cell's key and its ``nb2pkg`` settings (None when it has none)."""
CellPiece = tuple[str, str, str, tuple[str, ...], int | None]
"""A cell's key but its number (its place): its id, type, source, tags and execution count."""
CellPieces = tuple[list[CellPiece], list[Any]]
"""Each cell's piece and its ``nb2pkg`` settings (None when it has none)."""
_FIRST = operator.itemgetter(0)
_UNREAD: Any = object()
_NO_METADATA: Mapping[str, Any] = {}
_NO_TAGS: list[str] = []
_COUNT_TYPES = frozenset({int, type(None)})


def read_cells(
    raw_cells: list[Mapping[str, Any]], minor: int, columns: Any = _UNREAD
) -> tuple[Cell, ...]:
    """The cells of a notebook whose cells passed the structure check (each a dictionary,
    its source text, its metadata a dictionary whose tags are a list); ``columns``: its
    ``cell_columns`` when already read."""
    if columns is _UNREAD:
        columns = cell_columns(raw_cells, minor)
    if columns is None:
        return _cells_one_by_one(raw_cells, minor)
    keys: list[CellKey] = columns[0]
    settings: list[Any] = columns[1]
    cells = list(map(RECENT_CELLS.get, keys))
    if not all(cells) or any(settings):  # a miss is None (a cell itself is always true)
        for index, (number, cell_id, cell_type, source, tags, count) in enumerate(keys):
            if cells[index] is None or settings[index]:
                cell = _cell(number, cell_id, cell_type, source, tags, count, settings[index] or {})
                cells[index] = cell
    return tuple(cells)  # type: ignore[arg-type]


def plainly_structured(raw_cells: list[Any]) -> bool:
    """Whether each cell is a plain dictionary whose source is one string and whose metadata
    (if any) is a plain dictionary whose tags (if any) are a list: a check made at C speed,
    which the structure check needs to make cell by cell only when this says no."""
    if not set(map(type, raw_cells)) <= {dict}:
        return False
    sources = map(dict.get, raw_cells, itertools.repeat("source"), itertools.repeat(""))
    metadata = list(
        map(dict.get, raw_cells, itertools.repeat("metadata"), itertools.repeat(_NO_METADATA))
    )
    if not set(map(type, sources)) <= {str} or not set(map(type, metadata)) <= {dict}:
        return False
    tags = map(dict.get, metadata, itertools.repeat("tags"), itertools.repeat(_NO_TAGS))
    return set(map(type, tags)) <= {list}


def code_flags(cells: Sequence[Cell]) -> Iterator[bool]:
    """Whether each cell is a code cell, in order (at C speed)."""
    return map(operator.eq, map(CELL_TYPE, cells), itertools.repeat("code"))


def has_code(cells: Sequence[Cell]) -> bool:
    """Whether a code cell holds more than blanks."""
    return any(map(str.strip, itertools.compress(map(SOURCE, cells), code_flags(cells))))


def cell_columns(raw_cells: Sequence[Any], minor: int) -> CellColumns | None:
    """Each cell's key and its settings, read column by column; None unless every cell is a
    plain dictionary with a string source, a string id of its own, string tags, an integer
    (or no) execution count and dictionary (or no) settings."""
    pieces = cell_pieces(raw_cells, minor)
    return numbered(pieces) if pieces is not None else None


def cell_pieces(raw_cells: Sequence[Any], minor: int) -> CellPieces | None:
    """Each cell's key but its number, and its settings, read column by column (what
    ``cell_columns`` reads of each cell alone: whether ids repeat is the notebook's)."""
    if minor < 5 or not set(map(type, raw_cells)) <= {dict}:
        return None

    def column(raws: Sequence[Any], name: str, default: Any = None) -> list[Any]:
        return list(map(dict.get, raws, itertools.repeat(name), itertools.repeat(default)))

    ids, sources = column(raw_cells, "id"), column(raw_cells, "source", "")
    types, counts = column(raw_cells, "cell_type", "code"), column(raw_cells, "execution_count")
    metadata = column(raw_cells, "metadata", _NO_METADATA)
    if (
        not set(map(type, (*ids, *sources, *types))) <= {str}
        or "" in ids
        or not set(map(type, counts)) <= _COUNT_TYPES
        or not set(map(type, metadata)) <= {dict}
    ):
        return None
    tag_lists, settings = column(metadata, "tags", _NO_TAGS), column(metadata, "nb2pkg")
    if (
        not set(map(type, tag_lists)) <= {list}
        or not set(map(type, itertools.chain.from_iterable(tag_lists))) <= {str}
        or not set(map(type, filter(None, settings))) <= {dict}
    ):
        return None
    return list(zip(ids, types, sources, map(tuple, tag_lists), counts, strict=True)), settings


def numbered(pieces: CellPieces) -> CellColumns | None:
    """The columns of the notebook whose cells, in order, have these pieces (from
    ``cell_pieces``); None when two cells share an id."""
    keys, settings = pieces
    if len(set(map(_FIRST, keys))) != len(keys):
        return None
    numbers = zip(range(1, len(keys) + 1))  # (1,), (2,), ...: each key's number, first
    return list(map(tuple.__add__, numbers, keys)), settings  # type: ignore[arg-type]


def _cells_one_by_one(raw_cells: list[Mapping[str, Any]], minor: int) -> tuple[Cell, ...]:
    cells: list[Cell] = []
    seen: dict[str, int] = {}
    used: set[str] = set()
    for index, raw in enumerate(raw_cells):
        source = raw.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        cell_id = raw.get("id") if minor >= 5 else None
        if not isinstance(cell_id, str) or not cell_id:
            cell_id = derived_id(text, seen)
        # Ids key every per-cell table: a copied cell that kept its id must not share it.
        unique, repeat = cell_id, 1
        while unique in used:
            repeat += 1
            unique = f"{cell_id}-{repeat}"
        cell_id = unique
        used.add(cell_id)
        metadata = raw.get("metadata") or {}
        tags = metadata.get("tags") or []
        settings = metadata.get("nb2pkg") or {}
        count = raw.get("execution_count")
        cells.append(
            _cell(
                index + 1,
                cell_id,
                str(raw.get("cell_type", "code")),
                text,
                tuple(str(t) for t in tags if isinstance(t, str)),
                count if isinstance(count, int) else None,
                settings if isinstance(settings, dict) else {},
            )
        )
    return tuple(cells)


def _cell(
    number: int,
    cell_id: str,
    cell_type: str,
    source: str,
    tags: tuple[str, ...],
    count: int | None,
    settings: dict[str, Any],
) -> Cell:
    from nb2pkg.ir import Cell

    if settings:  # a mapping the cell would share: made anew each time
        return Cell(number, cell_id, cell_type, source, tags, count, settings)
    key = (number, cell_id, cell_type, source, tags, count)
    cell = RECENT_CELLS.get(key)
    if cell is None:
        if len(RECENT_CELLS) >= RECENT_CELLS_KEPT:
            RECENT_CELLS.clear()
        cell = RECENT_CELLS[key] = Cell(number, cell_id, cell_type, source, tags, count, {})
    return cell


def derived_id(source: str, seen: dict[str, int]) -> str:
    """A stable id for cells of nbformat < 4.5: a hash of the source, numbered on repeats.

    Unlike a position it survives inserting or moving other cells.
    """
    base = "h" + hashlib.sha256(source.encode()).hexdigest()[:11]
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"
