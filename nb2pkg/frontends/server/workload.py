"""Cap the work of one request: the code its notebooks hold, counted before any analysis.

Analysis time grows linearly with the code analysed, so a cap on lines (every cell counts at
least one) and on characters bounds how long one request holds a worker thread.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2pkg.frontends.server.errors import TOO_MUCH_WORK, RequestProblem


@dataclass(frozen=True)
class WorkLimits:
    max_code_lines: int
    max_code_chars: int
    max_notebook_bytes: int | None = None
    """The body limit, for the notebook an analyze delta stands for (its body is smaller)."""


def code_size(notebook: Any) -> tuple[int, int]:
    """(lines, characters) of the notebook's cells; (0, 0) for what is not a notebook.

    A malformed notebook is not refused here: the analysis reports it as diagnostics.
    """
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return 0, 0
    try:
        sources = list(map(_SOURCE, cells))
    except (KeyError, TypeError):  # a cell that is not an object, or has no source
        return _size_cell_by_cell(cells)
    if not sources or set(map(type, sources)) != {str}:
        return _size_cell_by_cell(cells)
    # every source a text, as the browser sends them: counted at C speed, all at once
    separators = len(sources) - 1
    joined = "\n".join(sources)
    ended = "".join(map(_LAST_CHARACTER, sources)).count("\n")
    return joined.count("\n") - separators + len(sources) - ended, len(joined) - separators


_SOURCE = operator.itemgetter("source")
_LAST_CHARACTER = operator.itemgetter(slice(-1, None))


def _size_cell_by_cell(cells: list[Any]) -> tuple[int, int]:
    """``code_size`` of these cells, any of which may be malformed (counted as empty) or hold
    its source as a list of lines."""
    lines = chars = 0
    for cell in cells:
        source = cell.get("source", "") if type(cell) is dict else ""
        if type(source) is str:
            text = source
        else:
            parts = source if isinstance(source, list) else [source]
            text = "".join(part for part in parts if isinstance(part, str))
        chars += len(text)
        lines += text.count("\n") + (0 if text.endswith("\n") else 1)
    return lines, chars


def saved_notebook(path: Path) -> Any:
    """The JSON of a saved notebook, or None when it cannot be read (the build will say why)."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def check_workload(notebooks: Iterable[Any], limits: WorkLimits) -> None:
    """Refuse (413, NB812) notebooks holding more code than one request may analyse."""
    lines = chars = 0
    for notebook in notebooks:
        more_lines, more_chars = code_size(notebook)
        lines, chars = lines + more_lines, chars + more_chars
    if lines > limits.max_code_lines or chars > limits.max_code_chars:
        raise RequestProblem(
            413,
            TOO_MUCH_WORK,
            f"the notebooks hold {lines} lines ({chars} characters) of cells; the server "
            f"analyses at most {limits.max_code_lines} lines and {limits.max_code_chars} "
            "characters per request",
            "split the notebook, or raise c.Nb2pkgServer.max_code_lines and "
            "c.Nb2pkgServer.max_code_chars; `nb2pkg build` on the command line has no cap",
        )
