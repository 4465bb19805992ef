"""Request bodies of the nb2pkg endpoints: JSON text → typed, validated requests.

Every path in a request is resolved inside the server's root directory here, so the
handlers only ever hand confined absolute paths to ``nb2pkg.frontends.api``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NoReturn

from nb2pkg.frontends.server.errors import (
    BEYOND_JSON_LIMITS,
    BODY_TOO_LARGE,
    INVALID_REQUEST,
    MALFORMED_JSON,
    NOT_FOUND,
    OUTSIDE_ROOT,
    PATH_TOO_LONG,
    RequestProblem,
)
from nb2pkg.frontends.server.notebook_deltas import (
    NotebookDelta,
    Sender,
    notebook_delta,
)
from nb2pkg.frontends.server.paths import (
    InvalidPath,
    PathOutsideRoot,
    PathTooLong,
    is_valid_unicode,
    resolve_inside,
)

BUMPS = ("major", "minor", "patch")
MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted in a request (a notebook needs about 10)."""
MAX_NOTEBOOKS = 256
"""Most notebooks one build request names."""
LARGEST_JSON_INT = 2**63
"""Integers beyond ±2**63 are refused: no notebook field needs them, and JSON readers differ."""

if TYPE_CHECKING:
    from nb2pkg.builder.config import BuildConfig
    from nb2pkg.ir import Diagnostic


@dataclass(frozen=True)
class AnalyzeRequest:
    path: Path
    """The notebook's real path inside the root."""
    display_path: str
    """The notebook's path as the user sees it (root-relative)."""
    notebook: dict[str, Any] | None
    """The notebook's current (possibly unsaved) content; None → read ``path`` from disk."""
    package: str | None
    delta: NotebookDelta | None = None
    """The notebook as a delta against an answered request of its client (``notebook_deltas``)."""
    sender: Sender | None = None
    """Who sent it, by its number: the notebook analysed is held for their next delta."""


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
    out_dir: Path | None = None
    """The output folder the build would use (its package seeds the preview's version)."""
    content: dict[str, Any] | None = None
    """The notebook's current (possibly unsaved) JSON; None → the saved file."""


def preview_config(
    request: PreviewRequest, root: str
) -> tuple[BuildConfig | None, list[Diagnostic]]:
    """The build configuration a preview or run request names, looked up no higher than
    the server's root."""
    from nb2pkg.builder.config import resolve_config

    return resolve_config(
        [request.notebook],
        out_dir=request.out_dir,
        name=request.name,
        root=request.notebook.parent,
        stop_at=Path(root),
    )


