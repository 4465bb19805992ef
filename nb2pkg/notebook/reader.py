"""Read and validate an ``.ipynb`` file into a :class:`~nb2pkg.ir.Notebook`.

Validation uses nbformat's own JSON schemas, compiled with fastjsonschema. We load the schema
files from the installed nbformat package without importing ``nbformat`` itself: its import
pulls in jsonschema's format checkers, which cost most of a second on the CLI's hot path.

Its diagnostic codes, NB001-NB005, are described in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg.ir import Diagnostic, Location, Severity
from nb2pkg.notebook.raw_cells import (
    CellColumns,
    cell_columns,
    has_code,
    plainly_structured,
    read_cells,
)

if TYPE_CHECKING:
    from nb2pkg.ir import Notebook

_PYTHON_LANGUAGES = {"python", "python3", "ipython", "ipython3", "python2"}


def read_notebook(
    path: str | Path, shown_as: str | None = None
) -> tuple[Notebook | None, list[Diagnostic]]:
    """Read a notebook file; on any problem return ``None`` and the diagnostics that say why."""
    file = Path(path)
    shown = shown_as or display_path(file, Path.cwd())
    try:
        raw = read_regular_file(file)
    except FileNotFoundError:
        return None, [_error("NB001", f"notebook not found: {shown}", shown, "check the path")]
    except NotRegularFileError as exc:
        return None, [
            _error(
                "NB001",
                f"{shown} is not a regular file: it is {exc.kind}",
                shown,
                "pass the path of an .ipynb file saved by Jupyter",
            )
        ]
    except OSError as exc:
        return None, [
            _error(
                "NB001",
                f"cannot read {shown}: {exc.strerror or exc}",
                shown,
                "check the path and its symbolic links",
            )
        ]
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, [_error("NB001", "the file is not UTF-8 text", shown, "is it a notebook?")]
    except json.JSONDecodeError as exc:
        return None, [
            Diagnostic(
                code="NB001",
                severity=Severity.ERROR,
                message=f"invalid JSON: {exc.msg}",
                location=Location(shown, line=exc.lineno, col=exc.colno),
                hint="the file is damaged; restore it from version control or re-save it in Jupyter",
                source_line=_line_of(raw, exc.lineno),
            )
        ]
    return notebook_from_json(data, str(file.resolve()), shown, hashlib.sha256(raw).hexdigest())


class NotRegularFileError(OSError):
    """The path names a pipe, device, socket or directory: reading it could block or never end."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file; never blocks on a FIFO or reads a device.

    The file is opened without blocking and checked with ``fstat`` before any byte is read, so
    a FIFO swapped in after a check cannot hang the build.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a pipe, device or socket"
            raise NotRegularFileError(f"{path} is {kind}", kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    finally:
        os.close(descriptor)


def notebook_from_json(
    data: Any,
    path: str,
    display_path: str,
    sha256: str | None = None,
    *,
    full_schema: bool = True,
    columns: CellColumns | None = None,
) -> tuple[Notebook | None, list[Diagnostic]]:
    """Validate already-parsed notebook JSON (the server receives it from the browser).

    ``full_schema=False`` checks only the structure nb2pkg reads: the live analysis of a
    notebook JupyterLab holds in memory, where the full schema would cost 15 ms per keystroke.
    ``columns``: ``raw_cells.cell_columns`` of its cells, when the caller knows them already.
    """
    if sha256 is None:
        sha256 = hashlib.sha256(
            json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
        ).hexdigest()
    if columns is None:
        columns = _columns_of(data)
    problem = _shape_problem(
        data, display_path, full_schema=full_schema, cells_checked=columns is not None
    )
    if problem is not None:
        return None, [problem]
    metadata: Mapping[str, Any] = data.get("metadata") or {}
    language = _kernel_language(metadata)
    if language.lower() not in _PYTHON_LANGUAGES:
        return None, [
            _error(
                "NB004",
                f"the notebook's kernel language is {language!r}; nb2pkg converts Python notebooks",
                display_path,
                "choose a Python kernel (Kernel > Change Kernel) and save",
            )
        ]
    from nb2pkg.ir import Notebook

    notebook = Notebook(
        path=path,
        display_path=display_path,
        sha256=sha256,
        nbformat=4,
        nbformat_minor=data.get("nbformat_minor", 0),
        kernel_language=language,
        cells=read_cells(data["cells"], _schema_minor(data), columns),
    )
    if not has_code(notebook.cells):
        return None, [
            _error(
                "NB005",
                "the notebook has no code to convert",
                display_path,
                "add code cells and mark them (e.g. the tag function:load_data)",
            )
        ]
    return notebook, []


def _columns_of(data: Any) -> CellColumns | None:
    """The cells of a notebook as JupyterLab sends it, read column by column (which checks
    their structure too); None for any other shape (read and checked cell by cell)."""
    if not isinstance(data, dict) or not isinstance(data.get("nbformat_minor", 0), int):
        return None
    cells = data.get("cells")
    return cell_columns(cells, _schema_minor(data)) if isinstance(cells, list) else None


def _shape_problem(
    data: Any, display_path: str, *, full_schema: bool, cells_checked: bool = False
) -> Diagnostic | None:
    """Why ``data`` is not an nbformat 4 notebook nb2pkg can read (NB002, NB003), if it is not.
    ``cells_checked``: each cell is known to have the structure nb2pkg reads."""
    if not isinstance(data, dict) or ("cells" not in data and "worksheets" not in data):
        return _error(
            "NB002",
            "this JSON is not a Jupyter notebook (no 'cells')",
            display_path,
            "pass an .ipynb file saved by Jupyter",
        )
    major = data.get("nbformat")
    minor = data.get("nbformat_minor", 0)
    if major != 4 or not isinstance(minor, int):
        return _error(
            "NB003",
            f"unsupported notebook format {major}.{minor}: nb2pkg reads nbformat 4",
            display_path,
            "upgrade it: jupyter nbconvert --to notebook --nbformat 4 --inplace " + display_path,
        )
    schema_minor = _schema_minor(data)
    checked = dict(data, nbformat_minor=schema_minor) if schema_minor != minor else data
    problem = _structure_problem(data, cells_checked) or (
        _schema_problem(checked, schema_minor) if full_schema else None
    )
    if problem is None:
        return None
    return _error(
        "NB002",
        f"invalid notebook: {problem}",
        display_path,
        "re-save the notebook in Jupyter, or repair it with `jupyter nbconvert --to notebook`",
    )


def _schema_minor(data: Mapping[str, Any]) -> int:
    """The nbformat 4 minor version to validate against and read cell ids by.

    Files of nbformat 4.0-4.4 that carry cell ids (written by newer tools) are read as 4.5,
    as nbformat and Jupyter do.
    """
    minor: int = data.get("nbformat_minor", 0)
    with_ids = isinstance(data.get("cells"), list) and any(
        isinstance(c, dict) and "id" in c for c in data["cells"]
    )
    return max(minor, 5) if with_ids else minor


def _kernel_language(metadata: Mapping[str, Any]) -> str:
    kernelspec = metadata.get("kernelspec") or {}
    language_info = metadata.get("language_info") or {}
    for value in (kernelspec.get("language"), language_info.get("name")):
        if isinstance(value, str) and value:
            return value
    name = kernelspec.get("name")
    if isinstance(name, str) and name and "python" not in name.lower():
        # A named kernel without a language (e.g. "ir", "julia-1.9"): trust the name.
        return name
    return "python"


def _structure_problem(data: Mapping[str, Any], cells_checked: bool = False) -> str | None:
    cells = data.get("cells")
    if not isinstance(cells, list):
        return "'cells' is not a list"
    if (cells_checked or plainly_structured(cells)) and isinstance(data.get("metadata", {}), dict):
        return None
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            return f"cell {index + 1} is not an object"
        source = cell.get("source", "")
        if not isinstance(source, str) and not (
            isinstance(source, list) and all(isinstance(line, str) for line in source)
        ):
            return f"cell {index + 1}: 'source' is not text"
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict) or not isinstance(metadata.get("tags", []), list):
            return f"cell {index + 1}: 'metadata.tags' is not a list"
    if not isinstance(data.get("metadata", {}), dict):
        return "'metadata' is not an object"
    return None


