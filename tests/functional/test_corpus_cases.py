"""Minimal cases found by running benchmarks/roundtrip.py on public notebooks."""

from __future__ import annotations

import json
from pathlib import Path

from nb2pkg.frontends.api import build
from nb2pkg.plan.automark import propose
from tests.helpers import code_cell, make_notebook, run_generated, run_outputs, write_notebook


def _run(out: Path, package: str, expression: str) -> str:
    return run_generated(out, f"import {package}; print({expression})")


def test_print_that_consumes_an_iterator_is_kept(tmp_path: Path) -> None:
    cells = [
        code_cell("z = iter([1, 2])\nprint(*z)\n", ["function:a"]),
        code_cell("rest = list(z)\n", ["function:b"]),
    ]
    notebook = write_notebook(tmp_path / "it.ipynb", cells)
    assert build([notebook], tmp_path / "out", root=tmp_path).ok
    assert _run(tmp_path / "out", "it", "it.run(track=False)['rest']") == "[]"


def test_an_unpacked_iterator_nothing_reads_after_is_not_printed(tmp_path: Path) -> None:
    # From a public course notebook: `p = permutations(range(3))` then `print(*p)`; and
    # a generator printed, then returned (used up, as the notebook left it)
    cells = [
        code_cell("p = iter([1, 2])\nprint(*p)\np = [3]\ntotal = sum(p)\n", ["function:a"]),
        code_cell("G = iter([1, 4, 9])\nprint('G:', *G)\n", ["function:b"]),
    ]
    notebook = write_notebook(tmp_path / "unpack.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "unpack" / "unpack.py").read_text()
    assert "print(" not in module
    assert "for _ in G:" in module and "for _ in p:" not in module
    outputs = run_outputs(tmp_path / "out", "unpack", tmp_path)
    assert outputs["total"] == 3 and list(outputs["G"]) == []


def test_a_step_that_would_return_nothing_returns_what_it_computed(tmp_path: Path) -> None:
    # From public notebooks: `labels = kmeans.fit_predict(X)` computed again by a later cell,
    # and `print(sample(model, "The island"))` whose value was only printed
    cells = [
        code_cell("def sample(n):\n    return 'ab' * n\n", ["export"]),
        code_cell("labels = sorted([3, 1, 2])\nprint(labels)\n", ["function:fit"]),
        code_cell("print(sample(2))\n", ["function:generate"]),
        code_cell("labels = [0]\ntotal = sum(labels)\n", ["function:again"]),
    ]
    notebook = write_notebook(tmp_path / "shown.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "shown" / "shown.py").read_text()
    assert "    return labels\n" in module and "    return sample(2)\n" in module
    outputs = run_outputs(tmp_path / "out", "shown", tmp_path)
    assert outputs["labels"] == [0] and outputs["total"] == 0  # run() keeps the later value


def test_star_import_beside_named_imports_and_assumed_to_provide(tmp_path: Path) -> None:
    cells = [
        code_cell("from math import cos, pi\nx = cos(pi)\n", ["function:a"]),
        code_cell("from math import *\ny = sin(x)\n", ["function:b"]),
    ]
    notebook = write_notebook(tmp_path / "star.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    codes = {d.code for d in result.diagnostics}
    assert "NB306" in codes and "NB303" not in codes
    module = (tmp_path / "out" / "src" / "star" / "star.py").read_text()
    assert "from math import *\n" in module and "from math import cos, pi\n" in module
    assert float(_run(tmp_path / "out", "star", "star.run(track=False)['y']")) < 0


def test_nbformat_4_4_file_with_cell_ids_is_read(tmp_path: Path) -> None:
    notebook = tmp_path / "old.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "nbformat": 4,
                "nbformat_minor": 4,
                "metadata": {
                    "kernelspec": {"name": "python3", "language": "python", "display_name": "P"}
                },
                "cells": [
                    {
                        "cell_type": "code",
                        "id": "a1",
                        "metadata": {"tags": ["function:f"]},
                        "source": "x = 1",
                        "outputs": [],
                        "execution_count": None,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    assert "[id a1]" in (tmp_path / "out" / "src" / "old" / "old.py").read_text()


def test_a_cell_of_time_magics_is_work_and_its_values_are_returned(tmp_path: Path) -> None:
    # From a public book notebook: %time binds its statement's names in IPython.
    sources = [
        "strings = ['foo', 'bar', 'foobar'] * 3\nmethod1 = []\n",
        "%time method1 = [x for x in strings if x.startswith('foo')]\n"
        "%time method2 = [x for x in strings if x[:3] == 'foo']\n",
    ]
    notebook = write_notebook(tmp_path / "timed.ipynb", [(s, []) for s in sources])
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    outputs = run_outputs(tmp_path / "out", "timed", tmp_path)
    assert outputs["method1"] == outputs["method2"] == ["foo", "foobar"] * 3


def test_a_pure_computation_shown_as_a_result_is_display(tmp_path: Path) -> None:
    # From a public course notebook: cells that only show `10 * np.exp(1)` became steps that
    # computed a value and returned nothing.
    sources = [
        "import math\nimport numpy as np\nvalues = iter([1, 2, 3])\n",
        "10 * np.exp(1)\n",
        "math.cos(math.pi)\n",
        "sum(range(5), -1)\n",
        "np.random.rand(2)\n",
        "sum(values)\n",
        "growth = 10 * np.exp(2)\nrest = list(values)\n",
    ]
    notebook = write_notebook(tmp_path / "shown.ipynb", [(s, []) for s in sources])
    marked = propose(make_notebook([(s, []) for s in sources])["cells"])
    # (`np.random.rand(2)` shows a draw nothing after it draws again: display too)
    assert [p.role_tag == "skip" for p in marked] == [False, True, True, True, True, False, False]
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    outputs = run_outputs(tmp_path / "out", "shown", tmp_path)
    assert outputs["rest"] == [] and round(outputs["growth"], 6) == 73.890561
    # with a later draw, the shown draw moves what that one draws: it is work
    drawn = [*sources, "later = np.random.rand(2)\n"]
    marked = propose(make_notebook([(s, []) for s in drawn])["cells"])
    assert marked[4].role_tag != "skip"


def test_a_def_cell_reading_values_of_steps_becomes_a_step(tmp_path: Path) -> None:
    # From a public course notebook: `def evaluate_threshold(t)` read `tpr` and `thresholds`
    # that an earlier cell computed; exported to module level, nothing bound them (NB313).
    sources = [
        "values = [0.1, 0.4, 0.35, 0.8]\ncutoffs = sorted(values)\n",
        "def share_above(threshold):\n    return sum(v > threshold for v in cutoffs) / len(cutoffs)\n",
        "def double(x):\n    return 2 * x\n",
        "half = share_above(0.3)\ntwice = double(half)\n",
    ]
    marked = propose(make_notebook([(s, []) for s in sources])["cells"])
    assert [p.role_tag.split(":")[0] for p in marked] == [
        "function",
        "function",
        "export",
        "function",
    ]
    notebook = write_notebook(tmp_path / "defs.ipynb", [(s, []) for s in sources])
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    script = "from defs import run\nout = run(track=False)\nprint(out['half'], out['twice'])"
    assert run_generated(tmp_path / "out", script) == "0.75 1.5"
