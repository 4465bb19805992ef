"""Which worker a request takes: the first idle one (first come, first served), or a given one.

A request claiming any worker takes the first idle one that suits it better (one ready rather
than one still starting), or waits in line for the next one given back. A request claiming a
given worker (the one holding the notebook its delta builds on) takes it when it is idle, else
waits for it alone: a worker given back goes first to those waiting for it, then to the line.
A claim takes its place at once and is awaited after (``claimed``): a request waiting for its
own worker keeps no other request from an idle one. Used on the server's event loop only.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

W = TypeVar("W", bound=Hashable)


class IdleWorkers(Generic[W]):
    def __init__(self, workers: Iterable[W]) -> None:
        self._idle: deque[W] = deque(workers)
        self._line: deque[asyncio.Future[W]] = deque()
        """Requests waiting for any worker, in order."""
        self._waiting_for: dict[W, deque[asyncio.Future[W]]] = {}
        """Requests waiting for a given worker, in order."""

    def __len__(self) -> int:
        """How many workers are idle."""
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Requests waiting for a worker (any or a given one)."""
        lines = [self._line, *self._waiting_for.values()]
        return sum(not future.done() for line in lines for future in line)

    def waiting_for(self, worker: W) -> int:
        """Requests waiting for ``worker`` itself."""
        return sum(not future.done() for future in self._waiting_for.get(worker, ()))

    def holds(self, worker: W) -> bool:
        """Whether ``worker`` is idle."""
        return worker in self._idle

    def claim_any(self, better: Callable[[W], bool]) -> asyncio.Future[W]:
        """The first idle worker that is ``better``, else the first idle one, else the next
        one given back (the request's place in line is taken at once)."""
        if self._idle:
            chosen = next((worker for worker in self._idle if better(worker)), self._idle[0])
            self._idle.remove(chosen)
            return _given(chosen)
        return _in(self._line)

    def claim(self, worker: W) -> asyncio.Future[W]:
        """``worker``, once it is idle (the request's place in its line is taken at once)."""
        if worker in self._idle:
            self._idle.remove(worker)
            return _given(worker)
        return _in(self._waiting_for.setdefault(worker, deque()))

    def give_back(self, worker: W) -> None:
        """``worker`` is free: to the first request waiting for it, else for any, else idle."""
        for line in (self._waiting_for.get(worker), self._line):
            while line:
                future = line.popleft()
                if not future.done():
                    future.set_result(worker)
                    return
        self._idle.append(worker)

    async def claimed(self, claim: asyncio.Future[W]) -> W:
        """The worker of ``claim``, once given; a request cancelled meanwhile gives it back."""
        try:
            return await claim
        except asyncio.CancelledError:
            # given a worker just before the request was cancelled: the next one takes it
            if claim.done() and not claim.cancelled():
                self.give_back(claim.result())
            raise


def _given(worker: W) -> asyncio.Future[W]:
    future: asyncio.Future[W] = asyncio.get_running_loop().create_future()
    future.set_result(worker)
    return future


def _in(line: deque[asyncio.Future[W]]) -> asyncio.Future[W]:
    future: asyncio.Future[W] = asyncio.get_running_loop().create_future()
    line.append(future)
    return future
