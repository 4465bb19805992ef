"""``nb2pkg where``: from a line of generated code back to the notebook cell and its line.

The manifest maps each generated block to a cell id. The cell's number is looked up in the
notebook as it is now (cells added above it since the build renumber it), and the line within
the cell by matching the generated line's text among the cell's lines, in order.
"""

from __future__ import annotations

import json
from pathlib import Path

from nb2pkg.builder.manifest import MANIFEST_PATH, SourceSpan


def notebook_file(span: SourceSpan, package_dir: Path) -> Path | None:
    """The notebook a span names, as a path that exists (it is recorded relative to the build)."""
    recorded = Path(span.notebook)
    candidates = [recorded] if recorded.is_absolute() else []
    candidates += [base / recorded for base in (Path.cwd(), package_dir, *package_dir.parents)]
    candidates.append(package_dir.parent / recorded.name)
    return next((c for c in candidates if c.is_file()), None)


def current_cell(notebook: Path, cell_id: str) -> tuple[int, str] | None:
    """(number as shown in the notebook now, source) of the cell with this id."""
    from nb2pkg.notebook.reader import read_notebook

    read, _ = read_notebook(notebook, str(notebook))
    if read is None:
        return None
    return next(((c.number, c.source) for c in read.cells if c.cell_id == cell_id), None)


def line_in_cell(generated: list[str], line: int, span: SourceSpan, cell_source: str) -> int | None:
    """The 1-based line of the cell that generated line ``line`` comes from, if it can be told.

    Lines of the span are matched to the cell's lines by their text (indentation aside), in
    order, so a statement repeated in the cell is told apart by its position.
    """
    cell_lines = [text.strip() for text in cell_source.splitlines()]
    position = 0
    for number in range(span.start_line, min(line, len(generated)) + 1):
        text = generated[number - 1].strip()
        if not text:
            continue
        try:
            found = cell_lines.index(text, position)
        except ValueError:
            if number == line:
                return None
            continue
        if number == line:
            return found + 1
        position = found + 1
    return None


def find_package_for_installed(file: Path, search: Path) -> Path | None:
    """The package folder (with a manifest) under ``search`` whose package holds ``file``.

    A traceback shows the installed copy (``site-packages/churn/churn.py``), which has no
    manifest beside it; the build's output folder is usually below the working directory.
    """
    parts = file.parts
    for manifest in sorted(search.glob(f"*/{MANIFEST_PATH}")) + sorted(
        search.glob(f"*/*/{MANIFEST_PATH}")
    ):
        folder = manifest.parent.parent
        try:
            package = json.loads(manifest.read_text(encoding="utf-8")).get("package")
        except (OSError, UnicodeDecodeError, ValueError, AttributeError):
            continue
        if isinstance(package, str) and package in parts:
            return folder
    return None
