"""What a cell's text rules out before any walk of its tree.

Most cells hold no string, no file write and no draw from a global random generator; the
passes that look for these visit every node of the tree. A word they look for that the
text does not hold is a pass saved: each fact here is False only when its pass would surely
find nothing.
"""

from __future__ import annotations

from nb2pkg.analysis.effects import may_change_global_state, may_write_files


class TextFacts:
    """What the text of one cell (its Python) may hold."""

    __slots__ = ("may_draw", "may_quote", "may_write")

    def __init__(self, source: str) -> None:
        self.may_quote = "'" in source or '"' in source
        """A string literal (every ``str`` constant and f-string is written in quotes)."""
        self.may_write = may_write_files(source)
        self.may_draw = may_change_global_state(source)

    def any(self) -> bool:
        """Whether any pass over the tree's nodes may find something."""
        return self.may_quote or self.may_write or self.may_draw
