"""Choose the package version from what changed in its API, and write the CHANGELOG entry.

The rules (DESIGN.md, "Versions"), comparing the new API snapshot with the last build's:

* **breaking** -> major (minor while the version is 0.x): a public function removed or moved to
  another module; a parameter removed, renamed or reordered; a required parameter added; an
  optional parameter made required; an optional parameter inserted before existing ones (it
  shifts positional arguments); any change to the returned names (callers unpack them, and
  ``run()``'s result and the generated test fixtures are keyed by them).
* **feature** -> minor: a public function added; an optional parameter added after the existing
  ones; a required parameter given a default.
* **fix** -> patch: code changed with the API unchanged (``FunctionApi.body_sha256`` differs),
  a default value changed.
* nothing changed -> ``"none"``: the caller writes nothing and reports "up to date".

``run()``'s parameters (``ApiSnapshot.run_params``) follow the same rules as a function named
``run``, except that they are keyword-only: their order is not part of the API.

``bump`` (``--bump major|minor|patch``) and ``version`` (``--version X.Y.Z``, any PEP 440
version greater than the previous one) override the computed bump; an override smaller than
what the API changes call for is allowed, with a warning.

Diagnostic codes:
  NB503 ``--version`` is not a valid version, or not greater than the previous version;
        ``--bump`` is not one of major/minor/patch; both were given
  NB505 the previous version recorded in the manifest is not a valid version
  NB506 (warning) the override is a smaller bump than the API changes call for
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from packaging.version import InvalidVersion, Version

from nb2pkg.ir import ApiSnapshot, Diagnostic, FunctionApi, ParamApi, Severity

BUMPS = ("major", "minor", "patch")
RUN = "run"


class Impact(IntEnum):
    """How much an API change matters to the package's users, least first."""

    FIX = 1
    FEATURE = 2
    BREAKING = 3


@dataclass(frozen=True)
class ApiChange:
    impact: Impact
    text: str


@dataclass(frozen=True)
class VersionDecision:
    version: str
    previous_version: str | None
    bump: str
    """``initial``, ``major``, ``minor``, ``patch`` or ``none`` (nothing to write)."""
    changes: tuple[str, ...]
    """Each API change in words, for the CHANGELOG and the build report."""
    api_changes: tuple[ApiChange, ...] = ()
    overridden: bool = False
    """True when ``--bump`` or ``--version`` chose the version."""

    @property
    def up_to_date(self) -> bool:
        return self.bump == "none"


def diff_api(previous: ApiSnapshot, current: ApiSnapshot) -> list[ApiChange]:
    """Every difference between two API snapshots, in function order (removed ones first)."""
    changes: list[ApiChange] = []
    before = _by_public_name(previous.functions)
    after = _by_public_name(current.functions)
    for name, fn in before.items():
        if name not in after:
            changes.append(ApiChange(Impact.BREAKING, f"removed {fn.kind} `{name}`"))
    for name, fn in after.items():
        old = before.get(name)
        if old is None:
            changes.append(ApiChange(Impact.FEATURE, f"added {fn.kind} `{name}`"))
        else:
            changes.extend(_function_changes(name, old, fn))
    changes.extend(_param_changes(RUN, previous.run_params, current.run_params, keyword_only=True))
    return changes


