"""The date a build records in CHANGELOG.md, reproducible on request.

``SOURCE_DATE_EPOCH`` (the reproducible-builds convention: seconds since 1970-01-01 UTC) fixes
it, so two builds of the same notebooks on different days write the same bytes. Without it the
date is today's, in UTC.

Its diagnostic code, NB520, is described in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping

from nb2pkg.ir import Diagnostic, Location, Severity

VARIABLE = "SOURCE_DATE_EPOCH"


def build_date(environ: Mapping[str, str] | None = None) -> tuple[str | None, Diagnostic | None]:
    """The ISO date (``2026-11-27``) of this build, or a diagnostic when the variable is bad."""
    environ = os.environ if environ is None else environ
    raw = environ.get(VARIABLE)
    if raw is None or raw.strip() == "":
        return datetime.datetime.now(datetime.timezone.utc).date().isoformat(), None
    text = raw.strip()
    if not text.isdigit():
        return None, _bad(raw)
    try:
        moment = datetime.datetime.fromtimestamp(int(text), datetime.timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None, _bad(raw)
    return moment.date().isoformat(), None


def _bad(raw: str) -> Diagnostic:
    return Diagnostic(
        "NB520",
        Severity.ERROR,
        f"{VARIABLE}={raw!r} is not a time: it must be whole seconds since 1970-01-01 UTC",
        Location(f"environment variable {VARIABLE}"),
        "set it to e.g. $(git log -1 --format=%ct) for reproducible builds, or unset it",
    )
