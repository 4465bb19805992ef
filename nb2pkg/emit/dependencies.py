"""Map imported top-level modules to distribution requirements, with installed versions.

``importlib.metadata.packages_distributions()`` knows which installed distribution provides
each importable name (``sklearn`` → ``scikit-learn``). The requirement pins the version
installed now as a lower bound, so the package installs where the notebook ran.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Iterable, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

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


def requirement_for(module: str) -> tuple[str, bool]:
    """The requirement for an import's top-level module, and whether it is installed here."""
    names = _distributions().get(module, [])
    for name in names:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        return f"{canonicalize_name(name)}>={version}", True
    return str(canonicalize_name(_WELL_KNOWN.get(module, module))), False


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
