"""A flood of requests on one real jupyter_server: every kind of client mistake of
test_bad_requests.py, several times, on each endpoint it applies to, with other methods and
credentials, and valid requests in between. Each answer is the expected one (the 4xx and code
of its kind, or 200 with a result), none shows a traceback, and ``/api/status`` keeps answering
throughout. The requests are sent one after another (a fixed number, no timing involved), and a
burst of them at once at the end.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from test_bad_requests import BAD_REQUESTS, Bad, answer_of, root_with_traps  # noqa: F401
from test_handlers import Fetch

ENDPOINTS = ("analyze", "build", "preview")
ROUNDS = 2
STATUS_EVERY = 8
VALID_EVERY = 4

FIELD_OF_ONE_ENDPOINT = {
    # kinds about fields that only some endpoints read: sent where they are read
    "bump",
    "force",
    "name",
    "version",
    "paths",
    "out_dir",
    "package",
    "notebook",
    "too many cells",
    "a cell over the line cap",
}
"""Words in a kind's name that mark it as endpoint-specific."""


def variants(bad: Bad) -> list[Bad]:
    """The kind on every endpoint when it is about the body, the path, the method or the
    credentials, which every endpoint checks alike, on its own endpoint otherwise; and with a
    further field in its body."""
    own = [bad]
    if isinstance(bad.body, dict):  # the same mistake in a body with one more, harmless field
        own.append(replace(bad, body={**bad.body, "client": "flood"}))
    if any(word in bad.kind for word in FIELD_OF_ONE_ENDPOINT):
        return own
    return own + [replace(bad, endpoint=e) for e in ENDPOINTS if e != bad.endpoint]


def method_and_credential_mistakes() -> list[Bad]:
    mistakes = []
    for endpoint in ENDPOINTS:
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            body = None if method in ("GET", "DELETE") else b'{"path": "inside.ipynb"}'
            mistakes.append(Bad(f"{method} {endpoint}", endpoint, body, 405, "NB810", method))
        for token in ("", "token not-the-token", "Bearer x"):
            headers = {"Authorization": token}
            body = {"path": "inside.ipynb"}
            mistakes.append(Bad(f"token {token!r}", endpoint, body, 403, "NB807", headers=headers))
    return mistakes


def flood() -> list[Bad]:
    once = [v for bad in BAD_REQUESTS for v in variants(bad)] + method_and_credential_mistakes()
    return [bad for number in range(ROUNDS) for bad in (once if number % 2 == 0 else once[::-1])]


VALID: list[tuple[str, dict[str, Any]]] = [
    ("analyze", {"path": "inside.ipynb"}),
    ("preview", {"path": "inside.ipynb"}),
    ("build", {"path": "inside.ipynb", "out_dir": "pkg"}),
    ("analyze", {"path": "inside.ipynb", "package": "inside"}),
]


async def valid_answer(jp_fetch: Fetch, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await jp_fetch("nb2pkg", endpoint, method="POST", body=json.dumps(body))
    assert response.code == 200
    answer: dict[str, Any] = json.loads(response.body)
    assert not [d for d in answer.get("diagnostics", []) if d["severity"] == "error"], answer
    return answer


async def check_refused(jp_fetch: Fetch, bad: Bad, root: Path) -> None:
    status, content_type, text = await answer_of(jp_fetch, bad)
    assert content_type.startswith("application/json"), (bad, text)
    error = json.loads(text)
    assert (status, error["code"]) == (bad.status, bad.code), (bad.kind, bad.endpoint, text)
    assert "Traceback" not in text and str(root.parent) not in text


async def test_a_flood_of_bad_and_valid_requests_is_answered_one_by_one(
    jp_fetch: Fetch,
    root_with_traps: Path,  # noqa: F811
) -> None:
    requests = flood()
    sent = {"bad": 0, "valid": 0, "status": 0}
    for number, bad in enumerate(requests, start=1):
        await check_refused(jp_fetch, bad, root_with_traps)
        sent["bad"] += 1
        if number % VALID_EVERY == 0:
            endpoint, body = VALID[(number // VALID_EVERY) % len(VALID)]
            await valid_answer(jp_fetch, endpoint, body)
            sent["valid"] += 1
        if number % STATUS_EVERY == 0:
            assert (await jp_fetch("api", "status")).code == 200
            sent["status"] += 1
    # A burst: one of each kind at once, valid requests and the status among them
    burst = [check_refused(jp_fetch, bad, root_with_traps) for bad in BAD_REQUESTS]
    burst += [valid_answer(jp_fetch, endpoint, body) for endpoint, body in VALID]
    await asyncio.gather(*burst, jp_fetch("api", "status"))
    sent["bad"] += len(BAD_REQUESTS)
    sent["valid"] += len(VALID)
    sent["status"] += 1
    # The server still answers, and the valid build's package is whole
    assert (await jp_fetch("api", "status")).code == 200
    assert (await valid_answer(jp_fetch, "build", {"path": "inside.ipynb", "out_dir": "pkg"}))["ok"]
    total = sum(sent.values()) + 2
    print(f"\n{total} requests: {sent}, {len({b.kind for b in requests})} kinds of mistake")
    assert total >= 410 and len({b.code for b in requests}) >= 10
