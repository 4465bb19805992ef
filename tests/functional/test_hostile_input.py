"""Hostile and odd input through the real CLI: nothing injected runs, nothing hangs or crashes.

Three groups, each case in a fresh temporary folder with ``python -m nb2pkg build``:

* hostile notebook file names and markdown: the build succeeds, every generated file parses,
  and importing and running the package creates no ``PWNED`` file (the injected command);
* input that used to hang the build, crash it (exit 4) or give a broken package: a coded
  diagnostic with a hint, exit 1, no traceback, nothing written;
* input that used to give a broken package but is fine: the package runs.
"""

from __future__ import annotations

import ast
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
import tomllib

from tests.helpers import markdown_cell, write_notebook

CODE_IN_TEXT = re.compile(r"^(?:error|warning|info)\[(NB\d{3})\]", re.MULTILINE)
INJECTED = '__import__("os").system("touch PWNED")'


def fullwidth(text: str) -> str:
    """The text in fullwidth look-alike letters, which Python's NFKC reads as the ASCII ones."""
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def run_cli(folder: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NB2PKG_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_package(folder: Path, package: str, script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in ``folder`` with the generated package importable."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(folder / "out" / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_every_file_parses(out: Path) -> None:
    for path in out.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), str(path))
    tomllib.loads((out / "pyproject.toml").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ hostile names and text

HOSTILE_NAMES = {
    "triple-quotes": f'report""" if {INJECTED} else """.ipynb',
    "newline": f"report\n{INJECTED}\n.ipynb",
    # The rest of the provenance comment (".ipynb cell 1 ...") stays a comment: valid Python.
    "newline-then-comment": f"report\n{INJECTED}\n#.ipynb",
    "carriage-return": f"report\r{INJECTED}\r#.ipynb",
    "line-separator": f"report\u2028{INJECTED}\u2028.ipynb",
    "backslashes": 'back\\slash\\"""\\.ipynb',
    "ends-with-quote": 'report"""".ipynb',
    "hash": f"report # {INJECTED}.ipynb",
    "unicode": fullwidth("report") + " 🚀 naïve.ipynb",
}

FUNCTION_CELLS: list[Any] = [
    ("numbers = [1, 2, 3]", ["function:load"]),
    ("total = sum(numbers)", ["function:add_up"]),
    ("assert total == 6", ["test"]),
]
EXPORT_ONLY_CELLS: list[Any] = [("SCALE = 2\ndef double(x):\n    return x * SCALE", ["export"])]


@pytest.mark.parametrize("cells", [FUNCTION_CELLS, EXPORT_ONLY_CELLS], ids=["steps", "export"])
@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES), ids=str)
def test_a_hostile_file_name_builds_a_package_that_runs_nothing_injected(
    tmp_path: Path, name: str, cells: list[Any]
) -> None:
    notebook = HOSTILE_NAMES[name]
    write_notebook(tmp_path / notebook, cells)

    result = run_cli(tmp_path, "build", notebook, "-o", "out", "--name", "hostile")

    assert result.returncode == 0, result.stderr
    assert_every_file_parses(tmp_path / "out")
    ran = run_package(
        tmp_path,
        "hostile",
        "import hostile, json; print(json.dumps(sorted(hostile.run(track=False))))",
    )
    assert ran.returncode == 0, ran.stderr
    expected = ["numbers", "total"] if cells is FUNCTION_CELLS else []
    assert json.loads(ran.stdout.splitlines()[-1]) == expected
    assert not (tmp_path / "PWNED").exists()
    assert not (tmp_path / "out" / "PWNED").exists()