def decide_version(
    previous_api: ApiSnapshot | None,
    previous_version: str | None,
    current_api: ApiSnapshot,
    *,
    bump: str | None = None,
    version: str | None = None,
    initial: str = "0.1.0",
    other_changes: Sequence[str] = (),
) -> tuple[VersionDecision | None, list[Diagnostic]]:
    """The version this build gets; None with an error diagnostic when an override is invalid.

    ``other_changes`` describes changes outside the API snapshot that still change what the
    package does or needs (``"dependencies: added pandas"``, ``"regenerated README.md"``): with
    an unchanged API they make a patch release instead of "up to date".
    """
    if bump is not None and version is not None:
        return None, [_error("NB503", "--bump and --version were both given", "use one of them")]
    if bump is not None and bump not in BUMPS:
        return None, [
            _error("NB503", f"unknown bump {bump!r}", f"Please choose one of: {', '.join(BUMPS)}")
        ]
    requested, problems = _parse_requested(version)
    if problems:
        return None, problems

    if previous_api is None or previous_version is None:
        return _first_version(current_api, requested, initial)

    try:
        previous = Version(previous_version)
    except InvalidVersion:
        return None, [
            _error(
                "NB505",
                f"the previous version {previous_version!r} in the manifest is not a valid version",
                "give the version of this build with --version X.Y.Z",
            )
        ]

    api_changes = tuple(diff_api(previous_api, current_api)) + tuple(
        ApiChange(Impact.FIX, text) for text in other_changes
    )
    needed = _needed_bump(api_changes, previous)
    texts = tuple(c.text for c in api_changes)

    if requested is not None:
        if requested <= previous:
            return None, [
                _error(
                    "NB503",
                    f"--version {version} is not greater than the previous version {previous_version}",
                    f"choose a version after {previous_version}, or use --bump",
                )
            ]
        chosen = _bump_between(previous, requested)
        decision = VersionDecision(
            str(requested), previous_version, chosen, texts, api_changes, overridden=True
        )
        return decision, _smaller_than_needed(chosen, needed, f"--version {version}")

    if bump is not None:
        decision = VersionDecision(
            _bumped(previous, bump), previous_version, bump, texts, api_changes, overridden=True
        )
        return decision, _smaller_than_needed(bump, needed, f"--bump {bump}")

    if needed == "none":
        return VersionDecision(previous_version, previous_version, "none", texts, api_changes), []
    return (
        VersionDecision(_bumped(previous, needed), previous_version, needed, texts, api_changes),
        [],
    )


def changelog_entry(decision: VersionDecision, date: str) -> str:
    """The CHANGELOG section for this version: its date and each API change, grouped by impact."""
    lines = [f"## [{decision.version}] - {date}", ""]
    if decision.bump == "initial":
        lines.append("First release.")
        added = [c.text for c in decision.api_changes]
        if added:
            lines += ["", "### Added", ""]
            lines += [f"- {text}" for text in added]
        return "\n".join(lines) + "\n"
    groups = (
        ("Breaking changes", Impact.BREAKING),
        ("Added", Impact.FEATURE),
        ("Changed", Impact.FIX),
    )
    wrote_any = False
    for title, impact in groups:
        texts = [c.text for c in decision.api_changes if c.impact is impact]
        if texts:
            if wrote_any:
                lines.append("")
            lines += [f"### {title}", ""] + [f"- {text}" for text in texts]
            wrote_any = True
    if not wrote_any:
        lines.append("No API changes.")
    return "\n".join(lines) + "\n"


def update_changelog(existing: str | None, entry: str, package: str) -> str:
    """Put ``entry`` above the previous versions (newest first), keeping the file's header.

    An entry for the same version already in the file is replaced, so writing the same
    entry twice gives the same file.
    """
    if not existing or not existing.strip():
        return _header(package) + "\n" + entry
    version = _entry_version(entry)
    header, sections = _split_sections(existing)
    if not header.strip():
        header = _header(package)
    kept = [s for s in sections if version is None or _entry_version(s) != version]
    body = "\n".join(s.rstrip("\n") + "\n" for s in [entry, *kept])
    return header.rstrip("\n") + "\n\n" + body


# --------------------------------------------------------------------------- internals


def _by_public_name(functions: Sequence[FunctionApi]) -> dict[str, FunctionApi]:
    """Functions keyed by name; ``module.name`` for a name several modules define."""
    counts: dict[str, int] = {}
    for fn in functions:
        counts[fn.name] = counts.get(fn.name, 0) + 1
    return {(fn.name if counts[fn.name] == 1 else f"{fn.module}.{fn.name}"): fn for fn in functions}


