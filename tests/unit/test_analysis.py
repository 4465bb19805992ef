"""Per-cell analysis: one cell's source in, the facts the dataflow needs out.

Short sources, one fact each, in the manner of LibCST's own tests.
"""

from __future__ import annotations

import libcst as cst
import pytest

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.ir import CellAnalysis, ImportBinding


def facts(source: str) -> CellAnalysis:
    parsed = analyze_cell(source)
    assert parsed.module is not None, parsed.problems
    return parsed.analysis


def reads(source: str) -> tuple[str, ...]:
    return facts(source).reads


def binds(source: str) -> tuple[str, ...]:
    return facts(source).binds


# ------------------------------------------------------------------ evaluation order


@pytest.mark.parametrize(
    ("source", "expected_reads", "expected_binds"),
    [
        ("df = clean(df)\n", ("clean", "df"), ("df",)),
        ("df = df.dropna()\n", ("df",), ("df",)),
        ("x = 1\ny = x + z\n", ("z",), ("x", "y")),
        ("y = x\nx = 2\n", ("x",), ("y", "x")),
        ("a, b = b, a\n", ("b", "a"), ("a", "b")),
        ("total += step\n", ("total", "step"), ("total",)),
        ("total = 0\ntotal += step\n", ("step",), ("total",)),
        ("counts[key] += 1\n", ("counts", "key"), ()),
        ("ratio: float = hits / n\n", ("float", "hits", "n"), ("ratio",)),
    ],
)
def test_reads_before_binds_in_evaluation_order(
    source: str, expected_reads: tuple[str, ...], expected_binds: tuple[str, ...]
) -> None:
    analysis = facts(source)

    assert analysis.reads == expected_reads
    assert analysis.binds == expected_binds


def test_first_read_lines_are_recorded() -> None:
    analysis = facts("a = 1\n\nb = a + late\n")

    assert analysis.first_line_of == {"late": 3}


def test_keyword_constants_are_not_reads() -> None:
    assert reads("flag = True if value is None else False\n") == ("value",)


def test_attributes_are_not_names() -> None:
    assert reads("n = df.shape[0] + cfg.value\n") == ("df", "cfg")


# ------------------------------------------------------------------ nested scopes


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("squares = [i * k for i in items if i > lo]\n", ("items", "lo", "k")),
        ("pairs = [(a, b) for a in xs for b in a.children if b != a]\n", ("xs",)),
        ("index = {k: v * w for k, v in table.items()}\n", ("table", "w")),
        ("unique = {c.lower() for c in names}\n", ("names",)),
        ("total = sum(x * x for x in values)\n", ("sum", "values")),
        ("ys = [i for i in range(3)]\nz = i\n", ("range", "i")),
    ],
)
def test_comprehension_variables_stay_inside(source: str, expected: tuple[str, ...]) -> None:
    assert reads(source) == expected


def test_lambda_parameters_are_local_and_defaults_are_read() -> None:
    analysis = facts("key = lambda row, w=weight: row[col] * w\n")

    assert analysis.reads == ("weight", "col")
    assert analysis.binds == ("key",)


def test_a_def_reads_its_free_names_and_binds_its_name() -> None:
    analysis = facts(
        "def score(y, scale=default_scale):\n"
        "    local = y * scale\n"
        "    return metric(local, truth)\n"
    )

    assert analysis.binds == ("score",)
    assert analysis.defines == ("score",)
    assert analysis.reads == ("default_scale", "metric", "truth")
    assert analysis.def_globals == (("score", "metric"), ("score", "truth"))


def test_names_a_def_binds_itself_are_not_globals() -> None:
    analysis = facts(
        "def fact(n):\n"
        "    import math\n"
        "    result = 1 if n < 2 else n * fact(n - 1)\n"
        "    return math.floor(result)\n"
    )

    assert analysis.reads == ()
    assert analysis.def_globals == ()


def test_a_def_reading_a_name_its_own_cell_binds_is_not_a_notebook_global() -> None:
    analysis = facts("threshold = 3\ndef over(x):\n    return x > threshold\n")

    assert analysis.def_globals == ()
    assert analysis.reads == ()


def test_free_names_of_nested_defs_reach_the_outer_def() -> None:
    analysis = facts(
        "def outer():\n    def inner():\n        return z + w\n    w = 1\n    return inner\n"
    )

    assert analysis.def_globals == (("outer", "z"),)


def test_a_class_body_and_its_methods_report_their_free_names() -> None:
    analysis = facts(
        "class Model(Base):\n"
        "    rate = default_rate\n"
        "    def fit(self, X):\n"
        "        return X * self.rate * scale\n"
    )

    assert analysis.binds == ("Model",)
    assert analysis.reads == ("Base", "default_rate", "scale")
    assert analysis.def_globals == (("Model", "default_rate"), ("Model", "scale"))


