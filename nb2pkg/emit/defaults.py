"""Mutable defaults (lists, dicts, sets from the parameters cell) become ``None`` in signatures,
and a fresh copy of the literal is made inside each call, so one run cannot change the next
(nb2pkg.plan.default_constants says when that copy is of a module-level constant)."""

from __future__ import annotations

from nb2pkg.plan.default_constants import is_mutable_literal

__all__ = ["fresh_default_lines", "is_mutable_literal", "signature_default"]


def signature_default(default: str) -> str:
    return "None" if is_mutable_literal(default) else default


def fresh_default_lines(
    name: str, default: str, indent: str, constant: str | None = None
) -> list[str]:
    """``if name is None: name = <literal>``, for a parameter whose default is mutable;
    with ``constant``, a deep copy of that module-level constant instead of the literal."""
    value = f"deepcopy({constant})" if constant else default
    return [f"{indent}if {name} is None:", f"{indent}    {name} = {value}"]
