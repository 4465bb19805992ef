"""A cell that reads an imported name which a later import binds to something else (NB317, NB316).

The package imports every name once, at its module's top, as the notebook last imported it."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.emit.imports import ImportContext, render_imports
from nb2pkg.ir import ImportBinding, Severity
from tests.unit.test_dataflow import codes, diagnostics, plan
from tests.unit.test_replanning import _again, _notebook


def test_a_name_imported_again_from_another_module_refuses_its_earlier_reader() -> None:
    result = plan(
        ("from math import cos, pi", []),
        ("angle = pi / 3\nx = cos(angle)", ["function:angle"]),
        ("from numpy import cos, linspace", []),
        ("grid = linspace(0, 1, 5)\ny = cos(grid)", ["function:grid"]),
    )

    [found] = diagnostics(result, "NB317")
    assert found.severity is Severity.ERROR
    assert found.location.cell_number == 2 and found.location.line == 2
    assert "`cos` here is `math.cos`" in found.message
    assert "cell 3 binds `cos` to `numpy.cos`" in found.message
    assert "from numpy import cos as numpy_cos" in found.hint


def test_the_same_import_twice_or_a_read_after_the_later_import_is_fine() -> None:
    result = plan(
        ("import numpy as np\nfrom math import cos", []),
        ("values = np.arange(3)", ["function:load"]),
        ("import numpy as np\nimport numpy.linalg", []),
        ("total = np.sum(values)", ["function:add"]),
        ("from numpy import cos", []),
        ("waves = cos(values)", ["function:waves"]),
    )

    assert codes(result) == []


def test_a_name_a_cell_binds_between_the_imports_is_that_cell_s_value() -> None:
    result = plan(
        ("from math import e", []),
        ("e = 3", ["function:pick"]),
        ("scaled = e * 2", ["function:scale"]),
        ("from numpy import e", []),
    )

    assert "NB317" not in codes(result)


def test_a_star_import_of_another_module_below_refuses_the_reader_between() -> None:
    result = plan(
        ("from math import *", []),
        ("angle = pi / 3\nx = cos(angle)", ["function:angle"]),
        ("from numpy import *", []),
        ("grid = linspace(0, 1, 5)\ny = cos(grid)", ["function:grid"]),
    )

    [found] = diagnostics(result, "NB316")
    assert found.severity is Severity.ERROR
    assert found.location.cell_number == 2
    assert found.message.startswith(
        "`pi`, `cos` here came from `from math import *` (cell 1), but the package runs every "
        "import first, and there `from numpy import *` (cell 3) gives them"
    )
    assert codes(result).count("NB306") == 2


def test_reads_below_every_star_import_and_names_cells_define_are_fine() -> None:
    result = plan(
        ("from math import *\nscale = 2", ["function:setup"]),
        ("doubled = scale * 2", ["function:double"]),
        ("from numpy import *", []),
        ("grid = linspace(0, doubled, 5)", ["function:grid"]),
    )

    assert "NB316" not in codes(result)


def test_planned_again_after_an_edit_the_later_import_is_found(tmp_path: Path) -> None:
    cells = [
        ("from math import cos", []),
        ("x = cos(1.0)", ["function:angle"]),
        ("import numpy as np", []),
    ]
    first, memory = _again(_notebook(cells, tmp_path), tmp_path, None)
    assert "NB317" not in codes(first)

    cells[2] = ("import numpy as np\nfrom numpy import cos", [])
    again, memory = _again(_notebook(cells, tmp_path), tmp_path, memory)
    assert codes(again).count("NB317") == 1

    cells[2] = ("import numpy as np", [])
    back, _ = _again(_notebook(cells, tmp_path), tmp_path, memory)
    assert "NB317" not in codes(back)


def test_a_module_imported_by_either_spelling_is_the_same_import() -> None:
    result = plan(
        ("import matplotlib.pyplot as plt\nfrom matplotlib import cm", []),
        ("figure = plt.figure()\ncolours = cm.viridis", ["function:draw"]),
        ("from matplotlib import pyplot as plt\nimport matplotlib.cm as cm", []),
    )

    assert "NB317" not in codes(result)


def test_a_name_imported_by_name_then_by_a_star_import_is_refused_below_both() -> None:
    result = plan(
        ("import numpy as np\nfrom math import cos", []),
        ("x = cos(np.pi)", ["function:angle"]),  # math's, in the package too
        ("from math import *\nfrom numpy import *", []),
        ("y = cos(np.pi)", ["function:again"]),  # numpy's in the notebook
    )

    [found] = diagnostics(result, "NB316")
    assert found.location.cell_number == 4
    assert found.message.startswith(
        "`cos` here came from `from numpy import *` (cell 3), but the package runs every "
        "import first, and there `from math import cos` (cell 1) gives it"
    )


def test_a_name_imported_by_name_below_a_star_import_is_that_import_s() -> None:
    result = plan(
        ("from numpy import *", []),
        ("from math import cos, pi", []),
        ("x = cos(pi)\ngrid = linspace(0, 1, 3)", ["function:angle"]),
    )

    assert "NB316" not in codes(result)


def test_a_star_import_of_the_module_a_name_was_imported_from_is_fine() -> None:
    result = plan(
        ("import numpy as np\nfrom numpy import cos", []),
        ("x = cos(np.pi)", ["function:angle"]),
        ("from numpy import *", []),
    )

    assert "NB316" not in codes(result)


def test_star_imports_come_first_in_the_notebook_s_order_then_imports_by_name() -> None:
    bindings = [
        ImportBinding("os", "path", None, "path"),
        ImportBinding("numpy", "*", None, "*"),
        ImportBinding("math", "*", None, "*"),
        ImportBinding("math", "cos", None, "cos"),
    ]

    text = render_imports(bindings, ImportContext("pkg", frozenset()))

    assert text.splitlines()[:2] == ["from numpy import *", "from math import *"]
    assert text.index("from math import cos") > text.index("from math import *")
