"""The package binds what IPython binds: each cell is also run in a real IPython shell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from nb2pkg.frontends.api import build
from tests.helpers import code_cell, run_outputs, write_notebook


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    instance = InteractiveShell.instance()
    instance.reset(new_session=True)
    yield instance
    instance.reset(new_session=True)


def ipython_state(shell: InteractiveShell, sources: list[str]) -> dict[str, Any]:
    for source in sources:
        result = shell.run_cell(source, store_history=False, silent=True)
        assert result.success, result.error_in_exec or result.error_before_exec
    return dict(shell.user_ns)


CELLS = [
    ("counts = [3, 1, 2]\nlength = 0\n", "load"),
    # IPython times this in a function of its own: `length` stays 0.
    ("%timeit -n 1 -r 1 length = len(counts)\ntotal = sum(counts) + length\n", "measure"),
    ("%%time\nsquares = [c * c for c in counts]\n", "square"),
    ("%%capture\nbig = max(counts)\nprint(big)\n", "largest"),
    # IPython strips the first line's indentation from every line of the cell.
    ("  shifted = [c + 1 for c in counts]\n  if shifted:\n      n = len(shifted)\n", "shift"),
]


def test_package_binds_what_ipython_binds(tmp_path: Path, shell: InteractiveShell) -> None:
    notebook = write_notebook(
        tmp_path / "magic.ipynb",
        [code_cell(source, [f"function:{name}"]) for source, name in CELLS],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    dropped = [d.message for d in result.diagnostics if d.code == "NB203"]
    assert any("%timeit" in message for message in dropped)
    outputs = run_outputs(tmp_path / "out", "magic", tmp_path)
    notebook_values = ipython_state(shell, [source for source, _ in CELLS])
    expected = ("counts", "length", "total", "squares", "big", "shifted", "n")
    assert {name: notebook_values[name] for name in expected} == {
        "counts": [3, 1, 2],
        "length": 0,
        "total": 6,
        "squares": [9, 1, 4],
        "big": 3,
        "shifted": [4, 2, 3],
        "n": 3,
    }
    assert {name: outputs[name] for name in expected} == {
        name: notebook_values[name] for name in expected
    }


def test_a_timeit_cell_binds_nothing_in_ipython_or_the_package(
    tmp_path: Path, shell: InteractiveShell
) -> None:
    sources = ["x = 1\n", "%%timeit -n 1 -r 1\nx = 2\ny = 3\n"]
    notebook = write_notebook(
        tmp_path / "timing.ipynb",
        [code_cell(sources[0], ["function:start"]), code_cell(sources[1], ["function:time"])],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    state = ipython_state(shell, sources)
    assert (state["x"], "y" in state) == (1, False)
    assert run_outputs(tmp_path / "out", "timing", tmp_path) == {"x": 1}
