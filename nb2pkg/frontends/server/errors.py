"""Request-level problems of the server extension, each with a stable diagnostic code.

Problems with a notebook itself come back from ``nb2pkg.frontends.api`` as diagnostics inside a
200 response; the codes here are for requests the server refuses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestProblem(Exception):
    status: int
    code: str
    message: str
    hint: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": "error",
            "message": self.message,
            "hint": self.hint,
            "location": None,
            "where": None,
            "source_line": None,
        }


MALFORMED_JSON = "NB801"
BODY_TOO_LARGE = "NB802"
OUTSIDE_ROOT = "NB803"
INVALID_REQUEST = "NB804"
NOT_FOUND = "NB805"
INTERNAL_ERROR = "NB806"
REFUSED = "NB807"
"""Refused before the handler ran: not authenticated, or the XSRF check failed."""
BEYOND_JSON_LIMITS = "NB808"
"""JSON nested deeper, or a number larger, than the server accepts."""
PATH_TOO_LONG = "NB809"
"""A path longer, or with more segments, than the server resolves."""
METHOD_NOT_ALLOWED = "NB810"
CROSS_ORIGIN = "NB811"
"""A browser request from a page of another site (its Origin is not the server's)."""
TOO_MUCH_WORK = "NB812"
"""The notebooks of one request hold more code than the server analyses per request."""
SUPERSEDED = "NB813"
"""A newer analyze request of the same client for the same notebook replaced this one (409)."""
WORKER_STOPPED = "NB814"
"""The analysis worker process stopped (died, or was stopped after the time limit) while
working on this request (503); it was started again."""
UNKNOWN_BASE = "NB815"
"""An analyze request sent as a delta names a base (an earlier answered request of its client)
the analysis worker answering it does not hold (409): the client sends the notebook in full."""


def code_for_status(status: int) -> str:
    """The code of an error tornado or jupyter_server raised before our handler's body ran."""
    known = {
        400: INVALID_REQUEST,
        403: REFUSED,
        404: NOT_FOUND,
        405: METHOD_NOT_ALLOWED,
        413: BODY_TOO_LARGE,
    }
    if status in known:
        return known[status]
    return INVALID_REQUEST if 400 <= status < 500 else INTERNAL_ERROR
