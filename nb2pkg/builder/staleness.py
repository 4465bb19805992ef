"""`nb2pkg check`: what differs between the package on disk and what a build would write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from nb2pkg.builder.config import BuildConfig
from nb2pkg.builder.freshness import (
    VOLATILE,
    recorded_requirements,
    settings_fingerprint,
    source_hashes,
)
from nb2pkg.builder.manifest import MANIFEST_PATH
from nb2pkg.builder.manifest import load as load_manifest
from nb2pkg.builder.planning import plan_config
from nb2pkg.builder.prepare import with_disk_build_info, with_kfp_yaml
from nb2pkg.ir import Diagnostic, has_errors
from nb2pkg.notebook.reader import display_path


def stale_files(config: BuildConfig) -> tuple[list[str], list[Diagnostic]]:
    """What differs between the package on disk and what a build would write (for `check`).

    The package is rendered at the version on disk: any difference, version aside, means a
    build would change it; none means a build would write no package file.
    """
    from nb2pkg.builder.differences import differences
    from nb2pkg.builder.writer import interrupted
    from nb2pkg.emit.package import render_package

    if interrupted(config.out_dir):
        return [
            f"{config.out_dir}: a build was interrupted while installing the package; "
            "`nb2pkg build` finishes it"
        ], []
    previous, diagnostics = load_manifest(config.out_dir)
    if has_errors(diagnostics):
        return [], diagnostics
    if previous is None:
        notebooks = " ".join(display_path(p, config.root) for p in config.notebooks)
        return [
            f"{config.out_dir}: no package built here yet (no {MANIFEST_PATH}); "
            f"build it first: nb2pkg build {notebooks} -o {config.out_dir}"
        ], diagnostics
    if previous.settings == settings_fingerprint(replace(config, auto=True)):
        config = replace(config, auto=True)  # built with --auto: check what --auto builds
    recorded = recorded_requirements(config)
    plan, more = plan_config(config, recorded=recorded)
    diagnostics += more
    if plan is None:
        return [], diagnostics
    rendered = render_package(plan, previous.version)
    wanted, compiled = with_kfp_yaml(config, list(rendered.files), previous, "verified")
    diagnostics += compiled
    if has_errors(compiled):
        return [], diagnostics
    wanted = with_disk_build_info(config, wanted)
    # The same decision as `build`: stale exactly when a build would change a package file.
    # A notebook edit that changes no generated file (markdown, unmarked cells) is not staleness.
    found = [str(d) for d in differences(config.out_dir, wanted) if d.path not in VOLATILE]
    if any(line.startswith("pyproject.toml") for line in found):
        found += _dependency_causes(recorded, plan.requirements)
    sources = source_hashes(config)
    if found and sources is not None:
        built_from = set(previous.sources)
        found = [
            f"{name}: changed since the last build"
            for name, digest in sources
            if (name, digest) not in built_from
        ] + found
    return found, diagnostics


def _dependency_causes(recorded: Mapping[str, str], requirements: tuple[str, ...]) -> list[str]:
    """Why pyproject.toml's dependencies would change: the environment, named per distribution."""
    from nb2pkg.builder.environment import installed_version
    from nb2pkg.plan.requirements import requirements_by_name

    causes = []
    for name, text in requirements_by_name(requirements).items():
        before = recorded.get(name)
        if before is None or before == text:
            continue
        version = installed_version(name)
        here = f"{name} {version} is installed here" if version else f"{name} is not installed here"
        causes.append(f"pyproject.toml: dependency `{before}` becomes `{text}` ({here})")
    return causes
