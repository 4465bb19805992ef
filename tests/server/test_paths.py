"""The path guard alone: every request path stays inside the server root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nb2pkg.frontends.server.answers import root_relative_json, with_root_relative_paths
from nb2pkg.frontends.server.paths import (
    InvalidPath,
    PathOutsideRoot,
    PathTooLong,
    relative_to_root,
    resolve_inside,
)


def test_paths_inside_the_root_resolve_to_real_paths(tmp_path: Path) -> None:
    # Given a root with a notebook in a subfolder
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nb.ipynb").write_text("{}")
    # When paths that stay inside, even through `..`, are resolved
    direct = resolve_inside(tmp_path, "sub/nb.ipynb")
    detour = resolve_inside(tmp_path, "sub/../sub/./nb.ipynb")
    not_yet = resolve_inside(tmp_path, "sub/new-pkg")
    # Then they are the real absolute paths
    assert direct == detour == (tmp_path / "sub" / "nb.ipynb").resolve()
    assert not_yet == (tmp_path / "sub" / "new-pkg").resolve()
    assert relative_to_root(tmp_path, direct) == "sub/nb.ipynb"


@pytest.mark.parametrize("escape", ["..", "../x.ipynb", "sub/../../x", "sub/../.."])
def test_dot_dot_escapes_are_refused(tmp_path: Path, escape: str) -> None:
    (tmp_path / "root" / "sub").mkdir(parents=True)
    with pytest.raises(PathOutsideRoot):
        resolve_inside(tmp_path / "root", escape)


def test_symlinks_that_lead_out_are_refused_and_those_inside_are_followed(tmp_path: Path) -> None:
    # Given a root with one symlink to a folder outside it and one to a folder inside it
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "inner").mkdir(parents=True)
    outside.mkdir()
    (root / "out-link").symlink_to(outside, target_is_directory=True)
    (root / "in-link").symlink_to(root / "inner", target_is_directory=True)
    # Then the outward link is refused, also for paths that do not exist yet
    with pytest.raises(PathOutsideRoot):
        resolve_inside(root, "out-link/nb.ipynb")
    with pytest.raises(PathOutsideRoot):
        resolve_inside(root, "out-link/new/pkg")
    # And the inward one resolves to its target
    assert resolve_inside(root, "in-link/x") == (root / "inner" / "x").resolve()


def test_a_root_reached_through_a_symlink_still_confines(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    assert resolve_inside(tmp_path / "alias", "a.ipynb") == (tmp_path / "real" / "a.ipynb")
    with pytest.raises(PathOutsideRoot):
        resolve_inside(tmp_path / "alias", "../real2")


@pytest.mark.parametrize("bad", ["", "   ", "/etc/passwd", "a\x00b"])
def test_unusable_paths_are_invalid(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InvalidPath):
        resolve_inside(tmp_path, bad)


@pytest.mark.parametrize(
    "bad", ["a" * 1025, "a/" * 64 + "x.ipynb", "a\\" * 70 + "x", "/" * 100_000]
)
def test_paths_over_the_bounds_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(PathTooLong):
        resolve_inside(tmp_path, bad)


def test_a_path_at_the_bounds_resolves(tmp_path: Path) -> None:
    at_bounds = "/".join(["a"] * 63 + ["x.ipynb"])
    assert resolve_inside(tmp_path, at_bounds) == tmp_path.resolve().joinpath(*at_bounds.split("/"))


def test_answers_show_the_root_and_its_parents_relative(tmp_path: Path) -> None:
    root = tmp_path / "root"
    answer = {
        "diagnostics": [f"{root}/sub/nb.ipynb:3: bad", f"out {tmp_path}/pkg is outside", str(root)],
        "n": 3,
    }
    assert with_root_relative_paths(answer, str(root)) == {
        "diagnostics": ["sub/nb.ipynb:3: bad", "out ../pkg is outside", "."],
        "n": 3,
    }


@pytest.mark.parametrize("folder", ["root", "wurzel ünïcode 📓", 'quote"and\\backslash'])
def test_the_json_answer_is_the_relative_answer_with_or_without_paths_in_it(
    tmp_path: Path, folder: str
) -> None:
    root = tmp_path / folder
    with_paths = {"where": [f"{root}/nb.ipynb:1", {"deep": f"see {tmp_path}/x"}], "n": 1}
    without = {"where": ["nb.ipynb:1", {"deep": "see x"}], "key" + str(root): 2}
    for answer in (with_paths, without):
        text = root_relative_json(answer, str(root))
        assert json.loads(text) == with_root_relative_paths(answer, str(root))
    assert str(tmp_path) not in root_relative_json(with_paths, str(root))
