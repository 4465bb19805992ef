"""Names that could clash in the generated pipeline: a step named like a value, a function
named like its module, the same function name in two notebooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import run_generated


def _notebook(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "nbformat": 4,
                "nbformat_minor": 5,
                "metadata": {
                    "kernelspec": {"name": "python3", "language": "python", "display_name": "P"}
                },
                "cells": [
                    {
                        "cell_type": "code",
                        "id": f"c{i}",
                        "metadata": {"tags": tags},
                        "source": source,
                        "outputs": [],
                        "execution_count": None,
                    }
                    for i, (source, tags) in enumerate(cells)
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


def _run(out: Path, package: str) -> str:
    return run_generated(
        out, f"import {package}; print(sorted({package}.run(track=False).items()))"
    )


def test_step_named_like_its_value_and_its_module(tmp_path: Path) -> None:
    notebook = _notebook(
        tmp_path / "total.ipynb",
        [
            ("features = [1, 2, 3]\n", ["function:features"]),
            ("total = sum(features)\n", ["function:total"]),
            ("total = total * 2\n", ["function:double"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok
    assert _run(tmp_path / "out", "total") == "[('features', [1, 2, 3]), ('total', 12)]"


def test_same_function_name_in_two_notebooks(tmp_path: Path) -> None:
    first = _notebook(tmp_path / "first.ipynb", [("x = 1\n", ["function:load"])])
    second = _notebook(tmp_path / "second.ipynb", [("y = 2\n", ["function:load"])])
    result = build([first, second], tmp_path / "out", name="both", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    assert _run(tmp_path / "out", "both") == "[('x', 1), ('y', 2)]"
    init = (tmp_path / "out" / "src" / "both" / "__init__.py").read_text()
    assert "import load" not in init  # ambiguous at the top level: reachable through its module


def test_a_notebook_named_like_a_generated_module_gets_a_module_of_its_own(
    tmp_path: Path,
) -> None:
    for stem, module in [("steps_io", "steps_io_steps"), ("_runner", "runner")]:
        notebook = _notebook(
            tmp_path / f"{stem}.ipynb", [("total = sum([1, 2])\n", ["function:total"])]
        )
        out = tmp_path / f"out{stem}"
        result = build([notebook], out, name="clash", root=tmp_path)
        assert result.ok, [d.to_json() for d in result.diagnostics]
        assert (out / "src" / "clash" / f"{module}.py").is_file()
        # The generated module beside it is the template, not the notebook's code.
        assert "def total(" not in (out / "src" / "clash" / f"{stem}.py").read_text()
        assert _run(out, "clash") == "[('total', 3)]"


def test_a_module_tag_or_function_named_like_a_generated_module_is_refused(
    tmp_path: Path,
) -> None:
    for tags, code in [
        (["function:total", "module:steps_io"], "NB108"),
        (["function:total", "module:_runner"], "NB108"),
        (["function:total", "module:_command_line"], "NB108"),
        (["function:steps_io"], "NB103"),  # `from .demo import steps_io` hides the module
    ]:
        notebook = _notebook(tmp_path / "demo.ipynb", [("total = sum([1, 2])\n", tags)])
        result = build([notebook], tmp_path / "out", root=tmp_path)
        assert not result.ok
        assert [d.code for d in result.diagnostics if d.severity.value == "error"] == [code]


def test_a_module_beside_the_notebook_does_not_take_the_package_name(tmp_path: Path) -> None:
    # A notebook paired with its own script: `python -m` in this folder would import the
    # script instead of the installed package of the same name.
    notebook = _notebook(
        tmp_path / "gradient_descent.ipynb",
        [
            ("rate = 0.1\n", ["parameters"]),
            ("steps = [rate * i for i in range(3)]\n", ["function:make_steps"]),
        ],
    )
    (tmp_path / "gradient_descent.py").write_text(
        "raise SystemExit('the script, not the package')\n"
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    assert (tmp_path / "out" / "src" / "gradient_descent_pipeline").is_dir()
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gradient_descent_pipeline as p; print(p.run(track=False)['steps'])",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "out" / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[0.0, 0.1, 0.2]"


def test_a_notebook_alone_keeps_its_name_as_package_name(tmp_path: Path) -> None:
    notebook = _notebook(
        tmp_path / "gradient_descent.ipynb",
        [("rate = 0.1\n", ["parameters"]), ("steps = [rate, rate]\n", ["function:make_steps"])],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    assert (tmp_path / "out" / "src" / "gradient_descent").is_dir()
