"""Client mistakes and hostile requests on a real jupyter_server: each one is refused with a 4xx
status and the diagnostic code of its kind, as JSON, with no traceback and no server path."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from server_notebooks import BODY_LIMIT, WORK_LIMIT_LINES, code_cell, notebook_json
from server_notebooks import scaling_notebook as scaling
from test_handlers import Fetch, browser_login, post, refused
from tornado.httpclient import HTTPClientError
from traitlets.config import Config


@dataclass(frozen=True)
class Bad:
    """One kind of bad request: what is sent, and the status and code it must get."""

    kind: str
    endpoint: str
    body: Any
    status: int
    code: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)


def nested(depth: int) -> bytes:
    return b'{"path": "inside.ipynb", "extra": ' + b"[" * depth + b"]" * depth + b"}"


def big_cell_notebook(lines: int) -> dict[str, Any]:
    return notebook_json([code_cell("big", "x = 1\n" * lines, ["function:big"])])


HUGE_INT = b"9" * 5000
LONG_PATH = "a" * 5000 + ".ipynb"
DEEP_PATH = "a/" * 60_000 + "x.ipynb"

BAD_REQUESTS = [
    # The body is not a JSON object
    Bad("not JSON", "analyze", b"{not json", 400, "NB801"),
    Bad("not UTF-8", "analyze", b"\xff\xfe", 400, "NB801"),
    Bad("empty body", "analyze", b"", 400, "NB801"),
    Bad("a JSON array", "analyze", b"[1, 2]", 400, "NB801"),
    Bad("a JSON string", "build", b'"inside.ipynb"', 400, "NB801"),
    Bad("JSON null", "preview", b"null", 400, "NB801"),
    Bad("NaN is not JSON", "build", b'{"path": "inside.ipynb", "force": NaN}', 400, "NB801"),
    Bad(
        "Infinity is not JSON", "analyze", b'{"path": "inside.ipynb", "x": -Infinity}', 400, "NB801"
    ),
    Bad(
        "body over the limit",
        "analyze",
        {"path": "a.ipynb", "pad": "x" * (BODY_LIMIT + 1)},
        413,
        "NB802",
    ),
    # The body is JSON beyond the server's limits
    Bad("JSON nested 100,000 deep", "analyze", nested(100_000), 400, "NB808"),
    Bad("JSON nested 500 deep", "build", nested(500), 400, "NB808"),
    Bad(
        "notebook metadata nested 500 deep",
        "analyze",
        b'{"path": "inside.ipynb", "notebook": {"cells": [], "metadata": '
        + b'{"a": ' * 500
        + b"1"
        + b"}" * 500
        + b"}}",
        400,
        "NB808",
    ),
    Bad(
        "a 5,000-digit int as a flag",
        "build",
        b'{"path": "inside.ipynb", "force": ' + HUGE_INT + b"}",
        400,
        "NB808",
    ),
    Bad(
        "a 300-digit int as a flag",
        "build",
        {"path": "inside.ipynb", "force": 10**300},
        400,
        "NB808",
    ),
    Bad(
        "a float overflowing to infinity",
        "analyze",
        b'{"path": "inside.ipynb", "x": 1e999}',
        400,
        "NB808",
    ),
    Bad(
        "a 5,000-digit int in the notebook",
        "analyze",
        b'{"path": "inside.ipynb", "notebook": {"cells": [], "nbformat": ' + HUGE_INT + b"}}",
        400,
        "NB808",
    ),
    # Fields of the wrong type or value
    Bad("no path", "analyze", {}, 400, "NB804"),
    Bad("path is a number", "analyze", {"path": 3}, 400, "NB804"),
    Bad("path is a list", "preview", {"path": ["inside.ipynb"]}, 400, "NB804"),
    Bad("absolute path", "analyze", {"path": "/etc/passwd"}, 400, "NB804"),
    Bad("NUL in path", "build", {"path": "inside\x00.ipynb"}, 400, "NB804"),
    Bad("lone surrogate in path", "analyze", b'{"path": "\\ud800.ipynb"}', 400, "NB804"),
    Bad(
        "lone surrogate in name",
        "build",
        b'{"path": "inside.ipynb", "name": "p\\udfff"}',
        400,
        "NB804",
    ),
    Bad(
        "lone surrogate in out_dir",
        "build",
        b'{"path": "inside.ipynb", "out_dir": "\\udc80x"}',
        400,
        "NB804",
    ),
    Bad(
        "lone surrogate in package",
        "analyze",
        b'{"path": "inside.ipynb", "package": "\\ud83d"}',
        400,
        "NB804",
    ),
    Bad("notebook is text", "analyze", {"path": "inside.ipynb", "notebook": "text"}, 400, "NB804"),
    Bad("unknown bump", "build", {"path": "inside.ipynb", "bump": "huge"}, 400, "NB804"),
    Bad("bump is a number", "build", {"path": "inside.ipynb", "bump": 1}, 400, "NB804"),
    Bad("force is a string", "build", {"path": "inside.ipynb", "force": "yes"}, 400, "NB804"),
    Bad("force is a number", "build", {"path": "inside.ipynb", "force": 1}, 400, "NB804"),
    Bad("name is an object", "build", {"path": "inside.ipynb", "name": {"x": 1}}, 400, "NB804"),
    Bad("version is a number", "build", {"path": "inside.ipynb", "version": 1.0}, 400, "NB804"),
    Bad("paths is empty", "build", {"paths": []}, 400, "NB804"),
    Bad("paths is a string", "build", {"paths": "inside.ipynb"}, 400, "NB804"),
    Bad("paths holds a number", "build", {"paths": ["inside.ipynb", 7]}, 400, "NB804"),
    # Paths beyond the bounds (refused before they are resolved)
    Bad("5,000-char path", "analyze", {"path": LONG_PATH}, 400, "NB809"),
    Bad("60,000-segment path", "analyze", {"path": DEEP_PATH}, 400, "NB809"),
    Bad("200-segment path", "preview", {"path": "a/" * 200 + "x.ipynb"}, 400, "NB809"),
    Bad(
        "5,000-char out_dir", "build", {"path": "inside.ipynb", "out_dir": "o" * 5000}, 400, "NB809"
    ),
    Bad("5,000-char entry of paths", "build", {"paths": ["inside.ipynb", LONG_PATH]}, 400, "NB809"),
    # Paths that lead out of the root or to no notebook
    Bad("`..` out of the root", "analyze", {"path": "../nb.ipynb"}, 403, "NB803"),
    Bad("symlink out of the root", "preview", {"path": "escape/nb.ipynb"}, 403, "NB803"),
    Bad(
        "out_dir out of the root",
        "build",
        {"path": "inside.ipynb", "out_dir": "../pkg"},
        403,
        "NB803",
    ),
    Bad("missing notebook", "build", {"path": "nowhere.ipynb"}, 404, "NB805"),
    Bad("a folder as notebook", "analyze", {"path": "folder"}, 404, "NB805"),
    Bad("a FIFO as notebook", "preview", {"path": "fifo.ipynb"}, 404, "NB805"),
    Bad("a symlink loop as notebook", "build", {"path": "loop.ipynb"}, 404, "NB805"),
    # Too much work for one request
    Bad(
        "a cell over the line cap",
        "analyze",
        {"path": "inside.ipynb", "notebook": big_cell_notebook(WORK_LIMIT_LINES + 1)},
        413,
        "NB812",
    ),
    Bad(
        "too many cells",
        "analyze",
        {
            "path": "inside.ipynb",
            "notebook": notebook_json(
                [code_cell(f"c{i}", "") for i in range(WORK_LIMIT_LINES + 1)]
            ),
        },
        413,
        "NB812",
    ),
    Bad("a saved notebook over the cap", "build", {"path": "huge.ipynb"}, 413, "NB812"),
    Bad("a saved notebook over the cap (preview)", "preview", {"path": "huge.ipynb"}, 413, "NB812"),
    Bad("a saved notebook over the cap (analyze)", "analyze", {"path": "huge.ipynb"}, 413, "NB812"),
    # Wrong method, missing credentials
    Bad("GET", "analyze", None, 405, "NB810", method="GET"),
    Bad("PUT", "build", b"{}", 405, "NB810", method="PUT"),
    Bad("DELETE", "preview", None, 405, "NB810", method="DELETE"),
    Bad("no token", "build", {"path": "inside.ipynb"}, 403, "NB807", headers={"Authorization": ""}),
]


@pytest.fixture
def root_with_traps(jp_root_dir: Path, write_notebook: Callable[..., Path]) -> Path:
    """A root with a notebook, a folder, a FIFO, a symlink loop, a symlink out of the root and a
    notebook over the work cap."""
    write_notebook("inside.ipynb", scaling())
    write_notebook("huge.ipynb", big_cell_notebook(WORK_LIMIT_LINES + 1))
    (jp_root_dir / "folder").mkdir()
    os.mkfifo(jp_root_dir / "fifo.ipynb")
    (jp_root_dir / "loop.ipynb").symlink_to(jp_root_dir / "loop.ipynb")
    outside = jp_root_dir.parent / "outside"
    outside.mkdir()
    (outside / "nb.ipynb").write_text(json.dumps(scaling()))
    (jp_root_dir / "escape").symlink_to(outside, target_is_directory=True)
    return jp_root_dir


async def answer_of(jp_fetch: Fetch, bad: Bad) -> tuple[int, str, str]:
    raw = bad.body if bad.body is None or isinstance(bad.body, bytes) else json.dumps(bad.body)
    try:
        response = await jp_fetch(
            "nb2pkg",
            bad.endpoint,
            method=bad.method,
            body=raw,
            headers=dict(bad.headers),
            allow_nonstandard_methods=True,
        )
    except HTTPClientError as error:
        assert error.response is not None
        response = error.response
    return response.code, response.headers.get("Content-Type", ""), response.body.decode()


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=[b.kind for b in BAD_REQUESTS])
async def test_each_client_mistake_gets_a_4xx_with_its_code(
    jp_fetch: Fetch, root_with_traps: Path, bad: Bad
) -> None:
    # When the bad request is sent
    status, content_type, text = await answer_of(jp_fetch, bad)
    # Then it is refused with the status and code of its kind, as JSON
    assert content_type.startswith("application/json"), text
    error = json.loads(text)
    assert (status, error["code"]) == (bad.status, bad.code), error["message"]
    assert error["diagnostics"][0]["code"] == bad.code and error["message"]
    # And the answer shows no traceback and no path of the server's disk
    assert "Traceback" not in text and 'File "' not in text
    assert str(root_with_traps.parent) not in text


def test_the_suite_covers_at_least_thirty_kinds() -> None:
    kinds = {bad.kind for bad in BAD_REQUESTS}
    assert len(kinds) == len(BAD_REQUESTS) >= 30
    assert {bad.code for bad in BAD_REQUESTS} >= {f"NB80{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9)}


async def test_a_cross_origin_browser_request_is_refused_as_such(
    jp_fetch: Fetch, root_with_traps: Path, jp_serverapp: Any
) -> None:
    # Given a logged-in browser session with its XSRF token
    cookies = await browser_login(jp_fetch, jp_serverapp.identity_provider.token)
    session = {
        "Authorization": "",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "X-XSRFToken": cookies["_xsrf"],
    }
    # When a page of another site makes the browser post
    hostile = {**session, "Origin": "http://evil.example"}
    status, error = await refused(jp_fetch, "analyze", {"path": "inside.ipynb"}, headers=hostile)
    # Then it is refused as a cross-origin request, not as "not found"
    assert (status, error["code"]) == (403, "NB811")
    # And the same session from the server's own origin is let through
    assert (await post(jp_fetch, "analyze", {"path": "inside.ipynb"}, headers=session))["functions"]


@pytest.mark.parametrize(
    "notebook",
    [
        {"cells": "many"},
        {"cells": [{"cell_type": "code", "source": "x = '\ud800'", "metadata": {}}]},
        {"cells": [{"cell_type": "code", "source": 5, "metadata": {"tags": [7]}}]},
        {"cells": [code_cell("\udcff", "x = 1", ["function:\ud800"])]},
        {"cells": [code_cell("a", "x = 1", ["function:run"])], "metadata": {"\ud800": 1}},
        {"cells": [code_cell("a", "x = " + "9" * 4000, ["function:f"])], "nbformat": 10**300},
    ],
    ids=[
        "cells not a list",
        "surrogate in source",
        "wrong types",
        "surrogate in id and tag",
        "surrogate in a metadata key",
        "huge ints",
    ],
)
async def test_a_broken_notebook_is_answered_with_diagnostics_or_a_4xx_never_a_500(
    jp_fetch: Fetch, root_with_traps: Path, notebook: dict[str, Any]
) -> None:
    body = json.dumps({"path": "inside.ipynb", "notebook": notebook})
    try:
        plan = await post(jp_fetch, "analyze", body)
    except HTTPClientError as error:
        assert error.response is not None
        assert 400 <= error.code < 500, error.response.body
        assert "NB806" not in error.response.body.decode()
    else:
        assert plan["diagnostics"], plan


# --------------------------------------------------------------------------- the event loop


IN_THREADS = Config(
    {
        "ServerApp": {"jpserver_extensions": {"nb2pkg": True}},
        "Nb2pkgServer": {
            "max_body_bytes": BODY_LIMIT,
            "max_code_lines": WORK_LIMIT_LINES,
            "analysis_processes": 0,
        },
    }
)
"""Requests read and answered on the server's threads: every path resolution is seen here."""


