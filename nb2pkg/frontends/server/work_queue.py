"""The order analyze and build requests take: one at a time, first come, first served; an
analyze request a newer one of the same client and notebook replaced is dropped, and identical
ones in flight share one analysis (``shared_work.py``)."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from nb2pkg.frontends.server.shared_work import InFlight

if TYPE_CHECKING:
    from nb2pkg.frontends.server.worker_pool import WorkerPool


class LatestRequests:
    """The newest analyze request of each (client, notebook path): older ones are dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[tuple[str, str], int] = {}
        self._count = 0

    def ticket(self) -> int:
        """A number in order of arrival (bodies are parsed in any order afterwards)."""
        with self._lock:
            self._count += 1
            return self._count

    def register(self, key: tuple[str, str], ticket: int) -> None:
        with self._lock:
            self._latest[key] = max(ticket, self._latest.get(key, ticket))

    def superseded(self, key: tuple[str, str], ticket: int) -> bool:
        with self._lock:
            return self._latest.get(key, ticket) != ticket

    def finish(self, key: tuple[str, str], ticket: int) -> None:
        with self._lock:
            if self._latest.get(key) == ticket:
                del self._latest[key]

    def pending(self) -> int:
        """Keys with a request not yet answered (the table does not grow with clients seen)."""
        with self._lock:
            return len(self._latest)


class WorkQueue:
    """Requests take turns (first come, first served) for the one analysis at a time (for an
    idle analysis worker process when there are several);
    identical analyze requests in flight share one analysis."""

    def __init__(self) -> None:
        self.turn = asyncio.Lock()
        self.latest = LatestRequests()
        self.in_flight = InFlight()
        self.works_run = 0
        """How many requests ran their work (for tests and benchmarks)."""
        self.pool: WorkerPool | None = None
        """The analysis worker processes; None: the work runs on the server's threads."""
        self.readers: WorkerPool | None = None
        """The request reader process; None: bodies are read on the server's threads."""


WORK_QUEUE_SETTING = "nb2pkg_work_queue"
"""The key of the extension's ``WorkQueue`` in the web application's settings."""
