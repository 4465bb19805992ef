"""The folders a notebook's cells put on ``sys.path``, read from the code alone."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.plan.import_folders import ImportFolder, import_folders

HERE = Path("/repo/notebooks/demo")


def test_the_notebooks_folder_comes_first_then_what_cells_insert_then_what_they_append() -> None:
    sources = [
        "import sys\nsys.path.append('../..')",
        "sys.path.insert(0, os.path.abspath(os.path.join('..', 'src')))",
    ]
    assert import_folders(HERE, sources) == (
        ImportFolder(HERE, True),
        ImportFolder(Path("/repo/notebooks/src"), True),
        ImportFolder(Path("/repo"), False),
    )


def test_paths_spelled_through_pathlib_and_os_are_followed() -> None:
    sources = [
        "sys.path.append(str(Path('..').resolve()))",
        "sys.path.extend(['lib', os.path.dirname(os.getcwd())])",
        "sys.path.insert(1, '/opt/shared')",
    ]
    folders = [entry.folder for entry in import_folders(HERE, sources)]
    assert folders == [HERE, Path("/repo/notebooks"), HERE / "lib", Path("/opt/shared")]


def test_computed_paths_and_other_lists_are_not_followed() -> None:
    sources = [
        "sys.path.append(os.environ['LIB'])",
        "for p in ['a', 'b']:\n    sys.path.append(p)",
        "paths.append('..')",
        "sys.path.append('..'",  # does not parse
    ]
    assert import_folders(HERE, sources) == (ImportFolder(HERE, True),)
