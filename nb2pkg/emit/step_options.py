"""What a cell's step function is made of, given once to both ways of writing it.

``nb2pkg.emit.sliced_functions`` (cut from the cell's lines) and ``nb2pkg.emit.functions``
(through libcst) must print the same text for the same step: both take this one object, so an
option cannot reach one of them only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from nb2pkg.ir import ParamPlan


@dataclass(frozen=True)
class StepOptions:
    """``params``, ``returns``: the step's signature and what it returns. ``drop``: indices of
    the cell's top-level statements left out. ``docstring``, ``provenance``: the docstring and
    the comment above the ``def``. ``result``: with no ``returns``, the index of the bare
    expression the step returns. ``drop_prints``: prints nested in the cell's blocks go too
    (nb2pkg.emit.nested_prints); ``drop_plots``: so do plots left among its work
    (nb2pkg.emit.nested_plots). ``default_constants``: per parameter, the module constant its
    mutable default is copied from (else the guard writes the literal). ``imported``: what
    each name the module imports stands for (for nb2pkg.emit.int_casts)."""

    params: Sequence[ParamPlan]
    returns: Sequence[str]
    drop: frozenset[int]
    docstring: str
    provenance: str
    result: int | None = None
    drop_prints: bool = False
    drop_plots: bool = False
    default_constants: Mapping[str, str] = field(default_factory=dict)
    imported: Mapping[str, str] = field(default_factory=dict)