def _function_changes(name: str, old: FunctionApi, new: FunctionApi) -> list[ApiChange]:
    changes: list[ApiChange] = []
    if old.module != new.module:
        changes.append(
            ApiChange(
                Impact.BREAKING,
                f"`{name}`: moved from module `{old.module}` to `{new.module}`",
            )
        )
    changes.extend(_param_changes(name, old.params, new.params, keyword_only=False))
    changes.extend(_return_changes(name, old.returns, new.returns))
    if not changes and old.body_sha256 != new.body_sha256:
        changes.append(ApiChange(Impact.FIX, f"`{name}`: code changed"))
    return changes


def _param_changes(
    owner: str,
    old: Sequence[ParamApi],
    new: Sequence[ParamApi],
    *,
    keyword_only: bool,
) -> list[ApiChange]:
    changes: list[ApiChange] = []
    old_names = [p.name for p in old]
    new_names = [p.name for p in new]
    renamed = _renames(old, new)
    renamed_to = set(renamed.values())
    old_by_name = {p.name: p for p in old}

    for param in old:
        if param.name in renamed:
            changes.append(
                ApiChange(
                    Impact.BREAKING,
                    f"`{owner}`: parameter `{param.name}` renamed to `{renamed[param.name]}`",
                )
            )
        elif param.name not in new_names:
            changes.append(
                ApiChange(Impact.BREAKING, f"`{owner}`: removed parameter `{param.name}`")
            )

    common_old = [n for n in old_names if n in new_names]
    common_new = [n for n in new_names if n in old_names]
    if common_old != common_new:
        changes.append(
            ApiChange(
                Impact.FIX if keyword_only else Impact.BREAKING,
                f"`{owner}`: parameters reordered from ({', '.join(common_old)}) "
                f"to ({', '.join(common_new)})",
            )
        )

    kept = set(old_by_name) | renamed_to
    last_kept = max((i for i, n in enumerate(new_names) if n in kept), default=-1)
    for index, param in enumerate(new):
        if param.name in old_by_name:
            changes.extend(_default_change(owner, old_by_name[param.name], param))
        elif param.name in renamed_to:
            continue
        elif param.default is None:
            changes.append(
                ApiChange(Impact.BREAKING, f"`{owner}`: added required parameter `{param.name}`")
            )
        elif index < last_kept and not keyword_only:
            changes.append(
                ApiChange(
                    Impact.BREAKING,
                    f"`{owner}`: added optional parameter `{param.name}={param.default}` before "
                    f"existing parameter `{_next_kept(new_names, index, kept)}` "
                    "(positional arguments shift)",
                )
            )
        else:
            changes.append(
                ApiChange(
                    Impact.FEATURE,
                    f"`{owner}`: added optional parameter `{param.name}={param.default}`",
                )
            )
    return changes


def _next_kept(names: list[str], index: int, kept: set[str]) -> str:
    return next(n for n in names[index + 1 :] if n in kept)


def _renames(old: Sequence[ParamApi], new: Sequence[ParamApi]) -> dict[str, str]:
    """Old name -> new name, only where the evidence is strong.

    Aligned by position: a parameter at the same index whose old name is gone, whose new name
    is new, and whose default is the same (so is its type) is taken as renamed. Anything else is
    reported as removed and added.
    """
    old_names = {p.name for p in old}
    new_names = {p.name for p in new}
    return {
        before.name: after.name
        for before, after in zip(old, new, strict=False)
        if before.name != after.name
        and before.name not in new_names
        and after.name not in old_names
        and before.default == after.default
    }


def _default_change(owner: str, old: ParamApi, new: ParamApi) -> list[ApiChange]:
    if old.default == new.default:
        return []
    if new.default is None:
        return [
            ApiChange(
                Impact.BREAKING,
                f"`{owner}`: parameter `{new.name}` is now required (was `{new.name}={old.default}`)",
            )
        ]
    if old.default is None:
        return [
            ApiChange(
                Impact.FEATURE,
                f"`{owner}`: parameter `{new.name}` is now optional (`{new.name}={new.default}`)",
            )
        ]
    return [
        ApiChange(
            Impact.FIX,
            f"`{owner}`: default of `{new.name}` changed from `{old.default}` to `{new.default}`",
        )
    ]


