"""Identical requests in flight share one piece of work.

Several clients with the same notebook open (or one client sending the same content twice)
ask for the same analysis at about the same time: the first request does the work, the others
that arrive before it is done wait for its answer instead of queueing their own. Only requests
in flight are shared; an answer is not kept once given (a later identical request may see other
files on disk, and ``nb2pkg.frontends.reanalysis`` decides what may be reused then).

Runs on the server's event loop only (no locks needed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field


@dataclass
class _Shared:
    future: asyncio.Future[str]
    followers: int = field(default=0)


class InFlight:
    """The work of each key currently running, with how many requests wait for it."""

    def __init__(self) -> None:
        self._running: dict[Hashable, _Shared] = {}
        self.started = 0
        """How many pieces of work were started (for tests and benchmarks)."""
        self.shared = 0
        """How many requests were answered by another request's work."""

    def followers(self, key: Hashable) -> int:
        """Requests waiting for the work of ``key`` besides the one doing it."""
        running = self._running.get(key)
        return running.followers if running is not None else 0

    async def run(self, key: Hashable, work: Callable[[], Awaitable[str]]) -> str:
        """``work()``'s answer, or the answer of the identical work already running.

        A refusal (an exception) of the shared work is every waiting request's refusal.
        """
        running = self._running.get(key)
        if running is not None:
            running.followers += 1
            self.shared += 1
            # shielded: a waiting request that goes away does not cancel the others' work
            return await asyncio.shield(running.future)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._running[key] = _Shared(future)
        self.started += 1
        try:
            answer = await work()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._running[key]
        future.set_result(answer)
        return answer
