"""The CHANGELOG date: SOURCE_DATE_EPOCH when set, else today in UTC."""

from __future__ import annotations

import datetime

import pytest

from nb2pkg.builder.build_date import build_date


@pytest.mark.parametrize(
    ("epoch", "date"),
    [("0", "1970-01-01"), ("1000000000", "2001-09-09"), (" 2000000000\n", "2033-05-18")],
)
def test_source_date_epoch_decides_the_date(epoch: str, date: str) -> None:
    assert build_date({"SOURCE_DATE_EPOCH": epoch}) == (date, None)


@pytest.mark.parametrize("environ", [{}, {"SOURCE_DATE_EPOCH": ""}])
def test_without_it_the_date_is_today_in_utc(environ: dict[str, str]) -> None:
    before = datetime.datetime.now(datetime.timezone.utc).date()
    date, problem = build_date(environ)
    after = datetime.datetime.now(datetime.timezone.utc).date()
    assert problem is None
    assert date in {before.isoformat(), after.isoformat()}


@pytest.mark.parametrize("epoch", ["yesterday", "-5", "1.5", "9" * 30])
def test_a_bad_value_is_a_coded_error(epoch: str) -> None:
    date, problem = build_date({"SOURCE_DATE_EPOCH": epoch})
    assert date is None and problem is not None
    assert problem.code == "NB520" and problem.is_error
    assert "SOURCE_DATE_EPOCH" in str(problem.location) and problem.hint