def _return_changes(owner: str, old: tuple[str, ...], new: tuple[str, ...]) -> list[ApiChange]:
    # Any change is breaking: callers unpack the returned tuple, and run()'s result dict and the
    # generated test fixtures are keyed by these names.
    if old == new:
        return []
    shown_old = ", ".join(old) or "nothing"
    shown_new = ", ".join(new) or "nothing"
    return [ApiChange(Impact.BREAKING, f"`{owner}`: returns {shown_new} (was {shown_old})")]


def _needed_bump(changes: Sequence[ApiChange], previous: Version) -> str:
    if not changes:
        return "none"
    worst = max(c.impact for c in changes)
    if worst is Impact.BREAKING:
        return "major" if previous.major >= 1 else "minor"
    if worst is Impact.FEATURE:
        return "minor"
    return "patch"


def _bumped(previous: Version, bump: str) -> str:
    major, minor, patch = _release3(previous)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def _release3(version: Version) -> tuple[int, int, int]:
    """(major, minor, micro): ``1.2`` counts as ``1.2.0``."""
    return version.major, version.minor, version.micro


def _bump_between(previous: Version, requested: Version) -> str:
    old = _release3(previous)
    new = _release3(requested)
    if new[0] != old[0]:
        return "major"
    if new[1] != old[1]:
        return "minor"
    return "patch"


def _smaller_than_needed(chosen: str, needed: str, given: str) -> list[Diagnostic]:
    rank = {"none": 0, "patch": 1, "minor": 2, "major": 3}
    if rank[chosen] >= rank[needed]:
        return []
    return [
        Diagnostic(
            code="NB506",
            severity=Severity.WARNING,
            message=f"the API changes call for a {needed} version bump; {given} makes it {chosen}",
            hint="users pinning compatible versions may get a breaking change; drop the override to let nb2pkg decide",
        )
    ]


def _parse_requested(version: str | None) -> tuple[Version | None, list[Diagnostic]]:
    if version is None:
        return None, []
    try:
        return Version(version), []
    except InvalidVersion:
        return None, [
            _error(
                "NB503",
                f"--version {version!r} is not a valid version",
                "give a PEP 440 version such as 1.2.0",
            )
        ]


def _first_version(
    current_api: ApiSnapshot, requested: Version | None, initial: str
) -> tuple[VersionDecision | None, list[Diagnostic]]:
    chosen = str(requested) if requested is not None else initial
    if requested is None:
        try:
            Version(initial)
        except InvalidVersion:
            return None, [
                _error(
                    "NB503",
                    f"the initial version {initial!r} is not a valid version",
                    "set [tool.nb2pkg].version to a PEP 440 version such as 0.1.0",
                )
            ]
    added = tuple(
        ApiChange(Impact.FEATURE, f"added {f.kind} `{f.name}`") for f in current_api.functions
    )
    return (
        VersionDecision(
            chosen,
            None,
            "initial",
            tuple(c.text for c in added),
            added,
            overridden=requested is not None,
        ),
        [],
    )


def _header(package: str) -> str:
    return (
        "# Changelog\n\n"
        f"All notable changes to `{package}` are recorded here, newest first.\n"
        "Versions follow semantic versioning; nb2pkg chooses each bump from the API changes.\n"
    )


_SECTION = re.compile(r"^## ", re.MULTILINE)
_VERSION_IN_HEADING = re.compile(r"^## \[?([^\]\s]+)\]?")


def _split_sections(text: str) -> tuple[str, list[str]]:
    starts = [m.start() for m in _SECTION.finditer(text)]
    if not starts:
        return text, []
    header = text[: starts[0]]
    bounds = [*starts, len(text)]
    return header, [text[a:b] for a, b in itertools.pairwise(bounds)]


def _entry_version(section: str) -> str | None:
    match = _VERSION_IN_HEADING.match(section)
    return match.group(1) if match else None


def _error(code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(code=code, severity=Severity.ERROR, message=message, hint=hint)