def test_decorators_are_read_when_the_def_runs() -> None:
    assert reads("@cache\ndef f(x):\n    return x\n") == ("cache",)


# ------------------------------------------------------------------ binding statements


@pytest.mark.parametrize(
    ("source", "expected_binds", "expected_reads"),
    [
        ("if (n := len(items)) > 3:\n    big = n\n", ("n", "big"), ("len", "items")),
        ("vals = [y for x in data if (y := f(x)) > 0]\n", ("y", "vals"), ("data", "f")),
        (
            "for i, (a, b) in enumerate(pairs):\n    last = a\n",
            ("i", "a", "b", "last"),
            ("enumerate", "pairs"),
        ),
        (
            "with open(path) as fh, ctx() as (a, b):\n    text = fh.read()\n",
            ("fh", "a", "b", "text"),
            ("open", "path", "ctx"),
        ),
        (
            "try:\n    v = risky()\nexcept ValueError as err:\n    msg = str(err)\n",
            ("v", "err", "msg"),
            ("risky", "ValueError", "str"),
        ),
        ("while (line := next(it, None)):\n    n = line\n", ("line", "n"), ("next", "it")),
    ],
)
def test_binding_statements(
    source: str, expected_binds: tuple[str, ...], expected_reads: tuple[str, ...]
) -> None:
    analysis = facts(source)

    assert analysis.binds == expected_binds
    assert analysis.reads == expected_reads


def test_match_patterns_bind_their_captures() -> None:
    analysis = facts(
        "match command:\n"
        "    case Point(x=px, y=0):\n"
        "        r = px\n"
        "    case [first, *rest]:\n"
        "        r = first\n"
        "    case {'k': v, **others}:\n"
        "        r = v\n"
        "    case str() as s if s != sep:\n"
        "        r = s\n"
        "    case Color.RED:\n"
        "        r = 0\n"
        "    case _:\n"
        "        r = fallback\n"
    )

    assert analysis.reads == ("command", "Point", "str", "sep", "Color", "fallback")
    assert analysis.binds == ("px", "r", "first", "rest", "v", "others", "s")


def test_match_captures_inside_a_def_are_local() -> None:
    analysis = facts(
        "def split(cmd):\n"
        "    match cmd:\n"
        "        case [first, *rest]:\n"
        "            return first, rest, other\n"
    )

    assert analysis.def_globals == (("split", "other"),)


# ------------------------------------------------------------------ mutations


@pytest.mark.parametrize(
    ("source", "mutated"),
    [
        ("df.dropna(inplace=True)\n", "df"),
        ("df.loc[df.x > 0, 'y'] = 1\n", "df"),
        ("df['z'] = df['x'] * 2\n", "df"),
        ("df.iloc[0] = row\n", "df"),
        ("results.append(score)\n", "results"),
        ("seen.add(key)\n", "seen"),
        ("config.update(extra)\n", "config"),
        ("model.fit(X, y)\n", "model"),
        ("model.n_jobs = 4\n", "model"),
        ("del cache['old']\n", "cache"),
        ("for row in rows:\n    out.append(row)\n", "out"),
    ],
)
def test_in_place_changes_of_inputs_are_mutations(source: str, mutated: str) -> None:
    assert facts(source).mutations == (mutated,)


@pytest.mark.parametrize(
    "source",
    [
        "items = []\nitems.append(1)\n",
        "clean = df.dropna()\n",
        "df = df.copy()\ndf['x'] = 1\n",
        "df.dropna(inplace=False)\n",
        "n = len(results)\n",
        "found = [x for x in xs if x]\nfound.sort()\n",
        # a new object is fitted, not the class that made it
        "vect = CountVectorizer(min_df=5).fit(text)\n",
        "PCA().fit(X)\n",
        # a decorator that only wraps the function registers it nowhere
        "@torch.no_grad()\ndef predict(x):\n    return model(x)\n",
    ],
)
def test_no_mutation(source: str) -> None:
    assert facts(source).mutations == ()


def test_a_decorator_method_of_an_input_registers_the_function_with_it() -> None:
    source = "@trainer.on(Events.EPOCH_COMPLETED)\ndef log_results():\n    print(trainer.state)\n"
    assert facts(source).mutations == ("trainer",)


