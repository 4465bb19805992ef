"""A small notebook builder for tests: cells in, nbformat 4.x JSON out.

    make_notebook([("import pandas as pd", ["export"]), ("df = pd.DataFrame()", ["function:load"])])

A cell is ``(source, tags)`` for a code cell, or a ready cell dict from :func:`code_cell` /
:func:`markdown_cell` when it needs more (an execution count, ``metadata.nb2pkg``, markdown).
Cell ids are deterministic (``cell-1``, ``cell-2``, ... by position) unless given, and are left
out for nbformat minor versions below 5, whose schema has no ids.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CellSpec = tuple[str, Sequence[str]] | Mapping[str, Any]


def code_cell(
    source: str,
    tags: Sequence[str] = (),
    *,
    cell_id: str | None = None,
    execution_count: int | None = None,
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A code cell; ``settings`` becomes its ``metadata.nb2pkg``."""
    metadata: dict[str, Any] = {}
    if tags:
        metadata["tags"] = list(tags)
    if settings is not None:
        metadata["nb2pkg"] = dict(settings)
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": execution_count,
        "metadata": metadata,
        "outputs": [],
        "source": source,
    }
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def markdown_cell(source: str, *, cell_id: str | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {}, "source": source}
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def make_notebook(
    cells: Sequence[CellSpec],
    *,
    nbformat_minor: int = 5,
    language: str = "python",
    kernel_name: str = "python3",
) -> dict[str, Any]:
    """A notebook dict that validates against nbformat's schema for 4.``nbformat_minor``."""
    built: list[dict[str, Any]] = []
    for index, spec in enumerate(cells):
        if isinstance(spec, Mapping):
            cell = dict(spec)
        else:
            source, tags = spec
            cell = code_cell(source, tags)
        if nbformat_minor >= 5:
            cell.setdefault("id", f"cell-{index + 1}")
        else:
            cell.pop("id", None)
        built.append(cell)
    return {
        "nbformat": 4,
        "nbformat_minor": nbformat_minor,
        "metadata": {
            "kernelspec": {
                "name": kernel_name,
                "display_name": kernel_name,
                "language": language,
            },
            "language_info": {"name": language},
        },
        "cells": built,
    }


def write_notebook(path: Path, cells: Sequence[CellSpec], **options: Any) -> Path:
    """Write :func:`make_notebook`'s result to ``path`` (as Jupyter does: indent 1)."""
    path.write_text(json.dumps(make_notebook(cells, **options), indent=1) + "\n", "utf-8")
    return path


def commit_all(repo: Path) -> str:
    """Commit everything in ``repo`` (a new repository if needed); return the commit id."""
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "."],
        ["git", *identity, "commit", "-q", "-m", "notebook"],
    ):
        subprocess.run(command, cwd=repo, check=True, capture_output=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    )
    return head.stdout.strip()


def run_cli(
    folder: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m nb2pkg ARGS`` in ``folder``, as a user runs it; never a traceback.

    ``env`` adds to (or replaces) variables of this process's environment.
    """
    environment = {k: v for k, v in os.environ.items() if k != "NB2PKG_DEBUG"}
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "nb2pkg", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def run_generated(out_dir: Path, script: str) -> str:
    """Run ``script`` with a generated package's ``src`` importable; its last output line."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(out_dir / "src")},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def run_outputs(out_dir: Path, package: str, cwd: Path | None = None) -> dict[str, Any]:
    """``package.run(track=False)`` in a child process (in ``cwd``), its result unpickled."""
    import os
    import pickle
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "outputs.pickle"
        script = (
            f"import pickle, {package}\n"
            f"outputs = {package}.run(track=False)\n"
            f"open({str(dump)!r}, 'wb').write(pickle.dumps(outputs))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd=cwd or out_dir,
            env={**os.environ, "PYTHONPATH": str(out_dir / "src"), "MPLBACKEND": "Agg"},
        )
        assert done.returncode == 0, done.stderr
        outputs: dict[str, Any] = pickle.loads(dump.read_bytes())
    return outputs


def notebook_state(sources: Sequence[str], cwd: Path) -> dict[str, Any]:
    """What plain-Python cells leave bound, run one after the other in ``cwd`` (in-process)."""
    import os

    namespace: dict[str, Any] = {}
    here = Path.cwd()
    os.chdir(cwd)
    try:
        for source in sources:
            exec(compile(source, "<cell>", "exec"), namespace)
    finally:
        os.chdir(here)
    namespace.pop("__builtins__", None)
    return namespace


def top_level_functions(path: Path) -> dict[str, ast.FunctionDef]:
    """The functions a generated module defines at its top level, by name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}


def run_tracked(out_dir: Path, script: str, folder: Path) -> str:
    """Run ``script`` in ``folder`` with a generated package's ``src`` importable and MLflow
    tracking to a SQLite store there (no ``MPLBACKEND``: the package picks its backend);
    its last output line."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=folder,
        env={
            **{k: v for k, v in os.environ.items() if k != "MPLBACKEND"},
            "PYTHONPATH": str(out_dir / "src"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}",
        },
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def pytest_in(folder: Path) -> subprocess.CompletedProcess[str]:
    """``pytest`` run in ``folder`` as a user runs it there, with no ``PYTHONPATH`` of ours."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )


def package_files(out: Path) -> list[Path]:
    """Every file under a package's folder but this machine's environment stamp (git-ignored),
    which a rebuild with nothing changed may write (``nb2pkg.builder.environment_stamp``)."""
    from nb2pkg.builder.environment_stamp import STAMP_PATH

    stamp = out / STAMP_PATH
    return [path for path in sorted(out.rglob("*")) if path.is_file() and path != stamp]
