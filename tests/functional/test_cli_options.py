"""The generated CLI accepts the conventional spelling of every parameter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import write_notebook


def _run(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opts", "run", "--no-track", *args],
        cwd=out.parent,
        env={"PYTHONPATH": str(out / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_upper_case_parameters_take_lower_case_options_and_keep_their_own(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "opts.ipynb",
        [
            (
                "SEED = 3  # random seed\nN_ITEMS = 2\nscale = 1.5\nlimit = 1\nLIMIT = 2",
                ["parameters"],
            ),
            ("total = (SEED + N_ITEMS) * scale + limit * 10 + LIMIT * 100", ["function:add"]),
        ],
    )
    result = build([tmp_path / "opts.ipynb"], tmp_path / "out", name="opts", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    out = tmp_path / "out"

    assert "total: 217.5" in _run(out, "--seed", "4", "--n-items", "1").stdout
    assert "total: 217.5" in _run(out, "--SEED", "4", "--N-ITEMS", "1").stdout
    # `limit` and `LIMIT` both exist: each keeps its own spelling, neither is folded.
    assert "total: 327.5" in _run(out, "--limit", "2", "--LIMIT", "3").stdout
    helped = _run(out, "--help").stdout
    assert "--seed SEED, --SEED SEED" in helped and "random seed" in helped
    refused = _run(out, "--seed", "many")
    assert refused.returncode == 2 and "--seed" in refused.stderr
    # The package's README shows the spelling its command line takes first.
    readme = (out / "README.md").read_text()
    assert "python -m opts run --seed 3 --n-items 2" in readme
    assert "--SEED" not in readme
