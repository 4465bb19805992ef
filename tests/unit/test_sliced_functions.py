"""A step cut from its cell's lines is the text the libcst round trip gives, or nothing."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import random

import libcst as cst
import pytest

from nb2pkg.analysis.cell_walk import top_level_statements
from nb2pkg.emit.functions import function_source
from nb2pkg.emit.sliced_functions import sliced_function_source
from nb2pkg.emit.step_options import StepOptions
from nb2pkg.ir import ParamPlan, ParamSource

PROVENANCE = "nb2pkg: demo.ipynb [id cell-7]"
DOCSTRING = "Step `clean` of demo.ipynb.\n\nArgs:\n    rows: output of `load`.\n"
PARAMS = (
    ParamPlan("rows", ParamSource.STEP),
    ParamPlan("rate", ParamSource.PARAMETER, "0.1", "float"),
    ParamPlan("seen", ParamSource.PARAMETER, "[]", "list"),
)

CELLS = [
    "x = rows[0]\n",
    "# step 1: scale\nscaled = [v * (1 + rate) for v in rows]\nx = max(scaled)\n",
    "import math\n\n# after the import\nx = math.sqrt(rate)\n",
    "x = 1\n\n\n# two blank lines above\ny = x + 1  # trailing comment\n",
    "if rate > 1:\n    x = 1\n    # the footer of the if\nelse:\n    x = 2\n# about y\ny = x\n",
    "for r in rows:\n    if r:\n        x = r\n        # inner footer\n    # outer footer\n\n# top\ny = 3\n",
    "for r in rows:\n    if r:\n        x = r\n    # shallower\n        # deeper again\ny = 3\n",
    "for r in rows:\n    x = r\n# column 0, then an indented one\n    # indented\ny = 1\n",
    "@decorate\n# between\n\ndef helper(a):\n    return a\nx = helper(rows)\n",
    "class Row:\n    size = 1\n\n    def grow(self):\n        return self.size + 1\nx = Row()\n",
    "try:\n    x = rows[0]\nexcept IndexError as err:\n    x = None\nfinally:\n    y = 2\n",
    "while rows:  # loop\n    x = rows.pop()\nelse:\n    y = 0\n",
    "a = 1; b = 2\nx = a + b\n",
    "x = 1\n# last comment\n",
    "x = 1\n# last comment, no newline",
    "x = rows\nx\n",
    "x = rows\n(x)  # shown\n",
    "x = rows\nlen(x);\n",
    "x = 1\n  # odd indentation\n",
    "x = 1\n    # indented after the last statement\n",
    "x = (1,\n     2)\n",
    's = """one\n# two\n"""\nx = s\n',
    "if rate:\n  x = 2  # two-space indentation\n",
    "if rate:\n\tx = 2\n",
    "x = 1 + \\\n    2\n",
    "def clean(x):\n    return x\nclean = clean(rows)\n",
    "x = 1\ny = 2\n",
    "print(rows)\nfor r in rows:\n    print(r)\nx = 1\n",
    "with open(p) as f:\n    x = f.read()\n",
    "# only a comment\n",
    "if rate: x = 1\nelse: x = 2\n",
    "def f(\n    a,\n):\n    return a\nx = f(1)\n",
    "if (rate and\n        rows):\n    x = 1\n",
    'if rate == """\n# a""":\n    x = 1\n',
    '@decorate("""\n# a""")\ndef f(a):\n    return a\nx = f(1)\n',
    'x = 1\nif x:\n    y = """\n    # a"""\n',
    "for r in rows:\n    x = r * rate\n    plt.plot(x)\n",
    "x = rows\nprint(x)\n",
    "x = int(round(rate))\n",
    "import math\nx = int(math.ceil(rate))\n",
]


def _both(source: str, **options: object) -> tuple[str | None, str]:
    step = _step(**options)
    return sliced_function_source("clean", source, step), function_source(
        "clean", cst.parse_module(source), step
    )


def _step(**options: object) -> StepOptions:
    drop = options.pop("drop", set())
    assert isinstance(drop, set | frozenset)
    return StepOptions(drop=frozenset(drop), **options)  # type: ignore[arg-type]


