"""Which calls plot: the one table and the one rule, on the stdlib ``ast`` or on libcst.

The auto-marker (a cell of only plots is left out), the step analysis (plot statements move to
the package's figure functions) and the name analysis (a figure is no result) all ask
``draws``: a call plots when

* its root name is a plotting library as notebooks import it (``plt.…``, ``sns.…``), a figure
  or axes the notebook made (``ax.set_title(…)``), a plotting helper (``plot_tree(…)``) or a
  display class (``ConfusionMatrixDisplay.from_predictions(…)``);
* it sizes the next figure (``figsize(8, 8)``, IPython's helper);
* it goes through a plotting accessor or module (``df.plot.bar()``, ``pd.plotting.…``,
  ``mglearn.plots.…``);
* or the method it calls only draws (``df.hist()``, ``fig.add_subplot()``, ``s.plot()``).

A plotting library's functions that load data are no plots (``sns.load_dataset("tips")``,
``px.data.iris()``, ``plt.imread("photo.png")``): the table or image they return is a value
later cells compute with.

Both trees spell a call chain the same way (``Attribute``, ``Call``, ``Subscript`` around a
``Name``); each is read into a ``Chain`` once and the rule decides on that.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

PLOT_LIBRARIES = frozenset(
    {
        "plt",
        "pyplot",
        "pylab",
        "matplotlib",
        "mpl",
        "sns",
        "seaborn",
        "px",
        "go",
        "plotly",
        "msno",
        "missingno",
        "plotting",
    }
)
"""Names plotting libraries are usually imported as."""
FIGURE_SIZE_CALLS = frozenset({"figsize"})
"""Functions called by a bare name that size the next figure: ``figsize(8, 8)`` (IPython's
``from IPython.core.pylabtools import figsize``)."""
DATA_LOADERS = frozenset({"load_dataset", "get_dataset_names", "imread"})
"""Functions of plotting libraries that read data: ``sns.load_dataset("tips")``,
``plt.imread("photo.png")``, ``matplotlib.image.imread(…)``."""
DATA_MODULES = frozenset({"data"})
"""A plotting library's module of sample data sets: ``px.data.gapminder()``,
``plotly.express.data.iris()``."""
PLOT_ACCESSORS = frozenset({"plot", "plots", "plotting"})
"""An attribute on the way to the call that makes it a plot: ``df.plot.bar()``,
``pd.plotting.scatter_matrix(…)``, ``mglearn.plots.plot_tree(…)``."""
DRAWING_METHODS = frozenset(
    {
        # make figures or axes
        "figure",
        "subplots",
        "add_subplot",
        "add_axes",
        "twinx",
        "twiny",
        "gca",
        "gcf",
        # draw
        "plot",
        "hist",
        "boxplot",
        "scatter",
        "bar",
        "barh",
        "pie",
        "imshow",
        "matshow",
        "contour",
        "contourf",
        "pcolormesh",
        "pcolor",
        "fill_between",
        "errorbar",
        "axhline",
        "axvline",
        "axhspan",
        "axvspan",
        "annotate",
        "heatmap",
        "pairplot",
        "scatter_matrix",
        "discrete_scatter",
        "violinplot",
        "hexbin",
        "stem",
        "quiver",
        "triplot",
        "plot_surface",
        "plot_wireframe",
        "colorbar",
        "legend",
        "suptitle",
        # decorate and lay out
        "set_title",
        "set_xlabel",
        "set_ylabel",
        "set_zlabel",
        "set_xlim",
        "set_ylim",
        "set_xticks",
        "set_yticks",
        "set_xticklabels",
        "set_yticklabels",
        "set_xscale",
        "set_yscale",
        "set_aspect",
        "set_facecolor",
        "set_size_inches",
        "tight_layout",
        "subplots_adjust",
        "show",
    }
)
"""Methods that only make, draw on or show a figure, whatever object they are called on.
(Not ``step`` or ``draw``: ``optimizer.step()`` trains, ``ImageDraw.draw`` is no figure; on a
figure or axes the notebook made, every method draws.)"""


VALUE_METHODS = frozenset({"stem", "annotate"})
"""Drawing methods other libraries name for work that gives a value: ``stemmer.stem(word)``
(nltk), ``queryset.annotate(...)``, ``client.annotate(image)``. Assigned from an object not
known to be a figure or a plotting library, such a call is work; on its own line (its value
unused), it draws on axes made in another cell (``ax.annotate("peak", xy=(3, 6))``)."""


@dataclass(frozen=True)
class Chain:
    """``pd.plotting.scatter_matrix(df)``: attributes ``("scatter_matrix", "plotting")`` from
    the outside in, root ``pd``; a chain rooted in something other than a name has root None."""

    attributes: tuple[str, ...]
    root: str | None


def draws(
    chain: Chain, figures: frozenset[str] | set[str] = frozenset(), *, assigned: bool = False
) -> bool:
    """The rule: whether a call with this chain plots (``figures``: names bound to figures or
    axes earlier; ``assigned``: the call's value is assigned, see ``VALUE_METHODS``)."""
    root = chain.root
    if root in FIGURE_SIZE_CALLS and not chain.attributes:
        return True
    if _loads_data(chain):
        return False
    if root is not None and (
        root in PLOT_LIBRARIES
        or root in figures
        or (_helper(root) and not chain.attributes)  # not `plot_data.sum()`
        or root.endswith("Display")
    ):
        return True
    if any(name in PLOT_ACCESSORS for name in chain.attributes[1:]):
        return True
    if assigned and chain.attributes[:1] and chain.attributes[0] in VALUE_METHODS:
        return False  # `root = porter.stem("running")`: a value (not a plotting root: above)
    return bool(chain.attributes) and (
        chain.attributes[0] in DRAWING_METHODS or _helper(chain.attributes[0])
    )


def _loads_data(chain: Chain) -> bool:
    """``sns.load_dataset("tips")``, ``px.data.iris()``, ``plotly.express.data.iris()``."""
    attributes = chain.attributes
    return (
        chain.root in PLOT_LIBRARIES
        and bool(attributes)
        and (
            any(a in DATA_LOADERS for a in attributes)
            or attributes[-1] in DATA_MODULES
            or attributes[-2:] == ("data", "express")
        )
    )


_DRAWING_WORDS = frozenset(PLOT_LIBRARIES | PLOT_ACCESSORS | DRAWING_METHODS | FIGURE_SIZE_CALLS)
_WORD = re.compile(r"\w+")


def may_draw(code: str) -> bool:
    """False only when no call in ``code`` can plot (``draws`` is false for every chain in
    it, with no figure named yet), from its text alone: each name ``draws`` looks at is one of
    the words of its tables, ends with ``Display`` or starts with ``plot_``. Text that is not
    ASCII may spell a name another way (Python folds it with NFKC): there, True."""
    if not code.isascii():
        return True
    words = set(_WORD.findall(code))
    return not words.isdisjoint(_DRAWING_WORDS) or any(
        word.endswith("Display") or word.startswith("plot_") for word in words
    )


def _helper(name: str) -> bool:
    """``plot_decision_boundary(…)``, ``mglearn.plot_2d_separator(…)``: named for plotting."""
    return name.startswith("plot_")


def chain_of(expression: ast.expr) -> Chain:
    attributes: list[str] = []
    current = expression
    while isinstance(current, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(current, ast.Attribute):
            attributes.append(current.attr)
        current = current.func if isinstance(current, ast.Call) else current.value
    return Chain(tuple(attributes), current.id if isinstance(current, ast.Name) else None)


def cst_chain(expression: cst.BaseExpression) -> Chain:
    attributes: list[str] = []
    current = expression
    while isinstance(current, (cst.Attribute, cst.Subscript, cst.Call)):
        if isinstance(current, cst.Attribute):
            attributes.append(current.attr.value)
        current = current.func if isinstance(current, cst.Call) else current.value
    return Chain(tuple(attributes), current.value if isinstance(current, cst.Name) else None)


def is_plot_call_of(
    expression: ast.expr,
    figures: frozenset[str] | set[str] = frozenset(),
    *,
    assigned: bool = False,
) -> bool:
    """A call that plots: ``plt.subplots()``, ``df.plot.bar()``, ``sns.…`` (stdlib ``ast``;
    ``assigned``: its value is assigned)."""
    return isinstance(expression, ast.Call) and draws(
        chain_of(expression.func), figures, assigned=assigned
    )


def is_plot_call(
    expression: cst.BaseExpression,
    figures: frozenset[str] | set[str] = frozenset(),
    *,
    assigned: bool = False,
) -> bool:
    """``is_plot_call_of`` for a libcst expression."""
    return isinstance(expression, cst.Call) and draws(
        cst_chain(expression.func), figures, assigned=assigned
    )


def base_name(expression: cst.BaseExpression) -> cst.Name | None:
    """``df`` of ``df.loc[mask, "x"]`` or ``model.steps[0]``."""
    current = expression
    while isinstance(current, (cst.Attribute, cst.Subscript, cst.Call)):
        current = current.func if isinstance(current, cst.Call) else current.value
    return current if isinstance(current, cst.Name) else None


def target_names(target: cst.BaseExpression) -> list[str]:
    """The names an assignment target binds (``a, *b = …``), on a libcst tree."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []
