"""The build: notebooks → plan → files → version → disk (through ``nb2pkg.builder.writer`` only).

Errors stop the build before anything is written. A rebuild whose notebooks and settings are
unchanged (same hashes as the manifest) and whose files on disk are as the last build left them
is answered "up to date" after hashing alone.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg import __version__ as NB2PKG_VERSION
from nb2pkg.builder.build_date import build_date
from nb2pkg.builder.config import BuildConfig
from nb2pkg.builder.confine import ReadScope, build_scope, file_sha256
from nb2pkg.builder.manifest import MANIFEST_PATH, Manifest, SourceSpan, file_hashes
from nb2pkg.builder.manifest import load as load_manifest
from nb2pkg.ir import Diagnostic, EmittedFile, Location, Notebook, has_errors
from nb2pkg.notebook.reader import display_path, read_regular_file

if TYPE_CHECKING:
    from nb2pkg.builder.versioning import VersionDecision
    from nb2pkg.emit.package import RenderedPackage
    from nb2pkg.plan.package_plan import PackagePlan

# The analysis, emission and writing modules (libcst, IPython, packaging) are imported inside
# the functions that need them: a rebuild with nothing changed answers after hashing alone.

VOLATILE = ("CHANGELOG.md", MANIFEST_PATH)
"""Files whose content does not decide whether a build changed anything."""


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


@dataclass(frozen=True)
class Prepared:
    """Everything a build would write, not yet written."""

    plan: PackagePlan
    decision: VersionDecision
    files: tuple[EmittedFile, ...]
    previous: Manifest | None
    refresh_only: bool = False
    """The package is unchanged; only the manifest's record of the notebooks is rewritten."""


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
    from nb2pkg.builder.writer import finish_interrupted

    # A build killed while installing is finished first, so the manifest read next describes
    # the files on disk (and a file it installed is not taken for a hand edit).
    unfinished = finish_interrupted(config.out_dir, confine_to=confine_to)
    if unfinished:
        return _failed(config, unfinished)
    scope = read_scope_of(config, confine_to or confine_reads_to)
    refused = _outside(config.out_dir, (MANIFEST_PATH, "CHANGELOG.md", "pyproject.toml"), scope)
    if refused:
        return _failed(config, refused)
    previous, diagnostics = load_manifest(config.out_dir)
    if has_errors(diagnostics):
        return _failed(config, diagnostics)
    sources = _source_hashes(config)
    if (
        previous is not None
        and sources is not None
        and not (force or bump or version)
        and tuple(previous.sources) == sources
        and previous.settings == settings_fingerprint(config)
        and _disk_matches(config.out_dir, previous)
        and _environment_fits(config)
    ):
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
    from nb2pkg.builder.writer import write_package

    prepared, diagnostics = prepare(config, previous, bump=bump, version=version, read_scope=scope)
    if prepared is None:
        return _failed(config, diagnostics)
    if prepared.decision.up_to_date and not prepared.refresh_only:
        return _up_to_date(config, prepared, diagnostics)
    written, write_diagnostics = write_package(
        config.out_dir,
        prepared.files,
        previous,
        force=force,
        carried_over=("CHANGELOG.md",),
        confine_to=confine_to,
        after_each_file=after_each_file,
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
    from nb2pkg.builder.versioning import decide_version
    from nb2pkg.emit.name_check import check_modules
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
    unbound = check_modules(
        {f.path: f.content for f in rendered.files},
        rendered.source_map,
        {c.cell.cell_id: c.cell for n in plan.notebooks for c in n.cells},
    )
    if unbound:
        return None, diagnostics + unbound
    decision, version_diagnostics = decide_version(
        previous.api if previous is not None else None,
        previous.version if previous is not None else None,
        rendered.api,
        bump=bump,
        version=version,
        initial=config.initial_version,
    )
    diagnostics += version_diagnostics
    if decision is None:
        return None, diagnostics
    if decision.up_to_date and previous is not None and _files_differ(rendered, previous):
        decision, _ = decide_version(
            previous.api,
            previous.version,
            rendered.api,
            other_changes=(
                "generated code changed (tests, imports, dependencies or helpers); the API did not",
            ),
        )
        assert decision is not None
    if decision.up_to_date and (previous is None or _disk_matches(config.out_dir, previous)):
        if previous is None or not _record_differs(config, plan, rendered, previous):
            return Prepared(plan, decision, rendered.files, previous), diagnostics
        # Cells were added, moved or removed without changing the package (markdown, unmarked
        # cells): the package stays byte for byte; the manifest records the notebooks as now.
        files, compiled = _with_kfp_yaml(config, list(rendered.files), previous, "regenerated")
        diagnostics += compiled
        if has_errors(compiled):
            return None, diagnostics
        files = _with_disk_build_info(config, files)
        changelog, problems = _changelog(config, decision, keep=True)
        if changelog is None:
            return None, diagnostics + problems
        files.append(changelog)
        files.append(_manifest(config, plan, decision, rendered, files))
        return Prepared(
            plan, decision, tuple(sorted(files, key=lambda f: f.path)), previous, True
        ), diagnostics
    # Nothing changed, but files on disk differ from the last build (deleted or edited by
    # hand): write the same version again; the writer's hand-edit guard decides.
    restoring = decision.up_to_date
    if restoring:
        decision = replace(decision, bump="restore")
    if decision.version != current_version:
        rendered = render_package(plan, decision.version)
    files = list(rendered.files)
    problems = _self_check(plan, decision.version, files)
    if problems:
        return None, diagnostics + problems
    files, compiled = _with_kfp_yaml(config, files, previous, "regenerated")
    diagnostics += compiled
    if has_errors(compiled):
        return None, diagnostics
    changelog, date_problems = _changelog(config, decision, keep=restoring)
    if changelog is None:
        return None, diagnostics + date_problems
    files.append(changelog)
    files.append(_manifest(config, plan, decision, rendered, files))
    return Prepared(
        plan, decision, tuple(sorted(files, key=lambda f: f.path)), previous
    ), diagnostics


def plan_config(
    config: BuildConfig,
    *,
    auto: bool = False,
    recorded: Mapping[str, str] | None = None,
    read_scope: ReadScope | None = None,
    unsaved: Mapping[Path, Any] | None = None,
) -> tuple[PackagePlan | None, list[Diagnostic]]:
    """The package plan; helper modules and data files are looked for inside ``read_scope``
    (by default the project's, see ``nb2pkg.builder.confine``)."""
    from nb2pkg.emit.export_settings import load_exports
    from nb2pkg.plan.notebook_plan import plan_notebook
    from nb2pkg.plan.package_plan import plan_package
    from nb2pkg.roles.resolve import tag_cells

    scope = read_scope or read_scope_of(config, None)
    diagnostics: list[Diagnostic] = []
    notebook_plans = []
    edited = {path.resolve(): data for path, data in (unsaved or {}).items()}
    for path in config.notebooks:
        if path.resolve() in edited:
            notebook, problems = _from_json(
                path, edited[path.resolve()], config, auto=auto or config.auto
            )
        else:
            notebook, problems = _read(path, config, auto=auto or config.auto)
        diagnostics += problems
        if notebook is None:
            continue
        tagged, problems = tag_cells(notebook)
        diagnostics += problems
        notebook_plan = plan_notebook(notebook, tagged, read_scope=scope)
        diagnostics += notebook_plan.diagnostics
        notebook_plans.append(notebook_plan)
    if has_errors(diagnostics) or not notebook_plans:
        return None, diagnostics
    plan = plan_package(
        tuple(notebook_plans),
        config.package,
        autolog=config.autolog,
        git_commit=git_commit(config.notebooks[0].parent),
        recorded_requirements=recorded,
        requirement_overrides=dict(config.dependency_overrides),
        read_scope=scope,
    )
    plan = replace(plan, exports=load_exports(config.out_dir))
    diagnostics += plan.diagnostics
    if has_errors(diagnostics):
        return None, diagnostics
    return plan, diagnostics


def recorded_requirements(config: BuildConfig) -> dict[str, str]:
    """The dependencies the last build wrote into the package's pyproject.toml, by name.

    The environment the package was built in is an input of every build and every `check`:
    both keep these ranges while the installed versions still satisfy them.
    """
    import tomllib

    from nb2pkg.emit.dependencies import requirements_by_name

    if not (config.out_dir / MANIFEST_PATH).is_file():
        return {}
    try:
        data = tomllib.loads((config.out_dir / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    listed = data.get("project", {}).get("dependencies", [])
    return requirements_by_name(t for t in listed if isinstance(t, str))


def _environment_fits(config: BuildConfig) -> bool:
    """Whether every installed distribution still satisfies the range the last build wrote."""
    from nb2pkg.emit.dependencies import outside_recorded_range

    return not outside_recorded_range(recorded_requirements(config))


def read_scope_of(config: BuildConfig, confine_to: Path | None) -> ReadScope:
    return build_scope(config.root, config.notebooks, config.out_dir, confine_to)


def _outside(out_dir: Path, paths: tuple[str, ...], scope: ReadScope) -> list[Diagnostic]:
    """The output directory's own files a build reads that lead outside ``scope``."""
    return [
        scope.refusal(out_dir / path, "the output directory's", Location(str(out_dir / path)))
        for path in paths
        if (out_dir / path).is_file() and not scope.allows(out_dir / path)
    ]


def settings_fingerprint(config: BuildConfig) -> str:
    """What, besides the notebooks, decides the generated files: nb2pkg's version and settings."""
    from nb2pkg.emit.export_settings import fingerprint, load_exports

    exports = load_exports(config.out_dir)
    text = f"nb2pkg {NB2PKG_VERSION}; {config.fingerprint()}"
    if any(export.target == "kfp" for export in exports):
        from nb2pkg.emit.kfp_compile import compiler_fingerprint

        text = f"{text};{compiler_fingerprint()}"
    return f"{text};{fingerprint(exports)}" if exports else text


def git_commit(folder: Path) -> str:
    """The commit checked out where the notebooks live ("" outside a git work tree)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def _read(
    path: Path, config: BuildConfig, *, auto: bool
) -> tuple[Notebook | None, list[Diagnostic]]:
    from nb2pkg.notebook.reader import notebook_from_json, read_notebook

    shown = display_path(path, config.root)
    if not auto:
        return read_notebook(path, shown)
    try:
        raw = read_regular_file(path)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return read_notebook(path, shown)  # reports the problem the same way
    from nb2pkg.plan.automark import apply_in_memory

    marked = apply_in_memory(data)
    return notebook_from_json(marked, str(path.resolve()), shown, hashlib.sha256(raw).hexdigest())


def _from_json(
    path: Path, data: Any, config: BuildConfig, *, auto: bool
) -> tuple[Notebook | None, list[Diagnostic]]:
    """A notebook from its JSON as an editor holds it (hashed as canonical JSON)."""
    from nb2pkg.notebook.reader import notebook_from_json

    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    if auto:
        from nb2pkg.plan.automark import apply_in_memory

        data = apply_in_memory(data)
    return notebook_from_json(data, str(path.resolve()), display_path(path, config.root), digest)


def _source_hashes(config: BuildConfig) -> tuple[tuple[str, str], ...] | None:
    """(display path, sha256) of each notebook on disk; None when one cannot be read."""
    sources: list[tuple[str, str]] = []
    for path in config.notebooks:
        try:
            digest = hashlib.sha256(read_regular_file(path)).hexdigest()
        except OSError:
            return None
        sources.append((display_path(path, config.root), digest))
    return tuple(sources)


def _disk_matches(out_dir: Path, manifest: Manifest) -> bool:
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


def _files_differ(rendered: RenderedPackage, previous: Manifest) -> bool:
    current = file_hashes(f for f in rendered.files if _decides_changes(f.path))
    before = {p: h for p, h in previous.files.items() if _decides_changes(p)}
    return current != before


def _record_differs(
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


def _with_disk_build_info(config: BuildConfig, files: list[EmittedFile]) -> list[EmittedFile]:
    """For `check`: the git commit recorded at the last build is not a difference."""
    from nb2pkg.emit.package import build_info_path

    path = build_info_path(config.package)
    on_disk = config.out_dir / path
    if not on_disk.is_file() or on_disk.is_symlink():
        return files
    text = on_disk.read_text(encoding="utf-8")
    return [EmittedFile(f.path, text) if f.path == path else f for f in files]


def _with_kfp_yaml(
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
    from nb2pkg.builder.versioning import changelog_entry, update_changelog

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


def stale_files(config: BuildConfig) -> tuple[list[str], list[Diagnostic]]:
    """What differs between the package on disk and what a build would write (for `check`).

    The package is rendered at the version on disk: any difference, version aside, means a
    build would change it; none means a build would write no package file.
    """
    from nb2pkg.builder.writer import differences, interrupted
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
    wanted, compiled = _with_kfp_yaml(config, list(rendered.files), previous, "verified")
    diagnostics += compiled
    if has_errors(compiled):
        return [], diagnostics
    wanted = _with_disk_build_info(config, wanted)
    # The same decision as `build`: stale exactly when a build would change a package file.
    # A notebook edit that changes no generated file (markdown, unmarked cells) is not staleness.
    found = [str(d) for d in differences(config.out_dir, wanted) if d.path not in VOLATILE]
    if any(line.startswith("pyproject.toml") for line in found):
        found += _dependency_causes(recorded, plan.requirements)
    sources = _source_hashes(config)
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
    from nb2pkg.emit.dependencies import installed_version, requirements_by_name

    causes = []
    for name, text in requirements_by_name(requirements).items():
        before = recorded.get(name)
        if before is None or before == text:
            continue
        version = installed_version(name)
        here = f"{name} {version} is installed here" if version else f"{name} is not installed here"
        causes.append(f"pyproject.toml: dependency `{before}` becomes `{text}` ({here})")
    return causes


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
