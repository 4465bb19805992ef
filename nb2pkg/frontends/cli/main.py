"""Command line: argument parsing only; the work happens in ``nb2pkg.builder.orchestrate`` and friends.

Exit codes are listed in ``nb2pkg.frontends.report``. Building the parser imports only light modules
(each command's arguments live in ``nb2pkg.frontends.cli.*_parser``), so ``--version``, ``--help``
and a usage error cost little more than starting Python; a command imports what it needs.
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import sys

from nb2pkg import __version__
from nb2pkg.frontends.cli import export_parser, tag_parser

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (mypy reads it so)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from nb2pkg.builder.manifest import SourceSpan

EPILOG = (
    "exit codes: 0 ok, 1 errors in the input (nothing written), 2 usage error, "
    "3 check: package out of date, 4 internal error"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nb2pkg",
        description="Turn tagged notebook cells into a versioned, tested Python package.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"nb2pkg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_common(sub: argparse.ArgumentParser, *, out: bool = True) -> argparse.ArgumentParser:
        sub.add_argument(
            "notebooks",
            nargs="*",
            metavar="NOTEBOOK",
            help="notebooks in pipeline order (default: [tool.nb2pkg] notebooks)",
        )
        if out:
            sub.add_argument("-o", "--out", help="output directory of the package")
        sub.add_argument("--name", help="the package's import name")
        sub.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            help="json gives the same information to programs",
        )
        return sub

    build = with_common(commands.add_parser("build", help="build the package", epilog=EPILOG))
    build.add_argument(
        "--bump",
        choices=("major", "minor", "patch"),
        help="override the version bump the API diff chose",
    )
    build.add_argument(
        "--version", dest="set_version", metavar="X.Y.Z", help="set the version explicitly"
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="overwrite hand-edited generated files (a backup is kept)",
    )
    build.add_argument(
        "--auto",
        action="store_true",
        help="propose a marking for untagged cells in memory, then build",
    )

    show = commands.add_parser("show", help="show the plan: roles, signatures, diagnostics")
    show.add_argument("notebook", metavar="NOTEBOOK")
    show.add_argument("--format", choices=("text", "json"), default="text")

    check = with_common(
        commands.add_parser(
            "check",
            help="exit 3 when the package differs from what a build would write",
            epilog=EPILOG,
        )
    )
    check.add_argument(
        "--auto",
        action="store_true",
        help="check against what `build --auto` writes (the default for a package built so)",
    )

    where = commands.add_parser(
        "where", help="map FILE:LINE of generated code to its notebook cell"
    )
    where.add_argument("location", metavar="FILE:LINE")
    where.add_argument("-o", "--out", help="output directory of the package")
    where.add_argument("--name", help="the package's import name")

    init = commands.add_parser("init", help="write [tool.nb2pkg] into pyproject.toml")
    init.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    init.add_argument("--name", help="the package's import name")
    init.add_argument("-o", "--out", help="output directory of the package")

    tag_parser.add_parser(commands)
    export_parser.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from nb2pkg.frontends.report import EXIT_INTERNAL, EXIT_OK

    # Notebook text may hold lone surrogates (a "\ud800" JSON escape): print them escaped,
    # which inside a JSON string is again valid JSON, instead of failing on output.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`nb2pkg show NB | head`): not a failure of ours. Point stdout
        # at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a bug in nb2pkg: say so plainly, without a traceback
        if os.environ.get("NB2PKG_DEBUG"):
            raise
        print(f"nb2pkg: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(
            "This is a bug in nb2pkg; rerun with NB2PKG_DEBUG=1 for details and report it. "
            "Nothing was written.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "build":
        return _build(args)
    if args.command == "show":
        return _show(args)
    if args.command == "check":
        return _check(args)
    if args.command == "where":
        return _where(args)
    if args.command == "init":
        return _init(args)
    if args.command == "export":
        from nb2pkg.frontends.cli import export_command

        return export_command.run(args)
    if args.command == "tag":
        from nb2pkg.frontends.cli import tag_command

        return tag_command.run(args)
    raise AssertionError(args.command)


def _build(args: argparse.Namespace) -> int:
    from nb2pkg.frontends.api import build
    from nb2pkg.frontends.report import (
        EXIT_INPUT_ERROR,
        EXIT_OK,
        print_diagnostics,
        summary,
        to_json,
    )

    result = build(
        args.notebooks,
        args.out,
        name=args.name,
        bump=args.bump,
        version=args.set_version,
        force=args.force,
        auto=args.auto,
    )
    if args.format == "json":
        print(to_json(result.to_json()))
        return EXIT_OK if result.ok else EXIT_INPUT_ERROR
    print_diagnostics(result.diagnostics, sys.stderr, color=sys.stderr.isatty())
    if not result.ok:
        print(f"build failed: {summary(result.diagnostics)}; nothing was written", file=sys.stderr)
        return EXIT_INPUT_ERROR
    if result.up_to_date:
        print(f"{result.package} {result.version} is up to date ({result.out_dir})")
        return EXIT_OK
    moved = (
        f"{result.previous_version} -> {result.version} ({result.bump})"
        if result.previous_version
        else f"{result.version} (first build)"
    )
    print(f"built {result.package} {moved} in {result.out_dir}")
    for change in result.changes:
        print(f"  - {change}")
    if result.changed_files:
        print(f"  {len(result.changed_files)} file(s) written: " + ", ".join(result.changed_files))
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from nb2pkg.frontends.api import analyze_path
    from nb2pkg.frontends.report import (
        EXIT_INPUT_ERROR,
        EXIT_OK,
        print_diagnostics,
        summary,
        to_json,
    )
    from nb2pkg.ir import Diagnostic, Location, Severity

    plan = analyze_path(args.notebook)
    untagged = bool(plan["cells"]) and all(c["role"] == "exploration" for c in plan["cells"])
    proposal = analyze_path(args.notebook, auto=True) if untagged else None
    if args.format == "json":
        print(to_json({**plan, "auto_proposal": proposal} if proposal else plan))
    else:
        print(f"{plan['notebook']} -> module {plan['module'] or '?'}")
        if proposal is not None:
            _print_auto_proposal(args.notebook, proposal)
        _print_cells(plan["cells"])
        diagnostics = [
            Diagnostic(
                d["code"],
                Severity(d["severity"]),
                d["message"],
                Location(**d["location"]) if d["location"] else None,
                d["hint"],
                d["source_line"],
            )
            for d in plan["diagnostics"]
        ]
        if diagnostics:
            print()
            print_diagnostics(diagnostics, sys.stdout)
            print(summary(diagnostics))
    errors = any(d["severity"] == "error" for d in plan["diagnostics"])
    return EXIT_INPUT_ERROR if errors else EXIT_OK


def _print_cells(cells: list[dict[str, Any]]) -> None:
    for cell in cells:
        if cell["role"] == "exploration":
            continue
        text = cell["signature"] or cell["role"]
        flags = " [metrics]" if cell["metrics"] else ""
        print(f"  cell {cell['number']:>3}  {cell['role']:<10} {text}{flags}")


def _print_auto_proposal(notebook: str, proposal: dict[str, Any]) -> None:
    """What ``--auto`` would make of a notebook without tags, and how to accept it."""
    print("  No cell is tagged yet. nb2pkg tag --auto proposes:")
    _print_cells(proposal["cells"])
    shown = shlex.quote(notebook)
    print(f"  Save these tags: nb2pkg tag {shown} --auto --write")
    print(f"  or build with them as they are: nb2pkg build {shown} --auto")


def _check(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from nb2pkg.builder.config import resolve_config
    from nb2pkg.builder.orchestrate import stale_files
    from nb2pkg.frontends.report import (
        EXIT_INPUT_ERROR,
        EXIT_OK,
        EXIT_STALE,
        print_diagnostics,
        to_json,
    )

    config, problems = resolve_config(
        args.notebooks, out_dir=args.out, name=args.name, command="check"
    )
    if config is None:
        print_diagnostics(problems, sys.stderr)
        return EXIT_INPUT_ERROR
    if args.auto:
        config = replace(config, auto=True)
    found, diagnostics = stale_files(config)
    errors = [d for d in diagnostics if d.is_error]
    payload: dict[str, Any] = {
        "ok": not found and not errors,
        "out_dir": str(config.out_dir),
        "differences": found,
        "diagnostics": [d.to_json() for d in diagnostics],
    }
    if args.format == "json":
        print(to_json(payload))
    else:
        from nb2pkg.emit.kfp_compile import YAML_NOT_COMPILED

        # Besides errors, what check could not compare (the KFP YAML where kfp is missing).
        unverified = [d for d in diagnostics if d.code == YAML_NOT_COMPILED]
        print_diagnostics(errors + unverified, sys.stderr)
        if found:
            print(f"{config.out_dir} is out of date with its notebooks:")
            for line in found:
                print(f"  {line}")
            if any("hand-edited" in line for line in found):
                print(
                    "move hand edits into the notebooks (a build keeps them and stops), "
                    "or rebuild with `nb2pkg build --force` (keeps a backup)"
                )
            elif not any("no package built here yet" in line for line in found):
                again = " ".join(
                    a for a in [*args.notebooks, *(["-o", args.out] if args.out else [])]
                )
                print(f"run `nb2pkg build{' ' + again if again else ''}` to update it")
        elif not errors:
            print(f"{config.out_dir} is up to date")
    if errors:
        return EXIT_INPUT_ERROR
    return EXIT_STALE if found else EXIT_OK


def _where(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nb2pkg.builder.config import read_settings
    from nb2pkg.builder.manifest import find_package_dir, load, lookup
    from nb2pkg.builder.provenance import find_package_for_installed
    from nb2pkg.frontends.report import EXIT_INPUT_ERROR, EXIT_OK, print_diagnostics

    file, _, line_text = args.location.rpartition(":")
    if not file or not line_text.isdigit():
        print("nb2pkg where: give FILE:LINE, e.g. src/churn/churn.py:42", file=sys.stderr)
        return 2
    # The package holding FILE (nearest parent with a manifest), else the configured output,
    # else (an installed copy a traceback shows) a package folder below here that builds it.
    out = Path(args.out) if args.out else find_package_dir(Path(file))
    if out is None:
        settings, pyproject, _ = read_settings(Path.cwd())
        if "out" in settings and pyproject is not None:
            out = pyproject.parent / str(settings["out"])
        elif args.name:
            out = Path.cwd() / f"{args.name}-pkg"
        else:
            out = find_package_for_installed(Path(file), Path.cwd()) or Path.cwd()
    manifest, problems = load(out)
    if manifest is None:
        print_diagnostics(problems, sys.stderr)
        print(f"no nb2pkg manifest in {out}; pass the package directory with -o", file=sys.stderr)
        return EXIT_INPUT_ERROR
    span = lookup(manifest, file, int(line_text))
    if span is None:
        print(f"{args.location} does not come from a notebook cell", file=sys.stderr)
        return EXIT_INPUT_ERROR
    print(_where_text(span, out, Path(file), int(line_text)))
    return EXIT_OK


def _where_text(span: SourceSpan, package_dir: Path, file: Path, line: int) -> str:
    """``notebook.ipynb:cell 7:line 3 [id …]``, the cell numbered as the notebook is now."""
    from nb2pkg.builder.provenance import current_cell, line_in_cell, notebook_file

    number, within = span.cell_number, None
    notebook = notebook_file(span, package_dir)
    found = current_cell(notebook, span.cell_id) if notebook is not None else None
    if found is not None:
        number, source = found
        if not file.is_file():
            file = package_dir / file  # given relative to the package, as the manifest lists it
        try:
            generated = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            generated = []
        within = line_in_cell(generated, line, span, source)
    text = f"{span.notebook}:cell {number}"
    if within is not None:
        text += f":line {within}"
    return f"{text} [id {span.cell_id}]"


def _init(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nb2pkg.builder.config import (
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
    name = args.name or package_name_for(Path(notebooks[0]).stem)
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


if __name__ == "__main__":
    sys.exit(main())