def test_hostile_markdown_stays_in_docstrings_and_descriptions(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "notes.ipynb",
        [
            markdown_cell(f'# Churn 🚀 """ + {INJECTED} + """'),
            markdown_cell(f'## Load\\ the data\x00 """\n{INJECTED}\n"'),
            ("numbers = [1, 2, 3]", ["function:load"]),
        ],
    )

    result = run_cli(tmp_path, "build", "notes.ipynb", "-o", "out", "--name", "hostile")

    assert result.returncode == 0, result.stderr
    assert_every_file_parses(tmp_path / "out")
    ran = run_package(
        tmp_path, "hostile", "import hostile; print(hostile.load.__doc__.splitlines()[0])"
    )
    assert ran.returncode == 0, ran.stderr
    # the docstring is the heading as plain text: quotes and backslashes kept, no NUL
    assert ran.stdout.splitlines()[-1].startswith('Load\\ the data """')
    assert "\x00" not in ran.stdout
    pyproject = tomllib.loads((tmp_path / "out" / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["description"] == f'Churn 🚀 """ + {INJECTED} + """'
    assert not (tmp_path / "PWNED").exists()


# ------------------------------------------------------------------ refused with a code


@dataclass(frozen=True)
class Refused:
    code: str
    write: Callable[[Path], str]
    """Writes the input into the folder and returns the notebook path to build."""
    args: tuple[str, ...] = ()


def notebook(*cells: Any) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        write_notebook(folder / "bad.ipynb", list(cells))
        return "bad.ipynb"

    return write


def fifo(folder: Path) -> str:
    os.mkfifo(folder / "bad.ipynb")
    return "bad.ipynb"


def symlink_loop(folder: Path) -> str:
    (folder / "bad.ipynb").symlink_to("other.ipynb")
    (folder / "other.ipynb").symlink_to("bad.ipynb")
    return "bad.ipynb"


def device(folder: Path) -> str:
    (folder / "bad.ipynb").symlink_to("/dev/zero")
    return "bad.ipynb"


def directory(folder: Path) -> str:
    (folder / "bad.ipynb").mkdir()
    return "bad.ipynb"


def with_version(version: str) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        (folder / "pyproject.toml").write_text(
            f"[tool.nb2pkg]\nversion = {json.dumps(version)}\n", "utf-8"
        )
        return notebook(("x = 1", ["function:load"]))(folder)

    return write


SIMPLE = notebook(("x = 1", ["function:load"]))

REFUSED: dict[str, Refused] = {
    "fifo": Refused("NB001", fifo),
    "symlink-loop": Refused("NB001", symlink_loop),
    "device": Refused("NB001", device),
    "directory": Refused("NB001", directory),
    "deep-unary-nesting": Refused("NB201", notebook(("x = " + "-" * 100_000 + "1", ["export"]))),
    "deep-bracket-nesting": Refused(
        "NB201", notebook(("x = " + "[" * 5_000 + "]" * 5_000, ["function:load"]))
    ),
    "top-level-await": Refused(
        "NB205", notebook(("import asyncio\nx = await asyncio.sleep(0, 1)", ["function:load"]))
    ),
    "top-level-async-with": Refused(
        "NB205",
        notebook(
            ("import contextlib", ["export"]),
            ("async with contextlib.nullcontext(1) as y:\n    z = y", ["function:load"]),
        ),
    ),
    "top-level-async-for": Refused(
        "NB205", notebook(("async for i in source():\n    pass", ["function:load"]))
    ),
    "top-level-return": Refused("NB206", notebook(("x = 1\nreturn x", ["function:load"]))),
    "top-level-yield": Refused("NB206", notebook(("x = 1\nyield x", ["function:load"]))),
    "return-in-export": Refused("NB206", notebook(("x = 1\nreturn x", ["export"]))),
    "exec": Refused(
        "NB207", notebook(("exec('x = 1')", ["function:load"]), ("y = 2", ["function:more"]))
    ),
    "eval": Refused(
        "NB207", notebook(("x = 1", ["function:load"]), ("y = eval('x + 1')", ["function:f"]))
    ),
    "del-export-global": Refused(
        "NB208", notebook(("x = 1", ["export"]), ("y = x + 1\ndel x", ["function:f"]))
    ),
    "del-parameter": Refused(
        "NB208", notebook(("x = 1\ny = 2", ["parameters"]), ("del x\nz = y", ["function:g"]))
    ),
    "fullwidth-identifier": Refused(
        "NB209", notebook((fullwidth("n") + " = 3", ["parameters"]), ("y = n * 2", ["function:g"]))
    ),
    "fullwidth-reserved-function": Refused(
        "NB103", notebook(("x = 1", ["function:" + fullwidth("run")]))
    ),
    "fullwidth-builtin-function": Refused(
        "NB103", notebook(("x = 1", ["function:" + fullwidth("sum")]))
    ),
    "module-of-generated-file": Refused(
        "NB108", notebook(("x = 1", ["function:load", "module:pipeline"]))
    ),
    "name-fullwidth": Refused("NB113", SIMPLE, ("--name", fullwidth("demo"))),
    "name-mlflow": Refused("NB114", SIMPLE, ("--name", "mlflow")),
    "name-os": Refused("NB114", SIMPLE, ("--name", "os")),
    "name-sys": Refused("NB114", SIMPLE, ("--name", "sys")),
    "name-json": Refused("NB114", SIMPLE, ("--name", "json")),
    "name-dunder-main": Refused("NB114", SIMPLE, ("--name", "__main__")),
    "name-of-an-import": Refused(
        "NB114",
        notebook(("import yaml_like_helper", ["export"]), ("x = 1", ["function:load"])),
        ("--name", "yaml_like_helper"),
    ),
    "version-with-newline": Refused("NB521", with_version("0.1.0\n")),
    "version-not-pep440": Refused("NB521", with_version("one")),
}


@pytest.mark.parametrize("case", sorted(REFUSED), ids=str)
def test_bad_input_is_a_coded_diagnostic_not_a_hang_crash_or_broken_package(
    tmp_path: Path, case: str
) -> None:
    bad = REFUSED[case]
    path = bad.write(tmp_path)

    result = run_cli(tmp_path, "build", path, "-o", "out", *bad.args)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    assert bad.code in CODE_IN_TEXT.findall(result.stderr), result.stderr
    assert re.search(r"^\s*= hint: \S", result.stderr, re.MULTILINE), result.stderr
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ odd but fine


def test_a_nul_in_markdown_is_left_out_of_the_docstring(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "a.ipynb",
        [markdown_cell("## Load\x00 it"), ("x = 1", ["function:load"])],
    )

    result = run_cli(tmp_path, "build", "a.ipynb", "-o", "out", "--name", "nul")

    assert result.returncode == 0, result.stderr
    ran = run_package(tmp_path, "nul", "import nul; print(repr(nul.load.__doc__[:7]))")
    assert ran.stdout.strip().splitlines()[-1] == repr("Load it")


def test_an_emoji_title_gives_valid_toml_and_check_agrees(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "a.ipynb", [markdown_cell("# Churn 🚀"), ("x = 1", ["function:load"])]
    )

    built = run_cli(tmp_path, "build", "a.ipynb", "-o", "out", "--name", "churn")
    checked = run_cli(tmp_path, "check", "a.ipynb", "-o", "out", "--name", "churn")

    assert built.returncode == 0, built.stderr
    pyproject = tomllib.loads((tmp_path / "out" / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["description"] == "Churn 🚀"
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_ellipsis_parameter_imports_and_runs(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "a.ipynb", [("e = ...", ["parameters"]), ("x = e", ["function:load"])]
    )

    result = run_cli(tmp_path, "build", "a.ipynb", "-o", "out", "--name", "dots")

    assert result.returncode == 0, result.stderr
    ran = run_package(tmp_path, "dots", "import dots; print(dots.run(track=False)['x'])")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split()[-1] == "Ellipsis"


def test_a_fullwidth_notebook_name_gives_the_module_python_imports(tmp_path: Path) -> None:
    write_notebook(tmp_path / (fullwidth("report") + ".ipynb"), [("x = 1", ["function:load"])])

    result = run_cli(
        tmp_path, "build", fullwidth("report") + ".ipynb", "-o", "out", "--name", "wide"
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "src" / "wide" / "report.py").is_file()
    ran = run_package(tmp_path, "wide", "import wide; print(wide.run(track=False)['x'])")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split()[-1] == "1"


def test_parameters_written_as_bare_tuples_or_over_lines_build_and_run(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "a.ipynb",
        [
            ("x = 1, 2\ny = (3  # three\n)\nz = '''a\nb'''\nh = 'a#b'", ["parameters"]),
            ("t = x, y, z, h", ["function:load"]),
        ],
    )

    result = run_cli(tmp_path, "build", "a.ipynb", "-o", "out", "--name", "params")

    assert result.returncode == 0, result.stderr
    ran = run_package(tmp_path, "params", "import params; print(params.run(track=False)['t'])")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == str(((1, 2), 3, "a\nb", "a#b"))


@pytest.mark.parametrize(
    ("name", "code"), [('x"\n[evil]', "NB113"), ("json", "NB114"), ("__main__", "NB114")]
)
def test_init_refuses_a_package_name_it_cannot_use(tmp_path: Path, name: str, code: str) -> None:
    write_notebook(tmp_path / "a.ipynb", [("x = 1", ["function:load"])])

    result = run_cli(tmp_path, "init", "a.ipynb", "--name", name)

    assert result.returncode == 1, result.stderr
    assert f"error[{code}]" in result.stderr
    assert not (tmp_path / "pyproject.toml").exists()


def test_init_writes_valid_toml_for_any_paths(tmp_path: Path) -> None:
    notebook = 'odd "name" \\ 🚀.ipynb'
    write_notebook(tmp_path / notebook, [("x = 1", ["function:load"])])

    result = run_cli(tmp_path, "init", notebook, "--name", "odd", "-o", 'out "dir"')

    assert result.returncode == 0, result.stderr
    settings = tomllib.loads((tmp_path / "pyproject.toml").read_text("utf-8"))["tool"]["nb2pkg"]
    assert settings["notebooks"] == [notebook]
    assert settings["out"] == 'out "dir"'
