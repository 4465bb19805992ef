"""The notebooks' own modules, copied into the package: a ``helpers.py`` or a ``helpers/``
package beside a notebook, or in a folder a cell puts on ``sys.path``
(``nb2pkg.plan.import_folders``). An installed package is never installed from an index
under the name of a folder on the user's disk.

Its diagnostic (NB514) is described once, in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nb2pkg.analysis.import_roots import STDLIB, top_level
from nb2pkg.ir import Diagnostic, Location
from nb2pkg.plan.build_environment import BuildEnvironment
from nb2pkg.plan.import_folders import ImportFolder, import_folders
from nb2pkg.plan.notebook_plan import NotebookPlan
from nb2pkg.plan.read_scope import ReadScope


@dataclass
class LocalModules:
    modules: dict[str, str] = field(default_factory=dict)
    """Top-level name → the ``.py`` file or the package folder it is copied from."""
    files: dict[str, str] = field(default_factory=dict)
    """Path inside the package (``helpers.py``, ``homemade/k_means/__init__.py``) → origin."""
    refused: dict[str, str] = field(default_factory=dict)
    """Top-level name → the file the read scope refused (a link out of it)."""
    imports: dict[str, set[str]] = field(default_factory=dict)
    """Origin file → the top-level modules it imports absolutely (each file read once)."""


def local_modules(
    plans: tuple[NotebookPlan, ...],
    environment: BuildEnvironment,
    read_scope: ReadScope | None,
    diagnostics: list[Diagnostic],
) -> LocalModules:
    """The notebooks' own modules the packaged code (or an unmarked cell) imports."""
    found = LocalModules()
    for plan in plans:
        folders: tuple[ImportFolder, ...] | None = None
        pending = _imported_roots(plan)
        while pending:
            root = pending.pop(0)
            if root in found.modules or root in found.refused:
                continue
            if folders is None:
                sources = (cell.parsed.analysis.python_source for cell in plan.cells)
                folders = import_folders(Path(plan.notebook.path).parent, sources)
            origin = _find(root, folders, environment)
            if origin is None:
                continue
            files = dict(_files_of(root, origin, environment))
            outside = [path for path in files.values() if not _allowed(read_scope, path)]
            if outside and read_scope is not None:
                found.refused[root] = outside[0]
                diagnostics.append(
                    read_scope.refusal(Path(outside[0]), "helper module", _importing(plan, root))
                )
                continue
            found.modules[root] = str(origin)
            found.files.update(files)
            # `nsfg.py` imports `thinkstats2`, beside it: copied in too
            for path in files.values():
                found.imports[path] = imported_roots(environment.read_source(Path(path)))
                pending.extend(sorted(found.imports[path] - STDLIB))
    found.modules = dict(sorted(found.modules.items()))
    found.files = dict(sorted(found.files.items()))
    return found


def _imported_roots(plan: NotebookPlan) -> list[str]:
    roots: list[str] = []
    for bindings in (*plan.imports.values(), plan.star_imports):
        for binding in bindings:
            root = top_level(binding)
            if not binding.level and root and root not in STDLIB and root not in roots:
                roots.append(root)
    return roots


def _find(
    root: str, folders: tuple[ImportFolder, ...], environment: BuildEnvironment
) -> Path | None:
    """The module or package ``import root`` finds first in those folders, as Python searches
    them; None when nothing is there, or when an installed distribution comes first (a folder
    a cell appends to ``sys.path`` is searched after them)."""
    installed: bool | None = None
    for entry in folders:
        if not entry.before_installed:
            if installed is None:
                installed = environment.installed(root) is not None
            if installed:
                return None
        if environment.is_file(entry.folder / root / "__init__.py"):
            return entry.folder / root
        if environment.is_file(entry.folder / f"{root}.py"):
            return entry.folder / f"{root}.py"
    return None


def _files_of(root: str, origin: Path, environment: BuildEnvironment) -> Iterator[tuple[str, str]]:
    if origin.suffix == ".py":
        yield f"{root}.py", str(origin)
        return
    for path in environment.python_files(origin):
        yield f"{root}/{path.relative_to(origin).as_posix()}", str(path)


def _allowed(read_scope: ReadScope | None, path: str) -> bool:
    return read_scope is None or read_scope.allows(Path(path))


def _importing(plan: NotebookPlan, root: str) -> Location:
    for cell in plan.cells:
        if any(top_level(b) == root for b in cell.parsed.analysis.imports):
            return Location(plan.notebook.display_path, cell.cell.number, cell.cell.cell_id)
    return Location(plan.notebook.display_path)


def imported_roots(source: str | None) -> set[str]:
    """The top-level modules a Python file imports absolutely (none when it does not parse)."""
    # The stdlib ``ast`` rather than libcst's GatherImportsVisitor: only the top-level module
    # names are needed, and parsing a helper module with libcst took about 40 times as long
    # (measured on a 975-line module: 0.09 s with ``ast``, 3.6 s with libcst and the visitor).
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return set()
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots
