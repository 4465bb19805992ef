"""Tagging a notebook again after an edit: the last tagging of each notebook given back, with
the cells whose text or tags changed tagged again and put in, when the edit cannot change
anything across cells but the duplicate names.

``tag_cells`` walks every cell (at C speed) and then resolves what depends on several cells:
consecutive cells of one function merged (unless the later one uses IPython syntax), unnamed
tests numbered, duplicate names reported. An edit of the text or tags of code cells (at the
same places, with the same ids) where no such cell is or becomes a test or has other tag
problems than before, none is next to a cell of its function and the last tagging merged no
cells, changes only the edited cells and, when a role or a name changed, the duplicate names:
those are found again. Anything else is tagged from scratch.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

from nb2pkg.ir import Cell, Diagnostic, Notebook, Role, TaggedCell
from nb2pkg.notebook.raw_cells import code_flags
from nb2pkg.plan.plan_state_views import changed_places
from nb2pkg.roles.resolve import duplicate_names, tag_cell, tag_cells


@dataclass
class Tagging:
    """One notebook's tagging, with what it was made from."""

    cells: Sequence[Cell]
    shown: str
    tagged: list[TaggedCell]
    diagnostics: list[Diagnostic]
    code_index: dict[int, int] | None
    """Each code cell's place among the code cells, by its place among the cells; None when
    the tagging merged cells (the tagged cells are not one per code cell)."""


class RecentTagging:
    """The last tagging of each of the ``keep`` notebooks tagged most recently."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._known: OrderedDict[Hashable, Tagging] = OrderedDict()
        self.reused = 0
        """Taggings given back with edited cells put in (for tests)."""

    def clear(self) -> None:
        with self._lock:
            self._known.clear()

    def tag(self, key: Hashable, notebook: Notebook) -> tuple[list[TaggedCell], list[Diagnostic]]:
        """``tag_cells(notebook)``; ``key`` names the notebook."""
        with self._lock:
            previous = self._known.get(key)
        tagging = None if previous is None else self._edited(previous, notebook)
        if tagging is None:
            tagged, diagnostics = tag_cells(notebook)
            tagging = Tagging(
                notebook.cells,
                notebook.display_path,
                tagged,
                diagnostics,
                _code_index(notebook, tagged),
            )
        else:
            self.reused += 1
        with self._lock:
            self._known[key] = tagging
            self._known.move_to_end(key)
            while len(self._known) > self.keep:
                self._known.popitem(last=False)
        return list(tagging.tagged), list(tagging.diagnostics)

    @staticmethod
    def _edited(previous: Tagging, notebook: Notebook) -> Tagging | None:
        """The previous tagging with the edited cells put in; None when it may not hold."""
        cells, code_index = notebook.cells, previous.code_index
        if (
            code_index is None
            or previous.shown != notebook.display_path
            or len(previous.cells) != len(cells)
        ):
            return None
        tagged = list(previous.tagged)
        renamed = False
        for place in changed_places(previous.cells, cells):
            at = code_index.get(place)
            if at is None or not _same_but_source(previous.cells[place], cells[place]):
                return None
            before, problems_before = tag_cell(previous.cells[place], previous.shown)
            after, problems = tag_cell(cells[place], notebook.display_path)
            if (
                Role.TEST in (before.role, after.role)  # tests are numbered in order
                or problems != problems_before
                or (at > 0 and _merges(tagged[at - 1], after))
                or (at + 1 < len(tagged) and _merges(after, tagged[at + 1]))
            ):
                return None
            renamed |= replace(before, cell=after.cell) != after
            tagged[at] = after
        diagnostics = previous.diagnostics
        if renamed:  # the duplicate names (reported last) found again
            shown = notebook.display_path
            own = len(diagnostics) - len(duplicate_names(previous.tagged, shown))
            diagnostics = [*diagnostics[:own], *duplicate_names(tagged, shown)]
        return Tagging(cells, previous.shown, tagged, diagnostics, code_index)


def _same_but_source(before: Cell, after: Cell) -> bool:
    """Whether ``after`` is ``before``, a code cell, but for its text and tags."""
    return (
        before.cell_type == "code"
        and replace(before, source=after.source, tags=after.tags) == after
    )


def _merges(earlier: TaggedCell, item: TaggedCell) -> bool:
    """Whether ``item`` may be merged into the function of ``earlier`` (its text decides)."""
    return (
        earlier.role is Role.FUNCTION
        and item.role is Role.FUNCTION
        and (earlier.name, earlier.module) == (item.name, item.module)
    )


def _code_index(notebook: Notebook, tagged: list[TaggedCell]) -> dict[int, int] | None:
    cells = notebook.cells
    places = list(itertools.compress(range(len(cells)), code_flags(cells)))
    return (
        dict(zip(places, range(len(places)), strict=True)) if len(places) == len(tagged) else None
    )


TAGGING = RecentTagging()
"""The last tagging of each notebook analysed recently."""
