"""The cyclic garbage collector set aside while an analysis runs.

An analysis after an edit makes few objects that live on, and no reference cycles that need
collecting (reference counting frees the rest); a collection in the middle of it would walk
every object the caches of earlier analyses hold. While analyses run, the objects made before
the first of them are frozen (``gc.freeze``), so a collection walks only the objects made
since; the last analysis to end gives them back to the oldest generation. The collector is
the process's: concurrent analyses share one freeze (a build's own, ``nb2pkg.builder.prepare``,
may end it early or late: only the speed changes, never what is collected in the end).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_RUNNING = [0]
_LOCK = threading.Lock()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    with _LOCK:
        _RUNNING[0] += 1
        if _RUNNING[0] == 1:
            gc.freeze()
    try:
        yield
    finally:
        with _LOCK:
            _RUNNING[0] -= 1
            if _RUNNING[0] == 0:
                gc.unfreeze()
