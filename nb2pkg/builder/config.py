"""``[tool.nb2pkg]`` in the user's ``pyproject.toml`` + command-line flags → one ``BuildConfig``.

Keys (all optional):

    [tool.nb2pkg]
    name = "churn"                      # the package's import name
    notebooks = ["notebooks/*.ipynb"]   # paths or globs, in pipeline order
    out = "churn-pkg"                   # output directory of the generated package
    version = "0.1.0"                   # version of the first build
    autolog = false                     # call mlflow.autolog() in run()

    [tool.nb2pkg.dependencies]          # version ranges for the generated pyproject.toml
    pandas = ">=1.5,<3"                 # instead of >=MAJOR.MINOR of what is installed

Its diagnostic codes, NB521 and NB522, are described in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2pkg.ir import Diagnostic, Location, Severity

# The frontends name a package through the configuration. (The naming rules are imported on
# first use: a build given its package's name needs none.)


def package_name_for(text: str) -> str:
    """A package name from a notebook's name (``nb2pkg.plan.package_names``)."""
    from nb2pkg.plan.package_names import package_name_for as name_for

    return name_for(text)


def package_name_problem(name: str) -> tuple[str, str] | None:
    """(code, what is wrong) when ``name`` cannot be a package's import name
    (``nb2pkg.plan.package_names``)."""
    from nb2pkg.plan.package_names import package_name_problem as problem_of

    return problem_of(name)


