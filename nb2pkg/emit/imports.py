"""Hoisted imports: deduplicated, grouped (stdlib / third-party / first-party) and sorted."""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from dataclasses import dataclass

from nb2pkg.analysis.import_roots import STDLIB, top_level
from nb2pkg.ir import ImportBinding


@dataclass(frozen=True)
class ImportContext:
    package: str
    local_modules: Set[str]
    """Helper modules beside the notebook, copied into the package as submodules."""


def render_imports(bindings: Iterable[ImportBinding], context: ImportContext) -> str:
    """Import statements for the bindings, one block per group, isort-style.

    Not libcst's AddImportsVisitor: it adds imports to a module that already has some, after
    the existing ones and without isort's groups, while a generated module's imports are all
    hoisted from the cells and written here at once, grouped and sorted as isort would.

    Star imports come first, in the order given (the notebook's): a later one takes over the
    names both bind, and the imports by name after them take over theirs, as in the notebook
    (nb2pkg.plan.star_import_order refuses the cells for which that order is not the one
    they ran with).
    """
    groups: dict[int, set[str]] = {0: set(), 1: set(), 2: set(), 3: set()}
    from_names: dict[tuple[int, str], set[str]] = {}
    stars: list[str] = []
    for binding in bindings:
        binding = _first_party(binding, context)
        group = _group(binding, context)
        if binding.name == "*":
            line = f"from {'.' * binding.level + binding.module} import *"
            if line not in stars:
                stars.append(line)
        elif binding.name is None:
            alias = f" as {binding.alias}" if binding.alias else ""
            groups[group].add(f"import {binding.module}{alias}")
        else:
            source = "." * binding.level + binding.module
            name = binding.name + (f" as {binding.alias}" if binding.alias else "")
            from_names.setdefault((group, source), set()).add(name)
    for (group, source), names in from_names.items():
        ordered = sorted(names, key=member_order)
        line = f"from {source} import {', '.join(ordered)}"
        if len(line) > 99:
            inner = "".join(f"    {n},\n" for n in ordered)
            line = f"from {source} import (\n{inner})"
        groups[group].add(line)
    blocks = ["\n".join(stars)] if stars else []
    blocks += [
        "\n".join(sorted(lines, key=_sort_key)) for _, lines in sorted(groups.items()) if lines
    ]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


NaturalKey = list[tuple[int, str]]


def natural(text: str) -> NaturalKey:
    """The key of ruff's natural order, where ``task_9`` comes before ``task_10``."""
    return [(0, p.zfill(20)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|\D+", text)]


def member_order(name: str) -> tuple[int, NaturalKey, str]:
    """ruff's (isort's) order of the names of a from-import and of ``__all__``: CONSTANTS,
    Classes, then the rest, each in natural order."""
    bare = name.split(" as ")[0]
    if bare.isupper() and len(bare) > 1:
        kind = 0
    elif bare[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, natural(bare.lower()), name


def _sort_key(line: str) -> tuple[int, NaturalKey, str]:
    # isort's default: in each group, plain imports first, then from-imports, each sorted by
    # module. The whole line breaks any tie: the order never depends on set iteration.
    module = line.split()[1]
    return (0 if line.startswith("import ") else 1, natural(module.lower()), line)


def _group(binding: ImportBinding, context: ImportContext) -> int:
    if binding.module == "__future__":
        return 0
    root = top_level(binding)
    if binding.level or root == context.package:
        return 3
    if root in STDLIB:
        return 1
    return 2


def _first_party(binding: ImportBinding, context: ImportContext) -> ImportBinding:
    """``import helpers`` → ``from pkg import helpers`` when helpers.py is copied into pkg."""
    root = top_level(binding)
    if binding.level or root not in context.local_modules:
        return binding
    if binding.name is None:
        if "." in binding.module or (binding.alias is None and binding.bound != root):
            return ImportBinding(
                f"{context.package}.{binding.module}", None, binding.alias or root, binding.bound
            )
        return ImportBinding(context.package, root, binding.alias, binding.bound)
    return ImportBinding(
        f"{context.package}.{binding.module}", binding.name, binding.alias, binding.bound
    )
