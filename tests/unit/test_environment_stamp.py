"""The environment's stamp: what lets a rebuild with nothing changed skip looking up versions.

The stamp's inputs are real: ``sys.path`` is set to folders made here, and a folder's time is
set with ``os.utime`` (a folder changed "long ago" or "just now").
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from nb2pkg.builder.environment_stamp import (
    STAMP_PATH,
    current_stamp,
    matches_stamp,
    record_stamp,
)
from nb2pkg.frontends.building import build
from tests.helpers import write_notebook

LONG_AGO_NS = time.time_ns() - 3_600_000_000_000


def _date(folder: Path, when_ns: int) -> None:
    os.utime(folder, ns=(when_ns, when_ns))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on ``sys.path`` (the only one)."""
    folder = tmp_path / "site"
    folder.mkdir()
    _date(folder, LONG_AGO_NS)
    monkeypatch.setattr(sys, "path", [str(folder)])
    return folder


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    (folder / ".nb2pkg").mkdir(parents=True)
    return folder


def test_a_recorded_stamp_matches_until_a_distribution_on_the_path_changes(
    site: Path, out: Path
) -> None:
    record_stamp(out, current_stamp("hash-1"))
    assert matches_stamp(out, current_stamp("hash-1"))
    assert not matches_stamp(out, current_stamp("hash-2"))  # another pyproject.toml

    (site / "notes.txt").write_text("a file saved beside the notebook", encoding="utf-8")
    assert matches_stamp(out, current_stamp("hash-1"))

    (site / "probe-1.0.dist-info").mkdir()  # an install
    assert not matches_stamp(out, current_stamp("hash-1"))


def test_a_distribution_replaced_in_place_changes_the_stamp(site: Path, out: Path) -> None:
    info = site / "probe.egg-info"  # a development install: no version in the name
    info.mkdir()
    _date(info, LONG_AGO_NS)
    record_stamp(out, current_stamp("hash"))
    assert matches_stamp(out, current_stamp("hash"))

    _date(info, LONG_AGO_NS + 1_000_000_000)  # written again by a reinstall
    assert not matches_stamp(out, current_stamp("hash"))


def test_a_distribution_changed_too_recently_to_tell_leaves_no_stamp(site: Path, out: Path) -> None:
    info = site / "probe-1.0.dist-info"
    info.mkdir()
    _date(info, time.time_ns() + 60_000_000_000)  # "now" on a coarse clock: not settled
    record_stamp(out, current_stamp("hash"))
    assert not (out / STAMP_PATH).exists()


def test_the_stamp_replaces_a_link_and_never_writes_through_it(
    site: Path, out: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    (out / STAMP_PATH).symlink_to(elsewhere)

    record_stamp(out, current_stamp("hash"))

    assert elsewhere.read_text(encoding="utf-8") == "keep me"
    assert not (out / STAMP_PATH).is_symlink()
    assert matches_stamp(out, current_stamp("hash"))


def test_a_state_folder_that_is_a_link_gets_no_stamp(site: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "linked"
    out.mkdir()
    (out / ".nb2pkg").symlink_to(elsewhere, target_is_directory=True)

    record_stamp(out, current_stamp("hash"))

    assert list(elsewhere.iterdir()) == []


def _build_twice(tmp_path: Path, name: str, *, confine: bool, only_path: list[str]) -> Path:
    """A build, then a rebuild with nothing changed (the one that checks the environment),
    with ``sys.path`` reduced to ``only_path`` (everything it imports was imported by then)."""
    project = tmp_path / name
    project.mkdir()
    write_notebook(project / "steps.ipynb", [("total = 1 + 2", ["function:add"])])
    confine_to = project if confine else None
    first = build([project / "steps.ipynb"], project / "out", confine_to=confine_to)
    assert first.ok, first.diagnostics
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "path", only_path)
        again = build([project / "steps.ipynb"], project / "out", confine_to=confine_to)
    assert again.ok and again.up_to_date, again.diagnostics
    return project / "out"


def test_a_rebuild_stamps_a_fitting_environment_but_a_confined_one_does_not(
    tmp_path: Path,
) -> None:
    """A confined build (the server's) writes only through the writer's checks."""
    site = tmp_path / "site"
    site.mkdir()
    _date(site, LONG_AGO_NS)
    plain = _build_twice(tmp_path, "plain", confine=False, only_path=[str(site)])
    assert (plain / STAMP_PATH).is_file()
    confined = _build_twice(tmp_path, "confined", confine=True, only_path=[str(site)])
    assert not (confined / STAMP_PATH).exists()


def test_the_settings_fingerprint_looks_for_exports_where_export_keeps_them() -> None:
    """A rebuild reads export settings only when their file is there: the same file."""
    from nb2pkg.builder.freshness import EXPORTS_PATH
    from nb2pkg.emit import export_settings

    assert EXPORTS_PATH == export_settings.EXPORTS_PATH
