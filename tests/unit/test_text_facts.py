"""The words a cell's text must hold for a pass over its tree to find anything: a cell
without them skips the pass, and finds the same."""

from __future__ import annotations

import ast

import pytest

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.analysis.effects import (
    FILE_WRITERS,
    file_writes,
    global_state_changes,
    may_change_global_state,
    may_write_files,
)
from nb2pkg.analysis.text_facts import TextFacts

GLOBAL_STATE = [
    "np.random.shuffle(x)",
    "numpy.random.rand(3)",
    "random.random()",
    "torch.manual_seed(0)",
    "tf.random.uniform([2])",
    "rows = df.sample(5)",
    "pd.set_option('mode.use_inf_as_na', True)",
    "np.seterr(all='raise')",
    "pd.options.mode.copy_on_write = True",
    "pandas.options.compute.use_numexpr = False",
]


@pytest.mark.parametrize("source", GLOBAL_STATE)
def test_each_global_state_change_is_in_a_text_that_may_change_it(source: str) -> None:
    assert global_state_changes(ast.parse(source))
    assert may_change_global_state(source)
    assert analyze_cell(source).analysis.global_state


@pytest.mark.parametrize("writer", sorted(FILE_WRITERS))
def test_each_file_writer_is_in_a_text_that_may_write(writer: str) -> None:
    source = f"data.{writer}('out.bin')"
    assert file_writes(ast.parse(source))
    assert may_write_files(source)
    assert analyze_cell(source).analysis.file_writes == ((f"data.{writer}", 1, "out.bin"),)


def test_a_text_without_the_words_rules_the_passes_out() -> None:
    source = "total = sum(v * 2 for v in values)\nprint(total)\n"
    facts = TextFacts(source)
    assert not (facts.may_quote or facts.may_write or facts.may_draw or facts.any())
    analysis = analyze_cell(source).analysis
    assert analysis.file_literals == analysis.file_writes == analysis.global_state == ()


def test_an_identifier_spelled_in_other_unicode_forms_is_still_found() -> None:
    # Python reads identifiers in NFKC form: a full-width letter is its ASCII letter
    source = "np.\uff52andom.shuffle(items)\nframe.\uff54o_csv(name)\n"
    assert "random" not in source and "to_csv" not in source
    assert may_change_global_state(source) and may_write_files(source)
    analysis = analyze_cell(source).analysis
    assert analysis.global_state == (("np.random.shuffle", 1),)
    assert analysis.file_writes == (("frame.to_csv", 2, ""),)


def test_a_path_in_an_escaped_string_is_found() -> None:
    source = 'frame = load("data\\x2ecsv")\n'
    assert TextFacts(source).may_quote
    assert analyze_cell(source).analysis.file_literals == (("data.csv", 1),)
