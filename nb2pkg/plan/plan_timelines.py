"""The planner's state as it changes cell by cell, kept so that an edit is planned again only
where it reaches (nb2pkg.plan.replanning).

The planner plans each cell at a *time*: its place in the planner's passes over the notebook.
While a cell is planned, the state it reads and writes (where each name was last defined, the
run() parameters, the values some later cell consumes…) goes through views
(nb2pkg.plan.plan_state_views) of what is kept here:

- a :class:`Timeline` keeps every write of each key, in time order; a view reads, at the time
  of the cell being planned, the last write at or before it;
- each read is noted in the cell's :class:`CellRecord` — a key, or the whole state when the
  cell iterates it — and so is each write;
- state made once before the cells are planned (each cell's analysis, the imports of the
  whole notebook, …) is :class:`Watched` too: its readers are noted the same way.

When a cell is planned again and writes something else, the cells to plan again are those that
read a changed key after it, up to the next cell that writes the key (or read the whole).
"""

from __future__ import annotations

import bisect
from typing import Any

from nb2pkg.ir import Diagnostic

SEQUENCE_BITS = 20
"""A write's stamp is its cell's time shifted by these bits, plus its order in the cell."""


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


class UnfollowedState(Exception):
    """The planner used its state in a way the views do not follow (removing a key, a list
    method they lack, a read of the notebook beyond its paths): plan the plain way."""


MISSING: Any = _Sentinel("MISSING")
"""What a key holds before any write."""
WHOLE: Any = _Sentinel("WHOLE")
"""The key of a read of the whole state (iterating it, its length)."""


class CellRecord:
    """What planning one cell at one time read, wrote, reported and gave."""

    __slots__ = ("diagnostics", "output", "reads", "sequence", "time", "writes")

    def __init__(self, time: int) -> None:
        self.time = time
        self.reads: set[tuple[Watched, Any]] = set()
        self.writes: dict[tuple[Timeline, Any], Any] = {}
        """(timeline, key) → the value the cell left there, in the order of first writes."""
        self.diagnostics: list[Diagnostic] = []
        self.output: Any = None
        self.sequence = 0


class Clock:
    """The cell being planned."""

    def __init__(self) -> None:
        self.record = CellRecord(-1)


class Watched:
    """State whose readers are noted, by key."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.readers: dict[Any, list[int]] = {}
        """Key (or WHOLE) → the times of the cells that read it, in order."""

    def note(self, key: Any) -> None:
        self.clock.record.reads.add((self, key))

    def readers_after(self, key: Any, after: int, until: int | None = None) -> list[int]:
        """Times of the readers of ``key`` in (after, until]; until None: to the end."""
        times = self.readers.get(key)
        if not times:
            return []
        start = bisect.bisect_right(times, after)
        end = len(times) if until is None else bisect.bisect_right(times, until)
        return times[start:end]


def index_reads(record: CellRecord) -> None:
    """Note the record's cell as a reader of what it read."""
    for watched, key in record.reads:
        times = watched.readers.setdefault(key, [])
        if not times or times[-1] < record.time:
            times.append(record.time)
        else:
            at = bisect.bisect_left(times, record.time)
            if at == len(times) or times[at] != record.time:
                times.insert(at, record.time)


def unindex_reads(record: CellRecord) -> None:
    for watched, key in record.reads:
        times = watched.readers[key]
        at = bisect.bisect_left(times, record.time)
        if at < len(times) and times[at] == record.time:
            del times[at]


class Timeline(Watched):
    """Every write of each key, in time order."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.stamps: dict[Any, list[int]] = {}
        self.values: dict[Any, list[Any]] = {}

    def value_at(self, key: Any, time: int) -> Any:
        """The last value written to ``key`` at or before ``time`` (MISSING if none)."""
        stamps = self.stamps.get(key)
        if not stamps:
            return MISSING
        limit = (time + 1) << SEQUENCE_BITS
        if stamps[-1] < limit:
            return self.values[key][-1]
        at = bisect.bisect_left(stamps, limit)
        return self.values[key][at - 1] if at else MISSING

    def read(self, key: Any) -> Any:
        record = self.clock.record
        record.reads.add((self, key))
        return self.value_at(key, record.time)

    def write(self, key: Any, value: Any) -> None:
        record = self.clock.record
        slot = (self, key)
        stamps = self.stamps.get(key)
        if stamps is None:
            stamps = self.stamps[key] = []
            self.values[key] = []
        values = self.values[key]
        if slot in record.writes:  # the cell writes the key again: its one entry changes
            values[bisect.bisect_left(stamps, record.time << SEQUENCE_BITS)] = value
        else:
            record.sequence += 1
            stamp = (record.time << SEQUENCE_BITS) | record.sequence
            if not stamps or stamps[-1] < stamp:
                stamps.append(stamp)
                values.append(value)
            else:
                at = bisect.bisect_left(stamps, stamp)
                stamps.insert(at, stamp)
                values.insert(at, value)
        record.writes[slot] = value

    def forget(self, key: Any, time: int) -> None:
        """Remove the write the cell at ``time`` made to ``key``."""
        stamps = self.stamps[key]
        at = bisect.bisect_left(stamps, time << SEQUENCE_BITS)
        del stamps[at]
        del self.values[key][at]
        if not stamps:
            del self.stamps[key], self.values[key]

    def next_write_after(self, key: Any, time: int) -> int | None:
        stamps = self.stamps.get(key)
        if not stamps:
            return None
        at = bisect.bisect_left(stamps, (time + 1) << SEQUENCE_BITS)
        return stamps[at] >> SEQUENCE_BITS if at < len(stamps) else None

    def items_at(self, time: int) -> list[tuple[Any, Any]]:
        """Every key written at or before ``time`` with its value then, in first-write order."""
        limit = (time + 1) << SEQUENCE_BITS
        found = []
        for key, stamps in self.stamps.items():
            if stamps[0] < limit:
                at = bisect.bisect_left(stamps, limit)
                found.append((stamps[0], key, self.values[key][at - 1]))
        found.sort(key=lambda entry: entry[0])
        return [(key, value) for _, key, value in found]

    def read_whole(self) -> list[tuple[Any, Any]]:
        record = self.clock.record
        record.reads.add((self, WHOLE))
        return self.items_at(record.time)


def forget_writes(record: CellRecord) -> None:
    for timeline, key in record.writes:
        timeline.forget(key, record.time)
