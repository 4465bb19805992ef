"""The command line's fixed part, copied into every package as ``_command_line.py``."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from nb2pkg.emit.templates.command_line import (
    DEBUG_DEST,
    literal_of,
    literal_value,
    option_flags,
    run_command,
    summary,
)


def test_an_option_value_is_a_literal_when_it_reads_as_one_else_the_text() -> None:
    assert literal_value("[1, 2]") == [1, 2]
    assert literal_value("3.5") == 3.5
    assert literal_value("data/train.csv") == "data/train.csv"


def test_a_typed_literal_option_refuses_another_type_and_non_literals() -> None:
    as_list = literal_of(list)
    assert as_list("['a', 'b']") == ["a", "b"]
    assert as_list.__name__ == "list"
    with pytest.raises(argparse.ArgumentTypeError, match="expected a list like the default"):
        as_list("{'a': 1}")
    with pytest.raises(argparse.ArgumentTypeError, match="is not a Python literal"):
        literal_of(None)("not a literal")


def test_options_are_lower_case_first_with_the_own_spelling_as_an_alias_when_free() -> None:
    assert option_flags(["n_estimators", "SEED", "Alpha", "alpha"]) == {
        "n_estimators": ["--n-estimators"],
        "SEED": ["--seed", "--SEED"],
        "Alpha": ["--Alpha"],  # --alpha is the option of `alpha`
        "alpha": ["--alpha"],
    }


def test_a_summary_names_the_shape_or_shortens_the_repr() -> None:
    class Table:
        shape = (3, 2)

    assert summary(Table()) == "Table of shape (3, 2)"
    assert summary(7) == "7"
    assert summary("x" * 100).startswith("str ('xxx")
    assert summary("x" * 100).endswith("...)")


def arguments(**params: Any) -> argparse.Namespace:
    return argparse.Namespace(command="run", no_track=True, **{DEBUG_DEST: False}, **params)


def test_run_command_passes_the_parameters_and_prints_each_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: dict[str, Any] = {}

    def run(*, scale: float, track: bool) -> dict[str, Any]:
        seen.update(scale=scale, track=track)
        return {"total": scale * 2}

    assert run_command(run, arguments(scale=1.5), debug_flag="--debug") == 0
    assert seen == {"scale": 1.5, "track": False}
    assert capsys.readouterr().out == "total: 3.0\n"


def test_a_failing_run_exits_1_with_a_report_that_names_the_debug_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run(*, track: bool) -> dict[str, Any]:
        raise ValueError("bad input")

    assert run_command(run, arguments(), debug_flag="--traceback") == 1
    err = capsys.readouterr().err
    assert "ValueError: bad input" in err
    assert "--traceback" in err
    assert "Traceback (most recent call last)" not in err