@pytest.mark.parametrize(
    "source",
    [
        "print(sorted(SCORERS.keys()))\n",
        "list(d.items())\n",
        "display(Image(filename='images/iris.jpg'))\n",
        "IPython.display.HTML('<b>x</b>')\n",
        "interact(plot_fit, degree=[1, 30])\n",
    ],
)
def test_views_rich_display_objects_and_widgets_only_show(source: str) -> None:
    analysis = facts("x = 1\n" + source)
    assert analysis.display_statements == (1,) or analysis.library_statements == ((1, "print"),)


# ------------------------------------------------------------------ display-only statements


def test_display_only_statements_are_found_by_index() -> None:
    source = (
        "x = load()\n"  # 0
        "df\n"  # 1
        "df.head()\n"  # 2
        "df.shape\n"  # 3
        "print(df.describe())\n"  # 4
        "display(df)\n"  # 5
        "df['x']\n"  # 6
        "plt.show()\n"  # 7
        "print('n =', n, sep='')\n"  # 8
        "df.x.value_counts()\n"  # 9
        "df, x\n"  # 10
        "print(f'{x} rows')\n"  # 11
        "train(df)\n"  # 12
        "print(train(df))\n"  # 13
        "df.isnull().any()\n"  # 14
        "(df.x > 0).all()\n"  # 15
        "pd.merge(df, x, left_index=True, right_on='k').head()\n"  # 16
        "pd.concat([df, x]).shape\n"  # 17
        "pd.concat(frames)\n"  # 18: `frames` may be a generator it uses up
        "pd.read_csv('a.csv').head()\n"  # 19: reads a file
        "pd.set_option('display.max_rows', 5)\n"  # 20
        "model.score(X, y)\n"  # 21: computed above the last line, so never shown
        "df.copy()\n"  # 22: the value the cell shows
    )

    analysis = facts(source)
    assert analysis.display_statements == (1, 2, 3, 5, 6, 9, 10, 14, 15, 16, 17, 21)
    # Prints and plots leave steps too, as statements of their own kind (library_code).
    assert analysis.library_statements == (
        (4, "print"),
        (7, "plot"),
        (8, "print"),
        (11, "print"),
        (20, "setting"),
    )


# ------------------------------------------------------------------ parameters cells


def test_literal_and_non_literal_assignments() -> None:
    analysis = facts(
        "a = 1\n"
        "b = 'text'\n"
        "c = [1, 2.5, None]\n"
        "d = {'k': (1, True)}\n"
        "e = -3\n"
        "f: int = 5\n"
        "g = compute()\n"
        "h = a + 1\n"
        "i, j = 1, 2\n"
    )

    assert analysis.literal_assignments == (
        ("a", "1"),
        ("b", "'text'"),
        ("c", "[1, 2.5, None]"),
        ("d", "{'k': (1, True)}"),
        ("e", "-3"),
        ("f", "5"),
    )
    assert analysis.non_literal_assignments == (("g", 7), ("h", 8), ("i", 9), ("j", 9))


def test_last_assignment_binds() -> None:
    assert facts("a = 1\nb, c = 2, 3\nprint(a)\n").last_assignment_binds == ("b", "c")
    assert facts("a = 1\nfor i in r:\n    pass\n").last_assignment_binds == ("a",)
    assert facts("def f():\n    return 1\n").last_assignment_binds == ()


# ------------------------------------------------------------------ imports and hazards


def test_top_level_imports_are_recorded_for_hoisting() -> None:
    analysis = facts(
        "import numpy as np, os.path\n"
        "from . import helpers\n"
        "from ..pkg import mod as m\n"
        "import a.b.c\n"
        "x = np.zeros(3)\n"
    )

    assert analysis.imports == (
        ImportBinding("numpy", None, "np", "np"),
        ImportBinding("os.path", None, None, "os"),
        ImportBinding("", "helpers", None, "helpers", 1),
        ImportBinding("pkg", "mod", "m", "m", 2),
        ImportBinding("a.b.c", None, None, "a"),
    )
    assert analysis.import_statements == (0, 1, 2, 3)
    # Imports move to the module top, so the cell's own use of `np` is a read the planner
    # resolves to the hoisted import; the cell itself binds only `x`.
    assert analysis.reads == ("np",)
    assert analysis.binds == ("x",)


def test_an_import_line_that_also_sets_a_style_is_hoisted_and_the_setting_dropped() -> None:
    analysis = facts("import seaborn; seaborn.set()  # plot styling\nx = 1\n")

    assert analysis.import_statements == (0,)
    assert analysis.imports == (ImportBinding("seaborn", None, None, "seaborn"),)
    assert "seaborn" not in analysis.uses


