"""Every bad input of issues 2 and 11 through the real CLI: a clear diagnostic, exit 1, nothing written.

Each case writes one notebook (or a damaged file) into a temporary folder and runs
``python -m nb2pkg build NB -o OUT`` in a subprocess, as a user would. The diagnostic must carry
its code, its location as the user counts it (``name.ipynb:cell N:line L``), the offending line
with a caret where there is one, and a hint; no traceback may leak; OUT must not exist afterwards.
``--format json`` must report the same codes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import make_notebook, markdown_cell, write_notebook

NAME = "bad.ipynb"
CODE_IN_TEXT = re.compile(r"^(?:error|warning|info)\[(NB\d{3})\]", re.MULTILINE)


@dataclass(frozen=True)
class BadInput:
    code: str
    write: Callable[[Path], None]
    """Writes the bad input to the given path (or leaves it missing)."""
    cell: int | None = None
    line: int | None = None
    source_line: str | None = None


def raw(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return write


def raw_bytes(content: bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(content)

    return write


def notebook(*cells: Any, **options: Any) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        write_notebook(path, list(cells), **options)

    return write


def nothing(path: Path) -> None:
    """The missing notebook: write no file at all."""


NBFORMAT_3 = {
    "nbformat": 3,
    "nbformat_minor": 0,
    "metadata": {"name": "old"},
    "worksheets": [
        {
            "cells": [
                {
                    "cell_type": "code",
                    "language": "python",
                    "input": "x = 1",
                    "outputs": [],
                    "metadata": {},
                }
            ],
            "metadata": {},
        }
    ],
}

CASES: dict[str, BadInput] = {
    "invalid-json": BadInput("NB001", raw('{"cells": [\n  {"cell_type": "code",\n')),
    "not-utf8": BadInput("NB001", raw_bytes(b"\xff\xfe\x00garbage")),
    "missing-file": BadInput("NB001", nothing),
    "nbformat-3": BadInput("NB003", raw(json.dumps(NBFORMAT_3))),
    "r-kernel": BadInput(
        "NB004", notebook(("x <- 1", ["function:load"]), language="R", kernel_name="ir")
    ),
    "no-cells": BadInput("NB005", notebook()),
    "markdown-and-blank-code-only": BadInput(
        "NB005", notebook(markdown_cell("# Title"), ("   \n", ["function:load"]))
    ),
    "syntax-error": BadInput(
        "NB201",
        notebook(("import math", ["export"]), ("x = 1\ny = math.sqrt(x,\n", ["function:load"])),
        cell=2,
        line=2,
        source_line="y = math.sqrt(x,",
    ),
    "lone-surrogate-escape": BadInput(
        "NB201",
        raw(
            json.dumps(make_notebook([('x = 1\ny = "?"', ["function:load"])])).replace(
                '\\"?\\"', '\\"\\ud800\\"'
            )
        ),
        cell=1,
        line=2,
    ),
    "bash-cell-magic": BadInput(
        "NB202",
        notebook(("%%bash\nls -l\n", ["function:listing"])),
        cell=1,
        line=1,
        source_line="%%bash",
    ),
    "name-not-identifier": BadInput("NB101", notebook(("x = 1", ["function:load-data"])), cell=1),
    "name-keyword": BadInput("NB102", notebook(("x = 1", ["function:class"])), cell=1),
    "name-builtin": BadInput("NB103", notebook(("x = 1", ["function:sum"])), cell=1),
    "name-reserved": BadInput("NB103", notebook(("x = 1", ["function:run"])), cell=1),
    "duplicate-name": BadInput(
        "NB104",
        notebook(
            ("x = 1", ["function:load"]),
            ("z = x", ["function:other"]),
            ("y = x + 1", ["function:load"]),
        ),
        cell=3,
    ),
    "conflicting-roles": BadInput(
        "NB106", notebook(("x = 1", ["function:load", "parameters"])), cell=1
    ),
    "non-literal-parameter": BadInput(
        "NB204",
        notebook(
            ("import os", ["export"]),
            ('n = 3\nname = os.environ.get("USER", "me")', ["parameters"]),
            ("total = n * 2", ["function:double"]),
        ),
        cell=2,
        line=2,
        source_line='name = os.environ.get("USER", "me")',
    ),
    "empty-test": BadInput(
        "NB402",
        notebook(("x = 1", ["function:load"]), ("# nothing yet\n", ["test"])),
        cell=2,
    ),
    "no-marked-cells": BadInput("NB110", notebook(("x = 1", []), ("y = x + 1", []))),
    # The file is not a notebook of a version nb2pkg reads
    "empty-file": BadInput("NB001", raw("")),
    "utf16-with-bom": BadInput("NB001", raw_bytes('{"cells": []}'.encode("utf-16"))),
    "zip-archive": BadInput("NB001", raw_bytes(b"PK\x03\x04" + bytes(40))),
    "json-array": BadInput("NB002", raw("[1, 2]")),
    "cells-not-a-list": BadInput(
        "NB002", raw(json.dumps({**make_notebook([("x = 1", ["function:load"])]), "cells": "x"}))
    ),
    "nbformat-5": BadInput(
        "NB003", raw(json.dumps({**make_notebook([("x = 1", ["function:load"])]), "nbformat": 5}))
    ),
    # Names in tags that cannot be Python names
    "name-empty": BadInput("NB101", notebook(("x = 1", ["function:"])), cell=1),
    "name-with-space": BadInput("NB101", notebook(("x = 1", ["function:load data"])), cell=1),
    "name-leading-digit": BadInput("NB101", notebook(("x = 1", ["function:1load"])), cell=1),
    "name-dunder": BadInput("NB103", notebook(("x = 1", ["function:__init__"])), cell=1),
    "test-name-not-identifier": BadInput(
        "NB101", notebook(("x = 1", ["function:load"]), ("assert x", ["test:not valid"])), cell=2
    ),
    "module-name-keyword": BadInput("NB102", notebook(("x = 1", ["module:import"])), cell=1),
    "function-and-test": BadInput("NB106", notebook(("x = 1", ["function:load", "test"])), cell=1),
    # Code that does not parse, or that no function can hold
    "indentation-error": BadInput(
        "NB201", notebook(("x = 1\n  y = 2\n", ["function:load"])), cell=1, line=2
    ),
    "tabs-and-spaces-mixed": BadInput(
        "NB201",
        notebook(("if True:\n\tx = 1\n        y = 2\n", ["function:load"])),
        cell=1,
        line=3,
    ),
    "nul-in-source": BadInput("NB201", notebook(("x = '\x00'\n", ["function:load"])), cell=1),
    "nonlocal-at-top-level": BadInput(
        "NB206",
        notebook(("y = 1\nnonlocal x\n", ["function:load"])),
        cell=1,
        line=2,
        source_line="nonlocal x",
    ),
    "writefile-cell-magic": BadInput(
        "NB202",
        notebook(("%%writefile out.py\nprint(1)\n", ["function:write"])),
        cell=1,
        line=1,
        source_line="%%writefile out.py",
    ),
    "shell-output-assigned": BadInput(
        "NB202", notebook(("files = !ls\nx = 1", ["function:listing"])), cell=1, line=1
    ),
    # Parameters that are not literals
    "starred-parameter": BadInput(
        "NB204",
        notebook(("a, *b = 1, 2, 3", ["parameters"]), ("y = a", ["function:f"])),
        cell=1,
        line=1,
    ),
    "f-string-parameter": BadInput(
        "NB204", notebook(("n = f'{1}'", ["parameters"]), ("y = n", ["function:f"])), cell=1, line=1
    ),
    "walrus-parameter": BadInput(
        "NB204", notebook(("(n := 3)", ["parameters"]), ("y = 1", ["function:f"])), cell=1, line=1
    ),
}


def run_build(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NB2PKG_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg", "build", NAME, "-o", "out", *extra],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(params=sorted(CASES), ids=str)
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[BadInput, Path]:
    bad = CASES[request.param]
    bad.write(tmp_path / NAME)
    return bad, tmp_path


def test_text_report(case: tuple[BadInput, Path]) -> None:
    bad, folder = case

    result = run_build(folder)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert not (folder / "out").exists(), "a failed build wrote its output directory"
    assert bad.code in CODE_IN_TEXT.findall(result.stderr), result.stderr
    block = _block_of(result.stderr, bad.code)
    where = f"--> {NAME}"
    if bad.cell is not None:
        where += f":cell {bad.cell}"
    if bad.line is not None:
        where += f":line {bad.line}"
    assert where in block, block
    assert re.search(r"^\s*= hint: \S", block, re.MULTILINE), block
    if bad.source_line is not None:
        frame = block.splitlines()
        source_row = next(i for i, row in enumerate(frame) if row.endswith(f"| {bad.source_line}"))
        assert frame[source_row].strip().startswith(f"{bad.line} |")
        assert frame[source_row + 1].rstrip().endswith("^")
    assert "nothing was written" in result.stderr


def test_json_report(case: tuple[BadInput, Path]) -> None:
    bad, folder = case

    text = run_build(folder)
    result = run_build(folder, "--format", "json")

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert not (folder / "out").exists()
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert payload["changed_files"] == []
    codes = [d["code"] for d in payload["diagnostics"]]
    assert sorted(codes) == sorted(CODE_IN_TEXT.findall(text.stderr))
    diagnostic = next(d for d in payload["diagnostics"] if d["code"] == bad.code)
    assert diagnostic["severity"] == "error"
    assert diagnostic["hint"]
    assert diagnostic["location"]["notebook"] == NAME
    assert diagnostic["location"]["cell_number"] == bad.cell
    if bad.line is not None:
        assert diagnostic["location"]["line"] == bad.line
    if bad.source_line is not None:
        assert diagnostic["source_line"] == bad.source_line
    if bad.cell is not None:
        assert diagnostic["location"]["cell_id"] == f"cell-{bad.cell}"


def _block_of(stderr: str, code: str) -> str:
    """The text of the first diagnostic with this code, up to the blank line after it."""
    start = re.search(rf"^(?:error|warning|info)\[{code}\]", stderr, re.MULTILINE)
    assert start is not None, stderr
    return stderr[start.start() :].split("\n\n", 1)[0]
