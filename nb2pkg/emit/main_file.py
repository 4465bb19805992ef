"""The package's command line: ``__main__.py`` declares the options of ``run``; the fixed part
(option types, running the pipeline, reporting a failure) is the real module
``nb2pkg/emit/templates/command_line.py``, copied into the package as ``_command_line.py``."""

from __future__ import annotations

import ast
import json

from nb2pkg.emit.literals import python_string
from nb2pkg.emit.model_files import MODEL_COMMAND_DISPATCH, MODEL_COMMAND_PARSERS
from nb2pkg.emit.serving_files import SERVING_COMMAND_DISPATCH, SERVING_COMMAND_PARSERS
from nb2pkg.emit.step_files import STEP_COMMAND_DISPATCH, STEP_COMMAND_PARSERS
from nb2pkg.emit.templates import TEMPLATE_DIR
from nb2pkg.emit.templates.command_line import DEBUG_DEST, option_flags
from nb2pkg.ir import RunParam
from nb2pkg.plan.package_plan import PackagePlan

COMMAND_LINE_MODULE = "_command_line"
COMMAND_LINE_TEMPLATE = TEMPLATE_DIR / "command_line.py"


def render_command_line() -> str:
    return COMMAND_LINE_TEMPLATE.read_text(encoding="utf-8")


def render_main(plan: PackagePlan, version: str) -> str:
    all_flags = option_flags([p.name for p in plan.run_params])
    options = [_option_line(param, all_flags[param.name]) for param in plan.run_params]
    taken = {flag for flags in all_flags.values() for flag in flags}
    debug_flag = next(f for f in ("--debug", "--traceback", "--nb2pkg-debug") if f not in taken)
    used = [n for n in ("literal_of", "literal_value") if any(f"type={n}" in o for o in options)]
    lines = [
        f'"""Command line of `{plan.package}`: python -m {plan.package} run [--option VALUE ...]."""',
        "",
        "from __future__ import annotations",
        "",
        "import argparse",
        "import sys",
        "",
        *([f"from .{COMMAND_LINE_MODULE} import {', '.join(used)}", "", ""] if used else [""]),
        "def build_parser() -> argparse.ArgumentParser:",
        f'    parser = argparse.ArgumentParser(prog="python -m {plan.package}", '
        f'description="Run the {plan.package} pipeline.")',
        f'    parser.add_argument("--version", action="version", version={python_string(plan.package + " " + version)})',
        '    commands = parser.add_subparsers(dest="command", required=True)',
        '    run_parser = commands.add_parser("run", help="run the pipeline and log it to MLflow")',
        *options,
        '    run_parser.add_argument("--no-track", action="store_true", '
        'help="do not log the run to MLflow")',
        f'    run_parser.add_argument("{debug_flag}", dest="{DEBUG_DEST}", action="store_true", '
        'help="on failure, show the traceback")',
        *STEP_COMMAND_PARSERS,
        *(MODEL_COMMAND_PARSERS if plan.model else ()),
        *(SERVING_COMMAND_PARSERS if plan.model else ()),
        "    return parser",
        "",
        "",
        "def main(argv: list[str] | None = None) -> int:",
        *STEP_COMMAND_DISPATCH,
        *(MODEL_COMMAND_DISPATCH if plan.model else ()),
        *(SERVING_COMMAND_DISPATCH if plan.model else ()),
        "    args = build_parser().parse_args(argv)",
        f"    from .{COMMAND_LINE_MODULE} import run_command",
        "    from .pipeline import run",
        "",
        f"    return run_command(run, args, debug_flag={json.dumps(debug_flag)})",
        "",
        "",
        "def command() -> None:",
        '    """`python -m` and the console script: `main`, then the process ends (`end_process`)."""',
        f"    from .{COMMAND_LINE_MODULE} import end_process",
        "",
        "    end_process(main())",
        "",
        "",
        'if __name__ == "__main__":',
        "    command()",
    ]
    return "\n".join(lines) + "\n"


def _option_line(param: RunParam, flags: list[str]) -> str:
    """The ``add_argument`` call of a run() parameter's option."""
    flag = '", "'.join(flags)
    start = f'    run_parser.add_argument("{flag}", dest="{param.name}", '
    if param.default is None:
        help_text = json.dumps(param.origin.replace("%", "%%"))
        return start + f"type=literal_value, required=True, help={help_text})"
    help_text = json.dumps(param.origin.replace("%", "%%") + " (default: %(default)s)")
    kind = _cli_type(param.default)
    if kind == "bool":
        return (
            start + f"action=argparse.BooleanOptionalAction, default={param.default}, "
            f"help={help_text})"
        )
    return start + f"type={kind}, default={param.default}, help={help_text})"


def _cli_type(default: str) -> str:
    """The argparse type of an option: the default's scalar type, or a checked literal."""
    try:
        value = ast.literal_eval(default)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return "literal_of(None)"
    for kind in (bool, int, float, str):
        if type(value) is kind:
            return kind.__name__
    if value is None:
        return "literal_of(None)"
    if type(value) in (list, dict, tuple, set, bytes, complex):
        return f"literal_of({type(value).__name__})"
    return "literal_of(None)"
