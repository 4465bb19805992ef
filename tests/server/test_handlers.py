"""POST /nb2pkg/analyze, /nb2pkg/build and /nb2pkg/preview on a real jupyter_server."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from server_notebooks import BODY_LIMIT, code_cell, notebook_json, scaling_notebook
from tornado.httpclient import HTTPClientError, HTTPResponse

Fetch = Callable[..., Awaitable[HTTPResponse]]


async def post(jp_fetch: Fetch, endpoint: str, body: Any, **kwargs: Any) -> dict[str, Any]:
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    response = await jp_fetch("nb2pkg", endpoint, method="POST", body=raw, **kwargs)
    assert response.headers["Content-Type"].startswith("application/json")
    result: dict[str, Any] = json.loads(response.body)
    return result


async def refused(
    jp_fetch: Fetch, endpoint: str, body: Any, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    """Post a request the server must refuse; its status and JSON error."""
    with pytest.raises(HTTPClientError) as caught:
        await post(jp_fetch, endpoint, body, **kwargs)
    response = caught.value.response
    assert response is not None
    text = response.body.decode()
    assert response.headers["Content-Type"].startswith("application/json"), text
    assert "Traceback" not in text and "<html" not in text.lower()
    return caught.value.code, json.loads(text)


# --------------------------------------------------------------------------- analyze


async def test_analyze_unsaved_content_gives_signatures_tests_and_parameters(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    # Given a notebook on disk whose unsaved content (sent by the browser) is newer
    write_notebook("work/scaling.ipynb", notebook_json([code_cell("x", "print(1)")]))
    # When the browser posts the content
    plan = await post(
        jp_fetch, "analyze", {"path": "work/scaling.ipynb", "notebook": scaling_notebook()}
    )
    # Then the plan is the content's, not the file's
    assert plan["notebook"] == "work/scaling.ipynb"
    assert [f["name"] for f in plan["functions"]] == ["load", "scale"]
    scale = next(c for c in plan["cells"] if c["cell_id"] == "scale")
    assert {p["name"] for p in scale["params"]} == {"data", "factor"}
    assert scale["returns"] == ["scaled"]
    assert scale["signature"].startswith("scale(") and "-> scaled" in scale["signature"]
    assert [p["name"] for p in plan["parameters"]] == ["factor"]
    assert len(plan["tests"]) == 1 and plan["tests"][0]["cell_id"] == "check"
    assert not [d for d in plan["diagnostics"] if d["severity"] == "error"]


async def test_analyze_a_saved_notebook_by_path(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    write_notebook("scaling.ipynb", scaling_notebook())
    plan = await post(jp_fetch, "analyze", {"path": "scaling.ipynb"})
    assert [f["name"] for f in plan["functions"]] == ["load", "scale"]


async def test_notebook_problems_come_back_as_diagnostics_not_errors(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    # Given a notebook with a keyword as function name and a syntax error
    broken = notebook_json(
        [
            code_cell("a", "x = 1", ["function:class"]),
            code_cell("b", "y = (", ["function:later"]),
        ]
    )
    write_notebook("broken.ipynb", broken)
    # When it is analysed
    plan = await post(jp_fetch, "analyze", {"path": "broken.ipynb", "notebook": broken})
    # Then the answer is 200 with coded diagnostics that point at the cells
    errors = {d["code"]: d for d in plan["diagnostics"] if d["severity"] == "error"}
    assert "NB102" in errors
    assert errors["NB102"]["location"]["cell_id"] == "a"
    assert any(d["location"] and d["location"]["cell_id"] == "b" for d in errors.values())


async def test_analysis_runs_on_worker_threads_and_the_server_keeps_answering(
    jp_fetch: Fetch,
) -> None:
    # Given a large notebook nobody has analysed (unique sources: the per-cell cache is cold)
    nonce = uuid.uuid4().hex[:8]
    cells = [
        code_cell(
            f"c{i}",
            f"v{i}_{nonce} = {i}\nw{i}_{nonce} = [v{i}_{nonce} * k for k in range(3)]",
            [f"function:f{i}"],
        )
        for i in range(600)
    ]
    earlier = {t for t in threading.enumerate() if t.name.startswith("nb2pkg")}
    analysis = asyncio.ensure_future(
        post(jp_fetch, "analyze", {"path": "big.ipynb", "notebook": notebook_json(cells)})
    )
    # When the analysis has been handed to a worker thread of this server's extension (the
    # server runs in this process, on this event loop: had the analysis blocked the loop,
    # this polling could not run until it was over)
    while not any(t.name.startswith("nb2pkg") and t not in earlier for t in threading.enumerate()):
        assert not analysis.done(), "the analysis finished without a worker thread"
        await asyncio.sleep(0.001)
    # Then the server answers another request while the analysis is still running
    status = await jp_fetch("api", "status")
    assert status.code == 200
    assert not analysis.done()
    assert len((await analysis)["functions"]) == 600


# --------------------------------------------------------------------------- build


async def test_build_writes_the_package_inside_the_root_then_reports_up_to_date(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    # Given a saved notebook
    write_notebook("project/scaling.ipynb", scaling_notebook())
    request = {"path": "project/scaling.ipynb", "out_dir": "project/dist-pkg", "name": "scaler"}
    # When it is built
    first = await post(jp_fetch, "build", request)
    # Then the package is on disk where asked, version 0.1.0
    assert first["ok"], first["diagnostics"]
    assert first["version"] == "0.1.0" and first["package"] == "scaler"
    assert first["out_dir"] == "project/dist-pkg"
    out = jp_root_dir / "project" / "dist-pkg"
    assert (out / "pyproject.toml").is_file()
    modules = "\n".join(p.read_text() for p in (out / "src" / "scaler").glob("*.py"))
    assert re.search(r"def scale\(", modules)
    assert any(name.endswith(".py") for name in first["changed_files"])
    # And a second build with nothing changed writes nothing
    second = await post(jp_fetch, "build", request)
    assert second["ok"] and second["up_to_date"]
    assert second["version"] == "0.1.0"


async def test_a_failing_build_answers_its_diagnostics_and_writes_nothing(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    duplicate = notebook_json(
        [
            code_cell("a", "x = 1", ["function:step_one"]),
            code_cell("m", "z = x", ["function:middle"]),  # adjacent cells would merge
            code_cell("b", "y = x + 1", ["function:step_one"]),
        ]
    )
    write_notebook("dup.ipynb", duplicate)
    result = await post(jp_fetch, "build", {"path": "dup.ipynb", "out_dir": "dup-pkg"})
    assert result["ok"] is False
    assert "NB104" in {d["code"] for d in result["diagnostics"]}
    assert not (jp_root_dir / "dup-pkg").exists()


async def test_preview_returns_the_generated_module_and_writes_nothing_in_the_root(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    write_notebook("scaling.ipynb", scaling_notebook())
    before = sorted(p.name for p in jp_root_dir.iterdir())
    preview = await post(jp_fetch, "preview", {"path": "scaling.ipynb", "name": "scaler"})
    assert preview["ok"], preview["diagnostics"]
    files = {f["path"]: f["content"] for f in preview["files"]}
    assert any("def scale(" in content for content in files.values())
    assert all(path.startswith("scaler/") for path in files)
    assert sorted(p.name for p in jp_root_dir.iterdir()) == before


# --------------------------------------------------------------------------- refusals


async def test_requests_without_the_token_are_refused(
    jp_fetch: Fetch, write_notebook: Callable[..., Path]
) -> None:
    write_notebook("scaling.ipynb", scaling_notebook())
    for endpoint in ("analyze", "build", "preview"):
        status, error = await refused(
            jp_fetch, endpoint, {"path": "scaling.ipynb"}, headers={"Authorization": ""}
        )
        assert status == 403
        assert error["code"] == "NB807"


async def test_a_browser_session_needs_the_xsrf_token(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_serverapp: Any
) -> None:
    # Given a browser session: logged in with the token, holding cookies, no token header
    write_notebook("scaling.ipynb", scaling_notebook())
    cookies = await browser_login(jp_fetch, jp_serverapp.identity_provider.token)
    session = {"Authorization": "", "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    # When it posts without the XSRF header
    status, error = await refused(jp_fetch, "analyze", {"path": "scaling.ipynb"}, headers=session)
    # Then it is refused
    assert status == 403 and error["code"] == "NB807"
    assert "xsrf" in error["message"].lower()
    # And the same session with the header is let through (the cookie login is real)
    plan = await post(
        jp_fetch,
        "analyze",
        {"path": "scaling.ipynb"},
        headers={**session, "X-XSRFToken": cookies["_xsrf"]},
    )
    assert [f["name"] for f in plan["functions"]] == ["load", "scale"]


async def browser_login(jp_fetch: Fetch, token: str) -> dict[str, str]:
    """Log in through /login as a browser does; the cookies it ends up with."""
    cookies: dict[str, str] = {}

    def keep(response: HTTPResponse) -> None:
        for header in response.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            cookies[name] = rest.split(";", 1)[0]

    page = await jp_fetch("login", headers={"Authorization": ""})
    keep(page)
    assert "_xsrf" in cookies
    try:
        answer = await jp_fetch(
            "login",
            method="POST",
            body=f"_xsrf={cookies['_xsrf']}&password={token}",
            headers={"Authorization": "", "Cookie": f"_xsrf={cookies['_xsrf']}"},
            follow_redirects=False,
        )
    except HTTPClientError as redirect:
        assert redirect.code == 302 and redirect.response is not None
        answer = redirect.response
    keep(answer)
    assert any(name.startswith("username-") for name in cookies), cookies
    return cookies


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("analyze", {"path": "../outside/nb.ipynb"}),
        ("analyze", {"path": "sub/../../outside/nb.ipynb", "notebook": scaling_notebook()}),
        ("analyze", {"path": "escape/nb.ipynb"}),
        ("build", {"path": "escape/nb.ipynb"}),
        ("build", {"path": "inside.ipynb", "out_dir": "../outside/pkg"}),
        ("build", {"path": "inside.ipynb", "out_dir": "escape/pkg"}),
        ("build", {"paths": ["inside.ipynb", "escape/nb.ipynb"]}),
        ("preview", {"path": "escape/nb.ipynb"}),
    ],
)
async def test_paths_leading_out_of_the_root_are_refused(
    jp_fetch: Fetch,
    jp_root_dir: Path,
    write_notebook: Callable[..., Path],
    endpoint: str,
    body: dict[str, Any],
) -> None:
    # Given a notebook outside the root, a symlink `escape` in the root pointing at it
    outside = jp_root_dir.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "nb.ipynb").write_text(json.dumps(scaling_notebook()))
    (jp_root_dir / "escape").symlink_to(outside, target_is_directory=True)
    write_notebook("inside.ipynb", scaling_notebook())
    # When a request names a path that resolves outside the root
    status, error = await refused(jp_fetch, endpoint, body)
    # Then it is refused, and nothing was written outside
    assert status == 403
    assert error["code"] == "NB803"
    assert error["diagnostics"][0]["hint"]
    assert sorted(p.name for p in outside.iterdir()) == ["nb.ipynb"]


async def test_an_output_folder_from_pyproject_cannot_lead_out_of_the_root(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], jp_root_dir: Path
) -> None:
    # Given a project whose [tool.nb2pkg] out points outside the server root
    write_notebook("project/scaling.ipynb", scaling_notebook())
    (jp_root_dir / "project" / "pyproject.toml").write_text(
        '[tool.nb2pkg]\nname = "scaler"\nout = "../../escaped-pkg"\n'
    )
    # When the browser builds without naming an output folder
    result = await post(jp_fetch, "build", {"path": "project/scaling.ipynb"})
    # Then the build stops with the writer's confinement error and writes nothing there
    assert result["ok"] is False
    assert "NB512" in {d["code"] for d in result["diagnostics"]}
    assert not (jp_root_dir.parent / "escaped-pkg").exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "NB801"),
        (b"\xff\xfe", "NB801"),
        (b"[1, 2]", "NB801"),
        (b"{}", "NB804"),
        (b'{"path": 3}', "NB804"),
        (b'{"path": "/etc/passwd"}', "NB804"),
        (b'{"path": "inside.ipynb", "notebook": "text"}', "NB804"),
        (b'{"path": "inside.ipynb", "bump": "huge"}', "NB804"),
        (b'{"paths": []}', "NB804"),
    ],
)
async def test_malformed_requests_get_400_with_a_code(
    jp_fetch: Fetch, write_notebook: Callable[..., Path], body: bytes, code: str
) -> None:
    write_notebook("inside.ipynb", scaling_notebook())
    endpoint = "build" if b"bump" in body or b"paths" in body else "analyze"
    status, error = await refused(jp_fetch, endpoint, body)
    assert status == 400
    assert error["code"] == code
    assert error["message"]


async def test_a_body_over_the_limit_gets_413(jp_fetch: Fetch) -> None:
    padding = "x" * (BODY_LIMIT + 1)
    status, error = await refused(jp_fetch, "analyze", {"path": "a.ipynb", "pad": padding})
    assert status == 413
    assert error["code"] == "NB802"
    assert str(BODY_LIMIT) in error["message"]


async def test_a_missing_notebook_gets_404_with_a_code(jp_fetch: Fetch) -> None:
    status, error = await refused(jp_fetch, "build", {"path": "nowhere.ipynb"})
    assert status == 404
    assert error["code"] == "NB805"
    assert "nowhere.ipynb" in error["message"]
