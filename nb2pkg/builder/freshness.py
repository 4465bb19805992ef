"""Whether a build would change anything: the hashes of the notebooks, the settings and the
files on disk, compared with what the last build recorded in its manifest.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from nb2pkg import __version__ as NB2PKG_VERSION
from nb2pkg.builder.config import BuildConfig
from nb2pkg.builder.confine import file_sha256
from nb2pkg.builder.manifest import MANIFEST_PATH, Manifest, SourceSpan, file_hashes
from nb2pkg.notebook.reader import display_path, read_regular_file

if TYPE_CHECKING:
    from nb2pkg.emit.package import RenderedPackage
    from nb2pkg.plan.package_plan import PackagePlan

EXPORTS_PATH = ".nb2pkg/exports.json"
"""Where ``nb2pkg export`` keeps its settings (``nb2pkg.emit.export_settings.EXPORTS_PATH``)."""

VOLATILE = ("CHANGELOG.md", MANIFEST_PATH)
"""Files whose content does not decide whether a build changed anything."""


def recorded_requirements(config: BuildConfig) -> dict[str, str]:
    """The dependencies the last build wrote into the package's pyproject.toml, by name.

    The environment the package was built in is an input of every build and every `check`:
    both keep these ranges while the installed versions still satisfy them.
    """
    import tomllib

    from nb2pkg.plan.requirements import requirements_by_name

    if not (config.out_dir / MANIFEST_PATH).is_file():
        return {}
    try:
        data = tomllib.loads((config.out_dir / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    listed = data.get("project", {}).get("dependencies", [])
    return requirements_by_name(t for t in listed if isinstance(t, str))


def environment_fits(config: BuildConfig, previous: Manifest | None = None) -> bool:
    """Whether every installed distribution still satisfies the range the last build wrote.

    With the last build's manifest (its files on disk as it says), the answer comes from the
    environment's stamp while that is unchanged (``nb2pkg.builder.environment_stamp``)."""
    from nb2pkg.builder.environment_stamp import current_stamp, matches_stamp, record_stamp

    pyproject = previous.files.get("pyproject.toml") if previous is not None else None
    stamp = current_stamp(pyproject) if pyproject is not None else None
    if stamp is not None and matches_stamp(config.out_dir, stamp):
        return True
    from nb2pkg.builder.environment import outside_recorded_range

    fits = not outside_recorded_range(recorded_requirements(config))
    if fits and stamp is not None:
        record_stamp(config.out_dir, stamp)
    return fits


def settings_fingerprint(config: BuildConfig) -> str:
    """What, besides the notebooks, decides the generated files: nb2pkg's version and settings."""
    text = f"nb2pkg {NB2PKG_VERSION}; {config.fingerprint()}"
    if not os.path.lexists(config.out_dir / EXPORTS_PATH):
        return text  # (most packages: no export's settings to read)
    from nb2pkg.emit.export_settings import fingerprint, load_exports

    exports = load_exports(config.out_dir)
    if any(export.target == "kfp" for export in exports):
        from nb2pkg.emit.kfp_compile import compiler_fingerprint

        text = f"{text};{compiler_fingerprint()}"
    return f"{text};{fingerprint(exports)}" if exports else text


def source_hashes(config: BuildConfig) -> tuple[tuple[str, str], ...] | None:
    """(display path, sha256) of each notebook on disk; None when one cannot be read."""
    sources: list[tuple[str, str]] = []
    for path in config.notebooks:
        try:
            digest = hashlib.sha256(read_regular_file(path)).hexdigest()
        except OSError:
            return None
        sources.append((display_path(path, config.root), digest))
    return tuple(sources)


def disk_matches(out_dir: Path, manifest: Manifest) -> bool:
    for path, expected in manifest.files.items():
        try:
            if file_sha256(out_dir / path) != expected:
                return False
        except OSError:
            return False
    return True


def _decides_changes(path: str) -> bool:
    """Whether a generated file's content tells that a build changed something.

    Not the CHANGELOG or the manifest, which a build writes about itself, nor ``_build.py``,
    which holds the git commit and is rewritten only together with other changes.
    """
    from nb2pkg.emit.orchestrator_files import is_export_file

    return path not in VOLATILE and not path.endswith("/_build.py") and not is_export_file(path)


def files_differ(rendered: RenderedPackage, previous: Manifest) -> bool:
    current = file_hashes(f for f in rendered.files if _decides_changes(f.path))
    before = {p: h for p, h in previous.files.items() if _decides_changes(p)}
    return current != before


def record_differs(
    config: BuildConfig, plan: PackagePlan, rendered: RenderedPackage, previous: Manifest
) -> bool:
    """Whether the manifest's record of the notebooks (hashes, cell map) is out of date."""
    sources = tuple((n.notebook.display_path, n.notebook.sha256) for n in plan.notebooks)
    spans = {
        path: tuple(SourceSpan(*span) for span in found)
        for path, found in rendered.source_map.items()
    }
    return (
        tuple(previous.sources) != sources
        or previous.settings != settings_fingerprint(config)
        or dict(previous.source_map) != spans
    )
