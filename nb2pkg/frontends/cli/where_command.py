"""``nb2pkg where FILE:LINE``: the notebook cell a line of generated code came from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nb2pkg.builder.manifest import SourceSpan


def run(args: argparse.Namespace) -> int:
    from nb2pkg.builder.config import read_settings
    from nb2pkg.builder.manifest import load
    from nb2pkg.builder.provenance import find_package_for_installed
    from nb2pkg.builder.source_lookup import find_package_dir, lookup
    from nb2pkg.frontends.report import EXIT_INPUT_ERROR, EXIT_OK, print_diagnostics

    file, _, line_text = args.location.rpartition(":")
    if not file or not line_text.isdigit():
        print("nb2pkg where: give FILE:LINE, e.g. src/churn/churn.py:42", file=sys.stderr)
        return 2
    # The package holding FILE (nearest parent with a manifest), else the configured output,
    # else (an installed copy a traceback shows) a package folder below here that builds it.
    out = Path(args.out) if args.out else find_package_dir(Path(file))
    if out is None:
        settings, pyproject, _ = read_settings(Path.cwd())
        if "out" in settings and pyproject is not None:
            out = pyproject.parent / str(settings["out"])
        elif args.name:
            out = Path.cwd() / f"{args.name}-pkg"
        else:
            out = find_package_for_installed(Path(file), Path.cwd()) or Path.cwd()
    manifest, problems = load(out)
    if manifest is None:
        print_diagnostics(problems, sys.stderr)
        print(f"no nb2pkg manifest in {out}; pass the package directory with -o", file=sys.stderr)
        return EXIT_INPUT_ERROR
    span = lookup(manifest, file, int(line_text))
    if span is None:
        print(f"{args.location} does not come from a notebook cell", file=sys.stderr)
        return EXIT_INPUT_ERROR
    print(_where_text(span, out, Path(file), int(line_text)))
    return EXIT_OK


def _where_text(span: SourceSpan, package_dir: Path, file: Path, line: int) -> str:
    """``notebook.ipynb:cell 7:line 3 [id …]``, the cell numbered as the notebook is now."""
    from nb2pkg.builder.provenance import current_cell, line_in_cell, notebook_file

    number, within = span.cell_number, None
    notebook = notebook_file(span, package_dir)
    found = current_cell(notebook, span.cell_id) if notebook is not None else None
    if found is not None:
        number, source = found
        if not file.is_file():
            file = package_dir / file  # given relative to the package, as the manifest lists it
        try:
            generated = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            generated = []
        within = line_in_cell(generated, line, span, source)
    text = f"{span.notebook}:cell {number}"
    if within is not None:
        text += f":line {within}"
    return f"{text} [id {span.cell_id}]"
