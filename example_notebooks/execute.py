"""Re-execute the example notebooks in place, so their outputs and execution counts are real.

nbval (``pytest --nbval-lax example_notebooks/``) refuses cells that carry outputs
without an execution count, so the committed notebooks must come from a real run.
Run this after editing a notebook:

    python example_notebooks/execute.py            # every notebook in this folder
    python example_notebooks/execute.py regression.ipynb

Each notebook runs top to bottom in a fresh ``python3`` kernel with this folder as
its working directory, exactly as nbval and the integration tests run it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
TIMEOUT_PER_CELL_SECONDS = 120


def execute_in_place(path: Path) -> float:
    """Execute ``path`` top to bottom and write it back; return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=TIMEOUT_PER_CELL_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - started
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [HERE / name for name in argv] if argv else sorted(HERE.glob("*.ipynb"))
    for path in paths:
        elapsed = execute_in_place(path)
        print(f"{path.name}: executed in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
