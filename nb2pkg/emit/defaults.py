"""Mutable defaults (lists, dicts, sets from the parameters cell) become ``None`` in signatures,
and a fresh copy of the literal is made inside each call, so one run cannot change the next."""

from __future__ import annotations

import ast
import functools


@functools.lru_cache(maxsize=1024)
def is_mutable_literal(default: str | None) -> bool:
    if default is None:
        return False
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return False
    return isinstance(value, (list, dict, set))


def signature_default(default: str) -> str:
    return "None" if is_mutable_literal(default) else default


def fresh_default_lines(name: str, default: str, indent: str) -> list[str]:
    """``if name is None: name = <literal>``, for a parameter whose default is mutable."""
    return [f"{indent}if {name} is None:", f"{indent}    {name} = {default}"]
