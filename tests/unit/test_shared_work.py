"""Identical work in flight is done once: every request waiting for it gets its answer (the
same object) or its refusal."""

from __future__ import annotations

import asyncio

import pytest

from nb2pkg.frontends.server.shared_work import InFlight


def test_identical_requests_in_flight_share_one_piece_of_work() -> None:
    async def scenario() -> None:
        shared, release, calls = InFlight(), asyncio.Event(), []

        async def work() -> str:
            calls.append(1)
            await release.wait()
            return "answer " + "x" * 10

        first = asyncio.ensure_future(shared.run("key", work))
        second = asyncio.ensure_future(shared.run("key", work))
        other = asyncio.ensure_future(shared.run("other", work))
        await asyncio.sleep(0)
        assert shared.followers("key") == 1 and shared.followers("other") == 0
        release.set()
        answers = await asyncio.gather(first, second, other)
        assert len(calls) == 2 and (shared.started, shared.shared) == (2, 1)
        assert answers[0] is answers[1]
        # once answered, the same key starts new work
        assert await shared.run("key", work) == answers[0] and len(calls) == 3

    asyncio.run(scenario())


def test_a_refusal_of_the_shared_work_is_every_waiting_requests_refusal() -> None:
    async def scenario() -> None:
        shared, release = InFlight(), asyncio.Event()

        async def refused() -> str:
            await release.wait()
            raise LookupError("refused")

        first = asyncio.ensure_future(shared.run("key", refused))
        second = asyncio.ensure_future(shared.run("key", refused))
        await asyncio.sleep(0)
        release.set()
        results = await asyncio.gather(first, second, return_exceptions=True)
        assert [str(r) for r in results] == ["refused", "refused"]
        assert all(isinstance(r, LookupError) for r in results)

    asyncio.run(scenario())


def test_a_waiting_request_that_goes_away_does_not_cancel_the_work() -> None:
    async def scenario() -> None:
        shared, release = InFlight(), asyncio.Event()

        async def work() -> str:
            await release.wait()
            return "done"

        first = asyncio.ensure_future(shared.run("key", work))
        second = asyncio.ensure_future(shared.run("key", work))
        await asyncio.sleep(0)
        second.cancel()
        release.set()
        assert await first == "done"
        with pytest.raises(asyncio.CancelledError):
            await second

    asyncio.run(scenario())
