"""The build: notebooks → plan → files → version → disk (through ``nb2pkg.write`` only).

Errors stop the build before anything is written. A rebuild whose notebooks and settings are
unchanged (same hashes as the manifest) and whose files on disk are as the last build left them
is answered "up to date" after hashing alone.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg import __version__ as NB2PKG_VERSION
from nb2pkg.config import BuildConfig
from nb2pkg.manifest import MANIFEST_PATH, Manifest, SourceSpan, file_hashes
from nb2pkg.manifest import load as load_manifest
from nb2pkg.model import Diagnostic, EmittedFile, Location, Notebook, Severity, has_errors
from nb2pkg.notebook import display_path

if TYPE_CHECKING:
    from nb2pkg.emit.package import RenderedPackage
    from nb2pkg.plan.package_plan import PackagePlan
    from nb2pkg.versioning import VersionDecision

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


def build(
    config: BuildConfig,
    *,
    bump: str | None = None,
    version: str | None = None,
    force: bool = False,
    auto: bool = False,
    confine_to: Path | None = None,
    after_each_file: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the package; ``confine_to`` refuses writes that would leave that directory."""
    previous, diagnostics = load_manifest(config.out_dir)
    if has_errors(diagnostics):
        return _failed(config, diagnostics)
    sources = _source_hashes(config)
    if (
        previous is not None
        and sources is not None
        and not (force or bump or version or auto)
        and tuple(previous.sources) == sources
        and previous.settings == settings_fingerprint(config)
        and _disk_matches(config.out_dir, previous)
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
    from nb2pkg.write import write_package

    prepared, diagnostics = prepare(config, previous, bump=bump, version=version, auto=auto)
    if prepared is None:
        return _failed(config, diagnostics)
    if prepared.decision.up_to_date:
        return BuildResult(
            True,
            config.out_dir,
            config.package,
            tuple(diagnostics),
            up_to_date=True,
            version=prepared.decision.version,
            previous_version=prepared.decision.previous_version,
            bump="none",
        )
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
) -> tuple[Prepared | None, list[Diagnostic]]:
    """Read, analyse and render everything; decide the version. Writes nothing."""
    from nb2pkg.emit.name_check import check_modules
    from nb2pkg.emit.package import render_package
    from nb2pkg.versioning import decide_version

    plan, diagnostics = plan_config(config, auto=auto)
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
        return Prepared(plan, decision, rendered.files, previous), diagnostics
    # Nothing changed, but files on disk differ from the last build (deleted or edited by
    # hand): write the same version again; the writer's hand-edit guard decides.
    restoring = decision.up_to_date
    if restoring:
        decision = replace(decision, bump="restore")
    if decision.version != current_version:
        rendered = render_package(plan, decision.version)
    files = list(rendered.files)
    problems = _self_check(files)
    if problems:
        return None, diagnostics + problems
    files.append(_changelog(config, decision, keep=restoring))
    files.append(_manifest(config, plan, decision, rendered, files))
    return Prepared(
        plan, decision, tuple(sorted(files, key=lambda f: f.path)), previous
    ), diagnostics


def plan_config(
    config: BuildConfig, *, auto: bool = False
) -> tuple[PackagePlan | None, list[Diagnostic]]:
    from nb2pkg.plan.notebook_plan import plan_notebook
    from nb2pkg.plan.package_plan import plan_package
    from nb2pkg.tags import tag_cells

    diagnostics: list[Diagnostic] = []
    notebook_plans = []
    for path in config.notebooks:
        notebook, problems = _read(path, config, auto=auto)
        diagnostics += problems
        if notebook is None:
            continue
        tagged, problems = tag_cells(notebook)
        diagnostics += problems
        notebook_plan = plan_notebook(notebook, tagged)
        diagnostics += notebook_plan.diagnostics
        notebook_plans.append(notebook_plan)
    if has_errors(diagnostics) or not notebook_plans:
        return None, diagnostics
    plan = plan_package(
        tuple(notebook_plans),
        config.package,
        autolog=config.autolog,
        git_commit=git_commit(config.notebooks[0].parent),
    )
    diagnostics += plan.diagnostics
    if has_errors(diagnostics):
        return None, diagnostics
    return plan, diagnostics


def settings_fingerprint(config: BuildConfig) -> str:
    """What, besides the notebooks, decides the generated files: nb2pkg's version and settings."""
    return f"nb2pkg {NB2PKG_VERSION}; {config.fingerprint()}"


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
    from nb2pkg.notebook import notebook_from_json, read_notebook

    shown = display_path(path, config.root)
    if not auto:
        return read_notebook(path, shown)
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return read_notebook(path, shown)  # reports the problem the same way
    from nb2pkg.automark import apply_in_memory

    marked = apply_in_memory(data)
    return notebook_from_json(marked, str(path.resolve()), shown, hashlib.sha256(raw).hexdigest())


