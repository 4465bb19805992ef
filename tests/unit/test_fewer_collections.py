"""An analysis sets the collector's generations aside while it runs and gives them back when
it ends, also when it fails (nb2pkg.frontends.fewer_collections)."""

from __future__ import annotations

import gc

import pytest

from nb2pkg.frontends import api
from nb2pkg.frontends.fewer_collections import fewer_collections
from tests.helpers import make_notebook


def test_objects_are_frozen_only_while_an_analysis_runs() -> None:
    assert gc.get_freeze_count() == 0
    with fewer_collections():
        assert gc.get_freeze_count() > 0
        with fewer_collections():  # a concurrent analysis shares the freeze
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_failing_analysis_gives_the_objects_back() -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("planning failed")
    assert gc.get_freeze_count() == 0


def test_an_analysis_leaves_nothing_frozen() -> None:
    data = make_notebook([("total = 1 + 1", ["function:add"])])
    api.analyze_notebook(data, "x.ipynb", path="/nb/x.ipynb")
    assert gc.get_freeze_count() == 0
