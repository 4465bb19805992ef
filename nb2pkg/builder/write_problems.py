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
                _error(
                    "NB501",
                    f"{path} was edited by hand since the last build; it would be {action}",
                    shown,
                    (
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
                _error(
                    "NB502",
                    f"{path} would be overwritten, and {origin}",
                    shown,
                    (
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
            _error(
                "NB507",
                f"generated path {emitted.path!r} {why}",
                str(out_dir),
                "this is a bug in nb2pkg; please report it with the notebook",
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
                _error(
                    "NB512",
                    f"{path.parent} leads outside {root} (through a symbolic link); nothing was written",
                    str(path),
                    "build into a directory inside the server's root that has no symbolic links out of it",
                )
            )
    return problems


def unfinishable(out_dir: Path, staging: Path, why: str) -> Diagnostic:
    return _error(
        "NB513",
        (
            f"a build into {out_dir} was interrupted while installing, and its journal "
            f"{staging.name}/{install.JOURNAL} cannot be used: {why}; nothing was written"
        ),
        str(staging / install.JOURNAL),
        (
            f"compare the package with its notebooks (nb2pkg check), remove {staging}, "
            "then build again (with --force if files are reported as edited)"
        ),
    )


def raced(out_dir: Path) -> Diagnostic:
    return _error(
        "NB509",
        f"another build changed {out_dir} while this one was being prepared; nothing was written",
        str(out_dir),
        "build again",
    )


def write_failed(out_dir: Path, exc: OSError) -> Diagnostic:
    target = exc.filename or out_dir
    return _error(
        "NB508",
        f"could not write the package: {exc.strerror or exc} ({target}); nothing was changed",
        str(out_dir),
        "check permissions and free space in the output directory, then build again",
    )


def _error(code: str, message: str, where: str, hint: str) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, Location(where), hint)
