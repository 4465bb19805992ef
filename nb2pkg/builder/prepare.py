"""Everything a build would write, not yet written: render the package, check it, decide the
version, add the changelog and the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg.builder.build_date import build_date
from nb2pkg.builder.config import BuildConfig
from nb2pkg.builder.confine import ReadScope
from nb2pkg.builder.freshness import (
    disk_matches,
    files_differ,
    record_differs,
    recorded_requirements,
    settings_fingerprint,
)
from nb2pkg.builder.manifest import MANIFEST_PATH, Manifest, SourceSpan, file_hashes
from nb2pkg.builder.planning import plan_config
from nb2pkg.ir import Diagnostic, EmittedFile, has_errors

if TYPE_CHECKING:
    from nb2pkg.builder.versioning import VersionDecision
    from nb2pkg.emit.package import RenderedPackage
    from nb2pkg.plan.package_plan import PackagePlan

# The analysis, emission and versioning modules (libcst, IPython, packaging) are imported inside
# the functions that need them: a rebuild with nothing changed answers after hashing alone.


@dataclass(frozen=True)
class Prepared:
    """Everything a build would write, not yet written."""

    plan: PackagePlan
    decision: VersionDecision
    files: tuple[EmittedFile, ...]
    previous: Manifest | None
    refresh_only: bool = False
    """The package is unchanged; only the manifest's record of the notebooks is rewritten."""


def prepare(
    config: BuildConfig,
    previous: Manifest | None,
    *,
    bump: str | None = None,
    version: str | None = None,
    auto: bool = False,
    read_scope: ReadScope | None = None,
    unsaved: Mapping[Path, Any] | None = None,
) -> tuple[Prepared | None, list[Diagnostic]]:
    """Read, analyse and render everything; decide the version. Writes nothing.

    ``unsaved``: notebooks' current JSON by path (an editor's unsaved content), read instead
    of the files."""
    from nb2pkg.analysis.collector import fewer_collections
    from nb2pkg.analysis.trees import keeping_trees

    with (
        keeping_trees(),
        fewer_collections(for_build=True),
    ):  # parsed once: analysis, planning, emitting …
        return _prepare(
            config,
            previous,
            bump=bump,
            version=version,
            auto=auto,
            read_scope=read_scope,
            unsaved=unsaved,
        )


def _prepare(
    config: BuildConfig,
    previous: Manifest | None,
    *,
    bump: str | None,
    version: str | None,
    auto: bool,
    read_scope: ReadScope | None,
    unsaved: Mapping[Path, Any] | None,
) -> tuple[Prepared | None, list[Diagnostic]]:
    from nb2pkg.emit.package import render_package

    if auto:
        config = replace(config, auto=True)
    plan, diagnostics = plan_config(
        config, recorded=recorded_requirements(config), read_scope=read_scope, unsaved=unsaved
    )
    if plan is None:
        return None, diagnostics
    current_version = previous.version if previous is not None else config.initial_version
    rendered = render_package(plan, current_version)
    unbound = _unbound_names(plan, rendered)
    if unbound:
        return None, diagnostics + unbound
    decision, version_diagnostics = _decide(config, previous, rendered, bump=bump, version=version)
    diagnostics += version_diagnostics
    if decision is None:
        return None, diagnostics
    if decision.up_to_date and (previous is None or disk_matches(config.out_dir, previous)):
        if previous is None or not record_differs(config, plan, rendered, previous):
            return Prepared(plan, decision, rendered.files, previous), diagnostics
        refreshed, problems = _refreshed_record(config, plan, decision, rendered, previous)
        return refreshed, diagnostics + problems
    # Nothing changed, but files on disk differ from the last build (deleted or edited by
    # hand): write the same version again; the writer's hand-edit guard decides.
    restoring = decision.up_to_date
    if restoring:
        decision = replace(decision, bump="restore")
    if decision.version != current_version:
        rendered = render_package(plan, decision.version)
    prepared, problems = _new_package(config, plan, decision, rendered, previous, restoring)
    return prepared, diagnostics + problems


def _unbound_names(plan: PackagePlan, rendered: RenderedPackage) -> list[Diagnostic]:
    """Names the generated modules use but never bind, located in their cells."""
    from nb2pkg.emit.name_check import check_modules

    problems = check_modules(
        {f.path: f.content for f in rendered.files},
        rendered.source_map,
        {c.cell.cell_id: c.cell for n in plan.notebooks for c in n.cells},
        _notebook_binds(plan),
    )
    said = {(d.code, d.location) for n in plan.notebooks for d in n.diagnostics}
    return [d for d in problems if (d.code, d.location) not in said]  # NB303 said already


def _notebook_binds(plan: PackagePlan) -> frozenset[str] | None:
    """Every name a cell of the notebooks binds; None when a star import or a magic
    (``%run helpers.py``, ``%store -r``) may bind any."""
    names: set[str] = set()
    for notebook in plan.notebooks:
        for cell in notebook.cells:
            analysis = cell.parsed.analysis
            if analysis.star_imports or any(m.kind != "pip" for m in analysis.magics):
                return None
            names.update(analysis.binds, analysis.defines)
            names.update(binding.bound for binding in analysis.imports)
            names.update(name for name, _ in analysis.global_statements)
    return frozenset(names)


