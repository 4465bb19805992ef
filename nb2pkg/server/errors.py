"""Request-level problems of the server extension, each with a stable diagnostic code.

Problems with a notebook itself come back from ``nb2pkg.api`` as diagnostics inside a
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


def code_for_status(status: int) -> str:
    """The code of an error tornado or jupyter_server raised before our handler's body ran."""
    return {
        400: INVALID_REQUEST,
        403: REFUSED,
        404: NOT_FOUND,
        413: BODY_TOO_LARGE,
    }.get(status, INTERNAL_ERROR)
