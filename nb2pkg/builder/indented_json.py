"""JSON text as ``json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)`` gives it,
made faster.

With ``indent``, ``json.dumps`` runs the standard library's pure-Python encoder, which yields a
piece of text per token: the manifest of a 3,000-cell notebook (1.4 MB) took 90 ms. This joins
each container's items at once and leaves strings and other scalars to the functions
``json.dumps`` uses, so the text is the same, byte for byte.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any


def dumps(value: Any) -> str:
    """``json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)``, for JSON data
    (dicts with string keys, lists, tuples, strings, numbers, booleans, None)."""
    return _dumps(value, "\n")


def _dumps(value: Any, newline: str) -> str:
    kind = type(value)
    if kind is str:
        text: str = encode_basestring(value)
        return text
    inner = newline + "  "
    if kind is dict:
        if not value:
            return "{}"
        if not all(type(key) is str for key in value):
            return _fallback(value, newline)
        entries = [
            encode_basestring(key)
            + ": "
            + (encode_basestring(item) if type(item) is str else _dumps(item, inner))
            for key, item in sorted(value.items())
        ]
        return "{" + inner + ("," + inner).join(entries) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        items = [
            encode_basestring(item) if type(item) is str else _dumps(item, inner) for item in value
        ]
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return _fallback(value, newline)


def _fallback(value: Any, newline: str) -> str:
    """Anything else (floats, booleans, keys other than strings) as ``json.dumps`` writes it."""
    text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
    return text.replace("\n", newline) if "\n" in text else text
