"""Nothing a notebook or its folder holds makes nb2pkg run user code.

Each case writes a notebook, and sometimes files beside it, whose code would create a marker file
if it ran: in every kind of cell, in the places Python evaluates while defining a function or a
class, in helper modules the notebook imports, in magics and shell escapes, in the files Python,
pytest, pip and IPython run on their own (sitecustomize.py, a .pth file, conftest.py, setup.py,
a build backend, ipython_config.py), and in modules named like nb2pkg's own dependencies. Then
``build``, ``build --auto``, ``show``, ``check`` and ``tag --auto`` run through the real command
line, from the notebook's folder, and the marker must not exist.

The five commands run in one process per case, as the ``nb2pkg`` console script runs them:
``sys.path[0]`` is never the working folder (``python -P``; ``PYTHONPATH`` names this checkout).
The installed console script itself runs them for the cases with modules beside the notebook,
and ``python -m nb2pkg``, which puts the working folder first on the path, for modules named like
nb2pkg's dependencies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import write_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "nb.ipynb"
MARKER = "PWNED"
TOUCH = f"open({MARKER!r}, 'w').close()"
"""The side effect: run from the notebook's folder, it creates the marker there."""
TOUCH_ANYWHERE = "open(__import__('os').path.join({folder!r}, " + repr(MARKER) + "), 'w').close()"

PLAIN = [("n = 3", ["parameters"]), ("total = n * 2", ["function:double"])]

COMMANDS = [
    ["build", NOTEBOOK, "-o", "out", "--name", "demo"],
    ["build", NOTEBOOK, "-o", "out-auto", "--name", "demo", "--auto"],
    ["show", NOTEBOOK],
    ["check", NOTEBOOK, "-o", "out", "--name", "demo"],
    ["tag", NOTEBOOK, "--auto"],
]

RUN_COMMANDS = """
import json, sys
from nb2pkg.frontends.cli.main import main
codes = []
for argv in json.loads(sys.argv[1]):
    try:
        codes.append(main(argv))
    except SystemExit as stop:
        codes.append(stop.code)
print("\\nEXIT CODES " + json.dumps(codes))
"""


@dataclass(frozen=True)
class Way:
    """A way user code could be run: the notebook's cells and the files beside it."""

    cells: list[tuple[str, list[str]]]
    files: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, object] = field(default_factory=dict)


def with_cell(source: str, tags: list[str]) -> list[tuple[str, list[str]]]:
    return [*PLAIN, (source, tags)]


SETUP_PY = f"import setuptools\n{TOUCH_ANYWHERE}\nsetuptools.setup(name='local')\n"

