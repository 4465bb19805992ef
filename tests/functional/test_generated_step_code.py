"""What a reviewer reads in generated steps: results returned, no stray prints, ruff-clean."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import run_generated, write_notebook

RUFF = Path(sys.executable).with_name("ruff")


def _build(tmp_path: Path, cells: list[tuple[str, list[str]]]) -> str:
    notebook = write_notebook(tmp_path / "shown.ipynb", cells)
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    return (tmp_path / "out" / "src" / "shown" / "shown.py").read_text(encoding="utf-8")


def _ruff_findings(package: Path) -> str:
    """What ruff (default settings) finds in the module of the notebook's code."""
    module = "src/shown/shown.py"
    checked = subprocess.run(
        [str(RUFF), "check", "--isolated", "--no-cache", "--output-format", "concise", module],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    formatted = subprocess.run(
        [str(RUFF), "format", "--check", "--isolated", "--no-cache", module],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    return (
        "" if checked.returncode == formatted.returncode == 0 else checked.stdout + formatted.stdout
    )


def test_a_step_returns_the_value_its_cell_shows(tmp_path: Path) -> None:
    module = _build(
        tmp_path,
        [
            ("a = [1, 2, 2]\nb = [3, 3, 4]", ["function:load"]),
            ("sorted(zip(a, b))", ["function:pairs"]),
            ("c = [x + y for x, y in zip(a, b)]\nsum(c);", ["function:hidden"]),
            ("log = []\nlog.append(a)", ["function:appends"]),
        ],
    )
    assert "    return sorted(zip(a, b))\n" in module
    assert "the value the notebook cell shows" in module
    # `;` hid the value in the notebook; append returns None: neither is returned
    assert "return sum(c)" not in module
    assert "return log.append(a)" not in module
    shown = run_generated(
        tmp_path / "out",
        "from shown.shown import load, pairs; print(pairs(*load()))",
    )
    assert shown == str(sorted(zip([1, 2, 2], [3, 3, 4], strict=True)))


def test_a_sort_of_a_value_made_on_the_spot_is_returned_not_dropped(tmp_path: Path) -> None:
    # Old pandas' DataFrame.sort returned the sorted frame: a method of a value nothing else
    # holds is called for what it returns, unlike `rows.sort()` on a list the cell keeps.
    module = _build(
        tmp_path,
        [
            (
                "class Frame(dict):\n    def sort(self, key):\n        return sorted(self[key])",
                ["export"],
            ),
            ("d = {'n': [3, 1, 2]}", ["function:load"]),
            ("Frame(d).sort('n')", ["function:by_n"]),
            ("rows = [3, 1]\nrows.sort()", ["function:sort_rows"]),
        ],
    )
    assert '    return Frame(d).sort("n")\n' in module
    assert "return rows.sort()" not in module
    shown = run_generated(
        tmp_path / "out", "from shown.shown import load, by_n; print(by_n(load()))"
    )
    assert shown == "[1, 2, 3]"


def test_prints_inside_loops_and_branches_leave_the_step_unless_kept(tmp_path: Path) -> None:
    source = (
        "total = 0\n"
        "for k, v in d.items():\n"
        "    print(k, v)\n"
        "for n in names:\n"
        "    total += d[n]\n"
        "    print(f'{n}: {total}')\n"
        "if total > 2:\n"
        "    print('big')\n"
        "for i in range(2):\n"
        "    print(i)\n"
        "last = i\n"
    )
    module = _build(
        tmp_path,
        [
            ("d = {'a': 1, 'b': 2}\nnames = list(d)", ["function:load"]),
            (source, ["function:summary"]),
            ("for n in names:\n    print(n)\nkept = len(names)", ["function:report", "keep"]),
        ],
    )
    summary = module[module.index("def summary") : module.index("def report")]
    assert "print" not in summary
    assert "d.items()" not in summary and "if total" not in summary
    assert "    for i in range(2):\n        pass\n    last = i\n" in summary  # i is read after
    assert "        print(n)\n" in module[module.index("def report") :]
    values = run_generated(
        tmp_path / "out",
        "from shown.shown import load, summary; print(summary(*load()))",
    )
    assert values == "(3, 1)"


def test_the_module_keeps_the_last_of_redefined_functions_and_lists_it_once(
    tmp_path: Path,
) -> None:
    module = _build(
        tmp_path,
        [
            ("def parse(x):\n    return int(x)", ["export"]),
            ("def parse(x):\n    return float(x)", ["export"]),
            ("value = parse('2.5')", ["function:convert"]),
        ],
    )
    assert module.count("def parse") == 1
    assert module.count('"parse"') == 1
    assert (
        run_generated(tmp_path / "out", "from shown import run; print(run(track=False)['value'])")
        == "2.5"
    )
    assert _ruff_findings(tmp_path / "out") == ""


def test_an_import_a_cell_makes_itself_is_not_an_earlier_steps_output(tmp_path: Path) -> None:
    module = _build(
        tmp_path,
        [
            ("data = [3, 1, 2]", ["function:load"]),
            ("result = sorted(data)", ["function:order"]),
            ("import json as data\ntext = data.dumps([1])", ["function:dump"]),
        ],
    )
    assert "def dump():" in module
    assert "import json as data" in module


def test_unused_unpacked_names_are_marked_unused(tmp_path: Path) -> None:
    module = _build(
        tmp_path,
        [
            ("pairs = (1, 2)", ["function:load"]),
            ("first, second = pairs\ntotal = second * 2", ["function:f"]),
            ("first = second = 0\nout = total + first", ["function:g"]),
        ],
    )
    assert "    _first, second = pairs\n" in module
    assert _ruff_findings(tmp_path / "out") == ""
    assert (
        run_generated(tmp_path / "out", "from shown import run; print(run(track=False)['out'])")
        == "4"
    )


def test_a_step_that_reads_a_module_function_then_redefines_it_runs(tmp_path: Path) -> None:
    """The second ``def`` would make the name local to the whole step (UnboundLocalError,
    ruff's F823): it gets its own name, and each call reads what the notebook's call read."""
    module = _build(
        tmp_path,
        [
            ("def clean(words):\n    return [w.strip() for w in words]", ["export"]),
            ("words = [' a', 'b ']", ["function:load"]),
            (
                "first = clean(words)\n"
                "def clean(words, suffix):\n"
                "    return [w.strip() + suffix for w in words]\n"
                "second = clean(words, '!')",
                ["function:cleaned"],
            ),
        ],
    )
    assert "    first = clean(words)\n" in module
    assert "    second = clean_2(words, " in module
    assert _ruff_findings(tmp_path / "out") == ""
    shown = run_generated(
        tmp_path / "out",
        "from shown.shown import load, cleaned; print(cleaned(load()))",
    )
    assert shown == str((["a", "b"], ["a!", "b!"]))


def test_a_print_whose_arguments_do_work_leaves_the_work_behind(tmp_path: Path) -> None:
    module = _build(
        tmp_path,
        [
            ("items = iter([1, 2, 3])", ["function:load"]),
            (
                "print(next(items))\n"
                "for _ in range(1):\n"
                "    print('next:', next(items))\n"
                "print(*items)\n"  # unpacking consumes: the step uses `items` up
                "rest = list(items)",
                ["function:walk"],
            ),
        ],
    )
    body = module[module.index("def walk(") :]
    assert "    next(items)\n" in body and "        next(items)\n" in body
    assert "print(" not in body and "    for _ in items:" in body
    # the iterator advanced as in the notebook: two items taken, the third printed
    shown = run_generated(
        tmp_path / "out",
        "from shown.shown import load, walk; print(walk(load()))",
    )
    assert shown.endswith("[]")


def test_a_print_unpacking_values_made_on_the_spot_leaves_the_step(tmp_path: Path) -> None:
    module = _build(
        tmp_path,
        [
            (
                "print(*range(3))\n"
                "print(*map(lambda x: x ** 2, range(3)))\n"
                "print(*[1, 2])\n"
                "pairs = zip([1], [2])\n"
                "print(*pairs)\n"  # `pairs` is consumed, and the step returns it: used up
                "n = 3",
                ["function:shows"],
            ),
        ],
    )
    body = module[module.index("def shows(") :]
    assert "print(" not in body and "    for _ in pairs:" in body
    assert "range(3)" not in body


def test_an_export_cell_keeps_its_statements_and_passes_ruff(tmp_path: Path) -> None:
    """Ruff's fixes would change the cell's syntax tree (``class Point(object)``), which the
    build's self-check refuses: an export cell only gets a named ``noqa``."""
    module = _build(
        tmp_path,
        [
            ("class Point(object):\n    x = 1", ["export"]),
            ("p = Point()\nvalue = p.x + 1", ["function:make"]),
        ],
    )
    assert "class Point(object):  # noqa: UP004\n" in module
    assert _ruff_findings(tmp_path / "out") == ""


def test_an_import_only_a_dropped_print_used_leaves_the_module(tmp_path: Path) -> None:
    module = _build(
        tmp_path,
        [
            ("import math\nimport statistics", []),
            (
                "values = [1.0, 2.0]\nprint(math.pi)\nmiddle = statistics.mean(values)",
                ["function:f"],
            ),
        ],
    )
    assert "import statistics\n" in module
    assert "import math\n" not in module
    assert _ruff_findings(tmp_path / "out") == ""


def test_a_counter_a_step_adds_to_keeps_its_start_value(tmp_path: Path) -> None:
    """``c += total`` reads ``c``: ``c = 0`` before it is no dead store, even when no later
    cell reads ``c`` (a later cell binds it anew)."""
    _build(
        tmp_path,
        [
            ("c = 0\ntotal = -2\nc += total\nitems = [total, total]", ["function:count"]),
            ("c = sum(items)", ["function:add_up"]),
        ],
    )
    shown = run_generated(tmp_path / "out", "from shown import run; print(run(track=False)['c'])")
    assert shown == "-4"  # and step `count` ran: before, it failed with UnboundLocalError


def test_a_long_default_is_described_not_copied_into_the_docstring(tmp_path: Path) -> None:
    table = "{" + ", ".join(f"'c{i}': [{i}, {i + 1}, {i + 2}]" for i in range(8)) + "}"
    code = _build(
        tmp_path,
        [
            (f"raw = {table}", ["parameters"]),
            ("total = sum(sum(v) for v in raw.values())", ["function:add_up"]),
        ],
    )
    assert "raw: pipeline parameter (default a dict of 8 keys: 'c0', 'c1'," in code
    docstring = code[code.index('"""', code.index("def add_up")) :]
    assert "[0, 1, 2]" not in docstring.split('"""')[1]


def test_a_helper_used_only_in_its_cell_is_defined_beside_its_step(tmp_path: Path) -> None:
    """A hand port defines such helpers at module level; one that reads the step's own
    variables (or the step's parameters) must stay inside it to keep reading them."""
    module = _build(
        tmp_path,
        [
            ("ages = [3, 25, 70]\nlimit = 60", ["function:load"]),
            (
                "import math\n"
                "def band_of(age):\n"
                "    return 'young' if age < 18 else 'adult'\n"
                "# which band an age falls in\n"
                "def age_band(age):\n"
                "    return 'old' if age > 60 else band_of(age)\n"
                "def over_limit(age):\n"
                "    return age > limit\n"
                "def scaled(age, factor=math.e):\n"
                "    return round(age * factor)\n"
                "offset = 1\n"
                "def shifted(age):\n"
                "    return age + offset\n"
                "bands = [age_band(a) for a in ages]\n"
                "flags = [over_limit(a) for a in ages]\n"
                "moved = [shifted(scaled(a)) for a in ages]",
                ["function:clean"],
            ),
        ],
    )
    step = module[module.index("def clean(") :]
    for helper in ("age_band", "band_of", "scaled"):
        assert f"\ndef {helper}(" in module[: module.index("def clean(")]
        assert f"def {helper}(" not in step
    assert "# which band an age falls in\ndef age_band(" in module
    # each helper says which cell it came from, as the step does
    provenances = re.findall(r"^# (nb2pkg: .*)\n(?:#.*\n)*def (\w+)\(", module, re.MULTILINE)
    by_function = {function: cell for cell, function in provenances}
    assert {"age_band", "band_of", "scaled", "clean"} <= set(by_function)
    assert by_function["age_band"] == by_function["band_of"] == by_function["clean"]
    assert by_function["clean"] != by_function["load"]
    # reads `limit`, a parameter of the step, and `offset`, one of its variables
    assert "    def over_limit(age):\n" in step
    assert "    def shifted(age):\n" in step
    assert '"age_band"' not in module  # not in `__all__`: the steps are the module's API
    assert _ruff_findings(tmp_path / "out") == ""
    shown = run_generated(
        tmp_path / "out",
        "from shown.shown import load, clean; print(tuple(clean(*load())))",
    )
    ages = [3, 25, 70]
    assert shown == str(
        (
            1,  # `offset`, a value the cell leaves
            ["young", "adult", "old"],
            [False, False, True],
            [round(a * 2.718281828459045) + 1 for a in ages],
        )
    )


def test_helpers_that_would_clash_or_are_a_later_steps_input_stay_in_the_step(
    tmp_path: Path,
) -> None:
    module = _build(
        tmp_path,
        [
            ("def fmt(x):\n    return f'<{x}>'", ["export"]),
            ("values = [1, 2]", ["function:load"]),
            (
                "def fmt(x):\n"
                "    return str(x)\n"
                "def len(x):\n"
                "    return 0\n"
                "def double(x):\n"
                "    return 2 * x\n"
                "texts = [fmt(v) for v in values]\n"
                "sizes = [len(v) for v in values]",
                ["function:show"],
            ),
            ("doubled = [double(v) for v in values]", ["function:twice"]),
            ("def only(x):\n    return x", ["function:defines"]),
        ],
    )
    step = module[module.index("def show(") :]
    # `fmt` is the module's exported function, `len` a builtin, `double` a later step's input
    assert "    def fmt(x):\n" in step
    assert "    def len(x):\n" in step
    assert "    def double(x):\n" in step
    # moved out, it would leave its step doing nothing
    assert "    def only(x):\n" in module
    assert _ruff_findings(tmp_path / "out") == ""
    shown = run_generated(
        tmp_path / "out",
        "from shown.shown import load, show, twice; v = load(); d, t, s = show(v); "
        "print(t, s, twice(v, d))",
    )
    assert shown == "['1', '2'] [0, 0] [2, 4]"
