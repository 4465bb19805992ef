"""Generated Python in the layout ``black`` (and ``ruff format``, which follows it) would give.

The user's code keeps its comments and meaning: only whitespace, line breaks, quotes and
parentheses change. Code the formatter cannot parse is returned as it is.
"""

from __future__ import annotations

import functools

import black
from black.parsing import InvalidInput

_MODE = black.Mode()


@functools.lru_cache(maxsize=64)
def formatted(source: str) -> str:
    if not source.strip():
        return source
    try:
        return black.format_str(source, mode=_MODE)
    except InvalidInput:
        return source
