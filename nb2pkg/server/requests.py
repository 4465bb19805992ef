"""Request bodies of the nb2pkg endpoints: JSON text → typed, validated requests.

Every path in a request is resolved inside the server's root directory here, so the
handlers only ever hand confined absolute paths to ``nb2pkg.api``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from nb2pkg.server.errors import (
    BODY_TOO_LARGE,
    INVALID_REQUEST,
    MALFORMED_JSON,
    NOT_FOUND,
    OUTSIDE_ROOT,
    RequestProblem,
)
from nb2pkg.server.paths import InvalidPath, PathOutsideRoot, resolve_inside

BUMPS = ("major", "minor", "patch")


@dataclass(frozen=True)
class AnalyzeRequest:
    path: Path
    """The notebook's real path inside the root."""
    display_path: str
    """The notebook's path as the user sees it (root-relative)."""
    notebook: dict[str, Any] | None
    """The notebook's current (possibly unsaved) content; None → read ``path`` from disk."""
    package: str | None


@dataclass(frozen=True)
class BuildRequest:
    notebooks: tuple[Path, ...]
    out_dir: Path | None
    name: str | None
    bump: str | None
    version: str | None
    force: bool


@dataclass(frozen=True)
class PreviewRequest:
    notebook: Path
    name: str | None


def parse_body(body: bytes, limit: int) -> dict[str, Any]:
    if len(body) > limit:
        raise RequestProblem(
            413,
            BODY_TOO_LARGE,
            f"the request body has {len(body)} bytes; the limit is {limit}",
            "raise c.Nb2pkgServer.max_body_bytes, or send the notebook without its outputs",
        )
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestProblem(
            400,
            MALFORMED_JSON,
            f"the request body is not valid JSON: {exc}",
            'send a JSON object such as {"path": "notebook.ipynb"}',
        ) from None
    if not isinstance(data, dict):
        raise RequestProblem(
            400,
            MALFORMED_JSON,
            f"the request body is a JSON {type(data).__name__}, not an object",
            'send a JSON object such as {"path": "notebook.ipynb"}',
        )
    return data


def analyze_request(data: dict[str, Any], root: str) -> AnalyzeRequest:
    display = _required_string(data, "path")
    path = _confined(root, display)
    notebook = data.get("notebook")
    if notebook is not None and not isinstance(notebook, dict):
        raise _invalid("`notebook` must be the notebook's JSON object")
    if notebook is None:
        _must_be_file(path, display)
    return AnalyzeRequest(path, _display(display), notebook, _string(data, "package"))


def build_request(data: dict[str, Any], root: str) -> BuildRequest:
    names = _path_list(data)
    notebooks = tuple(_confined(root, name) for name in names)
    for notebook, name in zip(notebooks, names, strict=True):
        _must_be_file(notebook, name)
    out = _string(data, "out_dir")
    bump = _string(data, "bump")
    if bump is not None and bump not in BUMPS:
        raise _invalid(f"`bump` is {bump!r}; Please choose one of: {', '.join(BUMPS)}")
    force = data.get("force", False)
    if not isinstance(force, bool):
        raise _invalid("`force` must be true or false")
    return BuildRequest(
        notebooks=notebooks,
        out_dir=_confined(root, out) if out else None,
        name=_string(data, "name"),
        bump=bump,
        version=_string(data, "version"),
        force=force,
    )


def preview_request(data: dict[str, Any], root: str) -> PreviewRequest:
    name = _required_string(data, "path")
    path = _confined(root, name)
    _must_be_file(path, name)
    return PreviewRequest(path, _string(data, "name"))


def _path_list(data: dict[str, Any]) -> list[str]:
    if "paths" in data:
        paths = data["paths"]
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise _invalid("`paths` must be a non-empty list of notebook paths")
        return list(paths)
    return [_required_string(data, "path")]


def _string(data: dict[str, Any], key: str) -> str | None:
    """An optional string field; absent, null and "" all mean "not given"."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(f"`{key}` must be a string, not {type(value).__name__}")
    return value


def _required_string(data: dict[str, Any], key: str) -> str:
    value = _string(data, key)
    if value is None:
        raise _invalid(f"the request needs `{key}`")
    return value


def _confined(root: str, requested: str) -> Path:
    try:
        return resolve_inside(root, requested)
    except PathOutsideRoot:
        raise RequestProblem(
            403,
            OUTSIDE_ROOT,
            f"{requested!r} is outside the server's root directory",
            "name files inside the folder Jupyter was started in; `..` and symlinks that "
            "lead out of it are refused",
        ) from None
    except InvalidPath as exc:
        raise _invalid(f"path {requested!r} is not usable: {exc.reason}") from None


def _must_be_file(path: Path, shown: str) -> None:
    if not path.is_file():
        raise RequestProblem(404, NOT_FOUND, f"notebook not found: {shown}", "check the path")


def _display(requested: str) -> str:
    return str(PurePosixPath(requested))


def _invalid(message: str) -> RequestProblem:
    return RequestProblem(400, INVALID_REQUEST, message, "see the request format in the README")
