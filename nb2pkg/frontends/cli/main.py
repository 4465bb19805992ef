"""Command line: argument parsing and dispatch; each command's work is in its own module,
``nb2pkg.frontends.cli.<command>_command`` (which calls ``nb2pkg.frontends.api`` and the builder).

Exit codes are listed in ``nb2pkg.frontends.report``. Building the parser imports only light modules
(each command's arguments live in ``nb2pkg.frontends.cli.*_parser``), so ``--version``, ``--help``
and a usage error cost little more than starting Python; a command imports what it needs.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys

from nb2pkg import __version__
from nb2pkg.frontends.cli import export_parser, tag_parser

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (mypy reads it so)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

COMMANDS = ("build", "show", "check", "where", "init", "export", "tag")
"""Each has a module ``nb2pkg.frontends.cli.<command>_command`` whose ``run(args)`` does the work."""

EPILOG = (
    "exit codes: 0 ok, 1 errors in the input (nothing written), 2 usage error, "
    "3 check: package out of date, 4 internal error"
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``command``, that command's alone (all a command line
    that starts with it needs: the others' arguments cost a rebuild a few milliseconds)."""
    parser = argparse.ArgumentParser(
        prog="nb2pkg",
        description="Turn tagged notebook cells into a versioned, tested Python package.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"nb2pkg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    adders: dict[str, Callable[[Any], object]] = {
        "build": _add_build,
        "show": _add_show,
        "check": _add_check,
        "where": _add_where,
        "init": _add_init,
        "tag": tag_parser.add_parser,
        "export": export_parser.add_parser,
    }
    for name, add in adders.items():
        if command is None or name == command:
            add(commands)
    return parser


def _with_common(sub: argparse.ArgumentParser, *, out: bool = True) -> argparse.ArgumentParser:
    """The notebooks, output directory, package name and output format most commands take."""
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


def _add_build(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = _with_common(commands.add_parser("build", help="build the package", epilog=EPILOG))
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


def _add_show(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = commands.add_parser("show", help="show the plan: roles, signatures, diagnostics")
    show.add_argument("notebook", metavar="NOTEBOOK")
    show.add_argument("--format", choices=("text", "json"), default="text")


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = _with_common(
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


def _add_where(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    where = commands.add_parser(
        "where", help="map FILE:LINE of generated code to its notebook cell"
    )
    where.add_argument("location", metavar="FILE:LINE")
    where.add_argument("-o", "--out", help="output directory of the package")
    where.add_argument("--name", help="the package's import name")


def _add_init(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser("init", help="write [tool.nb2pkg] into pyproject.toml")
    init.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    init.add_argument("--name", help="the package's import name")
    init.add_argument("-o", "--out", help="output directory of the package")


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    named = given[0] if given and given[0] in COMMANDS else None
    args = build_parser(named).parse_args(given)
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
    """Run the command; its module (``<command>_command``) is imported only now."""
    if args.command not in COMMANDS:
        raise AssertionError(args.command)
    command = importlib.import_module(f"nb2pkg.frontends.cli.{args.command}_command")
    run: Callable[[argparse.Namespace], int] = command.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
