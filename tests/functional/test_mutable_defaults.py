"""A list or dict from the parameters cell is a fresh object in every run, as in the notebook."""

from __future__ import annotations

import ast
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import code_cell, run_generated, write_notebook


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
    assert run_generated(tmp_path / "out", script).split() == ["5", "5", "5"]


def test_a_long_default_is_a_module_constant_each_call_copies(tmp_path: Path) -> None:
    """A table of values written in the step's guard would fill the function with data: it
    is a module-level constant instead, deep-copied by each call, and the step still starts
    from the notebook's value every time it is called directly."""
    table = (
        "raw = {'regiment': ['Nighthawks', 'Nighthawks', 'Dragoons', 'Dragoons', 'Scouts'],\n"
        "       'company': ['1st', '1st', '2nd', '2nd', '1st'],\n"
        "       'name': ['Miller', 'Jacobson', 'Ali', 'Milner', 'Cooze']}\n"
        "short = [1, 2]\n"
    )
    cells = [
        code_cell(table, ["parameters"]),
        code_cell(
            "raw['name'].append('Sloan')\nshort.append(3)\nn = len(raw['name']) + len(short)\n",
            ["function:count_names"],
        ),
    ]
    notebook = write_notebook(tmp_path / "army.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "army" / "army.py").read_text(encoding="utf-8")
    tree = ast.parse(module)
    constants = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets]
    assert "RAW_DEFAULT" in constants
    (function,) = (n for n in tree.body if isinstance(n, ast.FunctionDef))
    guards = [ast.unparse(n) for n in function.body if isinstance(n, ast.If)]
    assert guards == [
        "if raw is None:\n    raw = deepcopy(RAW_DEFAULT)",
        "if short is None:\n    short = [1, 2]",
    ]
    assert "Nighthawks" not in ast.unparse(function)
    script = (
        "import army\n"
        "first = army.count_names()[0]\n"
        "second = army.count_names()[0]\n"
        "print(first, second, army.run(track=False)['n'], len(army.army.RAW_DEFAULT['name']))\n"
    )
    assert run_generated(tmp_path / "out", script).split() == ["9", "9", "9", "5"]
