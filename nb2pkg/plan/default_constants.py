"""Which mutable parameter defaults a step copies from a module-level constant.

A step's mutable default (list, dict, set from the parameters cell) is ``None`` in its
signature and made afresh inside each call, so one run cannot change the next. A literal that
fits on one line is written in that guard; a longer one is a module-level constant
(``RAW_DATA_DEFAULT = {...}``) each call deep-copies, so the function holds code, not data.
"""

from __future__ import annotations

import ast
import functools

INLINE_WIDTH = 88
"""ruff format's default line length: a guard line longer than this would be split."""


@functools.lru_cache(maxsize=1024)
def is_mutable_literal(default: str | None) -> bool:
    if default is None:
        return False
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return False
    return isinstance(value, (list, dict, set))


def needs_constant(name: str, default: str | None) -> bool:
    """Whether the parameter's default is mutable and ``name = <default>`` in a step's guard
    would not fit on one line."""
    if not is_mutable_literal(default):
        return False
    assert default is not None
    return "\n" in default or len(f"        {name} = {default}") > INLINE_WIDTH


def constant_name(name: str) -> str:
    """The module-level constant holding the default of parameter ``name``."""
    return f"{name.upper()}_DEFAULT"
