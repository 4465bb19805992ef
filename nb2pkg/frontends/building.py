"""``build``: the entry point of a build, kept apart from the analysis entry points
(``nb2pkg.frontends.api``) so that a build imports nothing only an analysis needs."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.builder.config import resolve_config
from nb2pkg.builder.orchestrate import BuildResult
from nb2pkg.builder.orchestrate import build as run_build


def build(
    notebooks: list[str | Path],
    out_dir: str | Path | None = None,
    *,
    name: str | None = None,
    bump: str | None = None,
    version: str | None = None,
    force: bool = False,
    auto: bool = False,
    root: Path | None = None,
    confine_to: Path | None = None,
    settings_stop_at: Path | None = None,
    confine_reads_to: Path | None = None,
) -> BuildResult:
    """``settings_stop_at`` (default: ``confine_to``) is the highest folder where a
    pyproject.toml with ``[tool.nb2pkg]`` settings is looked for. ``confine_to`` keeps reads
    and writes inside that directory, ``confine_reads_to`` only reads (symbolic links
    followed). Problems come back as diagnostics."""
    config, problems = resolve_config(
        notebooks, out_dir=out_dir, name=name, root=root, stop_at=settings_stop_at or confine_to
    )
    if config is None:
        fallback = Path(out_dir) if out_dir else Path.cwd()
        return BuildResult(False, fallback, name or "", tuple(problems))
    return run_build(
        config,
        bump=bump,
        version=version,
        force=force,
        auto=auto,
        confine_to=confine_to,
        confine_reads_to=confine_reads_to,
    )
