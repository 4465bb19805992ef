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

The API comparison is in ``nb2pkg.builder.api_diff``; the CHANGELOG in ``nb2pkg.builder.changelog``.
Diagnostic codes NB503, NB505 and NB506 are described in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from nb2pkg.builder.api_diff import ApiChange, Impact, diff_api
from nb2pkg.ir import ApiSnapshot, Diagnostic, Severity

BUMPS = ("major", "minor", "patch")


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
    requested, problems = _parse_overrides(bump, version)
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
        given = VersionOverride(previous, previous_version, requested, f"--version {version}")
        return _requested_version(given, needed, texts, api_changes)
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


def _parse_overrides(
    bump: str | None, version: str | None
) -> tuple[Version | None, list[Diagnostic]]:
    """The ``--version`` asked for (None: none); an error when the overrides are invalid."""
    if bump is not None and version is not None:
        return None, [_error("NB503", "--bump and --version were both given", "use one of them")]
    if bump is not None and bump not in BUMPS:
        return None, [
            _error("NB503", f"unknown bump {bump!r}", f"Please choose one of: {', '.join(BUMPS)}")
        ]
    return _parse_requested(version)


@dataclass(frozen=True)
class VersionOverride:
    """``--version``: the version asked for, the previous one, and how the user wrote it."""

    previous: Version
    previous_text: str
    requested: Version
    given: str


def _requested_version(
    override: VersionOverride,
    needed: str,
    texts: tuple[str, ...],
    api_changes: tuple[ApiChange, ...],
) -> tuple[VersionDecision | None, list[Diagnostic]]:
    """The version ``--version`` chose: it must be greater than the previous one."""
    previous_version = override.previous_text
    if override.requested <= override.previous:
        return None, [
            _error(
                "NB503",
                f"{override.given} is not greater than the previous version {previous_version}",
                f"choose a version after {previous_version}, or use --bump",
            )
        ]
    chosen = _bump_between(override.previous, override.requested)
    decision = VersionDecision(
        str(override.requested), previous_version, chosen, texts, api_changes, overridden=True
    )
    return decision, _smaller_than_needed(chosen, needed, override.given)


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


def _error(code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(code=code, severity=Severity.ERROR, message=message, hint=hint)