def _options(source: str) -> list[dict[str, object]]:
    """Every way a step may be cut from the cell: statements dropped, the last expression
    returned, outputs returned, a docstring, parameters with a mutable default (its own
    literal or a module constant), nested prints and plots dropped, casts read against the
    module's imports. Every field of StepOptions takes more than one value here (see
    test_the_comparison_covers_every_step_option)."""
    groups = top_level_statements(ast.parse(source))
    count = len(groups)
    drops = [set(), {0}, {count - 1}, set(range(0, count, 2))] if count else [set()]
    results: list[int | None] = [None]
    if count and isinstance(groups[-1][0], ast.Expr):
        results.append(count - 1)
    options = []
    described = [
        ("", (), {}, PROVENANCE),
        (DOCSTRING, PARAMS, {}, PROVENANCE),
        (DOCSTRING, PARAMS, {"seen": "SEEN_DEFAULT"}, "nb2pkg: other.ipynb [id cell-9]"),
    ]
    prints = [False, True] if "print" in source else [False]
    plots = [False, True] if "plot" in source else [False]
    imports: list[dict[str, str]] = [{}, {"math": "math"}] if "int(" in source else [{}]
    for drop, result, returns, described_by, drop_prints, drop_plots, imported in itertools.product(
        drops, results, [(), ("x",), ("x", "y")], described, prints, plots, imports
    ):
        docstring, params, constants, provenance = described_by
        options.append(
            {
                "params": params,
                "returns": returns,
                "drop": drop,
                "docstring": docstring,
                "provenance": provenance,
                "result": result,
                "drop_prints": drop_prints,
                "drop_plots": drop_plots,
                "default_constants": constants,
                "imported": imported,
            }
        )
    return options


@pytest.mark.parametrize("source", CELLS)
def test_a_cut_step_is_what_the_libcst_round_trip_prints(source: str) -> None:
    for options in _options(source):
        sliced, full = _both(source, **options)
        assert sliced is None or sliced == full, options


def test_the_comparison_covers_every_step_option() -> None:
    """A step option the comparison above never varies could be honoured by one path only."""
    seen: dict[str, set[str]] = {}
    for source in CELLS:
        for options in _options(source):
            for name, value in options.items():
                seen.setdefault(name, set()).add(repr(value))
    assert set(seen) == {f.name for f in dataclasses.fields(StepOptions)}
    assert all(len(values) > 1 for values in seen.values()), seen


def test_both_paths_take_the_step_options_and_nothing_else_in_common() -> None:
    """The sliced path takes the options object only; the libcst path adds only what the
    sliced path never does (so ``modules._step_block`` cannot give the two different
    options)."""
    sliced = inspect.signature(sliced_function_source).parameters
    full = inspect.signature(function_source).parameters
    assert list(sliced) == ["name", "python_source", "options"]
    assert list(full)[:3] == ["name", "module", "options"]
    assert set(full) - {"name", "module", "options"} == {
        "rewrite",
        "replacements",
        "decorators",
        "carry_comments",
    }


@pytest.mark.parametrize(
    "source",
    [
        "x = rows[0]\n",
        "# step 1: scale\nscaled = [v * (1 + rate) for v in rows]\nx = max(scaled)\n",
        "if rate > 1:\n    x = 1\n    # the footer of the if\nelse:\n    x = 2\n# about x\nx = x + 1\n",
        "try:\n    x = rows[0]\nexcept IndexError as err:\n    x = err\nfinally:\n    x = x or 2\n",
        "@decorate\n# between\n\ndef helper(a):\n    return a\nx = helper(rows)\n",
        "x = 1\n# last comment, no newline",
    ],
)
def test_cells_of_whole_lines_are_cut(source: str) -> None:
    sliced, full = _both(
        source,
        params=PARAMS,
        returns=("x",),
        drop=set(),
        docstring=DOCSTRING,
        provenance=PROVENANCE,
    )
    assert sliced == full


