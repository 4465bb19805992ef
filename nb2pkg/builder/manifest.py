"""The ``.nb2pkg/manifest.json`` format: what the last build wrote and where it came from.

The manifest records, for the generated package in one output directory:

* the package name and version the build gave it;
* each source notebook (display path and sha256), so ``nb2pkg check`` can tell a stale package;
* the API snapshot (public functions, their parameters and returns, ``run()``'s parameters),
  which the next build diffs to choose the version bump;
* the sha256 of every generated file except the manifest itself, so a hand edit is detected
  before it is overwritten;
* the source map: for each generated file, line ranges and the notebook cell (stable nbformat
  cell id, and the cell number as shown when it was built) they came from.

The JSON is deterministic (sorted keys, indent 2, trailing newline): the same build gives the
same bytes. This module reads and formats; it never writes (``nb2pkg.builder.writer`` does).

Looking a generated line up in the source map (``nb2pkg where``) is in
``nb2pkg.builder.source_lookup``. A damaged manifest is NB504 (``nb2pkg.roles.diagnostic_codes``).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from nb2pkg.builder import indented_json
from nb2pkg.builder.api_reading import api_quickly
from nb2pkg.ir import (
    ApiSnapshot,
    Diagnostic,
    EmittedFile,
    FunctionApi,
    Location,
    ParamApi,
    Severity,
)

FORMAT_VERSION = 1
MANIFEST_PATH = ".nb2pkg/manifest.json"
"""Where the manifest lives, relative to the output directory (POSIX)."""


class SourceSpan(NamedTuple):
    """Generated lines ``start_line``..``end_line`` (1-based, inclusive) come from this cell."""

    start_line: int
    end_line: int
    notebook: str
    cell_id: str
    cell_number: int

    def describe(self) -> str:
        """``notebooks/churn.ipynb: cell 4 (id 3f2a…)``: what ``nb2pkg where`` prints."""
        return f"{self.notebook}: cell {self.cell_number} (id {self.cell_id})"


@dataclass(frozen=True)
class Manifest:
    package: str
    version: str
    sources: tuple[tuple[str, str], ...]
    """(notebook display path, sha256) for each source notebook, in build order."""
    api: ApiSnapshot
    files: Mapping[str, str] = field(default_factory=dict)
    """POSIX path relative to the output directory -> sha256 of the bytes written."""
    source_map: Mapping[str, tuple[SourceSpan, ...]] = field(default_factory=dict)
    settings: str = ""
    """Whatever else decides the generated files besides the notebooks (the nb2pkg version,
    a fingerprint of the build settings): when it changes, an unchanged notebook is no
    reason to answer "up to date" without rendering."""
    format_version: int = FORMAT_VERSION
    graph: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each step and the steps whose outputs it reads (``pipeline.graph()``)."""

    def to_json(self) -> str:
        data = {
            "format_version": self.format_version,
            "settings": self.settings,
            "package": self.package,
            "version": self.version,
            "sources": [{"notebook": nb, "sha256": sha} for nb, sha in self.sources],
            "api": _api_to_json(self.api),
            "files": dict(self.files),
            "graph": {step: list(needs) for step, needs in self.graph.items()},
            "source_map": {
                path: [list(span) for span in sorted(spans)]
                for path, spans in self.source_map.items()
            },
        }
        return indented_json.dumps(data) + "\n"  # json.dumps(data, sort_keys=True, indent=2, …)


def sha256_text(content: str) -> str:
    """The hash recorded for a generated file: sha256 of its UTF-8 bytes, as written."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def file_hashes(files: Iterable[EmittedFile]) -> dict[str, str]:
    """The manifest's ``files`` mapping for these generated files (the manifest itself excluded)."""
    return {f.path: sha256_text(f.content) for f in files if f.path != MANIFEST_PATH}


