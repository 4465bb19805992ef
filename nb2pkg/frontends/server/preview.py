"""``POST /nb2pkg/preview``: the modules the next build of the notebook would write.

The notebook is the saved file, or the request's ``notebook``: the content the editor holds,
unsaved edits included.

It prepares the build as ``nb2pkg build`` would — same settings, same output folder, whose
manifest decides the version — and writes nothing: the preview shows the version and code
the next build would write (the package's current version when nothing changed), not those
of a first build into an empty folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg.frontends.server import requests
from nb2pkg.frontends.server.workload import WorkLimits, check_workload, saved_notebook

if TYPE_CHECKING:
    from nb2pkg.ir import Diagnostic

RECORDS = (".nb2pkg/manifest.json", "CHANGELOG.md", "pyproject.toml")
"""The output folder's files a build reads; none may lead outside the server's root."""


def preview(request: requests.PreviewRequest, root: str, limits: WorkLimits) -> dict[str, Any]:
    from nb2pkg.builder.confine import build_scope
    from nb2pkg.builder.manifest import load as load_manifest
    from nb2pkg.builder.prepare import prepare
    from nb2pkg.ir import Location, has_errors

    content = request.content
    check_workload([saved_notebook(request.notebook) if content is None else content], limits)
    config, problems = requests.preview_config(request, root)
    if config is None:
        return _answer(request.name or "", None, problems, ())
    # Helper modules, data files and the package's records: read inside the root only.
    scope = build_scope(config.root, config.notebooks, config.out_dir, Path(root))
    out_dir = config.out_dir
    refused = [
        scope.refusal(out_dir / name, "the output directory's", Location(str(out_dir / name)))
        for name in RECORDS
        if (out_dir / name).exists() and not scope.allows(out_dir / name)
    ]
    if refused:
        return _answer(config.package, None, refused, ())
    previous, diagnostics = load_manifest(out_dir)
    if has_errors(diagnostics):
        return _answer(config.package, None, diagnostics, ())
    unsaved = None if content is None else {request.notebook: content}
    prepared, diagnostics = prepare(config, previous, read_scope=scope, unsaved=unsaved)
    if prepared is None:
        return _answer(config.package, None, diagnostics, ())
    modules = sorted(
        (f for f in prepared.files if f.path.startswith("src/") and f.path.endswith(".py")),
        key=lambda f: f.path,
    )
    return _answer(
        config.package,
        prepared.decision.version,
        diagnostics,
        [{"path": f.path.removeprefix("src/"), "content": f.content} for f in modules],
    )


def _answer(
    package: str,
    version: str | None,
    diagnostics: Sequence[Diagnostic],
    files: Sequence[dict[str, str]],
) -> dict[str, Any]:
    return {
        "ok": version is not None,
        "package": package,
        "version": version,
        "diagnostics": [d.to_json() for d in diagnostics],
        "files": list(files),
    }
