"""The generated tests read the notebook's data files where the notebook read them, so
``pytest`` passes when run from the package's folder, as the package's README says to run it;
a copy of the package without the notebook's folder beside it reads the default path from the
working directory, as ``run()`` does."""

from __future__ import annotations

import shutil
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.helpers import pytest_in, write_notebook


def test_pytest_from_the_package_folder_reads_the_notebooks_data(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "sales.csv").write_text("day,units\n1,4\n2,6\n", encoding="utf-8")
    notebook = write_notebook(
        project / "sales.ipynb",
        [
            ("import pandas as pd", []),
            ("sales = pd.read_csv('data/sales.csv')", ["function:load_sales"]),
            ("total = int(sales['units'].sum())", ["function:add_up"]),
            ("assert total == 10", ["test"]),
        ],
    )
    out = tmp_path / "packages" / "sales"
    result = build([notebook], out, root=tmp_path)
    assert result.ok, [d.to_json() for d in result.diagnostics]

    done = pytest_in(out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout

    # Moved away from the notebook's folder, the tests read data/sales.csv from where they run.
    moved = tmp_path / "elsewhere" / "deeper" / "sales"
    shutil.copytree(out, moved)
    assert pytest_in(moved).returncode != 0
    (moved / "data").mkdir()
    (moved / "data" / "sales.csv").write_text("day,units\n1,7\n2,3\n", encoding="utf-8")
    done = pytest_in(moved)
    assert done.returncode == 0, done.stdout + done.stderr