def _decide(
    config: BuildConfig,
    previous: Manifest | None,
    rendered: RenderedPackage,
    *,
    bump: str | None,
    version: str | None,
) -> tuple[VersionDecision | None, list[Diagnostic]]:
    """The version: from the API change, or a patch when only other generated code changed."""
    from nb2pkg.builder.versioning import decide_version

    decision, diagnostics = decide_version(
        previous.api if previous is not None else None,
        previous.version if previous is not None else None,
        rendered.api,
        bump=bump,
        version=version,
        initial=config.initial_version,
    )
    if (
        decision is not None
        and decision.up_to_date
        and previous is not None
        and files_differ(rendered, previous)
    ):
        decision, _ = decide_version(
            previous.api,
            previous.version,
            rendered.api,
            other_changes=(
                "generated code changed (tests, imports, dependencies or helpers); the API did not",
            ),
        )
        assert decision is not None
    return decision, diagnostics


def _refreshed_record(
    config: BuildConfig,
    plan: PackagePlan,
    decision: VersionDecision,
    rendered: RenderedPackage,
    previous: Manifest,
) -> tuple[Prepared | None, list[Diagnostic]]:
    """Cells were added, moved or removed without changing the package (markdown, unmarked
    cells): the package stays byte for byte; the manifest records the notebooks as now."""
    files, diagnostics = with_kfp_yaml(config, list(rendered.files), previous, "regenerated")
    if has_errors(diagnostics):
        return None, diagnostics
    files = with_disk_build_info(config, files)
    prepared, problems = _completed(
        config, plan, decision, rendered, files, previous, keep_changelog=True, refresh_only=True
    )
    return prepared, diagnostics + problems


def _new_package(
    config: BuildConfig,
    plan: PackagePlan,
    decision: VersionDecision,
    rendered: RenderedPackage,
    previous: Manifest | None,
    restoring: bool,
) -> tuple[Prepared | None, list[Diagnostic]]:
    """The files of a new (or restored) version, self-checked."""
    from nb2pkg.analysis.trees import forget_trees

    forget_trees()  # the package is rendered: the check's parses reuse the cells' memory
    files = list(rendered.files)
    problems = _self_check(plan, decision.version, files)
    if problems:
        return None, problems
    files, diagnostics = with_kfp_yaml(config, files, previous, "regenerated")
    if has_errors(diagnostics):
        return None, diagnostics
    prepared, problems = _completed(
        config, plan, decision, rendered, files, previous, keep_changelog=restoring
    )
    return prepared, diagnostics + problems


def _completed(
    config: BuildConfig,
    plan: PackagePlan,
    decision: VersionDecision,
    rendered: RenderedPackage,
    files: list[EmittedFile],
    previous: Manifest | None,
    *,
    keep_changelog: bool,
    refresh_only: bool = False,
) -> tuple[Prepared | None, list[Diagnostic]]:
    """``files`` with the changelog and the manifest added."""
    changelog, problems = _changelog(config, decision, keep=keep_changelog)
    if changelog is None:
        return None, problems
    files = [*files, changelog]
    files.append(_manifest(config, plan, decision, rendered, files))
    ordered = tuple(sorted(files, key=lambda f: f.path))
    return Prepared(plan, decision, ordered, previous, refresh_only), []


def with_disk_build_info(config: BuildConfig, files: list[EmittedFile]) -> list[EmittedFile]:
    """For `check`: the git commit recorded at the last build is not a difference."""
    from nb2pkg.emit.package import build_info_path

    path = build_info_path(config.package)
    on_disk = config.out_dir / path
    if not on_disk.is_file() or on_disk.is_symlink():
        return files
    text = on_disk.read_text(encoding="utf-8")
    return [EmittedFile(f.path, text) if f.path == path else f for f in files]


def with_kfp_yaml(
    config: BuildConfig, files: list[EmittedFile], previous: Manifest | None, verb: str
) -> tuple[list[EmittedFile], list[Diagnostic]]:
    """``files`` plus the KFP export's compiled IR YAML, when there is a KFP export."""
    from nb2pkg.emit.kfp_compile import kfp_yaml_file

    compiled, diagnostics = kfp_yaml_file(
        config.package, files, config.out_dir, previous, verb=verb
    )
    return ([*files, compiled] if compiled is not None else files), diagnostics


def _self_check(plan: PackagePlan, version: str, files: list[EmittedFile]) -> list[Diagnostic]:
    """Every generated file parses and holds the statements the plan intended (NB901-NB903)."""
    from nb2pkg.emit.self_check import check_package

    return check_package(plan, version, files)


def _changelog(
    config: BuildConfig, decision: VersionDecision, *, keep: bool = False
) -> tuple[EmittedFile | None, list[Diagnostic]]:
    from nb2pkg.builder.changelog import changelog_entry, update_changelog

    existing_path = config.out_dir / "CHANGELOG.md"
    existing = existing_path.read_text(encoding="utf-8") if existing_path.is_file() else None
    if keep and existing is not None:
        return EmittedFile("CHANGELOG.md", existing), []
    date, problem = build_date()
    if date is None:
        return None, [problem] if problem else []
    entry = changelog_entry(decision, date)
    return EmittedFile("CHANGELOG.md", update_changelog(existing, entry, config.package)), []


def _manifest(
    config: BuildConfig,
    plan: PackagePlan,
    decision: VersionDecision,
    rendered: RenderedPackage,
    files: list[EmittedFile],
) -> EmittedFile:
    from nb2pkg.emit.step_graph import step_graph

    # The hashes of the bytes that were analysed, not re-read: they are what was built.
    sources = tuple((n.notebook.display_path, n.notebook.sha256) for n in plan.notebooks)
    manifest = Manifest(
        settings=settings_fingerprint(config),
        package=plan.package,
        version=decision.version,
        sources=sources,
        api=rendered.api,
        files=file_hashes(files),
        source_map={
            path: tuple(SourceSpan(*span) for span in spans)
            for path, spans in rendered.source_map.items()
        },
        graph={node.key: node.needs for node in step_graph(plan)},
    )
    return EmittedFile(MANIFEST_PATH, manifest.to_json())
