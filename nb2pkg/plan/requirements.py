"""Map imported top-level modules to distribution requirements a maintainer would write.

The requirement is a compatible range: ``>=MAJOR.MINOR`` of the version installed where the
package is built, without an upper cap. What is installed is an explicit input of the plan
(``nb2pkg.plan.build_environment``): the plan itself looks nothing up.

The requirements the last build wrote (``recorded``) stay as they were while the installed
version still satisfies them, so upgrading a library does not make a package stale; one
installed outside its recorded range (a downgrade, say) gives a new range, and ``check`` names
the cause. ``[tool.nb2pkg.dependencies]`` overrides the range per distribution
(``pandas = ">=1.5,<3"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nb2pkg.plan.build_environment import BuildEnvironment

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

MLFLOW_DISTRIBUTION: tuple[str, ...] = (
    "mlflow-skinny>=3.0,<4",
    "sqlalchemy>=1.4,<3",
    "alembic>=1.8,!=1.10.0,<2",
)
"""What a generated package depends on for tracking.

``mlflow-skinny`` is MLflow's client without the server, UI and data-science stack (about
a fifth of the full ``mlflow`` install). On its own it cannot open the embedded store
MLflow 3 uses by default (``sqlite:///mlflow.db`` in the working directory): that store
is SQLAlchemy with Alembic migrations, which only the full distribution pulls in. These
three are the smallest set with which ``run()`` works with zero setup and against a
tracking server; ``pip install mlflow`` adds the ``mlflow ui`` to browse the runs.
Checked with mlflow-skinny 3.0.1 (whose default store is ``./mlruns``) and 3.17.2.
"""

MLFLOW_AUTOLOG_REQUIREMENTS: tuple[str, ...] = ("pandas<4",)
"""Added when ``autolog = true``: MLflow's framework integrations (``mlflow.sklearn``…)
import pandas, which ``mlflow-skinny`` does not bring; without it ``mlflow.autolog()`` only
warns "Exception raised while enabling autologging for sklearn" and logs nothing."""


def tracking_requirements(*, autolog: bool) -> tuple[str, ...]:
    """The requirements a generated package adds for its tracking."""
    return MLFLOW_DISTRIBUTION + (MLFLOW_AUTOLOG_REQUIREMENTS if autolog else ())


def compatible_range(version: str) -> str:
    """``>=2.2`` for 2.2.3: the release line it was built with, and anything newer."""
    try:
        release = Version(version).release
    except InvalidVersion:
        return f">={version}"
    return ">=" + ".".join(str(part) for part in release[:2])


def requirement_for(
    module: str,
    environment: BuildEnvironment,
    recorded: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> tuple[str, bool]:
    """The requirement for an import's top-level module, and whether it is installed here."""
    installed = environment.installed(module)
    if installed is not None:
        name, version = installed
        return _chosen(name, version, recorded, overrides), True
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
