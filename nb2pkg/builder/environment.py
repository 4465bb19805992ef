"""The Python environment a package is built in, read from ``importlib.metadata``.

``packages_distributions()`` knows which installed distribution provides each importable name
(``sklearn`` → ``scikit-learn``). The build passes an :class:`InstalledEnvironment` to the plan
(a ``nb2pkg.plan.build_environment.BuildEnvironment``), which looks nothing up itself.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from nb2pkg.plan.requirements import satisfies


@functools.lru_cache(maxsize=1)
def _distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


class InstalledEnvironment:
    """The running interpreter's installed distributions, and the files on this machine."""

    def is_file(self, path: Path) -> bool:
        return path.is_file()

    def read_source(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def python_files(self, package: Path) -> tuple[Path, ...]:
        found: list[Path] = []
        for folder, subfolders, files in os.walk(package):
            subfolders[:] = sorted(
                name
                for name in subfolders
                if not name.startswith((".", "__pycache__"))
                and (Path(folder) / name / "__init__.py").is_file()
            )
            found.extend(Path(folder) / name for name in sorted(files) if name.endswith(".py"))
        return tuple(sorted(found))

    def installed(self, module: str) -> tuple[str, str] | None:
        if module in sys.stdlib_module_names:
            return None  # imported from the standard library, whatever else is installed
        for name in _distributions().get(module, []):
            version = installed_version(name)
            if version is not None:
                return canonicalize_name(name), version
        return None

    def reachable_dependencies(self, distributions: Iterable[str]) -> set[str]:
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
