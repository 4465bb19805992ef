"""The self-check compares each generated file with the plan, not only whether it compiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.builder.config import resolve_config
from nb2pkg.builder.planning import plan_config
from nb2pkg.emit.package import RenderedPackage, render_package
from nb2pkg.emit.self_check import check_package
from nb2pkg.ir import EmittedFile
from nb2pkg.plan.package_plan import PackagePlan
from tests.helpers import markdown_cell, write_notebook

MODULE = "src/demo/demo.py"


@pytest.fixture
def rendered(tmp_path: Path) -> tuple[PackagePlan, RenderedPackage]:
    write_notebook(
        tmp_path / "demo.ipynb",
        [
            markdown_cell("# Demo"),
            ("import math\nSCALE = 2", ["export"]),
            markdown_cell("## Load the numbers\nThey come from nowhere."),
            ("numbers = [1, 2, 3]", ["function:load"]),
            ("total = sum(numbers) * SCALE * math.pi", ["function:add_up"]),
            ("assert total > 0", ["test"]),
        ],
    )
    config, problems = resolve_config(["demo.ipynb"], name="demo", root=tmp_path)
    assert config is not None, problems
    plan, diagnostics = plan_config(config)
    assert plan is not None, diagnostics
    return plan, render_package(plan, "0.1.0")


def tampered(package: RenderedPackage, path: str, old: str, new: str) -> list[EmittedFile]:
    content = package.content(path)
    assert content is not None and old in content, content
    return [
        EmittedFile(f.path, content.replace(old, new, 1)) if f.path == path else f
        for f in package.files
    ]


def codes(plan: PackagePlan, files: list[EmittedFile]) -> list[str]:
    return [d.code for d in check_package(plan, "0.1.0", files)]


def test_the_package_as_rendered_passes(rendered: tuple[PackagePlan, RenderedPackage]) -> None:
    plan, package = rendered

    assert check_package(plan, "0.1.0", list(package.files)) == []


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        # A file name that closed the module docstring and added an expression.
        (MODULE, '"""Code of demo.ipynb', '"""Code of """ if print("x") else """demo.ipynb'),
        # A newline in a provenance comment: the rest of the name became a statement.
        (MODULE, "# nb2pkg: demo.ipynb [id cell-2]", '# nb2pkg: demo\nprint("x")\n# [id cell-2]'),
        # A statement added to the export cell's code.
        (MODULE, "SCALE = 2", "SCALE = 2\nSCALE = 3"),
        # A step's docstring that no longer holds the markdown above the cell.
        (MODULE, "Load the numbers", 'Load""" + print("x") + """ the numbers'),
        # A step missing, renamed.
        (MODULE, "def add_up(", "def add_up_renamed("),
        # The version the pipeline reports.
        ("src/demo/pipeline.py", 'VERSION = "0.1.0"', 'VERSION = "9.9.9"'),
        ("src/demo/__init__.py", '__version__ = "0.1.0"', '__version__ = "0.1.0"\nprint("x")'),
        ("src/demo/__main__.py", "def main(", "def main_("),
        ("src/demo/_build.py", "BUILD_TAGS", "print('x')\nBUILD_TAGS"),
        ("tests/test_demo.py", "def test_1(", "def test_other("),
    ],
)
def test_a_statement_the_plan_did_not_intend_is_an_internal_error(
    rendered: tuple[PackagePlan, RenderedPackage], path: str, old: str, new: str
) -> None:
    plan, package = rendered

    assert codes(plan, tampered(package, path, old, new)) == ["NB902"]


def test_a_file_that_does_not_parse_is_nb901(
    rendered: tuple[PackagePlan, RenderedPackage],
) -> None:
    plan, package = rendered

    assert codes(plan, tampered(package, MODULE, "SCALE = 2", "SCALE = \x00")) == ["NB901"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('description = "Demo"', 'description = "Demo \\ud83d\\ude80"'),  # not TOML
        ('version = "0.1.0"', 'version = "0.1.0\\n"'),
        ('name = "demo"', 'name = "mlflow"'),
    ],
)
def test_a_pyproject_that_is_not_valid_toml_or_not_the_plan_is_nb903(
    rendered: tuple[PackagePlan, RenderedPackage], old: str, new: str
) -> None:
    plan, package = rendered

    assert codes(plan, tampered(package, "pyproject.toml", old, new)) == ["NB903"]


def test_an_export_class_whose_docstring_the_formatter_tidies_passes(tmp_path: Path) -> None:
    # `ruff format` strips the indentation of a docstring's blank line: the same docstring.
    write_notebook(
        tmp_path / "demo.ipynb",
        [
            (
                "class Scaler:\n"
                '    """Scale numbers.\n'
                "    \n"
                "    factor : the scale\n"
                '    """\n'
                "    def __init__(self, factor=2):\n"
                "        self.factor = factor\n",
                ["export"],
            ),
            ("total = Scaler().factor * 3", ["function:add_up"]),
        ],
    )
    config, problems = resolve_config(["demo.ipynb"], name="demo", root=tmp_path)
    assert config is not None, problems
    plan, diagnostics = plan_config(config)
    assert plan is not None, diagnostics
    package = render_package(plan, "0.1.0")
    content = package.content(MODULE)
    assert content is not None and '"""Scale numbers.\n\n    factor' in content
    assert check_package(plan, "0.1.0", list(package.files)) == []
    # A docstring changed in its words is still caught.
    changed = tampered(package, MODULE, "Scale numbers.", "Scale other numbers.")
    assert codes(plan, changed) == ["NB902"]