def parse_body(body: bytes, limit: int) -> dict[str, Any]:
    if len(body) > limit:
        raise body_too_large(len(body), limit)
    try:
        data = _DECODER.decode(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestProblem(
            400,
            MALFORMED_JSON,
            f"the request body is not valid JSON: {exc}",
            'send a JSON object such as {"path": "notebook.ipynb"}',
        ) from None
    except RecursionError:
        raise _beyond_json_limits(
            f"arrays or objects nested deeper than {MAX_JSON_DEPTH}"
        ) from None
    except ValueError:  # Python refuses integers of more than 4300 digits
        raise _beyond_json_limits(f"a number larger than {LARGEST_JSON_INT}") from None
    if not isinstance(data, dict):
        raise RequestProblem(
            400,
            MALFORMED_JSON,
            f"the request body is a JSON {type(data).__name__}, not an object",
            'send a JSON object such as {"path": "notebook.ipynb"}',
        )
    _check_json_limits(data)
    return data


def body_too_large(size: int, limit: int) -> RequestProblem:
    """413 for a body (or the notebook a delta stands for) of ``size`` bytes."""
    return RequestProblem(
        413,
        BODY_TOO_LARGE,
        f"the request body has {size} bytes; the limit is {limit}",
        "raise c.Nb2pkgServer.max_body_bytes, or send the notebook without its outputs",
    )


def _not_json(constant: str) -> NoReturn:
    raise json.JSONDecodeError(f"{constant} is not a JSON value", constant, 0)


_DECODER = json.JSONDecoder(parse_constant=_not_json)
"""Made once: ``json.loads`` with an option makes a decoder per call."""


def _check_json_limits(data: object) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and numbers beyond LARGEST_JSON_INT.

    Iterative, in time linear in the number of values, so the check itself cannot recurse.
    ``json.loads`` gives only dicts, lists, strings, numbers, booleans and None: one type test
    per value passes the strings (most of a notebook) by.
    """
    pending: list[tuple[dict[str, object] | list[object], int]] = []
    if isinstance(data, dict | list):
        pending.append((data, 1))
    while pending:
        container, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise _beyond_json_limits(f"arrays or objects nested deeper than {MAX_JSON_DEPTH}")
        for value in container.values() if type(container) is dict else container:
            kind = type(value)
            if kind is str:
                continue
            if kind is dict or kind is list:
                pending.append((value, depth + 1))  # type: ignore[arg-type]  # checked above
            elif kind is int and not -LARGEST_JSON_INT <= value <= LARGEST_JSON_INT:  # type: ignore[operator]
                raise _beyond_json_limits(f"a number larger than {LARGEST_JSON_INT}")
            elif kind is float and not math.isfinite(value):  # type: ignore[arg-type]
                raise _beyond_json_limits("a number too large for a 64-bit float")


def _beyond_json_limits(what: str) -> RequestProblem:
    return RequestProblem(
        400,
        BEYOND_JSON_LIMITS,
        f"the request holds {what}",
        "send the notebook as Jupyter saves it; no notebook field needs such values",
    )


def analyze_request(data: dict[str, Any], root: str, *, deltas: bool = True) -> AnalyzeRequest:
    """An analyze request: its notebook in full, as a delta (``notebook_deltas``), or none
    (the saved file); its path confined to the root."""
    display = _required_string(data, "path")
    path = _confined(root, display)
    notebook, delta = data.get("notebook"), data.get("delta")
    if notebook is not None and not isinstance(notebook, dict):
        raise _invalid("`notebook` must be the notebook's JSON object")
    if delta is not None and not deltas:
        raise _invalid("this endpoint takes the whole `notebook`, not a `delta`")
    if delta is not None and notebook is not None:
        raise _invalid("send either `notebook` or `delta`, not both")
    checked = notebook_delta(delta, data.get("client")) if delta is not None else None
    if notebook is None and checked is None:
        _must_be_file(path, display)
    return AnalyzeRequest(path, _display(display), notebook, _string(data, "package"), checked)


def propose_request(data: dict[str, Any], root: str) -> AnalyzeRequest:
    """The notebook of a propose or suggest-name request: in full or the saved file."""
    return analyze_request(data, root, deltas=False)


def cell_id_of(data: dict[str, Any]) -> str:
    """The ``cell_id`` a request names (a 400 answer when it is missing)."""
    return _required_string(data, "cell_id")


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
    out = _string(data, "out_dir")
    content = data.get("notebook")
    if content is not None and not isinstance(content, dict):
        raise _invalid("`notebook` must be the notebook's JSON object")
    return PreviewRequest(
        path, _string(data, "name"), _confined(root, out) if out else None, content
    )


def _path_list(data: dict[str, Any]) -> list[str]:
    if "paths" in data:
        paths = data["paths"]
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise _invalid("`paths` must be a non-empty list of notebook paths")
        if len(paths) > MAX_NOTEBOOKS:
            raise _invalid(f"`paths` names {len(paths)} notebooks; the limit is {MAX_NOTEBOOKS}")
        return list(paths)
    return [_required_string(data, "path")]


def _string(data: dict[str, Any], key: str) -> str | None:
    """An optional string field; absent, null and "" all mean "not given"."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(f"`{key}` must be a string, not {type(value).__name__}")
    if not is_valid_unicode(value):
        raise _invalid(f"`{key}` is not valid Unicode (it holds a lone surrogate)")
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
    except PathTooLong as exc:
        raise RequestProblem(
            400,
            PATH_TOO_LONG,
            f"path {_abridged(requested)} is not resolved: {exc.reason}",
            "name notebooks and folders by shorter paths inside the server's root",
        ) from None
    except InvalidPath as exc:
        raise _invalid(f"path {_abridged(requested)} is not usable: {exc.reason}") from None


def _must_be_file(path: Path, shown: str) -> None:
    if not path.is_file():
        raise RequestProblem(404, NOT_FOUND, f"notebook not found: {shown}", "check the path")


def _abridged(requested: str) -> str:
    return repr(requested if len(requested) <= 80 else requested[:60] + "…")


def _display(requested: str) -> str:
    return str(PurePosixPath(requested))


def _invalid(message: str) -> RequestProblem:
    return RequestProblem(400, INVALID_REQUEST, message, "see the request format in the README")
