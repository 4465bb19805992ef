"""The top-level module of an import, and whether it belongs to Python itself."""

from __future__ import annotations

import sys

from nb2pkg.ir import ImportBinding

STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


def top_level(binding: ImportBinding) -> str:
    return binding.module.split(".")[0] if binding.module else ""
