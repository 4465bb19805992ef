"""Whether what a cell does to a global random generator matters to the package.

A draw from a global generator (``np.random.standard_normal(50)``, ``random.choice(xs)``,
``torch.randn(3)``) moves every later draw from it, so a cell that draws is never left out
of the package as if it only showed something. Notebooks often draw only for a plot or an
example they print, though: left out, such a draw changes nothing the package computes
unless a packaged cell after it draws from the same generator before anything packaged
reseeds it. "Draws" is read conservatively:

* numpy's generator: a draw or ``.sample()`` without ``random_state``; a call of anything
  imported from a library other than the ones known not to draw (``sklearn``'s estimators
  and splitters draw from it when given no ``random_state``); a function or class the
  notebook defines in a cell that draws or imports such a library;
* ``random``: a draw, or a notebook function defined in a cell that draws;
* a call of a notebook function defined in a cell that draws is a draw of the calling cell
  too (``with plt.style.context("ggplot"): hist_and_lines()``), unless the function reseeds
  the generator before it draws: then what it draws never depends on earlier draws;
* torch's and TensorFlow's generators: any use of those libraries (building a layer draws its
  initial weights).

Options that change how a library computes (``pd.set_option("mode.…")``) always matter. The
auto-marker leaves out a display cell whose draws do not matter (nb2pkg.plan.automark), and
the planner warns (NB314) only about skipped cells whose draws or options do.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from nb2pkg.analysis.effects import family_of, is_seed
from nb2pkg.ir import CellAnalysis

_LIBRARY_FAMILIES = {"torch": "torch", "tensorflow": "tensorflow", "keras": "tensorflow"}
"""Libraries whose every use may draw from their own generator."""
_NOT_DRAWING = frozenset(
    {
        "numpy",
        "pandas",
        "math",
        "cmath",
        "statistics",
        "decimal",
        "fractions",
        "os",
        "sys",
        "re",
        "json",
        "csv",
        "pathlib",
        "collections",
        "itertools",
        "functools",
        "operator",
        "string",
        "datetime",
        "time",
        "calendar",
        "warnings",
        "typing",
        "dataclasses",
        "copy",
        "io",
        "glob",
        "shutil",
        "pickle",
        "textwrap",
        "pprint",
        "urllib",
        "requests",
        "zipfile",
        "tarfile",
        "gzip",
        "matplotlib",
        "seaborn",
        "plotly",
        "IPython",
        "ipywidgets",
        "tqdm",
    }
)
"""Libraries whose functions never draw from numpy's global generator (numpy's own draws are
seen one by one)."""


def free_draws(cells: Sequence[CellAnalysis | None], packaged: Sequence[bool]) -> set[int]:
    """Indices of the cells whose every global-state change is a draw or seed that no
    packaged cell after them depends on (``packaged``: whether each cell's code is in the
    package). ``cells``: each code cell's analysis, None for one that does not parse (it may
    do anything)."""
    unsafe_imports: set[str] = set()
    library_names: dict[str, str] = {}
    for analysis in cells:
        if analysis is None:
            continue
        for binding in analysis.imports:
            root = binding.module.split(".")[0]
            if binding.level or root not in _NOT_DRAWING:
                unsafe_imports.add(binding.bound)
            if root in _LIBRARY_FAMILIES:
                library_names[binding.bound] = _LIBRARY_FAMILIES[root]
    drawing_defs: dict[str, set[str]] = {}
    reseeding: set[tuple[str, str]] = set()
    for analysis in cells:
        if analysis is None or not analysis.defines:
            continue
        families = {family_of(what) for what, _ in analysis.global_state} - {None}
        if any(name in unsafe_imports for _, name in analysis.def_globals):
            families.add("numpy")
        for name in analysis.defines:
            drawing_defs[name] = {f for f in families if f is not None}
            if len(analysis.defines) == 1 and not analysis.value_binds:
                reseeding |= {(name, f) for f in _reseeded_first(analysis)}
    calls = _Calls(drawing_defs, frozenset(reseeding))

    free: set[int] = set()
    for index, analysis in enumerate(cells):
        if analysis is None:
            continue
        families = {family_of(what) for what, _ in analysis.global_state}
        if not families:
            families = set(calls.families_drawn(analysis))
            if not families:
                continue
        if None in families:
            continue  # a computing option: it always matters
        later = cells[index + 1 :]
        if not any(
            _matters(family, later, packaged[index + 1 :], unsafe_imports, library_names, calls)
            for family in families
            if family is not None
        ):
            free.add(index)
    return free


def _reseeded_first(analysis: CellAnalysis) -> set[str]:
    """The generators a cell seeds before it draws from them (``np.random.seed(0)`` first)."""
    first: dict[str, str] = {}
    for what, _ in analysis.global_state:
        family = family_of(what)
        if family is not None:
            first.setdefault(family, what)
    return {family for family, what in first.items() if is_seed(what)}


class _Calls:
    """The notebook functions that draw from a global generator, and which of them reseed it
    before they draw (a function of its own cell: ``def hist_and_lines(): np.random.seed(0)``)."""

    def __init__(self, drawing: dict[str, set[str]], reseeding: frozenset[tuple[str, str]]):
        self.drawing = drawing
        self.reseeding = reseeding

    def families_drawn(self, analysis: CellAnalysis) -> list[str]:
        """The generators a cell draws from through the notebook functions it calls."""
        used = (analysis.uses | set(analysis.reads)) - set(analysis.defines)
        return sorted({family for name in used for family in self.drawing.get(name, ())})

    def depends(self, family: str, used: Set[str]) -> bool | None:
        """Whether calling the functions in ``used`` draws what earlier draws of ``family``
        decide (True), reseeds first (False), or does not draw from it (None)."""
        calling = [name for name in sorted(used) if family in self.drawing.get(name, ())]
        if not calling:
            return None
        return not all((name, family) in self.reseeding for name in calling)


def _matters(
    family: str,
    later: Sequence[CellAnalysis | None],
    packaged: Sequence[bool],
    unsafe_imports: set[str],
    library_names: dict[str, str],
    calls: _Calls,
) -> bool:
    """Whether a packaged cell in ``later`` draws from ``family``'s generator before a packaged
    cell reseeds it."""
    for analysis, kept in zip(later, packaged, strict=True):
        if not kept:
            continue
        if analysis is None:
            return True
        own = [what for what, _ in analysis.global_state if family_of(what) == family]
        if own:
            return not is_seed(own[0])
        used = analysis.uses | set(analysis.reads)
        depends = calls.depends(family, used)
        if depends is not None:
            return depends
        if any(library_names.get(name) == family for name in used):
            return True
        if family == "numpy" and used & unsafe_imports:
            return True
    return False
