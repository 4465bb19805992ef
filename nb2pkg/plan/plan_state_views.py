"""Views of the planner's state at the time of the cell being planned: the dicts, sets and
lists the planner holds, each read and write noted (nb2pkg.plan.plan_timelines)."""

from __future__ import annotations

import itertools
import operator
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
    MutableSet,
    Sequence,
    ValuesView,
)
from pathlib import Path
from typing import Any

from nb2pkg.ir import Notebook
from nb2pkg.plan.build_environment import FileLookup
from nb2pkg.plan.plan_timelines import MISSING, WHOLE, Clock, Timeline, UnfollowedState, Watched


class TrackedDict(MutableMapping[Any, Any]):
    """A dict of the planner's state, seen at the time of the cell being planned.

    ``scope``: the outer key of a dict held in a :class:`TrackedDictOfDicts`."""

    def __init__(self, timeline: Timeline, scope: Any = MISSING) -> None:
        self.timeline = timeline
        self.scope = scope

    def _key(self, key: Any) -> Any:
        return key if self.scope is MISSING else (self.scope, key)

    def _items(self) -> list[tuple[Any, Any]]:
        items = self.timeline.read_whole()
        if self.scope is MISSING:
            return items
        return [(key[1], value) for key, value in items if key[0] == self.scope]

    def __getitem__(self, key: Any) -> Any:
        value = self.timeline.read(self._key(key))
        if value is MISSING:
            raise KeyError(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        value = self.timeline.read(self._key(key))
        return default if value is MISSING else value

    def __contains__(self, key: object) -> bool:
        return self.timeline.read(self._key(key)) is not MISSING

    def __setitem__(self, key: Any, value: Any) -> None:
        self.timeline.write(self._key(key), value)

    def __delitem__(self, key: Any) -> None:
        raise UnfollowedState("the planner's state only grows")

    def setdefault(self, key: Any, default: Any = None) -> Any:
        value = self.timeline.read(self._key(key))
        if value is MISSING:
            self.timeline.write(self._key(key), default)
            return default
        return value

    def __iter__(self) -> Iterator[Any]:
        return iter([key for key, _ in self._items()])

    def __len__(self) -> int:
        return len(self._items())

    def keys(self) -> KeysView[Any]:
        return dict(self._items()).keys()

    def values(self) -> ValuesView[Any]:
        return dict(self._items()).values()

    def items(self) -> ItemsView[Any, Any]:
        return dict(self._items()).items()


class TrackedDictOfDicts(TrackedDict):
    """A dict of dicts (``setdefault(outer, {})`` then the inner dict's keys): the inner keys
    live in ``inner`` as (outer, key)."""

    def __init__(self, outer: Timeline, inner: Timeline) -> None:
        super().__init__(outer)
        self.inner = inner

    def _view(self, key: Any) -> TrackedDict:
        return TrackedDict(self.inner, scope=key)

    def _items(self) -> list[tuple[Any, Any]]:
        return [(key, self._view(key)) for key, _ in self.timeline.read_whole()]

    def __getitem__(self, key: Any) -> Any:
        if self.timeline.read(key) is MISSING:
            raise KeyError(key)
        return self._view(key)

    def get(self, key: Any, default: Any = None) -> Any:
        return default if self.timeline.read(key) is MISSING else self._view(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.timeline.write(key, True)
        view = self._view(key)
        for name, inner in dict(value).items():
            view[name] = inner

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if self.timeline.read(key) is MISSING:
            self[key] = default or {}
        return self._view(key)


class TrackedSet(MutableSet[Any]):
    """A set of the planner's state, seen at the time of the cell being planned."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    @classmethod
    def _from_iterable(cls, values: Iterable[Any]) -> set[Any]:
        return set(values)

    def __contains__(self, value: object) -> bool:
        return self.timeline.read(value) is not MISSING

    def add(self, value: Any) -> None:
        self.timeline.write(value, True)

    def update(self, values: Iterable[Any]) -> None:
        for value in values:
            self.add(value)

    def discard(self, value: Any) -> None:
        raise UnfollowedState("the planner's state only grows")

    def __iter__(self) -> Iterator[Any]:
        return iter([key for key, _ in self.timeline.read_whole()])

    def __len__(self) -> int:
        return len(self.timeline.read_whole())


class TrackedList(Sequence[Any]):
    """A list the planner only appends to, seen at the time of the cell being planned."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    def append(self, value: Any) -> None:
        record = self.timeline.clock.record
        made = sum(1 for timeline, _ in record.writes if timeline is self.timeline)
        self.timeline.write((record.time, made), value)

    def _values(self) -> list[Any]:
        return [value for _, value in self.timeline.read_whole()]

    def __getitem__(self, index: Any) -> Any:
        return self._values()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


class Fixed(Watched, Mapping[Any, Any]):
    """A mapping made once before the cells are planned; each key read is noted."""

    def __init__(self, clock: Clock, data: Mapping[Any, Any]) -> None:
        super().__init__(clock)
        self.data = data

    def renew(self, data: Mapping[Any, Any]) -> set[Any]:
        """Hold ``data`` (a new mapping) instead; the keys whose value changed (WHOLE too when
        any did)."""
        old, self.data = self.data, data
        if old == data:
            return set()
        try:
            changed = {key for key, _ in old.items() ^ data.items()}
        except TypeError:  # unhashable values
            changed = {key for key in old.keys() - data.keys()}
            for key, value in data.items():
                before = old.get(key, MISSING)
                if before is not value and before != value:
                    changed.add(key)
        if changed:
            changed.add(WHOLE)
        return changed

    def replace(self, data: Mapping[Any, Any], changed: set[Any]) -> set[Any]:
        """Hold ``data`` instead, whose ``changed`` keys are known; those keys (WHOLE too when
        there are any)."""
        self.data = data
        return {*changed, WHOLE} if changed else set()

    def __getitem__(self, key: Any) -> Any:
        self.clock.record.reads.add((self, key))
        return self.data[key]

    def get(self, key: Any, default: Any = None) -> Any:
        self.clock.record.reads.add((self, key))
        return self.data.get(key, default)

    def __contains__(self, key: object) -> bool:
        self.clock.record.reads.add((self, key))
        return key in self.data

    def __iter__(self) -> Iterator[Any]:
        self.note(WHOLE)
        return iter(self.data)

    def __len__(self) -> int:
        self.note(WHOLE)
        return len(self.data)

    def keys(self) -> KeysView[Any]:
        self.note(WHOLE)
        return self.data.keys()

    def values(self) -> ValuesView[Any]:
        self.note(WHOLE)
        return self.data.values()

    def items(self) -> ItemsView[Any, Any]:
        self.note(WHOLE)
        return self.data.items()

    # A Watched is hashed by identity (read records hold it); the Mapping's __eq__ is not wanted
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


def changed_places(before: Sequence[object], after: Sequence[object]) -> list[int]:
    """The places where ``after`` holds another object than ``before`` (of the same length),
    found at C speed: the reader, the tagging and planning give back the very objects of what
    did not change."""
    return list(itertools.compress(range(len(after)), map(operator.is_not, before, after)))


class FixedList(Watched, Sequence[Any]):
    """A list made once before the cells are planned (the tagged cells); any read of it is a
    read of the whole."""

    def __init__(
        self, clock: Clock, items: Sequence[Any], key: Callable[[Any], Any] | None = None
    ) -> None:
        """``key``: what of an item is compared (e.g. its fields as a tuple, which compares
        at C speed)."""
        super().__init__(clock)
        self.items = items
        self.key = key
        self.keys = list(map(key, items)) if key is not None else []

    def renew(self, items: Sequence[Any]) -> list[int]:
        """Hold ``items`` instead; the positions whose item changed."""
        old, self.items = self.items, items
        if self.key is None:
            return [
                index
                for index, (before, after) in enumerate(zip(old, items, strict=True))
                if before is not after and before != after
            ]
        if len(items) != len(old):
            self.keys = list(map(self.key, items))
            raise ValueError("another number of items")
        # an item given back as it was (the same object) keeps its key: only the others' keys
        # are made and compared
        changed = []
        for index in changed_places(old, items):
            key = self.key(items[index])
            if key != self.keys[index]:
                self.keys[index] = key
                changed.append(index)
        return changed

    def __getitem__(self, index: Any) -> Any:
        self.note(WHOLE)
        return self.items[index]

    def __iter__(self) -> Iterator[Any]:
        self.note(WHOLE)
        return iter(self.items)

    def __len__(self) -> int:
        self.note(WHOLE)
        return len(self.items)

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


class TrackedFiles(Watched, FileLookup):
    """The answers of a file lookup, each path's readers noted; asked again before each plan."""

    def __init__(self, clock: Clock, files: FileLookup) -> None:
        super().__init__(clock)
        self.files = files
        self.answers: dict[Path, bool] = {}

    def renew(self, files: FileLookup) -> set[Path]:
        """Ask ``files`` every path asked before; the paths whose answer changed."""
        self.files = files
        changed = set()
        for path, answer in self.answers.items():
            again = files.is_file(path)
            if again != answer:
                self.answers[path] = again
                changed.add(path)
        return changed

    def is_file(self, path: Path) -> bool:
        self.clock.record.reads.add((self, path))
        answer = self.answers.get(path)
        if answer is None:
            answer = self.answers[path] = self.files.is_file(path)
        return answer


class NotebookPaths:
    """The notebook as the cells' passes see it: its paths, part of what a memory is kept for
    (nb2pkg.plan.replanning); reading anything else of it there is not followed."""

    def __init__(self, notebook: Notebook) -> None:
        self.path = notebook.path
        self.display_path = notebook.display_path

    def __getattr__(self, name: str) -> Any:
        raise UnfollowedState(f"a cell's plan reads the notebook's {name}")
