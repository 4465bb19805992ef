"""Generated packages as a reviewer receives them: ruff-clean with ruff's default settings,
testable with a bare ``pytest`` from their folder, and depending only on what they import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement

from nb2pkg.frontends.api import build
from tests.helpers import pytest_in, run_generated, write_notebook

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "example_notebooks"
CASES = Path(__file__).with_name("cases")
RUFF = Path(sys.executable).with_name("ruff")
EXAMPLE_NAMES = ("classification", "regression", "store_sales", "exploration_messy")
GOLDEN_CASES = sorted(p.name for p in CASES.iterdir() if (p / "input.ipynb").is_file())


def _built_example(name: str, tmp_path: Path) -> Path:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    out = tmp_path / "out"
    result = build([work / f"{name}.ipynb"], out, auto=True, root=work)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    return out


def _built_case(case: str, tmp_path: Path) -> Path:
    work = tmp_path / case
    shutil.copytree(CASES / case, work, ignore=shutil.ignore_patterns("expected"))
    result = build([work / "input.ipynb"], work / "out", name="golden", root=work)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    return work / "out"


def _ruff(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # --isolated: ruff's defaults, whatever configuration surrounds the folder.
    return subprocess.run(
        [str(RUFF), *args, "--isolated", "--no-cache", "."],
        cwd=package,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _assert_ruff_clean(package: Path) -> None:
    assert any(package.rglob("*.py"))
    checked = _ruff(package, "check", "--output-format", "concise")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = _ruff(package, "format", "--check")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_examples_pass_ruff_with_default_settings(example: str, tmp_path: Path) -> None:
    _assert_ruff_clean(_built_example(example, tmp_path))


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden_cases_pass_ruff_with_default_settings(case: str, tmp_path: Path) -> None:
    _assert_ruff_clean(_built_case(case, tmp_path))


def test_pytest_runs_from_the_package_folder_without_installing(tmp_path: Path) -> None:
    package = _built_example("classification", tmp_path)
    ran = pytest_in(package)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert " passed" in ran.stdout


def _requirement_names(package: Path) -> set[str]:
    project = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    return {Requirement(text).name for text in project["project"]["dependencies"]}


def test_an_import_only_unmarked_cells_use_is_no_dependency(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "plain.ipynb",
        [
            ("import numpy as np\nimport matplotlib.pyplot as plt", []),
            ("values = np.arange(4)", ["function:make_values"]),
            ("plt.plot(values)", []),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    names = _requirement_names(tmp_path / "out")
    assert "numpy" in names
    assert "matplotlib" not in names


def test_a_library_the_packaged_code_calls_keeps_its_optional_dependency(tmp_path: Path) -> None:
    # load_wine(as_frame=True) needs pandas, which scikit-learn declares only as optional.
    notebook = write_notebook(
        tmp_path / "wine.ipynb",
        [
            ("import pandas as pd\nfrom sklearn.datasets import load_wine", []),
            ("frame = load_wine(as_frame=True).frame", ["function:load"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    assert {"scikit-learn", "pandas"} <= _requirement_names(tmp_path / "out")


def test_a_local_helper_module_is_vendored_and_no_dependency(tmp_path: Path) -> None:
    (tmp_path / "preamble.py").write_text("def double(x):\n    return 2 * x\n", "utf-8")
    (tmp_path / "settings.py").write_text("SHOWN = 3\n", "utf-8")
    notebook = write_notebook(
        tmp_path / "local.ipynb",
        [
            ("import preamble\nfrom settings import *", []),
            ("doubled = preamble.double(21)", ["function:double_it"]),
            ("print(SHOWN)", []),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    names = _requirement_names(tmp_path / "out")
    assert "preamble" not in names and "settings" not in names
    assert (tmp_path / "out" / "src" / "local" / "preamble.py").is_file()


def test_the_comment_of_a_dropped_last_display_leaves_with_it(tmp_path: Path) -> None:
    """Above the return, ``# show the first rows`` would describe code that is not there."""
    notebook = write_notebook(
        tmp_path / "shown.ipynb",
        [
            ("rows = [3, 1, 2]\n# show the first rows\nrows[:2]", ["function:load_rows"]),
            ("total = sum(rows)", ["function:add_up"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "shown" / "shown.py").read_text(encoding="utf-8")
    assert "    rows = [3, 1, 2]\n    return rows\n" in module
    assert "show the first rows" not in module
    assert "pass" not in module


def test_plotting_a_step_no_longer_does_is_no_dependency(tmp_path: Path) -> None:
    # pandas declares matplotlib as an optional extra (for df.plot()); plots leave the step,
    # and a bare plt.show() draws nothing, so no figures.py draws with matplotlib either.
    notebook = write_notebook(
        tmp_path / "plots.ipynb",
        [
            ("import pandas as pd\nimport matplotlib.pyplot as plt", []),
            ("df = pd.DataFrame({'a': [1, 2]})\nplt.show()", ["function:load"]),
            ("df.plot()", []),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    names = _requirement_names(tmp_path / "out")
    assert "pandas" in names
    assert "matplotlib" not in names
    assert not (tmp_path / "out" / "src" / "plots" / "figures.py").exists()


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
def test_a_package_folder_beside_the_notebook_is_copied_in_and_imported_from_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `shapes/` is the notebook's own code, installed nowhere: the package carries a copy and
    # imports it as its own, sorted with the first-party imports.
    (tmp_path / "shapes").mkdir()
    (tmp_path / "shapes" / "__init__.py").write_text("def square(x):\n    return x * x\n")
    notebook = write_notebook(
        tmp_path / "area.ipynb",
        [
            ("import numpy as np\nfrom shapes import square", []),
            ("sides = np.arange(3)\nareas = square(sides)", ["function:compute_areas"]),
        ],
    )
    monkeypatch.chdir(tmp_path)  # built from the notebook's folder, as `nb2pkg build` is
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    _assert_ruff_clean(tmp_path / "out")
    module = (tmp_path / "out" / "src" / "area" / "area.py").read_text(encoding="utf-8")
    assert "import numpy as np\n\nfrom area.shapes import square\n" in module
    assert "shapes" not in _requirement_names(tmp_path / "out")


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
def test_numbered_steps_seeds_and_rebound_parameters_leave_the_package_ruff_clean(
    tmp_path: Path,
) -> None:
    cells: list[tuple[str, list[str]]] = [
        ("import random", []),
        ("x = 1", ["parameters"]),
        ("random.seed(0)\nroll = random.random()", ["function:task_1"]),
        *((f"v{n} = roll + {n}", [f"function:task_{n}"]) for n in range(2, 11)),
        # Rebinds the parameter `x`, which no step reads: steps() keeps no copy of it.
        ("x = roll * 2", ["function:double_roll"]),
    ]
    notebook = write_notebook(tmp_path / "tasks.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    _assert_ruff_clean(tmp_path / "out")
    package = tmp_path / "out" / "src" / "tasks"
    init = (package / "__init__.py").read_text(encoding="utf-8")
    assert init.index('"task_9"') < init.index('"task_10"')
    pipeline = (package / "pipeline.py").read_text(encoding="utf-8")
    assert "import random\nfrom collections.abc import Iterator\n" in pipeline
    assert "arguments" not in pipeline


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
def test_a_star_import_of_a_copied_helper_stays_in_the_first_party_group(tmp_path: Path) -> None:
    # `from helpers import *` becomes `from area.helpers import *`: first-party, in its own
    # group, as ruff sorts it from the package folder (the build's own import sorting must
    # not move it among numpy's imports).
    (tmp_path / "helpers.py").write_text("SCALE = 2\n", "utf-8")
    notebook = write_notebook(
        tmp_path / "area.ipynb",
        [
            ("import numpy as np\nfrom helpers import *", []),
            ("sides = np.arange(3) * SCALE", ["function:compute_sides"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "area" / "area.py").read_text(encoding="utf-8")
    assert "import numpy as np\n\nfrom area.helpers import *\n" in module
    _assert_ruff_clean(tmp_path / "out")


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
def test_a_copied_helper_keeps_its_code_as_written_and_passes_ruff(tmp_path: Path) -> None:
    # Unsorted imports and `__all__`, a %-format: the user's module, marked, never rewritten
    # (import order can matter to a module that configures a library as it loads).
    (tmp_path / "preamble.py").write_text(
        "import os\nimport math\n\n__all__ = ['twice', 'half']\nSEP = os.sep\n\n"
        "def twice(x):\n    return '%d' % (2 * x)\n\ndef half(x):\n    return math.floor(x / 2)\n",
        "utf-8",
    )
    notebook = write_notebook(
        tmp_path / "local.ipynb",
        [("import preamble", []), ("doubled = preamble.twice(21)", ["function:double_it"])],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    helper = (tmp_path / "out" / "src" / "local" / "preamble.py").read_text("utf-8")
    assert helper.index("import os") < helper.index("import math")
    assert '__all__ = ["twice", "half"]' in helper
    _assert_ruff_clean(tmp_path / "out")
    script = "from local.local import double_it; print(double_it())"
    assert run_generated(tmp_path / "out", script) == "42"


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
def test_a_copied_helper_loses_the_names_its_functions_never_read(tmp_path: Path) -> None:
    # `contours = ax.contourf(…)` never read (ruff's F841): the call stays, the name goes,
    # as in the notebook's own functions; the module's own statements stay as written.
    (tmp_path / "helpers.py").write_text(
        "CALLS = []\nunused_at_top = 1\n\n"
        "def record(x):\n    CALLS.append(x)\n    return x\n\n"
        "def twice(x):\n    contours = record(x)\n    shown = str(x)\n    return 2 * x\n",
        "utf-8",
    )
    notebook = write_notebook(
        tmp_path / "local.ipynb",
        [
            ("import helpers", []),
            ("doubled = (helpers.twice(21), helpers.CALLS)", ["function:double_it"]),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    helper = (tmp_path / "out" / "src" / "local" / "helpers.py").read_text("utf-8")
    assert "    record(x)\n" in helper and "contours" not in helper and "shown" not in helper
    assert "unused_at_top = 1" in helper
    _assert_ruff_clean(tmp_path / "out")
    script = "from local.local import double_it; print(double_it())"
    assert run_generated(tmp_path / "out", script) == "(42, [21])"


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
def test_a_copied_helper_loses_the_imports_nothing_reads_and_a_repeated_one(
    tmp_path: Path,
) -> None:
    # The notebook takes `twice` only: `json` is read by nothing, the second `import math as
    # m` repeats the first (ruff's F401, F811).
    (tmp_path / "helpers.py").write_text(
        "import json\nimport math as m\nimport math as m\n\n"
        "def twice(x):\n    return m.floor(2 * x)\n",
        "utf-8",
    )
    notebook = write_notebook(
        tmp_path / "local.ipynb",
        [("from helpers import twice", []), ("doubled = twice(21)", ["function:double_it"])],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    helper = (tmp_path / "out" / "src" / "local" / "helpers.py").read_text("utf-8")
    assert helper.startswith("import math as m\n\n\ndef twice(x):\n")
    _assert_ruff_clean(tmp_path / "out")
    script = "from local.local import double_it; print(double_it())"
    assert run_generated(tmp_path / "out", script) == "42"


@pytest.mark.skipif(not RUFF.is_file(), reason="ruff is a test dependency: pip install '.[test]'")
def test_a_finding_only_the_header_imports_reveal_is_marked(tmp_path: Path) -> None:
    # `Dict` is typing's and `dt` is the datetime module only in the whole module: each
    # function checked alone showed nothing to mark (UP006, DTZ002, SIM115 once the header
    # imports are there). The code stays as the notebook wrote it.
    notebook = write_notebook(
        tmp_path / "ctx.ipynb",
        [
            ("import datetime as dt\nimport tarfile\nfrom typing import Dict", []),
            ("def count(d: Dict[str, int]) -> int:\n    return sum(d.values())\n", ["export"]),
            (
                "stamp = dt.datetime.today()\nn = count({'a': 1})\n"
                "archive = tarfile.open('data.tar')\narchive.close()",
                ["function:load"],
            ),
        ],
    )
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]
    module = (tmp_path / "out" / "src" / "ctx" / "ctx.py").read_text(encoding="utf-8")
    assert "def count(d: Dict[str, int]) -> int:  # noqa: UP006\n" in module
    assert "    stamp = dt.datetime.today()  # noqa: DTZ002\n" in module
    assert '    archive = tarfile.open("data.tar")  # noqa: SIM115\n' in module
    _assert_ruff_clean(tmp_path / "out")