def default_package_name(notebook: Path) -> str:
    """The package name made from ``notebook``'s file name, unless a module of that name sits
    beside the notebook: `python -m` puts that folder first on the path, where the module would
    hide the installed package (a notebook paired with its own ``.py``, say)."""
    name = package_name_for(notebook.stem)
    folder = notebook.parent
    if (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file():
        return f"{name}_pipeline"
    return name


KEYS: Mapping[str, type] = {
    "name": str,
    "notebooks": list,
    "out": str,
    "version": str,
    "autolog": bool,
    "dependencies": dict,
}


@dataclass(frozen=True)
class BuildConfig:
    notebooks: tuple[Path, ...]
    out_dir: Path
    package: str
    initial_version: str = "0.1.0"
    autolog: bool = False
    root: Path = Path(".")
    dependency_overrides: tuple[tuple[str, str], ...] = ()
    """``[tool.nb2pkg.dependencies]``: (canonical distribution name, version specifier)."""
    auto: bool = False
    """Cells without a role are marked as ``nb2pkg tag --auto`` would (``build --auto``)."""

    def fingerprint(self) -> str:
        """What, besides the notebooks, decides the generated files."""
        text = f"name={self.package};version={self.initial_version};autolog={self.autolog}"
        if self.dependency_overrides:
            text += ";dependencies=" + ",".join(f"{n}{s}" for n, s in self.dependency_overrides)
        if self.auto:
            text += ";auto"
        return text


def find_pyproject(start: Path, stop_at: Path | None = None) -> Path | None:
    """The nearest pyproject.toml in ``start`` or a parent; not above ``stop_at`` when given."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if stop_at is not None and folder == stop_at:
            break
    return None


def read_settings(
    root: Path, stop_at: Path | None = None
) -> tuple[dict[str, Any], Path | None, list[Diagnostic]]:
    """The ``[tool.nb2pkg]`` table of the nearest pyproject.toml (empty when there is none)."""
    pyproject = find_pyproject(root.resolve(), stop_at.resolve() if stop_at else None)
    if pyproject is None:
        return {}, None, []
    import tomllib  # (only when there are settings to read: not for most rebuilds)

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return (
            {},
            pyproject,
            [
                _settings_problem(
                    pyproject, f"cannot read {pyproject}: {exc}", "fix the TOML syntax"
                )
            ],
        )
    settings = data.get("tool", {}).get("nb2pkg", {})
    if not isinstance(settings, dict):
        return (
            {},
            pyproject,
            [
                _settings_problem(
                    pyproject, "[tool.nb2pkg] is not a table", "write it as a [tool.nb2pkg] section"
                )
            ],
        )
    problems: list[Diagnostic] = []
    for key, value in settings.items():
        problems += _setting_problems(key, value, pyproject)
    return settings, pyproject, problems


def _setting_problems(key: str, value: Any, pyproject: Path) -> list[Diagnostic]:
    """What is wrong with one ``[tool.nb2pkg]`` key and its value (NB521)."""
    expected = KEYS.get(key)
    if expected is None:
        return [
            _settings_problem(
                pyproject,
                f"unknown key `{key}` in [tool.nb2pkg]",
                f"Please choose one of: {', '.join(KEYS)}",
            )
        ]
    if not isinstance(value, expected):
        return [
            _settings_problem(
                pyproject,
                f"[tool.nb2pkg] {key} should be a {expected.__name__}, not {type(value).__name__}",
                "",
            )
        ]
    if key == "dependencies" and isinstance(value, dict):
        return _bad_specifiers(value, pyproject)
    if key == "version" and not _is_version(str(value)):
        return [
            _settings_problem(
                pyproject,
                f"[tool.nb2pkg] version {value!r} is not a version number",
                'write it as "0.1.0" (PEP 440, no spaces or line breaks)',
            )
        ]
    return []


def _settings_problem(pyproject: Path, message: str, hint: str) -> Diagnostic:
    return Diagnostic("NB521", Severity.ERROR, message, Location(str(pyproject)), hint)


_PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


def _bad_specifiers(table: Mapping[str, Any], pyproject: Path) -> list[Diagnostic]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    problems = []
    for name, spec in table.items():
        try:
            if not _PROJECT_NAME.fullmatch(name):
                raise InvalidSpecifier(name)
            SpecifierSet(spec if isinstance(spec, str) else "!")
        except InvalidSpecifier:
            problems.append(
                Diagnostic(
                    "NB521",
                    Severity.ERROR,
                    f"[tool.nb2pkg.dependencies] {name!r} = {spec!r} is not a distribution "
                    "name with a version range",
                    Location(str(pyproject)),
                    f'write a PEP 440 range as a string, e.g. {name} = ">=1.5,<3"',
                )
            )
    return problems


def _overrides(table: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    if not table:
        return ()  # the common case, without importing packaging (a no-op build stays cheap)
    from packaging.utils import canonicalize_name

    return tuple(sorted((str(canonicalize_name(n)), s.replace(" ", "")) for n, s in table.items()))


def _is_version(text: str) -> bool:
    from packaging.version import InvalidVersion, Version

    if not text.isascii() or not text.isprintable() or text != text.strip():
        return False
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def resolve_config(
    notebooks: Sequence[str | Path] = (),
    *,
    out_dir: str | Path | None = None,
    name: str | None = None,
    root: Path | None = None,
    command: str = "build",
    stop_at: Path | None = None,
) -> tuple[BuildConfig | None, list[Diagnostic]]:
    """Flags override ``[tool.nb2pkg]``; relative config paths are relative to its pyproject.

    The pyproject.toml is looked up from ``root`` upwards, not above ``stop_at`` when given
    (the server's root directory: a file above it is not the user's to apply). ``command`` is
    the CLI command the hints are worded for (``build`` or ``check``).
    """
    cwd = (root or Path.cwd()).resolve()
    settings, pyproject, problems = read_settings(cwd, stop_at)
    if problems:
        return None, problems
    base = pyproject.parent if pyproject is not None else cwd
    paths = [Path(n) if Path(n).is_absolute() else cwd / n for n in notebooks]
    if not paths:
        for pattern in settings.get("notebooks", []):
            # An absolute entry replaces `base` in the join (Path.glob refuses absolute patterns).
            matches = sorted(
                Path(found)
                for found in glob.glob(
                    os.path.join(glob.escape(str(base)), str(pattern)), recursive=True
                )
            )
            paths.extend(matches if matches else [base / str(pattern)])
    if not paths:
        return None, [
            Diagnostic(
                "NB522",
                Severity.ERROR,
                f"no notebooks to {command}",
                Location("command line"),
                f"name them: nb2pkg {command} NOTEBOOK.ipynb"
                + (" -o PACKAGE_DIR" if command == "check" else "")
                + " (or list them in [tool.nb2pkg] notebooks of pyproject.toml: `nb2pkg init` "
                "writes that section)",
            )
        ]
    package = name or settings.get("name") or default_package_name(paths[0])
    if out_dir is not None:
        out = Path(out_dir) if Path(out_dir).is_absolute() else cwd / out_dir
    elif "out" in settings:
        out = base / settings["out"]
    else:
        out = cwd / f"{package}-pkg"
    return BuildConfig(
        notebooks=tuple(paths),
        out_dir=out,
        package=package,
        initial_version=settings.get("version", "0.1.0"),
        autolog=bool(settings.get("autolog", False)),
        root=base,
        dependency_overrides=_overrides(settings.get("dependencies", {})),
    ), []


def init_settings(notebooks: Sequence[str], name: str, out: str) -> str:
    """The ``[tool.nb2pkg]`` section ``nb2pkg init`` appends to pyproject.toml."""
    from nb2pkg.emit.literals import toml_string

    listed = ", ".join(toml_string(n) for n in notebooks)
    return (
        "\n[tool.nb2pkg]\n"
        f"name = {toml_string(name)}\n"
        f"notebooks = [{listed}]\n"
        f"out = {toml_string(out)}\n"
        'version = "0.1.0"\n'
        "autolog = false\n"
    )