def _source_hashes(config: BuildConfig) -> tuple[tuple[str, str], ...] | None:
    """(display path, sha256) of each notebook on disk; None when one cannot be read."""
    sources: list[tuple[str, str]] = []
    for path in config.notebooks:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None
        sources.append((display_path(path, config.root), digest))
    return tuple(sources)


def _disk_matches(out_dir: Path, manifest: Manifest) -> bool:
    for path, expected in manifest.files.items():
        try:
            if hashlib.sha256((out_dir / path).read_bytes()).hexdigest() != expected:
                return False
        except OSError:
            return False
    return True


def _decides_changes(path: str) -> bool:
    """Whether a generated file's content tells that a build changed something.

    Not the CHANGELOG or the manifest, which a build writes about itself, nor ``_build.py``,
    which holds the git commit and is rewritten only together with other changes.
    """
    return path not in VOLATILE and not path.endswith("/_build.py")


def _files_differ(rendered: RenderedPackage, previous: Manifest) -> bool:
    current = file_hashes(f for f in rendered.files if _decides_changes(f.path))
    before = {p: h for p, h in previous.files.items() if _decides_changes(p)}
    return current != before


def _with_disk_build_info(config: BuildConfig, files: list[EmittedFile]) -> list[EmittedFile]:
    """For `check`: the git commit recorded at the last build is not a difference."""
    from nb2pkg.emit.package import build_info_path

    path = build_info_path(config.package)
    on_disk = config.out_dir / path
    if not on_disk.is_file():
        return files
    text = on_disk.read_text(encoding="utf-8")
    return [EmittedFile(f.path, text) if f.path == path else f for f in files]


def _self_check(files: list[EmittedFile]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    for file in files:
        if not file.path.endswith(".py"):
            continue
        try:
            compile(file.content, file.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems.append(
                Diagnostic(
                    "NB901",
                    Severity.ERROR,
                    f"internal error: generated {file.path} does not compile ({exc.msg}, line {exc.lineno})",
                    Location(file.path, line=exc.lineno),
                    "this is a bug in nb2pkg; please report it with the notebook. Nothing was written.",
                    exc.text.rstrip() if exc.text else None,
                )
            )
    return problems


def _changelog(
    config: BuildConfig, decision: VersionDecision, *, keep: bool = False
) -> EmittedFile:
    from nb2pkg.versioning import changelog_entry, update_changelog

    existing_path = config.out_dir / "CHANGELOG.md"
    existing = existing_path.read_text(encoding="utf-8") if existing_path.is_file() else None
    if keep and existing is not None:
        return EmittedFile("CHANGELOG.md", existing)
    entry = changelog_entry(decision, datetime.date.today().isoformat())
    return EmittedFile("CHANGELOG.md", update_changelog(existing, entry, config.package))


def _manifest(
    config: BuildConfig,
    plan: PackagePlan,
    decision: VersionDecision,
    rendered: RenderedPackage,
    files: list[EmittedFile],
) -> EmittedFile:
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
    )
    return EmittedFile(MANIFEST_PATH, manifest.to_json())


def stale_files(config: BuildConfig) -> tuple[list[str], list[Diagnostic]]:
    """What differs between the package on disk and what a build would write (for `check`).

    The package is rendered at the version on disk: any difference, version aside, means a
    build would change it.
    """
    from nb2pkg.emit.package import render_package
    from nb2pkg.write import differences

    previous, diagnostics = load_manifest(config.out_dir)
    if has_errors(diagnostics):
        return [], diagnostics
    if previous is None:
        return [f"{config.out_dir}: no package built here yet (no {MANIFEST_PATH})"], diagnostics
    plan, more = plan_config(config)
    diagnostics += more
    if plan is None:
        return [], diagnostics
    rendered = render_package(plan, previous.version)
    wanted = _with_disk_build_info(config, list(rendered.files))
    found: list[str] = []
    sources = _source_hashes(config)
    if sources is not None:
        recorded = set(previous.sources)
        found += [
            f"{name}: changed since the last build"
            for name, digest in sources
            if (name, digest) not in recorded
        ]
    found += [str(d) for d in differences(config.out_dir, wanted) if d.path not in VOLATILE]
    return found, diagnostics


def _failed(config: BuildConfig, diagnostics: list[Diagnostic]) -> BuildResult:
    return BuildResult(False, config.out_dir, config.package, tuple(diagnostics))
