"""Every public name is in the API snapshot: steps, exported defs and classes, ``run()``.

Removing or changing what an ``export`` cell defines is a breaking change like removing a step;
a parameter is reported as renamed only on strong evidence (same position and default).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.functional.test_versioning_rules import CellSpec, built, replace_source, write_notebook

EXPORTS = "LIMIT = 5\n\n\ndef helper(x, scale=2):\n    return x * scale\n\n\nclass Box:\n    pass\n"
CELLS: list[CellSpec] = [
    ("params", "parameters", 'customers_path = "customers.csv"\nseed = 7'),
    ("exports", "export", EXPORTS),
    ("load", "function:load", "data = [customers_path] * seed"),
]

EDITS: list[tuple[str, Callable[[list[CellSpec]], list[CellSpec]], str, list[str]]] = [
    (
        "remove an exported def",
        lambda c: replace_source(c, "exports", EXPORTS.replace("def helper", "def _helper")),
        "2.0.0",
        ["removed function `helper`"],
    ),
    (
        "remove an exported class",
        lambda c: replace_source(c, "exports", EXPORTS.replace("class Box", "class _Box")),
        "2.0.0",
        ["removed class `Box`"],
    ),
    (
        "make an exported def's parameter required",
        lambda c: replace_source(c, "exports", EXPORTS.replace("scale=2", "scale")),
        "2.0.0",
        ["`helper`: parameter `scale` is now required (was `scale=2`)"],
    ),
    (
        "change an exported def's body",
        lambda c: replace_source(c, "exports", EXPORTS.replace("x * scale", "scale * x")),
        "1.0.1",
        ["`helper`: code changed"],
    ),
    (
        "replace run() parameters by unrelated ones",
        lambda c: replace_source(
            replace_source(c, "params", "SEED = 7"), "load", "data = [SEED] * SEED"
        ),
        "2.0.0",
        None,
    ),
]


@pytest.mark.parametrize(
    ("edit", "version", "changes"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS]
)
def test_public_names_are_part_of_the_api(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Callable[[list[CellSpec]], list[CellSpec]],
    version: str,
    changes: list[str] | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    notebook = tmp_path / "demo.ipynb"
    write_notebook(notebook, CELLS)
    built(notebook, tmp_path / "out", name="demo", version="1.0.0")

    write_notebook(notebook, edit(CELLS))
    result = built(notebook, tmp_path / "out", name="demo")

    assert result["version"] == version
    if changes is not None:
        assert [c for c in result["changes"] if "`load`" not in c] == changes
    else:
        assert not any("renamed" in c for c in result["changes"]), result["changes"]
        assert "`run`: removed parameter `customers_path`" in result["changes"]
        assert "`run`: added optional parameter `SEED=7`" in result["changes"]
