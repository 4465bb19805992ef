"""Map imported top-level modules to distribution requirements a maintainer would write.

``importlib.metadata.packages_distributions()`` knows which installed distribution provides
each importable name (``sklearn`` → ``scikit-learn``). The requirement is a compatible range:
``>=MAJOR.MINOR`` of the version installed where the package is built, without an upper cap.

The building environment is an explicit input of the build: the requirements the last build
wrote (``recorded``) stay as they were while the installed version still satisfies them, so
upgrading a library does not make a package stale; one installed outside its recorded range
(a downgrade, say) gives a new range, and ``check`` names the cause. ``[tool.nb2pkg.dependencies]``
overrides the range per distribution (``pandas = ">=1.5,<3"``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
from collections.abc import Iterable, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# Used only when a module is imported but not installed here.
_WELL_KNOWN = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "bs4": "beautifulsoup4",
    "skimage": "scikit-image",
    "dateutil": "python-dateutil",
}


@functools.lru_cache(maxsize=1)
def _distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distribution_of(module: str) -> str | None:
    """The canonical name of the installed distribution providing a top-level module."""
    if module in sys.stdlib_module_names:
        return None  # imported from the standard library, whatever else is installed
    for name in _distributions().get(module, []):
        if installed_version(name) is not None:
            return canonicalize_name(name)
    return None


def reachable_dependencies(distributions: Iterable[str]) -> set[str]:
    """The distributions these may load: their requirements, followed through the required
    ones, and every optional extra met on the way (named, not followed further)."""
    found: set[str] = set()
    seen: set[str] = set()
    pending = list(distributions)
    while pending:
        distribution = pending.pop()
        if distribution in seen:
            continue
        seen.add(distribution)
        for name, optional in _declared(distribution):
            found.add(name)
            if not optional:
                pending.append(name)
    return found


@functools.lru_cache(maxsize=512)
def _declared(distribution: str) -> tuple[tuple[str, bool], ...]:
    try:
        texts = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return ()
    declared: list[tuple[str, bool]] = []
    for text in texts:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        optional = requirement.marker is not None and "extra" in str(requirement.marker)
        declared.append((canonicalize_name(requirement.name), optional))
    return tuple(declared)


def installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def compatible_range(version: str) -> str:
    """``>=2.2`` for 2.2.3: the release line it was built with, and anything newer."""
    try:
        release = Version(version).release
    except InvalidVersion:
        return f">={version}"
    return ">=" + ".".join(str(part) for part in release[:2])


def requirement_for(
    module: str,
    recorded: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> tuple[str, bool]:
    """The requirement for an import's top-level module, and whether it is installed here."""
    for name in _distributions().get(module, []):
        version = installed_version(name)
        if version is None:
            continue
        return _chosen(canonicalize_name(name), version, recorded, overrides), True
    name = canonicalize_name(_WELL_KNOWN.get(module, module))
    return _chosen(name, None, recorded, overrides), False


def _chosen(
    name: str,
    version: str | None,
    recorded: Mapping[str, str] | None,
    overrides: Mapping[str, str] | None,
) -> str:
    override = (overrides or {}).get(name)
    if override is not None:
        return f"{name}{override}"
    before = (recorded or {}).get(name)
    if before is not None and (version is None or satisfies(before, version)):
        return before
    return f"{name}{compatible_range(version)}" if version is not None else name


def satisfies(requirement: str, version: str) -> bool:
    try:
        return Requirement(requirement).specifier.contains(version, prereleases=True)
    except (InvalidRequirement, InvalidVersion):
        return False


def requirements_by_name(requirements: Iterable[str]) -> dict[str, str]:
    """Canonical distribution name → requirement text (unparsable entries left out)."""
    found: dict[str, str] = {}
    for text in requirements:
        try:
            found[canonicalize_name(Requirement(text).name)] = text
        except InvalidRequirement:
            continue
    return found


def outside_recorded_range(recorded: Mapping[str, str]) -> list[str]:
    """Why the environment no longer fits the recorded requirements, one line a distribution."""
    reasons = []
    for name, requirement in sorted(recorded.items()):
        version = installed_version(name)
        if version is not None and not satisfies(requirement, version):
            reasons.append(
                f"{name} {version} is installed here, outside the recorded `{requirement}`"
            )
    return reasons


def merge_requirements(*groups: Iterable[str]) -> tuple[str, ...]:
    """Requirements deduplicated by project name; an explicit one (``%pip install``) wins."""
    merged: dict[str, str] = {}
    for group in groups:
        for text in group:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            merged[canonicalize_name(requirement.name)] = str(requirement)
    return tuple(merged[name] for name in sorted(merged))
