"""A helper module's imports stay when other code takes them from it."""

from __future__ import annotations

from nb2pkg.emit.helper_imports import others_take_its_imports

HELPER = "import numpy as np\nimport os.path\n\n\ndef twice(x):\n    return 2 * x\n"


def test_a_helper_whose_imports_nobody_takes_may_lose_them() -> None:
    others = ["from pkg.helpers import twice\n", "import pkg.helpers as h\nh.twice(2)\n"]
    assert not others_take_its_imports("helpers", HELPER, others)


def test_a_name_taken_from_it_or_a_star_import_keeps_them() -> None:
    assert others_take_its_imports("helpers", HELPER, ["from helpers import np\n"])
    assert others_take_its_imports("helpers", HELPER, ["import helpers\nhelpers.os.sep\n"])
    assert others_take_its_imports("helpers", HELPER, ["from pkg.helpers import *\n"])
