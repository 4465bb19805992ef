"""Generated Python in the layout ``ruff format`` gives with its default settings.

The user's code keeps its comments and meaning: only whitespace, line breaks, quotes and
parentheses change. Code the formatter cannot parse is returned as it is.

One ``ruff format`` process formats a whole batch of texts (``formatted_all``): ruff is a
native program that formats thousands of files in milliseconds, where ``black`` in this
process took about 12 ms per generated function (2.5 s for a 300-cell notebook, measured with
``benchmarks/build_speed.py``). ``ruff format --check`` with its defaults is also what the
generated packages are held to.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

_DONE: dict[str, str] = {}
"""Formatted texts by their source, for this process: a rebuild formats only new code."""
_DONE_LIMIT = 20_000


def formatted(source: str) -> str:
    return formatted_all([source])[0]


def formatted_all(sources: Sequence[str]) -> list[str]:
    """Each source formatted, in order; all that are new go through one ``ruff format``."""
    todo = list(dict.fromkeys(s for s in sources if s.strip() and s not in _DONE))
    if todo:
        if len(_DONE) + len(todo) > _DONE_LIMIT:
            _DONE.clear()
        _DONE.update(zip(todo, _ruff_format(todo), strict=True))
    return [_DONE.get(source, source) for source in sources]


def _ruff_format(sources: list[str]) -> list[str]:
    from ruff import find_ruff_bin  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory(prefix="nb2pkg-format-") as folder:
        paths = [Path(folder, f"{index}.py") for index, _ in enumerate(sources)]
        for path, source in zip(paths, sources, strict=True):
            path.write_bytes(source.encode("utf-8", "surrogatepass"))
        # --isolated: ruff's defaults, whatever configuration surrounds the output folder.
        # A file ruff cannot parse is reported (exit status 2) and left as it was; without
        # ruff (a dependency, so not seen) every file is left as it was: valid, unformatted.
        with contextlib.suppress(OSError):
            command = [find_ruff_bin(), "format", "--isolated", "--no-cache", "--quiet"]
            subprocess.run(
                [*command, *map(str, paths)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        return [path.read_bytes().decode("utf-8", "surrogatepass") for path in paths]
