"""Imports a function makes and never reads, and values a nested function only shadows,
leave the generated code (ruff's F401 and F841)."""

from __future__ import annotations

import libcst as cst

from nb2pkg.emit.unused_values import helper_module_source, without_unused_values


def test_an_import_the_function_never_reads_leaves_it() -> None:
    source = (
        "def mannwhitney(df):\n"
        "    # compare samples\n"
        "    from numpy.random import randn, seed\n"
        "    import json\n"
        "    import os.path\n"
        "    from scipy.stats import mannwhitneyu\n"
        "    seed(1)\n"
        "    return mannwhitneyu(df.a, df.b), os.sep\n"
    )

    cleaned = without_unused_values(cst.parse_module(source), step=False).code

    assert cleaned == (
        "def mannwhitney(df):\n"
        "    # compare samples\n"
        "    from numpy.random import seed\n"
        "    import os.path\n"
        "    from scipy.stats import mannwhitneyu\n"
        "    seed(1)\n"
        "    return mannwhitneyu(df.a, df.b), os.sep\n"
    )


def test_an_import_a_nested_function_reads_stays() -> None:
    source = (
        "def step(rows):\n"
        "    import math\n"
        "    def rounded(x):\n"
        "        return math.floor(x)\n"
        "    return [rounded(r) for r in rows]\n"
    )

    assert without_unused_values(cst.parse_module(source)).code == source


def test_a_value_only_a_nested_function_of_the_same_name_reads_leaves() -> None:
    # The nested `recommendations` is the nested function's own: the step's is never read.
    source = (
        "def step(rows):\n"
        "    def recommend(n):\n"
        "        recommendations = sorted(rows)[:n]\n"
        "        return recommendations\n"
        "    recommendations = recommend(2)\n"
        "    return recommend\n"
    )

    cleaned = without_unused_values(cst.parse_module(source)).code

    assert "    recommend(2)\n    return recommend\n" in cleaned
    assert "        recommendations = sorted(rows)[:n]\n" in cleaned


def test_a_value_a_nested_default_or_free_name_reads_stays() -> None:
    source = (
        "def step(rows):\n"
        "    limit = 3\n"
        "    size = 2\n"
        "    def first(n=limit):\n"
        "        return rows[:n][:size]\n"
        "    return first\n"
    )

    assert without_unused_values(cst.parse_module(source)).code == source


def test_a_copied_helper_module_loses_the_imports_its_functions_never_read() -> None:
    source = "import os\n\n\ndef twice(x):\n    import json\n    return 2 * x\n"

    assert helper_module_source(source) == "import os\n\n\ndef twice(x):\n    return 2 * x\n"
