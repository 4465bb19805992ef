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
* torch's and TensorFlow's generators: any use of those libraries (building a layer draws its
  initial weights).

Options that change how a library computes (``pd.set_option("mode.…")``) always matter. The
auto-marker leaves out a display cell whose draws do not matter (nb2pkg.plan.automark), and
the planner warns (NB314) only about skipped cells whose draws or options do.
"""

from __future__ import annotations

from collections.abc import Sequence

from nb2pkg.ir import CellAnalysis

_FAMILIES = (
    ("np.random.", "numpy"),
    ("numpy.random.", "numpy"),
    ("random.", "random"),
    ("torch.", "torch"),
    ("tf.random.", "tensorflow"),
)
_SEEDS = frozenset({"seed", "manual_seed", "set_seed"})
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


def family_of(what: str) -> str | None:
    """The generator a global-state change uses (``numpy``, ``random``, ``torch``,
    ``tensorflow``), None for a computing option."""
    if what.endswith("without random_state"):
        return "numpy"
    return next((family for prefix, family in _FAMILIES if what.startswith(prefix)), None)


def _is_seed(what: str) -> bool:
    return what.rsplit(".", 1)[-1] in _SEEDS


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
    for analysis in cells:
        if analysis is None or not analysis.defines:
            continue
        families = {family_of(what) for what, _ in analysis.global_state} - {None}
        if any(name in unsafe_imports for _, name in analysis.def_globals):
            families.add("numpy")
        for name in analysis.defines:
            drawing_defs[name] = {f for f in families if f is not None}

    free: set[int] = set()
    for index, analysis in enumerate(cells):
        if analysis is None or not analysis.global_state:
            continue
        families = {family_of(what) for what, _ in analysis.global_state}
        if None in families:
            continue  # a computing option: it always matters
        later = cells[index + 1 :]
        if not any(
            _matters(
                family, later, packaged[index + 1 :], unsafe_imports, library_names, drawing_defs
            )
            for family in families
            if family is not None
        ):
            free.add(index)
    return free


def _matters(
    family: str,
    later: Sequence[CellAnalysis | None],
    packaged: Sequence[bool],
    unsafe_imports: set[str],
    library_names: dict[str, str],
    drawing_defs: dict[str, set[str]],
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
            return not _is_seed(own[0])
        used = analysis.uses | set(analysis.reads)
        if any(family in drawing_defs.get(name, ()) for name in used):
            return True
        if any(library_names.get(name) == family for name in used):
            return True
        if family == "numpy" and used & unsafe_imports:
            return True
    return False