@pytest.mark.parametrize("jp_server_config", [IN_THREADS])
async def test_a_hostile_path_is_refused_before_resolution_and_the_server_keeps_answering(
    jp_fetch: Fetch, root_with_traps: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a record of every path resolution and the thread it ran on
    resolved: list[tuple[str, str]] = []
    realpath = os.path.realpath

    def recording_realpath(path: Any, *args: Any, **kwargs: Any) -> Any:
        resolved.append((os.fspath(path), threading.current_thread().name))
        return realpath(path, *args, **kwargs)

    monkeypatch.setattr(os.path, "realpath", recording_realpath)
    # When a path of 60,000 segments is posted while /api/status is asked
    hostile = asyncio.ensure_future(
        answer_of(jp_fetch, Bad("deep", "analyze", {"path": DEEP_PATH}, 400, "NB809"))
    )
    status = await jp_fetch("api", "status")
    # Then both are answered: the status, and the hostile request with its own 4xx code
    assert status.code == 200
    code, _, text = await hostile
    assert (code, json.loads(text)["code"]) == (400, "NB809")
    # And the hostile path was never resolved
    assert not [path for path, _ in resolved if "a/a/a/" in path]
    # And an ordinary request resolves its paths on the extension's worker threads only
    assert (await post(jp_fetch, "analyze", {"path": "inside.ipynb"}))["functions"]
    assert (await post(jp_fetch, "build", {"path": "inside.ipynb", "out_dir": "pkg"}))["ok"]
    threads = {thread for path, thread in resolved if str(root_with_traps) in path}
    assert threads and all(thread.startswith("nb2pkg") for thread in threads), threads


# --------------------------------------------------------------------------- what answers show


async def test_answers_show_paths_relative_to_the_root_only(
    jp_fetch: Fetch, root_with_traps: Path, write_notebook: Callable[..., Path]
) -> None:
    # Given notebooks whose analysis and builds fail with diagnostics that name files: a syntax
    # error, a pyproject.toml that is not TOML, and an output folder configured out of the root
    broken = notebook_json([code_cell("a", "y = (", ["function:f"])])
    write_notebook("sub/broken.ipynb", broken)
    write_notebook("bad-config/nb.ipynb", scaling())
    (root_with_traps / "bad-config" / "pyproject.toml").write_text("[tool.nb2pkg\n")
    write_notebook("escaping/nb.ipynb", scaling())
    (root_with_traps / "escaping" / "pyproject.toml").write_text('[tool.nb2pkg]\nout = "../../x"\n')
    # When they are analysed, built and previewed
    answers = [
        await post(jp_fetch, "analyze", {"path": "sub/broken.ipynb"}),
        await post(jp_fetch, "build", {"path": "sub/broken.ipynb", "out_dir": "o"}),
        await post(jp_fetch, "preview", {"path": "sub/broken.ipynb"}),
        await post(jp_fetch, "build", {"path": "bad-config/nb.ipynb"}),
        await post(jp_fetch, "build", {"path": "escaping/nb.ipynb"}),
    ]
    # Then every answer carries coded diagnostics
    codes = [{d["code"] for d in answer["diagnostics"]} for answer in answers]
    assert all(codes) and "NB521" in codes[3] and "NB512" in codes[4], codes
    # And none names the server's disk: not the root's folder, not the server's working folder
    text = json.dumps(answers)
    assert str(root_with_traps.parent) not in text and os.getcwd() not in text
    # And files inside the root are shown relative to it
    assert "sub/broken.ipynb" in json.dumps(answers[0]["diagnostics"])
    assert "bad-config/pyproject.toml" in json.dumps(answers[3]["diagnostics"])


async def test_a_pyproject_above_the_root_is_not_applied(
    jp_fetch: Fetch, root_with_traps: Path
) -> None:
    # Given a pyproject.toml in the folder above the server's root
    (root_with_traps.parent / "pyproject.toml").write_text(
        '[tool.nb2pkg]\nname = "hijacked"\nout = "hijacked-pkg"\n'
    )
    # When a notebook in the root is built without naming the package
    result = await post(jp_fetch, "build", {"path": "inside.ipynb"})
    # Then the settings above the root are not read: default name, output inside the root
    assert result["ok"], result["diagnostics"]
    assert result["package"] == "inside" and result["out_dir"] == "inside-pkg"
    assert not (root_with_traps.parent / "hijacked-pkg").exists()
    # And neither does a preview use them
    preview = await post(jp_fetch, "preview", {"path": "inside.ipynb"})
    assert preview["package"] == "inside", preview["diagnostics"]
