"""Options shared by the whole test suite."""

from __future__ import annotations

import pytest
from hypothesis import settings

# Property tests judge results, never speed: a loaded machine must not fail them (no deadline).
settings.register_profile("nb2pkg", deadline=None)
settings.load_profile("nb2pkg")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/functional/cases/*/expected from the current output (review the diff!)",
    )


# Notebooks under tests/ are fixtures, not notebooks to run: nbval (--nbval-lax, used for
# example_notebooks/ in the same pytest run) must not collect them.
collect_ignore_glob = ["*.ipynb"]
