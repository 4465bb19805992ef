"""A package's import name: the one made from a notebook's name, and what makes one unusable."""

from __future__ import annotations

import keyword
import re
import sys
import unicodedata

from nb2pkg.plan.step_names import short_file_name


def package_name_for(text: str) -> str:
    """A package name from a notebook's name: ASCII, and not a module of Python itself."""
    normal = unicodedata.normalize("NFKC", text)
    name = re.sub(r"[^0-9A-Za-z_]+", "_", normal).strip("_").lower() or "pipeline_package"
    if name[0].isdigit():
        name = f"pkg_{name}"
    name = short_file_name(name)
    if keyword.iskeyword(name) or name in sys.stdlib_module_names:
        name = f"{name}_pipeline"
    return name


def package_name_problem(name: str) -> tuple[str, str] | None:
    """(code, what is wrong) when ``name`` cannot be a package's import name (dependencies aside).

    NB113: not an ASCII identifier, or a keyword. NB114: a module of Python itself.
    """
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name):
        return "NB113", "is not a valid import name"
    if name.startswith("__") or name in sys.stdlib_module_names:
        return "NB114", "is a module of Python itself: installing the package would hide it"
    return None
