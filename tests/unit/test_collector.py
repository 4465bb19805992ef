"""The collector's settings while analyses and builds run (nb2pkg.analysis.collector)."""

from __future__ import annotations

import gc
import threading

import pytest

from nb2pkg.analysis.collector import fewer_collections
from nb2pkg.frontends import api
from tests.helpers import make_notebook


def test_the_settings_change_while_one_runs_and_come_back_after() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == before  # an analysis only freezes
        assert gc.get_freeze_count() > 0
    with fewer_collections(for_build=True):
        assert gc.get_threshold()[0] >= 5_000
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_last_of_overlapping_runs_puts_the_settings_back() -> None:
    before = gc.get_threshold()
    first_inside, second_done = threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def second() -> None:
        first_inside.wait()
        with fewer_collections():
            pass
        seen.append(gc.get_threshold())  # the first (a build) is still running
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with fewer_collections(for_build=True):
        first_inside.set()
        second_done.wait()
    thread.join()
    assert seen and seen[0][0] >= 5_000
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_failing_run_puts_the_settings_back() -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("planning failed")
    assert gc.get_freeze_count() == 0


def test_an_analysis_leaves_nothing_frozen() -> None:
    data = make_notebook([("total = 1 + 1", ["function:add"])])
    api.analyze_notebook(data, "x.ipynb", path="/nb/x.ipynb")
    assert gc.get_freeze_count() == 0


def test_an_exception_that_is_a_frozen_dataclass_passes_through_as_raised() -> None:
    from nb2pkg.frontends.server.errors import RequestProblem

    problem = RequestProblem(409, "NB815", "not held", "send it in full")
    with pytest.raises(RequestProblem) as caught, fewer_collections():
        raise problem
    assert caught.value is problem
    assert gc.get_freeze_count() == 0
