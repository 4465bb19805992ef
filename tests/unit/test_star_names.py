"""What ``from MODULE import *`` binds, read from the module's source without importing it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nb2pkg.analysis.star_names import star_import_names
from tests.unit.test_dataflow import codes, plan


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    star_import_names.cache_clear()
    yield tmp_path
    star_import_names.cache_clear()


def test_a_literal_all_is_what_the_star_import_binds(modules: Path) -> None:
    (modules / "starlit.py").write_text('__all__ = ["alpha", "beta"]\nalpha = beta = 1\n')
    package = modules / "starpkg" / "inner"
    package.mkdir(parents=True)
    (modules / "starpkg" / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    (package / "__init__.py").write_text("__all__ = ('gamma',)\n")
    (modules / "starpkg" / "leaf.py").write_text("__all__ = ['delta']\n")

    assert star_import_names("starlit") == {"alpha", "beta"}
    assert star_import_names("starpkg.inner") == {"gamma"}
    assert star_import_names("starpkg.leaf") == {"delta"}
    assert "starpkg" not in sys.modules


@pytest.mark.parametrize(
    "source",
    [
        "alpha = 1\n",  # no __all__: every public name
        "__all__ = ['a'] + other.__all__\n",
        "__all__ = ['a']\n__all__ += ['b']\n",
        "__all__ = ['a']\n__all__.extend(['b'])\n",
        "__all__ = [name for name in dir()]\n",
        "__all__ = ['a', some_name]\n",
        "def broken(:\n",
    ],
)
def test_anything_but_one_literal_all_is_not_known(modules: Path, source: str) -> None:
    (modules / "unknowable.py").write_text(source)

    assert star_import_names("unknowable") is None


def test_a_module_not_found_or_without_source_is_not_known(modules: Path) -> None:
    (modules / "compiled").mkdir()
    (modules / "compiled" / "__init__.py").write_text("")
    (modules / "compiled" / "native.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")

    assert star_import_names("no_such_module_here") is None
    assert star_import_names("compiled.native") is None
    assert star_import_names("math") is None  # built into the interpreter


def test_a_star_import_whose_all_leaves_the_name_out_rebinds_nothing(modules: Path) -> None:
    (modules / "offsets_like.py").write_text('__all__ = ["Day", "Hour"]\n')
    (modules / "everything.py").write_text("Day = 1\n")

    def cells(star: str) -> list[tuple[str, list[str]]]:
        return [
            ("from statistics import mean", []),
            (f"from {star} import *", []),
            ("average = mean([1, 2, 3])", ["function:average"]),
        ]

    assert "NB316" not in codes(plan(*cells("offsets_like")))
    assert "NB316" in codes(plan(*cells("everything")))