def test_an_import_line_that_also_computes_stays_work() -> None:
    analysis = facts("import numpy as np; x = np.zeros(3)\n")

    assert analysis.import_statements == ()
    assert analysis.binds == ("np", "x")


def test_a_line_of_several_plot_statements_is_a_plot() -> None:
    analysis = facts(
        "tri = make(w)\n"
        "ax = plt.axes(projection='3d')\n"
        "ax.set_xlim(-1, 1); ax.set_ylim(-1, 1); ax.set_zlim(-1, 1)\n"
    )

    assert analysis.library_statements == ((1, "plot"), (2, "plot"))
    assert analysis.reads == ("make", "w")


def test_a_line_mixing_plot_and_work_is_work_and_keeps_the_figure_it_reads() -> None:
    analysis = facts("fig, ax = plt.subplots()\nax.plot(x); n = len(ax.lines)\n")

    assert analysis.library_statements == ()
    assert analysis.binds == ("fig", "ax", "n")


def test_star_imports_are_recorded_with_their_line() -> None:
    analysis = facts("import math\nfrom os.path import *\np = join(a, str(math.pi))\n")

    assert analysis.star_imports == (("os.path", 2),)
    assert analysis.reads == ("join", "a", "str", "math")


def test_global_statements_are_recorded_with_their_line() -> None:
    analysis = facts("def bump():\n    global counter\n    counter += 1\n")

    assert analysis.global_statements == (("counter", 2),)
    assert analysis.def_globals == ()


def test_file_path_literals_are_found_but_urls_are_not() -> None:
    analysis = facts("df = pd.read_csv('data/sales.csv')\nurl = 'https://x.org/a.csv'\n")

    assert analysis.file_literals == (("data/sales.csv", 1),)


def test_assert_and_call_are_noticed() -> None:
    assert facts("assert x > 0\n").has_assert
    assert not facts("assert x > 0\n").has_call
    assert facts("check(x)\n").has_call


# ------------------------------------------------------------------ errors and cache


def test_a_syntax_error_is_a_located_problem_not_an_exception() -> None:
    parsed = analyze_cell("x = 1\ny = (\n")

    assert parsed.module is None
    (problem,) = parsed.problems
    assert (problem.code, problem.line) == ("NB201", 2)
    assert parsed.analysis.reads == ()


def test_a_syntax_error_inside_a_cell_magic_counts_the_magic_line() -> None:
    (problem,) = analyze_cell("%%time\nx = 1\ny = )\n").problems

    assert (problem.code, problem.line) == ("NB201", 3)


def test_lines_inside_a_cell_magic_count_from_the_cell() -> None:
    analysis = facts("%%time\nx = 1\ny = x + z\n")

    assert analysis.first_line_of == {"z": 3}
    assert analysis.line_offset == 1


def test_analysis_is_cached_by_source() -> None:
    source = "cached_value = compute_once()\n"

    assert analyze_cell(source) is analyze_cell(source)


# ------------------------------------------------------------------ cost grows with the cell


class CountedName(str):
    """A name that counts how often it is compared with another: each list scan compares."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        CountedName.comparisons += 1
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        CountedName.comparisons += 1
        return str.__ne__(self, other)

    __hash__ = str.__hash__


class _CountNames(cst.CSTTransformer):
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value=CountedName(updated_node.value))


def long_cell(lines: int) -> str:
    """Nearly every line binds a new name from earlier ones, reads, mutates or holds a path."""
    body = ["v0 = 1"]
    for index in range(1, lines):
        body.append(
            (
                f"v{index} = v{index - 1} + 1",
                f"items_{index} = [v{index - 1} * j for j in range(3)]",
                f"items_{index - 1}.append(v{index - 2})",
                f"path_{index} = 'data/file_{index}.csv'",
            )[index % 4]
        )
    return "\n".join(body) + "\n"


def name_comparisons(lines: int) -> int:
    CountedName.comparisons = 0
    parsed = analyze_cell.__wrapped__(long_cell(lines))
    assert parsed.module is not None and len(parsed.analysis.binds) > lines // 2
    return CountedName.comparisons


def test_name_comparisons_grow_linearly_with_the_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a parser whose names count their comparisons (the real parser, names wrapped)
    parse = cst.parse_module
    monkeypatch.setattr(cst, "parse_module", lambda code: parse(code).visit(_CountNames()))
    # When cells of 200 and 400 lines, each binding hundreds of names, are analysed
    short, long = name_comparisons(200), name_comparisons(400)
    # Then a few comparisons per line suffice, twice as many for twice the lines: looking a
    # name up among those bound before is a hash lookup, not a scan of every earlier name
    assert long <= 10 * 400
    assert long <= 2.5 * short
