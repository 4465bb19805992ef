"""``steps_io.py`` (one step from stored values) and its commands in ``__main__.py``."""

from __future__ import annotations

from nb2pkg.emit.templates import TEMPLATE_DIR

STEPS_TEMPLATE = TEMPLATE_DIR / "steps.py"
STEPS_MODULE = "steps_io"

STEP_COMMAND_PARSERS = (
    '    commands.add_parser("graph", add_help=False, '
    'help="print the step graph: graph [--format text|dot|mermaid]")',
    '    commands.add_parser("run-step", add_help=False, '
    'help="run one step from stored inputs: run-step NAME --inputs URL --outputs URL")',
)
"""Lines of ``build_parser()``: the commands listed in ``--help`` (``steps_io`` parses them)."""

STEP_COMMAND_DISPATCH = (
    "    argv = sys.argv[1:] if argv is None else argv",
    '    if argv[:1] in (["graph"], ["run-step"]):',
    f"        from .{STEPS_MODULE} import main as steps_main",
    "",
    "        return steps_main(argv)",
)
"""First lines of ``main()``."""


COMMAND_LINE_IMPORT = "from nb2pkg.emit.templates.command_line import "
"""How the steps template imports the command line's option rules: as a real import here (so
that they are type-checked together), as ``from ._command_line import`` in the package."""


def render_steps_io() -> str:
    return STEPS_TEMPLATE.read_text(encoding="utf-8").replace(
        COMMAND_LINE_IMPORT, "from ._command_line import "
    )
