"""The build: notebooks → plan → files → version → disk (through ``nb2pkg.builder.writer`` only).

Errors stop the build before anything is written. A rebuild whose notebooks and settings are
unchanged (same hashes as the manifest) and whose files on disk are as the last build left them
is answered "up to date" after hashing alone.

The steps live in their own modules: ``planning`` (notebooks → plan), ``prepare`` (plan →
files and version), ``freshness`` (did anything change?), ``staleness`` (`nb2pkg check`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg.builder.config import BuildConfig
from nb2pkg.builder.confine import ReadScope, build_scope
from nb2pkg.builder.freshness import (
    disk_matches,
    environment_fits,
    settings_fingerprint,
    source_hashes,
)
from nb2pkg.builder.manifest import MANIFEST_PATH, Manifest
from nb2pkg.builder.manifest import load as load_manifest
from nb2pkg.builder.pending_installs import pending
from nb2pkg.ir import Diagnostic, Location, has_errors

if TYPE_CHECKING:
    from nb2pkg.builder.prepare import Prepared

# The preparing and writing modules are imported inside ``build``: a rebuild with nothing
# changed answers after hashing alone.


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    out_dir: Path
    package: str
    diagnostics: tuple[Diagnostic, ...]
    up_to_date: bool = False
    version: str | None = None
    previous_version: str | None = None
    bump: str | None = None
    changes: tuple[str, ...] = ()
    changed_files: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "up_to_date": self.up_to_date,
            "out_dir": str(self.out_dir),
            "package": self.package,
            "version": self.version,
            "previous_version": self.previous_version,
            "bump": self.bump,
            "changes": list(self.changes),
            "changed_files": list(self.changed_files),
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def build(
    config: BuildConfig,
    *,
    bump: str | None = None,
    version: str | None = None,
    force: bool = False,
    auto: bool = False,
    confine_to: Path | None = None,
    confine_reads_to: Path | None = None,
    after_each_file: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the package.

    ``confine_to`` refuses reads and writes that would leave that directory (symbolic links
    followed); ``confine_reads_to`` only reads (a preview writes into a scratch folder).
    Without either, reads stay inside the project (``nb2pkg.builder.confine``).
    """
    if auto:
        config = replace(config, auto=True)
    # A build killed while installing is finished first, so the manifest read next describes
    # the files on disk (and a file it installed is not taken for a hand edit).
    if pending(config.out_dir):
        from nb2pkg.builder.writer import finish_interrupted

        unfinished = finish_interrupted(config.out_dir, confine_to=confine_to)
        if unfinished:
            return _failed(config, unfinished)
    scope = build_scope(
        config.root, config.notebooks, config.out_dir, confine_to or confine_reads_to
    )
    refused = _outside(config.out_dir, (MANIFEST_PATH, "CHANGELOG.md", "pyproject.toml"), scope)
    if refused:
        return _failed(config, refused)
    previous, diagnostics = load_manifest(config.out_dir)
    if has_errors(diagnostics):
        return _failed(config, diagnostics)
    if (
        previous is not None
        and not (force or bump or version)
        and _unchanged(config, previous, stamp=confine_to is None)
    ):
        return _already_built(config, previous)
    from nb2pkg.builder.prepare import prepare

    prepared, diagnostics = prepare(config, previous, bump=bump, version=version, read_scope=scope)
    if prepared is None:
        return _failed(config, diagnostics)
    if prepared.decision.up_to_date and not prepared.refresh_only:
        return _up_to_date(config, prepared, diagnostics)
    return _written(
        config, prepared, diagnostics, force=force, confine_to=confine_to, after=after_each_file
    )


def _unchanged(config: BuildConfig, previous: Manifest, *, stamp: bool) -> bool:
    """The notebooks, settings, files on disk and environment are as the last build left them.

    ``stamp``: the environment may be found unchanged from its stamp (not in a confined build:
    the stamp is written outside the writer's confinement checks)."""
    sources = source_hashes(config)
    return (
        sources is not None
        and tuple(previous.sources) == sources
        and previous.settings == settings_fingerprint(config)
        and disk_matches(config.out_dir, previous)
        and environment_fits(config, previous if stamp else None)
    )


def _already_built(config: BuildConfig, previous: Manifest) -> BuildResult:
    return BuildResult(
        True,
        config.out_dir,
        config.package,
        (),
        up_to_date=True,
        version=previous.version,
        previous_version=previous.version,
        bump="none",
    )


def _written(
    config: BuildConfig,
    prepared: Prepared,
    diagnostics: list[Diagnostic],
    *,
    force: bool,
    confine_to: Path | None,
    after: Callable[[str], None] | None,
) -> BuildResult:
    """Write the prepared files (the writer's hand-edit guard decides) and say what changed."""
    from nb2pkg.builder.writer import write_package

    written, write_diagnostics = write_package(
        config.out_dir,
        prepared.files,
        prepared.previous,
        force=force,
        carried_over=("CHANGELOG.md",),
        confine_to=confine_to,
        after_each_file=after,
    )
    diagnostics = diagnostics + write_diagnostics
    if written is None:
        return _failed(config, diagnostics)
    if prepared.refresh_only:
        return _up_to_date(config, prepared, diagnostics, written.touched)
    return BuildResult(
        ok=True,
        out_dir=config.out_dir,
        package=config.package,
        diagnostics=tuple(diagnostics),
        version=prepared.decision.version,
        previous_version=prepared.decision.previous_version,
        bump=prepared.decision.bump,
        changes=prepared.decision.changes,
        changed_files=written.touched,
    )


def _outside(out_dir: Path, paths: tuple[str, ...], scope: ReadScope) -> list[Diagnostic]:
    """The output directory's own files a build reads that lead outside ``scope``."""
    return [
        scope.refusal(out_dir / path, "the output directory's", Location(str(out_dir / path)))
        for path in paths
        if (out_dir / path).is_file() and not scope.allows(out_dir / path)
    ]


def _up_to_date(
    config: BuildConfig,
    prepared: Prepared,
    diagnostics: list[Diagnostic],
    touched: tuple[str, ...] = (),
) -> BuildResult:
    """The package did not change (``touched``: the manifest, when its record was refreshed)."""
    return BuildResult(
        True,
        config.out_dir,
        config.package,
        tuple(diagnostics),
        up_to_date=True,
        version=prepared.decision.version,
        previous_version=prepared.decision.previous_version,
        bump="none",
        changed_files=touched,
    )


def _failed(config: BuildConfig, diagnostics: list[Diagnostic]) -> BuildResult:
    return BuildResult(False, config.out_dir, config.package, tuple(diagnostics))