WAYS: dict[str, Way] = {
    "function cell": Way(with_cell(TOUCH, ["function:touch"])),
    "export cell": Way(with_cell(TOUCH, ["export"])),
    "parameters cell": Way([(f"n = 3\nm = {TOUCH}", ["parameters"]), PLAIN[1]]),
    "test cell": Way(with_cell(TOUCH, ["test"])),
    "untagged cell": Way(with_cell(TOUCH, [])),
    "skipped cell": Way(with_cell(TOUCH, ["skip"])),
    "metrics cell": Way(with_cell(f"score = 1\n{TOUCH}", ["metrics"])),
    "module cell": Way(with_cell(TOUCH, ["module:tools"])),
    "def default value": Way(with_cell(f"def f(x={TOUCH}):\n    return x", ["export"])),
    "decorator": Way(with_cell(f"@(lambda f: {TOUCH} or f)\ndef f():\n    return 1", ["export"])),
    "class body": Way(with_cell(f"class C:\n    {TOUCH}", ["export"])),
    "lambda default in a step": Way(
        with_cell(f"g = (lambda y={TOUCH}: y)\nz = n", ["function:lam"])
    ),
    "helper module imported": Way(
        with_cell("import helper\nz = helper.VALUE", ["function:use"]),
        {"helper.py": f"{TOUCH_ANYWHERE}\nVALUE = 1\n"},
    ),
    "helper package imported as mypkg.sub": Way(
        with_cell("import mypkg.sub\nz = mypkg.sub.VALUE", ["function:use"]),
        {
            "mypkg/__init__.py": TOUCH_ANYWHERE + "\n",
            "mypkg/sub.py": f"{TOUCH_ANYWHERE}\nVALUE = 1\n",
        },
    ),
    "%run of a script": Way(
        with_cell("%run script.py\nz = n", ["function:runner"]),
        {"script.py": TOUCH_ANYWHERE + "\n"},
    ),
    "!shell escape": Way(with_cell(f"!touch {MARKER}\nz = n", ["function:shell"])),
    "%%bash cell": Way(with_cell(f"%%bash\ntouch {MARKER}\n", ["function:bash"])),
    "%%bash untagged": Way(with_cell(f"%%bash\ntouch {MARKER}\n", [])),
    "%load_ext of a local module": Way(
        with_cell("%load_ext localext\nz = n", ["export"]),
        {"localext.py": f"{TOUCH_ANYWHERE}\ndef load_ipython_extension(ip):\n    pass\n"},
    ),
    "%pip install of a local path": Way(
        with_cell("%pip install ./local\nz = n", ["function:install"]),
        {"local/setup.py": SETUP_PY},
    ),
    "sitecustomize.py": Way(PLAIN, {"sitecustomize.py": TOUCH_ANYWHERE + "\n"}),
    "usercustomize.py": Way(PLAIN, {"usercustomize.py": TOUCH_ANYWHERE + "\n"}),
    ".pth file": Way(PLAIN, {"evil.pth": f"import os; {TOUCH_ANYWHERE}\n"}),
    "conftest.py": Way(PLAIN, {"conftest.py": TOUCH_ANYWHERE + "\n"}),
    "setup.py": Way(PLAIN, {"setup.py": SETUP_PY}),
    "pyproject.toml with an in-tree build backend": Way(
        PLAIN,
        {
            "pyproject.toml": (
                "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['.']\n"
                "[tool.nb2pkg]\nname = 'demo'\n"
            ),
            "backend.py": TOUCH_ANYWHERE + "\n",
        },
    ),
    "pyproject.toml with hatch build hooks": Way(
        PLAIN,
        {
            "pyproject.toml": (
                "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n"
                "[tool.hatch.build.hooks.custom]\npath = 'hooks.py'\n"
            ),
            "hooks.py": TOUCH_ANYWHERE + "\n",
        },
    ),
    "data-file literal naming a .py file": Way(
        [("n = 3\nsource = 'payload.py'", ["parameters"]), PLAIN[1]],
        {"payload.py": TOUCH_ANYWHERE + "\n"},
    ),
    "ipython_config.py and a startup file": Way(
        with_cell("z = n", ["function:plain"]),
        {
            "ipython_config.py": TOUCH_ANYWHERE + "\n",
            "profile_default/startup/00-touch.py": TOUCH_ANYWHERE + "\n",
        },
    ),
    "kernel startup code in notebook metadata": Way(
        PLAIN,
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
                "argv": ["python", "-c", TOUCH],
                "env": {"PYTHONSTARTUP": "startup.py"},
            },
            "jupyter": {"startup": TOUCH, "exec_lines": [TOUCH]},
            "nb2pkg": {"name": TOUCH},
        },
        files={"startup.py": TOUCH_ANYWHERE + "\n"},
    ),
    "modules named like nb2pkg's dependencies": Way(
        PLAIN,
        {
            f"{module}.py": TOUCH_ANYWHERE + "\n"
            for module in ("libcst", "IPython", "packaging", "nbformat", "tomllib", "jinja2")
        },
    ),
}


def prepare(folder: Path, way: Way) -> None:
    notebook = write_notebook(folder / NOTEBOOK, way.cells)
    if way.metadata:
        content = json.loads(notebook.read_text(encoding="utf-8"))
        content["metadata"].update(way.metadata)
        notebook.write_text(json.dumps(content, indent=1), encoding="utf-8")
    for relative, text in way.files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{folder!r}", repr(str(folder))), encoding="utf-8")


def environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NB2PKG_", "PYTHONSTART"))}
    # A user's IPython profile would be looked for in this folder.
    return {**env, "PYTHONPATH": str(ROOT), "IPYTHONDIR": str(folder)}


def run_cli(folder: Path, *python_options: str) -> tuple[list[object], str]:
    done = subprocess.run(
        [sys.executable, *python_options, RUN_COMMANDS, json.dumps(COMMANDS)],
        cwd=folder,
        env=environment(folder),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    codes = json.loads(done.stdout.rsplit("EXIT CODES ", 1)[1])
    return codes, output


@pytest.mark.parametrize("way", sorted(WAYS), ids=str)
def test_no_command_runs_user_code(tmp_path: Path, way: str) -> None:
    # Given a notebook (and files beside it) whose code would create the marker if it ran
    prepare(tmp_path, WAYS[way])
    # When every command that reads it runs from its folder, as the console script
    codes, output = run_cli(tmp_path, "-P", "-c")
    # Then none ran user code
    assert not (tmp_path / MARKER).exists(), f"{way}: user code ran\n{output}"
    # And each answered with an outcome, not an internal error
    assert len(codes) == len(COMMANDS) and 4 not in codes, (codes, output)
    assert "Traceback" not in output, output


CONSOLE_SCRIPT = Path(sys.executable).parent / "nb2pkg"
LAUNCHER = (
    [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [sys.executable, "-P", "-m", "nb2pkg"]
)
"""The installed console script (``PYTHONPATH`` makes it import this checkout's nb2pkg)."""


@pytest.mark.parametrize(
    "way",
    [
        "modules named like nb2pkg's dependencies",
        "sitecustomize.py",
        ".pth file",
        "helper package imported as mypkg.sub",
    ],
    ids=str,
)
def test_the_console_script_runs_no_module_of_the_folder(tmp_path: Path, way: str) -> None:
    # Given modules and start-up files beside the notebook
    prepare(tmp_path, WAYS[way])
    for command in COMMANDS:
        # When each command runs through the console script, from the notebook's folder
        done = subprocess.run(
            [*LAUNCHER, *command],
            cwd=tmp_path,
            env=environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        # Then no module of the folder ran, and the command answered with an outcome
        output = done.stdout + done.stderr
        assert not (tmp_path / MARKER).exists(), f"{command}: user code ran\n{output}"
        assert done.returncode in (0, 1, 3) and "Traceback" not in output, (command, output)


def test_the_module_form_ignores_modules_named_like_dependencies(tmp_path: Path) -> None:
    # Given modules named like nb2pkg's dependencies beside the notebook
    prepare(tmp_path, WAYS["modules named like nb2pkg's dependencies"])
    for command in COMMANDS:
        # When each command runs as `python -m nb2pkg` from that folder, first on the path
        done = subprocess.run(
            [sys.executable, "-m", "nb2pkg", *command],
            cwd=tmp_path,
            env=environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        # Then the real dependencies were imported: no user module ran, the command answered
        output = done.stdout + done.stderr
        assert not (tmp_path / MARKER).exists(), f"{command}: user code ran\n{output}"
        assert done.returncode in (0, 1, 3) and "Traceback" not in output, (command, output)
    assert (tmp_path / "out" / ".nb2pkg" / "manifest.json").exists()


def test_the_cases_cover_at_least_eighteen_ways() -> None:
    assert len(WAYS) >= 18


def test_the_marker_would_be_seen(tmp_path: Path) -> None:
    # The probe itself: the side effects do create the marker when Python runs them.
    prepare(tmp_path, WAYS["helper module imported"])
    subprocess.run([sys.executable, "-c", "import helper"], cwd=tmp_path, check=True, timeout=60)
    assert (tmp_path / MARKER).exists()
    (tmp_path / MARKER).unlink()
    subprocess.run([sys.executable, "-c", TOUCH], cwd=tmp_path, check=True, timeout=60)
    assert (tmp_path / MARKER).exists()