def is_plain_relative_path(path: str) -> bool:
    """True for a POSIX path like ``src/pkg/x.py``: relative, no ``..``/``.``, no backslash.

    Paths read from a manifest are checked too: a manifest from someone else's repository
    must not make a build touch files outside its output directory.
    """
    parts = PurePosixPath(path).parts
    return (
        bool(parts)
        and "\\" not in path
        and not PurePosixPath(path).is_absolute()
        and PurePosixPath(*parts).as_posix() == path
        and not any(part in ("..", ".") for part in parts)
    )


def load(out_dir: Path) -> tuple[Manifest | None, list[Diagnostic]]:
    """Read ``out_dir``'s manifest. No manifest is not a problem: ``(None, [])``."""
    path = out_dir / MANIFEST_PATH
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [_corrupt(str(path), f"cannot read it: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, [_corrupt(str(path), "it is not UTF-8 text")]
    return parse(text, str(path))


def parse(text: str, path: str) -> tuple[Manifest | None, list[Diagnostic]]:
    """Parse manifest JSON; a damaged manifest is a diagnostic, never an exception."""
    with _no_collections():
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return None, [
                _corrupt(path, f"invalid JSON: {exc.msg}", line=exc.lineno, col=exc.colno)
            ]
        return _from_data(data, path)


@contextlib.contextmanager
def _no_collections() -> Iterator[None]:
    """The cyclic garbage collector paused: reading a large manifest makes a hundred thousand
    objects, none in a cycle (reference counting frees them), and the collections they set
    off took a quarter of the reading."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _from_data(data: Any, path: str) -> tuple[Manifest | None, list[Diagnostic]]:
    try:
        return _manifest_from_json(data), []
    except _ShapeError as exc:
        return None, [_corrupt(path, str(exc))]
    except _NewerFormatError as exc:
        return None, [
            Diagnostic(
                code="NB504",
                severity=Severity.ERROR,
                message=f"the manifest has format version {exc.args[0]}; this nb2pkg reads up to {FORMAT_VERSION}",
                location=Location(path),
                hint="upgrade nb2pkg (pip install -U nb2pkg)",
            )
        ]


# --------------------------------------------------------------------------- internals


class _ShapeError(ValueError):
    pass


class _NewerFormatError(ValueError):
    pass


def _corrupt(path: str, why: str, *, line: int | None = None, col: int | None = None) -> Diagnostic:
    return Diagnostic(
        code="NB504",
        severity=Severity.ERROR,
        message=f"the build manifest is damaged: {why}",
        location=Location(path, line=line, col=col),
        hint=(
            "restore .nb2pkg/manifest.json from version control; or delete it and rebuild "
            "with --force (hand edits to generated files are then backed up, not detected)"
        ),
    )


def _api_to_json(api: ApiSnapshot) -> dict[str, Any]:
    return {
        "functions": [
            {
                "name": f.name,
                "module": f.module,
                "params": [_param_to_json(p) for p in f.params],
                "returns": list(f.returns),
                "body_sha256": f.body_sha256,
                **({"kind": f.kind} if f.kind != "function" else {}),
            }
            for f in api.functions
        ],
        "run_params": [_param_to_json(p) for p in api.run_params],
    }


def _param_to_json(param: ParamApi) -> dict[str, Any]:
    return {"name": param.name, "default": param.default}


def _manifest_from_json(data: Any) -> Manifest:
    root = _mapping(data, "the manifest")
    format_version = _field(root, "format_version", int, "the manifest")
    if format_version > FORMAT_VERSION:
        raise _NewerFormatError(format_version)
    sources = tuple(_source(s) for s in _field(root, "sources", list, "the manifest"))
    files = _field(root, "files", dict, "the manifest")
    for name, digest in files.items():
        if not is_plain_relative_path(name):
            raise _ShapeError(
                f"files lists {name!r}, which is not a relative path inside the package"
            )
        if not isinstance(digest, str):
            raise _ShapeError(f"files[{name!r}] is not a hash string")
    source_map: dict[str, tuple[SourceSpan, ...]] = {}
    for name, spans in _field(root, "source_map", dict, "the manifest").items():
        if not isinstance(spans, list):
            raise _ShapeError(f"source_map[{name!r}] is not a list")
        source_map[name] = _spans_quickly(spans) or tuple(_span(s, name) for s in spans)
    return Manifest(
        format_version=format_version,
        settings=_optional(root, "settings", str, ""),
        package=_field(root, "package", str, "the manifest"),
        version=_field(root, "version", str, "the manifest"),
        sources=sources,
        api=_api_from_json(_field(root, "api", dict, "the manifest")),
        files=dict(files),
        source_map=source_map,
        graph=_graph(_optional(root, "graph", dict, {})),
    )


def _graph(value: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    graph: dict[str, tuple[str, ...]] = {}
    for step, needs in value.items():
        if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
            raise _ShapeError(f"graph[{step!r}] is not a list of step names")
        graph[step] = tuple(needs)
    return graph


def _source(value: Any) -> tuple[str, str]:
    source = _mapping(value, "a source")
    return _field(source, "notebook", str, "a source"), _field(source, "sha256", str, "a source")


def _span(value: Any, file: str) -> SourceSpan:
    shape = (int, int, str, str, int)
    if (
        not isinstance(value, list)
        or len(value) != len(shape)
        or not all(_is(v, t) for v, t in zip(value, shape, strict=True))
    ):
        raise _ShapeError(
            f"source_map[{file!r}] has an entry that is not "
            "[start_line, end_line, notebook, cell_id, cell_number]"
        )
    return SourceSpan(*value)


def _spans_quickly(spans: list[Any]) -> tuple[SourceSpan, ...] | None:
    """The spans when each is well formed (checked without a call per value), else None."""
    made = SourceSpan._make
    if all(
        type(s) is list
        and len(s) == 5
        and type(s[0]) is int
        and type(s[1]) is int
        and type(s[2]) is str
        and type(s[3]) is str
        and type(s[4]) is int
        for s in spans
    ):
        return tuple(map(made, spans))
    return None


def _api_from_json(api: dict[str, Any]) -> ApiSnapshot:
    quickly = api_quickly(api)
    if quickly is not None:
        return quickly
    functions = []
    for raw in _field(api, "functions", list, "api"):
        fn = _mapping(raw, "api.functions[]")
        name = _field(fn, "name", str, "api.functions[]")
        where = f"function {name!r}"
        returns = _field(fn, "returns", list, where)
        if not all(isinstance(r, str) for r in returns):
            raise _ShapeError(f"{where}: returns must be names")
        functions.append(
            FunctionApi(
                name=name,
                module=_field(fn, "module", str, where),
                params=tuple(_param(p, where) for p in _field(fn, "params", list, where)),
                returns=tuple(returns),
                body_sha256=_field(fn, "body_sha256", str, where),
                kind=str(fn.get("kind", "function")),
            )
        )
    run_params = tuple(_param(p, "api.run_params") for p in _field(api, "run_params", list, "api"))
    return ApiSnapshot(functions=tuple(functions), run_params=run_params)


def _param(value: Any, where: str) -> ParamApi:
    param = _mapping(value, f"{where}: a parameter")
    default = param.get("default")
    if default is not None and not isinstance(default, str):
        raise _ShapeError(f"{where}: a parameter default must be source text or null")
    return ParamApi(name=_field(param, "name", str, f"{where}: a parameter"), default=default)


def _optional(obj: dict[str, Any], key: str, kind: type[Any], default: Any) -> Any:
    return _field(obj, key, kind, "the manifest") if key in obj else default


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _ShapeError(f"{what} is not a JSON object")
    return value


def _field(obj: dict[str, Any], key: str, kind: type[Any], what: str) -> Any:
    if key not in obj:
        raise _ShapeError(f"{what} has no {key!r}")
    value = obj[key]
    if not _is(value, kind):
        raise _ShapeError(
            f"{what}: {key!r} should be a JSON {_JSON_NAMES.get(kind, kind.__name__)}"
        )
    return value


def _is(value: Any, kind: type[Any]) -> bool:
    # bool is an int in Python, never in a manifest.
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


_JSON_NAMES = {int: "integer", str: "string", list: "array", dict: "object"}