@pytest.mark.parametrize(
    ("source", "returns", "why"),
    [
        ("x = (1,\n     2)\n", ("x",), "a statement spans lines"),
        ('s = """one\n# two\n"""\nx = s\n', ("x",), "a string spans lines"),
        ('if rate == """\n# a""":\n    x = 1\n', ("x",), "a string in a header spans lines"),
        ('@decorate("""\n# a""")\ndef f(a):\n    return a\nx = f(1)\n', ("x",), "a decorator"),
        ("if rate:\n  x = 2\n", ("x",), "libcst re-indents by four spaces"),
        ("if rate:\n\tx = 2\n", ("x",), "a tab"),
        ("x = 1 + \\\n    2\n", ("x",), "a backslash continuation"),
        ("x = 1\n    # after\n", ("x",), "libcst drops this comment"),
        (
            "x = clean(rows)\ndef clean(v):\n    return v\ny = clean(x)\n",
            ("x", "y"),
            "a rebound name",
        ),
        ("x = 1\ny = 2\n", ("x",), "an unused value"),
    ],
)
def test_other_cells_are_left_to_libcst(source: str, returns: tuple[str, ...], why: str) -> None:
    step = StepOptions((), returns, frozenset(), docstring="", provenance=PROVENANCE)
    assert sliced_function_source("clean", source, step) is None, why


def _returning_x() -> dict[str, object]:
    """A step with no parameters or docstring that returns ``x``."""
    return {
        "params": (),
        "returns": ("x",),
        "drop": set(),
        "docstring": "",
        "provenance": PROVENANCE,
    }


def test_nested_prints_to_drop_are_left_to_libcst() -> None:
    source = "for r in rows:\n    print(r)\nx = 1\n"
    options = _returning_x()
    assert sliced_function_source("clean", source, _step(drop_prints=True, **options)) is None
    sliced, full = _both(source, drop_prints=False, **options)
    assert sliced == full


_LINES = [
    "x = rows",
    "y = x",
    "# comment",
    "",
    "if x:",
    "for r in rows:",
    "else:",
    "try:",
    "except ValueError:",
    "finally:",
    "x",
    "print(x)",
    "a = 1; b = 2",
    "def f(a):",
    "@decorate",
    "return a",
    "pass",
]


def _random_cell(chooser: random.Random) -> str:
    """Lines at random depths: most do not parse, the rest cover odd layouts."""
    lines = []
    for _ in range(chooser.randint(1, 10)):
        depth = chooser.choice([0, 0, 1, 1, 2]) if lines else 0
        text = chooser.choice(_LINES)
        indent = "    " * depth
        if text.startswith("#") and chooser.random() < 0.3:
            indent = " " * chooser.randint(0, 9)
        lines.append(indent + text if text else "")
    return "\n".join(lines) + chooser.choice(["\n", "", "\n\n"])


def test_random_layouts_agree() -> None:
    chooser = random.Random(15)
    cut = 0
    for _ in range(3000):
        source = _random_cell(chooser)
        try:
            groups = top_level_statements(ast.parse(source))
        except SyntaxError:
            continue
        drop = {i for i in range(len(groups)) if chooser.random() < 0.3}
        expression = groups and isinstance(groups[-1][0], ast.Expr)
        sliced, full = _both(
            source,
            params=(),
            returns=chooser.choice([(), ("x",), ("x", "y")]),
            drop=drop,
            docstring=chooser.choice(["", DOCSTRING]),
            provenance=PROVENANCE,
            result=len(groups) - 1 if expression and chooser.random() < 0.5 else None,
        )
        assert sliced is None or sliced == full, source
        cut += sliced is not None
    assert cut > 50  # the layouts above are cut, not only left to libcst


def test_a_cells_closing_comment_stays_above_the_return() -> None:
    source = "x = rows[0]\n# my recommendation: 11am or 7pm\n"
    options = _returning_x()
    sliced, full = _both(source, **options)
    assert sliced == full
    assert full.endswith("    # my recommendation: 11am or 7pm\n    return x\n")


def test_comments_of_statements_left_out_after_the_last_kept_one_go_with_them() -> None:
    """``# View the plot`` above ``return`` would describe code that is not there; a comment
    above a left-out statement that kept code follows stays, with that code."""
    source = "# scale\nshown = rows\nx = rows[0]\n# View the plot\nshow(x)\n# closing\n"
    sliced, full = _both(source, **{**_returning_x(), "drop": {0, 2}})
    assert sliced == full
    assert "# scale" in full and "# closing" in full
    assert "View the plot" not in full
