"""libcst trees of cells, for emitting them: kept for the length of a build, not beyond.

The analysis reads the stdlib ``ast`` only (libcst parses ~10x slower); the libcst tree keeps
a cell's comments and layout, which only emitting needs.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst


def cst_module(python_source: str) -> cst.Module:
    """The libcst tree of source that parses, for emitting.

    Inside ``keeping_trees()`` (a build) the trees are kept until it ends: planning, emitting
    and checking each walk every packaged cell, and parsing again costs more than the analysis.
    Elsewhere a few hundred recent ones are kept.
    """
    kept: dict[str, cst.Module] | None = getattr(_TREES, "kept", None)
    if kept is None:
        return _recent_cst_module(python_source)
    module = kept.get(python_source)
    if module is None:
        module = kept[python_source] = cst.parse_module(python_source)
    return module


@functools.lru_cache(maxsize=512)
def _recent_cst_module(python_source: str) -> cst.Module:
    return cst.parse_module(python_source)


_TREES = threading.local()
"""``kept``: the libcst trees of this thread's build, by source (None outside a build)."""


@contextlib.contextmanager
def keeping_trees() -> Iterator[None]:
    """Keep the libcst trees parsed in this thread (cells emitted, literal values read) until
    the block ends. A build analyses, plans, emits and checks in one thread; a server keeps no
    trees between requests.
    """
    outer = getattr(_TREES, "kept", None)
    if outer is None:
        _TREES.kept = {}
    try:
        yield
    finally:
        if outer is None:
            _TREES.kept = None


def forget_trees() -> None:
    """Drop the trees kept so far in this thread's build (rendering is done: what reads a
    cell's tree after it parses it again)."""
    kept: dict[str, cst.Module] | None = getattr(_TREES, "kept", None)
    if kept is not None:
        kept.clear()


def building() -> bool:
    """Inside ``keeping_trees()`` in this thread."""
    return getattr(_TREES, "kept", None) is not None
