"""A list or dict from the parameters cell is a fresh object in every run, as in the notebook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import code_cell, write_notebook


def test_each_run_starts_from_the_literal_again(tmp_path: Path) -> None:
    cells = [
        code_cell("sizes = [1, 2]\nlimits = {'low': 0}\n", ["parameters"]),
        code_cell(
            "sizes.append(3)\nlimits['high'] = 9\nn = len(sizes) + len(limits)\n",
            ["function:grow"],
        ),
    ]
    notebook = write_notebook(tmp_path / "sizes.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    script = (
        "import sizes\n"
        "first = sizes.run(track=False)['n']\n"
        "second = sizes.run(track=False)['n']\n"
        "direct = sizes.grow()[0]\n"
        "print(first, second, direct)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "out" / "src")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["5", "5", "5"]
