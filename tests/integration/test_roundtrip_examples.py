"""Every example notebook reproduces strictly: the package built with ``--auto``, run in a
pristine copy of the examples' folder, ends with every value the notebook ends with
(benchmarks/roundtrip.py, run as a user runs it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "example_notebooks"
# Guards against a hung run; never used to judge speed.
TIMEOUT_SECONDS = 1800


def test_every_example_notebook_reproduces(tmp_path: Path) -> None:
    # Given a copy of the examples with the files beside them (helper modules, data):
    # executing them must not touch the repository
    copies = tmp_path / "examples"
    shutil.copytree(
        EXAMPLES, copies, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    notebooks = sorted(p.relative_to(copies).as_posix() for p in copies.rglob("*.ipynb"))
    assert notebooks, "no example notebooks"
    report = tmp_path / "roundtrip.json"

    # When the round-trip benchmark runs on them
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "benchmarks" / "roundtrip.py"),
            str(copies),
            "--json",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
        cwd=tmp_path,
    )

    # Then every one is strictly reproduced, with values actually compared
    assert completed.returncode == 0, completed.stderr
    outcomes = json.loads(report.read_text(encoding="utf-8"))
    assert [o["notebook"] for o in outcomes] == notebooks
    failures = [f"{o['notebook']}: {o['stage']}: {o['reason']}" for o in outcomes if not o["ok"]]
    assert not failures, "\n".join(failures)
    assert all(o["compared"] and o["compared"] == o["expected"] for o in outcomes)
    assert f"{len(notebooks)} of {len(notebooks)} strictly reproduced" in completed.stdout
