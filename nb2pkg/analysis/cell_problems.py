"""The problems one cell's analysis can find, located within the cell (NB201 to NB203)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nb2pkg.ir import Severity

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst


@dataclass(frozen=True)
class CellProblem:
    """A problem found in one cell, located within it; the caller adds the notebook and cell."""

    code: str
    severity: Severity
    message: str
    line: int
    col: int | None
    hint: str
    packaged_only: bool = True
    """Reported only when the cell goes into the package."""


def syntax_problem(exc: SyntaxError, offset: int) -> CellProblem:
    return CellProblem(
        "NB201",
        Severity.ERROR,
        f"syntax error: {exc.msg}",
        (exc.lineno or 1) + offset,
        exc.offset,
        "fix the code in this cell (it would not run in the notebook either)",
    )


def encoding_problem(source: str, exc: UnicodeEncodeError, offset: int) -> CellProblem:
    """A lone surrogate, e.g. from a "\\ud800" JSON escape."""
    return CellProblem(
        "NB201",
        Severity.ERROR,
        "the cell contains a character that is not valid Unicode",
        source.count("\n", 0, exc.start) + 1 + offset,
        None,
        "retype the line; the notebook file holds a broken character escape",
    )


def nesting_problem(offset: int) -> CellProblem:
    return CellProblem(
        "NB201",
        Severity.ERROR,
        "the code is nested too deeply to parse",
        1 + offset,
        None,
        "split the expression into several statements with intermediate names",
    )


def cst_problem(exc: cst.ParserSyntaxError, offset: int) -> CellProblem:
    return CellProblem(
        "NB201",
        Severity.ERROR,
        f"cannot parse: {exc.message}",
        exc.raw_line + offset,
        exc.raw_column + 1,
        "rewrite this line with syntax Python 3.10 accepts",
    )


def magic_problem(kind: str, name: str, action: str, text: str, line: int) -> CellProblem:
    if action == "unsupported":
        if kind == "cell-magic":
            return CellProblem(
                "NB202",
                Severity.ERROR,
                f"cell magic `%%{name}` cannot go into a Python package",
                line,
                1,
                "remove the tag from this cell, or rewrite it in Python "
                "(only %%time, %%capture and %%prun are unwrapped; %%timeit is dropped)",
            )
        return CellProblem(
            "NB202",
            Severity.ERROR,
            f"`{text}` uses IPython to compute a value",
            line,
            1,
            "use the subprocess module (or plain Python) so the package can run it",
        )
    what = {
        "shell": "shell command",
        "help": "help request",
        "line-magic": "line magic",
        "pip": "package install",
        "cell-magic": "cell magic",
    }.get(kind, kind)
    return CellProblem(
        "NB203",
        Severity.WARNING,
        f"{what} `{text}` is dropped from the package",
        line,
        1,
        "it only matters in the notebook; nothing to do unless the package needs it",
    )
