"""Named results: a step with more than three outputs returns a NamedTuple, not a bare tuple.

``fit, score, report, importances = train(df)`` still works (a NamedTuple is a tuple), and a
caller can also write ``train(df).score``; the class is defined right above the step.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence, Set

from nb2pkg.ir import ImportBinding

MOST_BARE_OUTPUTS = 3
"""A step returning more values than this returns them as a named result."""

TYPING_NAMES = {name: ImportBinding("typing", name, None, name) for name in ("Any", "NamedTuple")}
"""The imports a named result needs in its module's header."""


def result_class_name(step: str) -> str:
    """``compute_stats`` → ``ComputeStatsResult``."""
    return "".join(part[:1].upper() + part[1:] for part in step.split("_") if part) + "Result"


def uses_named_result(
    step: str,
    returns: Sequence[str],
    taken: Set[str] | None,
    imports: Mapping[str, ImportBinding],
) -> bool:
    """Whether the step's outputs become a named result: more than three, each a valid field
    name (NamedTuple refuses a leading underscore), with the class name and the typing names
    free in the module (``taken``: its top-level names; None when a star import may bind any).
    """
    if len(returns) <= MOST_BARE_OUTPUTS or taken is None:
        return False
    if any(name.startswith("_") for name in returns):
        return False
    if result_class_name(step) in taken:
        return False
    for name, binding in TYPING_NAMES.items():
        bound = imports.get(name)
        if (bound is not None and bound != binding) or (bound is None and name in taken):
            return False
    return True


def with_named_result(text: str, step: str, returns: Sequence[str]) -> str:
    """The block ``text`` (its step function last) with the result class above it, the
    step's ``return a, b, c, d`` building it and its signature naming it."""
    tree = ast.parse(text)
    definition = tree.body[-1]
    if not isinstance(definition, ast.FunctionDef) or definition.name != step:
        return text
    final = definition.body[-1]
    bare = ", ".join(returns)
    if not isinstance(final, ast.Return) or final.end_lineno != final.lineno:
        return text
    lines = text.splitlines(keepends=True)
    name = result_class_name(step)
    returned = lines[final.lineno - 1]
    if returned.strip() != f"return {bare}":
        return text
    lines[final.lineno - 1] = returned.replace(f"return {bare}", f"return {name}({bare})")
    header = lines[definition.lineno - 1].rstrip("\n")  # a step's ``def`` is on one line
    if not header.endswith("):"):
        return text
    lines[definition.lineno - 1] = f"{header[:-1]} -> {name}:\n"
    fields = "".join(f"    {field}: Any\n" for field in returns)
    result_class = (
        f"class {name}(NamedTuple):\n"
        f'    """What `{step}` returns (unpacks like a tuple, in this order)."""\n\n'
        f"{fields}\n\n"
    )
    return result_class + "".join(lines)
