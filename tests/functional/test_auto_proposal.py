"""`--auto` end to end: what `show` proposes for an untagged notebook, and what the build makes."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from nb2pkg.roles.vocabulary import GENERATED_MODULES
from tests.helpers import markdown_cell, run_cli, write_notebook

_LONG_NAME = "Chapter 4 - Find out on which weekday people bike the most with groupby"


def _analysis_notebook(path: Path) -> Path:
    """An untagged notebook without headings: imports with a display option, constants,
    then a linear analysis of many small cells."""
    cells: list[tuple[str, list[str]]] = [
        ("import pandas as pd\npd.set_option('display.max_columns', 50)", []),
        ("# knobs\nN_ROWS = 40\nfactor = 3  # scale", []),
        ("df = pd.DataFrame({'a': range(N_ROWS), 'b': range(N_ROWS)})", []),
        ("df.head()", []),
        ("df.groupby('a').count()", []),
    ]
    for i in range(24):
        cells.append((f"df = df.assign(c{i}=df.a * factor + {i})", []))
    cells.append(("total = df.sum().sum()", []))
    cells.append(("means = df.mean()", []))
    cells.append(("summary = {'total': int(total), 'top': float(means.max())}", []))
    cells.append(("summary", []))
    return write_notebook(path, cells)


def _step_functions(out: Path) -> list[ast.FunctionDef]:
    (package,) = (out / "src").iterdir()
    functions: list[ast.FunctionDef] = []
    for module in package.glob("*.py"):
        if module.stem not in GENERATED_MODULES:  # the notebook's modules only
            tree = ast.parse(module.read_text("utf-8"))
            functions += [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    return functions


def test_show_on_an_untagged_notebook_shows_the_proposal_and_how_to_accept_it(
    tmp_path: Path,
) -> None:
    _analysis_notebook(tmp_path / "nb.ipynb")

    result = run_cli(tmp_path, "show", "nb.ipynb")

    assert result.returncode == 0, result.stderr
    assert "No cell is tagged yet" in result.stdout
    assert "nb2pkg tag nb.ipynb --auto --write" in result.stdout
    assert "nb2pkg build nb.ipynb --auto" in result.stdout
    proposed = re.findall(r"cell\s+\d+\s+function\s+(\w+)\(", result.stdout)
    assert proposed

    assert run_cli(tmp_path, "tag", "nb.ipynb", "--auto", "--write").returncode == 0
    after = run_cli(tmp_path, "show", "nb.ipynb")
    assert "No cell is tagged yet" not in after.stdout
    assert re.findall(r"cell\s+\d+\s+function\s+(\w+)\(", after.stdout) == proposed


def test_show_json_of_an_untagged_notebook_carries_the_proposal(tmp_path: Path) -> None:
    _analysis_notebook(tmp_path / "nb.ipynb")

    plan = json.loads(run_cli(tmp_path, "show", "nb.ipynb", "--format", "json").stdout)

    roles = [cell["role"] for cell in plan["auto_proposal"]["cells"]]
    assert "parameters" in roles  # the display option in the imports cell does not hide it
    assert [p["name"] for p in plan["auto_proposal"]["parameters"]] == ["N_ROWS", "factor"]


def test_auto_build_of_a_long_notebook_gives_small_named_functions_that_return(
    tmp_path: Path,
) -> None:
    _analysis_notebook(tmp_path / "nb.ipynb")

    result = run_cli(tmp_path, "build", "nb.ipynb", "--auto", "-o", "out")

    assert result.returncode == 0, result.stderr
    functions = _step_functions(tmp_path / "out")
    assert len(functions) > 1
    for function in functions:
        body = function.body[1:] if isinstance(function.body[0], ast.Expr) else function.body
        assert (function.end_lineno or 0) - body[0].lineno + 1 <= 40, function.name
        assert any(isinstance(n, ast.Return) and n.value for n in ast.walk(function))
        assert "step" not in function.name


def test_a_long_notebook_name_gives_a_short_package_and_module(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / f"{_LONG_NAME}.ipynb",
        [markdown_cell("## Load"), ("rows = list(range(5))", [])],
    )

    result = run_cli(tmp_path, "build", f"{_LONG_NAME}.ipynb", "--auto", "-o", "out")

    assert result.returncode == 0, result.stderr
    (package,) = (tmp_path / "out" / "src").iterdir()
    assert package.name == "chapter_4_find_out_weekday"
    modules = {p.stem for p in package.glob("*.py")}
    assert "chapter_4_find_out_weekday" in modules


def test_auto_build_of_a_notebook_that_only_shows_values_says_what_auto_found(
    tmp_path: Path,
) -> None:
    notebook = write_notebook(
        tmp_path / "comparisons.ipynb",
        [("2 == 2", []), ("def double(x):\n    return 2 * x\n\ndouble(4)", []), ("1 < 2 < 3", [])],
    )
    result = run_cli(tmp_path, "build", notebook.name, "--auto", "-o", "out")
    assert result.returncode == 1
    assert "error[NB110]: --auto found no cell to package in comparisons.ipynb" in result.stderr
    assert "then build without --auto" in result.stderr
    assert "build with --auto" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_show_says_why_a_seeding_cell_has_no_function(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "seeded.ipynb",
        [
            ("import numpy as np\nnp.random.seed(0)", []),
            ("SIZE = 5", []),
            ("noise = np.random.rand(SIZE)", []),
            ("total = float(noise.sum())", []),
        ],
    )

    result = run_cli(tmp_path, "show", "seeded.ipynb")

    assert result.returncode == 0, result.stderr
    seeding = re.search(r"cell\s+1\s+function\s+(.*)", result.stdout)
    assert seeding is not None, result.stdout
    assert seeding.group(1).startswith("no function of its own: only imports, settings or seeds")