def _schema_problem(data: Mapping[str, Any], minor: int) -> str | None:
    validate = _validator(min(max(minor, 0), 5))
    if validate is None:
        return None
    try:
        validate(data)
    except Exception as exc:  # fastjsonschema.JsonSchemaException; imported lazily
        message = getattr(exc, "message", str(exc))
        return str(message).replace("data.", "", 1)
    return None


@functools.cache
def _validator(minor: int) -> Callable[[Any], Any] | None:
    spec = importlib.util.find_spec("nbformat")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    schema_file = root / "v4" / f"nbformat.v4.{minor}.schema.json"
    if not schema_file.exists():
        schema_file = root / "v4" / "nbformat.v4.schema.json"
    import fastjsonschema

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return fastjsonschema.compile(schema)  # type: ignore[no-any-return,unused-ignore]


def display_path(path: Path, root: Path) -> str:
    """``path`` as shown to the user: relative to ``root`` (POSIX) when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
    except (OSError, RuntimeError):  # a symbolic link loop: show the path as given
        try:
            return path.absolute().relative_to(root.absolute()).as_posix()
        except ValueError:
            return str(path)


def _line_of(raw: bytes, lineno: int) -> str | None:
    lines = raw.decode("utf-8", errors="replace").splitlines()
    return lines[lineno - 1] if 0 < lineno <= len(lines) else None


def _error(code: str, message: str, where: str, hint: str) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, Location(where), hint)
