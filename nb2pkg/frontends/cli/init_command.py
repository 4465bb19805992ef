"""``nb2pkg init``: write a ``[tool.nb2pkg]`` section into pyproject.toml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from nb2pkg.builder.config import (
        default_package_name,
        find_pyproject,
        init_settings,
        package_name_for,
        package_name_problem,
        read_settings,
    )
    from nb2pkg.frontends.report import EXIT_INPUT_ERROR, EXIT_OK, print_diagnostics

    notebooks = args.notebooks or sorted(str(p) for p in Path.cwd().glob("*.ipynb"))
    if not notebooks:
        print("nb2pkg init: no notebooks given and none in this folder", file=sys.stderr)
        return EXIT_INPUT_ERROR
    settings, pyproject, problems = read_settings(Path.cwd())
    if problems:
        print_diagnostics(problems, sys.stderr)
        return EXIT_INPUT_ERROR
    if settings:
        print(f"{pyproject} already has [tool.nb2pkg]; edit it there", file=sys.stderr)
        return EXIT_INPUT_ERROR
    name = args.name or default_package_name(Path(notebooks[0]))
    problem = package_name_problem(name)
    if problem is not None:
        code, what = problem
        usable = package_name_for(name)
        usable = usable if usable != name else f"{name}_pipeline"
        print(
            f"nb2pkg init: error[{code}]: package name {name!r} {what}; "
            f"choose another with --name, e.g. --name {usable}",
            file=sys.stderr,
        )
        return EXIT_INPUT_ERROR
    target = find_pyproject(Path.cwd()) or Path.cwd() / "pyproject.toml"
    # [tool.nb2pkg] paths are relative to the pyproject.toml, so the project can move.
    listed = [_relative_to(Path(n), target.parent) for n in notebooks]
    section = init_settings(listed, name, args.out or f"{name}-pkg")
    existing = target.read_text(encoding="utf-8") if target.is_file() else ""
    target.write_text(existing + section, encoding="utf-8")
    print(f"wrote [tool.nb2pkg] to {target}:{section}")
    return EXIT_OK


def _relative_to(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
