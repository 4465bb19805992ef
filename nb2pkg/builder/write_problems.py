"""The diagnostics a write can end with (NB501, NB502, NB507-NB509, NB512, NB513); each code's
title and hint are in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nb2pkg.builder import install
from nb2pkg.builder.manifest import Manifest
from nb2pkg.builder.write_plan import STATE_DIR, WritePlan, generatable
from nb2pkg.ir import Diagnostic, EmittedFile, Location, Severity


def conflicts(out_dir: Path, plan: WritePlan, previous: Manifest | None) -> list[Diagnostic]:
    problems = []
    for path, why in plan.conflicting:
        shown = str(out_dir / path)
        if why == "hand-edited":
            action = "removed" if path in plan.removed else "overwritten"
            problems.append(
                Diagnostic(
                    code="NB501",
                    severity=Severity.ERROR,
                    message=f"{path} was edited by hand since the last build; it would be {action}",
                    location=Location(shown),
                    hint=(
                        "move the change into the notebook (generated files are rewritten from it), "
                        "or rebuild with --force, which keeps a copy under .nb2pkg/backup/"
                    ),
                )
            )
        else:
            origin = (
                "this directory was not made by nb2pkg (it has no .nb2pkg/manifest.json)"
                if previous is None
                else "the last build did not write it"
            )
            problems.append(
                Diagnostic(
                    code="NB502",
                    severity=Severity.ERROR,
                    message=f"{path} would be overwritten, and {origin}",
                    location=Location(shown),
                    hint=(
                        "choose another output directory (-o), or rebuild with --force, "
                        "which keeps a copy under .nb2pkg/backup/"
                    ),
                )
            )
    return problems


def check_paths(out_dir: Path, files: Sequence[EmittedFile]) -> list[Diagnostic]:
    problems = []
    seen: set[str] = set()
    for emitted in files:
        if not generatable(emitted.path):
            why = f"is not a plain relative path inside {out_dir}"
        elif emitted.path in seen:
            why = "is repeated"
        else:
            seen.add(emitted.path)
            continue
        problems.append(
            Diagnostic(
                code="NB507",
                severity=Severity.ERROR,
                message=f"generated path {emitted.path!r} {why}",
                location=Location(str(out_dir)),
                hint="this is a bug in nb2pkg; please report it with the notebook",
            )
        )
    return problems


def escaping(out_dir: Path, paths: Sequence[str], root: Path) -> list[Diagnostic]:
    """Paths whose directory (symlinks resolved) lies outside ``root``."""
    inside = root.resolve()
    candidates = [out_dir / STATE_DIR / "x", *(out_dir / p for p in paths)]
    problems = []
    for path in candidates:
        where = path.parent.resolve()
        if where != inside and inside not in where.parents:
            problems.append(
                Diagnostic(
                    code="NB512",
                    severity=Severity.ERROR,
                    message=f"{path.parent} leads outside {root} (through a symbolic link); nothing was written",
                    location=Location(str(path)),
                    hint="build into a directory inside the server's root that has no symbolic links out of it",
                )
            )
    return problems


def unfinishable(out_dir: Path, staging: Path, why: str) -> Diagnostic:
    return Diagnostic(
        code="NB513",
        severity=Severity.ERROR,
        message=(
            f"a build into {out_dir} was interrupted while installing, and its journal "
            f"{staging.name}/{install.JOURNAL} cannot be used: {why}; nothing was written"
        ),
        location=Location(str(staging / install.JOURNAL)),
        hint=(
            f"compare the package with its notebooks (nb2pkg check), remove {staging}, "
            "then build again (with --force if files are reported as edited)"
        ),
    )


def raced(out_dir: Path) -> Diagnostic:
    return Diagnostic(
        code="NB509",
        severity=Severity.ERROR,
        message=f"another build changed {out_dir} while this one was being prepared; nothing was written",
        location=Location(str(out_dir)),
        hint="build again",
    )


def write_failed(out_dir: Path, exc: OSError) -> Diagnostic:
    target = exc.filename or out_dir
    return Diagnostic(
        code="NB508",
        severity=Severity.ERROR,
        message=f"could not write the package: {exc.strerror or exc} ({target}); nothing was changed",
        location=Location(str(out_dir)),
        hint="check permissions and free space in the output directory, then build again",
    )
