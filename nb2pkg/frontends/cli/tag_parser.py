"""The arguments of ``nb2pkg tag``; the work is in ``nb2pkg.frontends.cli.tag_command``.

Kept apart, and light, so building the CLI's parser imports nothing the command needs to run.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (mypy reads it so)
if TYPE_CHECKING:
    from typing import Any

ROLES = (
    "function:NAME",
    "test",
    "test:NAME",
    "parameters",
    "export",
    "skip",
    "metrics",
    "module:NAME",
    "keep",
    "model",
    "model:NAME",
    "predict",
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``nb2pkg tag`` on the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "tag",
        help="mark notebook cells (or propose a marking with --auto)",
        description="Edit the nb2pkg tags of notebook cells; the rest of the file is kept byte for byte.",
    )
    parser.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb file")
    parser.add_argument(
        "--cell", metavar="N|ID", help="the cell: its number as shown (1 = first cell) or its id"
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--as",
        dest="role",
        metavar="ROLE[:NAME]",
        help="the role to give the cell; one of: " + ", ".join(ROLES),
    )
    action.add_argument("--clear", action="store_true", help="remove the cell's nb2pkg tags")
    action.add_argument(
        "--auto", action="store_true", help="propose a marking for the cells without a role"
    )
    parser.add_argument("--write", action="store_true", help="with --auto: save the proposal")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser
