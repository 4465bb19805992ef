"""The same notebook builds to the same bytes in every process (string hashing is randomised)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli, write_notebook

CELLS = [
    (
        "import numpy as np\nfrom numpy import nan\nimport os.path\nfrom os import path as p\n"
        "import pandas as pd\nfrom pandas import DataFrame",
        [],
    ),
    ("frame = DataFrame({'a': [1.0, nan]}).fillna(np.mean([1, 2]))", ["function:load"]),
    (
        "total = float(pd.Series(frame['a']).sum()) + len(p.sep) + len(os.path.sep)",
        ["function:sum_up"],
    ),
]


def _build(folder: Path, seed: int) -> dict[str, bytes]:
    out = folder / f"out-{seed}"
    seeds = {"PYTHONHASHSEED": str(seed), "SOURCE_DATE_EPOCH": "0"}
    done = run_cli(folder, "build", "demo.ipynb", "-o", out.name, env=seeds)
    assert done.returncode == 0, done.stderr
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_builds_in_different_processes_are_byte_identical(tmp_path: Path) -> None:
    write_notebook(tmp_path / "demo.ipynb", CELLS)
    first = _build(tmp_path, 1)
    for seed in (2, 3, 4, 5):
        assert _build(tmp_path, seed) == first
    module = first["src/demo/demo.py"].decode()
    assert module.index("import numpy as np") < module.index("from numpy import nan")
