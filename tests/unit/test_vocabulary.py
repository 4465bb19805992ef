"""One vocabulary and one code table: the JSON, the README and the code all agree with them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nb2pkg.frontends.cli.tag_parser import ROLES
from nb2pkg.ir import Role
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.roles.diagnostic_codes import CODES, README_END, README_START, markdown_table
from nb2pkg.roles.resolve import tag_cells
from nb2pkg.roles.vocabulary import OUR_TAG_FORMS, python_builtins, resolved_role
from nb2pkg.roles.vocabulary_json import REGENERATE, main, vocabulary_data
from tests.helpers import make_notebook

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY_JSON = ROOT / "labextension" / "src" / "vocabulary.json"
MARKING_CASES = ROOT / "labextension" / "src" / "__tests__" / "marking_cases.json"
CODE = re.compile(r"\bNB\d{3}\b")

# Lists that Python itself defines: they follow the Python that generates the JSON.
_PYTHON_DEFINED = ("python", "pythonKeywords", "pythonSoftKeywords", "pythonBuiltins")


def test_the_committed_json_is_generated_from_the_tables() -> None:
    committed = json.loads(VOCABULARY_JSON.read_text(encoding="utf-8"))
    generated = vocabulary_data()
    same_python = committed["python"] == generated["python"]
    keys = [k for k in generated if same_python or k not in _PYTHON_DEFINED]
    stale = [k for k in keys if committed.get(k) != generated[k]]
    assert not stale, f"{VOCABULARY_JSON} is out of date ({', '.join(stale)}); run: {REGENERATE}"
    assert set(committed) == set(generated), f"regenerate it: {REGENERATE}"


def test_the_builtins_list_ignores_names_ipython_adds_at_run_time() -> None:
    # An IPython shell (the magic's tests start one) adds `display` and `get_ipython` to the
    # builtins module and replaces `exit`: the generated JSON must not depend on that.
    script = (
        "from IPython.testing.globalipapp import start_ipython\n"
        "start_ipython()\n"
        "import builtins\n"
        "from nb2pkg.roles.vocabulary import python_builtins\n"
        "assert 'display' in dir(builtins)\n"
        "print(' '.join(python_builtins()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == list(python_builtins())
    assert "display" not in python_builtins() and "exit" in python_builtins()


def test_the_generator_rewrites_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "vocabulary.json"
    assert main(["--check", str(target)]) == 1
    assert main([str(target)]) == 0
    assert main(["--check", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["roleOfPrefix"]["hide"] == "skip"
    target.write_text(target.read_text(encoding="utf-8").replace('"hide"', '"hid"'), "utf-8")
    assert main(["--check", str(target)]) == 1


def test_the_readme_table_is_the_code_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.find(README_START), readme.find(README_END)
    assert 0 <= start < end, "README.md lost the markers of its diagnostic code table"
    shown = readme[start : end + len(README_END)] + "\n"
    rows = dict(re.findall(r"^\| (NB\d{3}) \| \w+ \| (.*?) \| .* \|$", shown, re.MULTILINE))
    for code, info in CODES.items():
        assert rows.get(code) == info.title.replace("|", "\\|"), f"README's row for {code}"
    assert shown == markdown_table(), (
        "README.md's code table differs from nb2pkg/roles/diagnostic_codes.py: replace it with the "
        "output of `python -m nb2pkg.roles.diagnostic_codes`"
    )


def _codes_in(folder: Path, pattern: str) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in folder.rglob(pattern):
        if "__tests__" in path.parts or path.name in ("diagnostic_codes.py", "vocabulary.json"):
            continue
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return used


def test_every_code_used_in_the_code_is_in_the_table() -> None:
    used = _codes_in(ROOT / "nb2pkg", "*.py")
    for code, places in _codes_in(ROOT / "labextension" / "src", "*.ts").items():
        used.setdefault(code, set()).update(places)
    unknown = {code: sorted(places) for code, places in used.items() if code not in CODES}
    assert not unknown, f"add these codes to nb2pkg/roles/diagnostic_codes.py: {unknown}"
    # And the table lists no code nothing reports (a renamed code leaves no stale row)
    assert set(CODES) <= set(used), sorted(set(CODES) - set(used))


def test_the_tag_commands_role_list_is_the_vocabularys() -> None:
    # Why a copy: tag_parser is imported on every CLI start and stays free of imports.
    assert ROLES == OUR_TAG_FORMS


def test_skip_wins_and_different_roles_conflict() -> None:
    assert resolved_role([(Role.FUNCTION, "train"), (Role.SKIP, None)]) == (Role.SKIP, False)
    assert resolved_role([(Role.FUNCTION, "a"), (Role.EXPORT, None)]) == (None, True)
    assert resolved_role([(Role.FUNCTION, "a"), (Role.FUNCTION, "b")]) == (None, True)
    assert resolved_role([(Role.TEST, None)]) == (Role.TEST, False)
    assert resolved_role([]) == (None, False)


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(MARKING_CASES.read_text(encoding="utf-8"))
    return cases


@pytest.mark.parametrize("case", _cases(), ids=lambda c: json.dumps(c))
def test_the_build_reads_the_shared_marking_cases_as_the_extension_does(
    case: dict[str, Any],
) -> None:
    # The same file drives labextension/src/__tests__/tagging.spec.ts: one rule, two readers.
    source = case.get("source", "x = 1")
    notebook, problems = notebook_from_json(
        make_notebook([(source, case["tags"])]), "/nb/demo.ipynb", "demo.ipynb"
    )
    assert notebook is not None, problems
    tagged, diagnostics = tag_cells(notebook)
    role = tagged[0].role
    assert (None if role is Role.EXPLORATION else role.value) == case["role"]
    assert ("NB106" in {d.code for d in diagnostics}) == case.get("conflict", False)
    if "name" in case:
        assert tagged[0].name == case["name"]


def test_the_extension_gets_the_same_name_rules() -> None:
    data = vocabulary_data()
    assert "sum" in data["pythonBuiltins"] and "__import__" not in data["pythonBuiltins"]
    assert "class" in data["pythonKeywords"] and "run" in data["reservedNames"]
    assert data["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"
