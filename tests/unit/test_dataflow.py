"""Cross-cell dataflow: tagged cells in, each step's parameters, returns and warnings out."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.builder.environment import InstalledEnvironment
from nb2pkg.ir import Diagnostic, ParamSource, Severity, StepPlan
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.plan.notebook_plan import NotebookPlan, plan_notebook
from nb2pkg.roles.resolve import tag_cells
from tests.helpers import CellSpec, code_cell, make_notebook, markdown_cell


def plan(*cells: CellSpec, folder: Path = Path("/nonexistent")) -> NotebookPlan:
    notebook, problems = notebook_from_json(
        make_notebook(list(cells)), str(folder / "demo.ipynb"), "demo.ipynb"
    )
    assert notebook is not None, problems
    tagged, tag_problems = tag_cells(notebook)
    assert tag_problems == []
    return plan_notebook(notebook, tagged, files=InstalledEnvironment())


def step(result: NotebookPlan, name: str) -> StepPlan:
    return next(s for s in result.steps if s.name == name)


def params(result: NotebookPlan, name: str) -> list[tuple[str, ParamSource, str | None]]:
    return [(p.name, p.source, p.producer or p.default) for p in step(result, name).params]


def diagnostics(result: NotebookPlan, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


def codes(result: NotebookPlan) -> list[str]:
    return [d.code for d in result.diagnostics]


# ------------------------------------------------------------------ reaching definitions


def test_a_name_rebound_in_several_cells_wires_from_its_latest_definition() -> None:
    result = plan(
        ("import pandas as pd", ["export"]),
        ("df = pd.DataFrame({'a': [1, None]})", ["function:load"]),
        ("df = df.dropna()", ["function:clean"]),
        ("df = df.assign(b=df.a * 2)", ["function:enrich"]),
        ("rows = len(df)", ["function:count"]),
    )

    assert params(result, "load") == []
    assert params(result, "clean") == [("df", ParamSource.STEP, "load")]
    assert params(result, "enrich") == [("df", ParamSource.STEP, "clean")]
    assert params(result, "count") == [("df", ParamSource.STEP, "enrich")]
    assert step(result, "clean").returns == ("df",)
    assert result.diagnostics == ()


def test_builtins_and_imported_modules_are_not_parameters() -> None:
    result = plan(
        ("import math", ["export"]),
        ("values = [1, 4, 9]", ["function:load"]),
        ("roots = sorted(math.sqrt(v) for v in values)", ["function:roots"]),
    )

    assert params(result, "roots") == [("values", ParamSource.STEP, "load")]


def test_parameters_in_first_use_order_with_defaults_after_required() -> None:
    result = plan(
        ("lr = 0.1\nepochs = 10\nname = 'run'", ["parameters"]),
        ("data = [1, 2, 3]", ["function:load"]),
        ("model = (sum(data) * lr, epochs, data)", ["function:train"]),
    )

    assert params(result, "train") == [
        ("data", ParamSource.STEP, "load"),
        ("lr", ParamSource.PARAMETER, "0.1"),
        ("epochs", ParamSource.PARAMETER, "10"),
    ]
    assert [(p.name, p.annotation) for p in step(result, "train").params] == [
        ("data", None),
        ("lr", "float"),
        ("epochs", "int"),
    ]


def test_every_literal_of_the_parameters_cell_is_a_run_parameter() -> None:
    result = plan(
        ("lr = 0.1\nname = 'x'\nflag = True\nsizes = [1, 2]", ["parameters"]),
        ("model = lr * 2", ["function:train"]),
    )

    assert [(p.name, p.default, p.annotation) for p in result.run_params] == [
        ("lr", "0.1", "float"),
        ("name", "'x'", "str"),
        ("flag", "True", "bool"),
        ("sizes", "[1, 2]", "list"),
    ]


def test_a_non_literal_parameter_is_an_error_at_its_line() -> None:
    result = plan(
        ("import os", ["export"]),
        ("n = 3\nuser = os.getenv('USER')", ["parameters"]),
        ("total = n * 2", ["function:double"]),
    )

    (problem,) = diagnostics(result, "NB204")
    assert problem.severity is Severity.ERROR
    assert problem.location is not None
    assert (problem.location.cell_number, problem.location.line) == (2, 2)
    assert problem.source_line == "user = os.getenv('USER')"
    assert [p.name for p in result.run_params] == ["n"]


# ------------------------------------------------------------------ inputs nobody packages


def test_an_input_only_an_unmarked_cell_defines_is_a_required_run_parameter() -> None:
    result = plan(
        ("raw = [1, 2, 3]", []),
        ("total = sum(raw)", ["function:summarize"]),
    )

    assert params(result, "summarize") == [("raw", ParamSource.INPUT, None)]
    (run_param,) = result.run_params
    assert (run_param.name, run_param.default) == ("raw", None)
    (warning,) = diagnostics(result, "NB302")
    assert warning.severity is Severity.WARNING
    assert "unmarked cell 1" in warning.message
    assert warning.location is not None and warning.location.cell_number == 2


def test_an_unmarked_cell_rebinding_a_step_output_takes_over() -> None:
    result = plan(
        ("df = [3, 1, 2]", ["function:load"]),
        ("df = sorted(df)", []),
        ("n = len(df)", ["function:count"]),
    )

    assert params(result, "count") == [("df", ParamSource.INPUT, None)]
    assert codes(result) == ["NB302"]


def test_a_name_no_cell_defines_is_a_required_input_with_a_warning() -> None:
    result = plan(("total = sum(raw)", ["function:summarize"]))

    (warning,) = diagnostics(result, "NB303")
    assert "no cell defines it" in warning.message
    assert [(p.name, p.default) for p in result.run_params] == [("raw", None)]


def test_a_name_defined_only_below_its_reader_is_named_as_such() -> None:
    result = plan(("total = sum(raw)", ["function:summarize"]), ("raw = [1]", []))

    (warning,) = diagnostics(result, "NB303")
    assert "later cell" in warning.message


def test_a_skipped_cell_is_not_a_source_of_names() -> None:
    result = plan(("raw = [1]", ["skip"]), ("total = sum(raw)", ["function:summarize"]))

    assert params(result, "summarize") == [("raw", ParamSource.INPUT, None)]
    (warning,) = diagnostics(result, "NB303")
    assert "no cell defines it" in warning.message


def test_imports_in_a_later_cell_are_still_hoisted() -> None:
    result = plan(
        ("x = np.zeros(3)", ["function:make"]),
        ("import numpy as np", []),
    )

    assert params(result, "make") == []
    assert result.run_params == ()
    assert [b.bound for b in result.imports["demo"]] == ["np"]
    assert result.diagnostics == ()


def test_pip_installs_anywhere_in_the_notebook_are_requirements() -> None:
    result = plan(
        ("%pip install 'requests>=2'\n!pip install tqdm", []),
        ("import requests\nsession = requests.Session()", ["function:connect"]),
    )

    assert result.requirements == ("requests>=2", "tqdm")
    assert codes(result) == []


def test_unused_imports_are_not_hoisted() -> None:
    result = plan(
        ("import numpy as np\nimport json", []),
        ("x = np.zeros(3)", ["function:make"]),
    )

    assert [b.bound for b in result.imports["demo"]] == ["np"]


def test_export_cell_names_are_module_level_not_parameters() -> None:
    result = plan(
        ("def double(x):\n    return 2 * x\n\nFACTOR = 3", ["export"]),
        ("y = double(FACTOR)", ["function:compute"]),
    )

    assert params(result, "compute") == []
    assert result.diagnostics == ()


def test_module_tags_place_steps_in_submodules() -> None:
    result = plan(
        ("data = [1, 2]", ["function:load"]),
        ("score = sum(data)", ["function:evaluate", "module:scoring"]),
    )

    assert [(s.name, s.module) for s in result.steps] == [
        ("load", "demo"),
        ("evaluate", "scoring"),
    ]
    assert params(result, "evaluate") == [("data", ParamSource.STEP, "load")]


# ------------------------------------------------------------------ returns


def test_returns_are_the_names_later_packaged_cells_read_in_binding_order() -> None:
    result = plan(
        ("a = 1\nb = 2\nc = 3", ["function:f"]),
        ("d = c + a\nb = d", ["function:g"]),
    )

    assert step(result, "f").returns == ("a", "c")
    assert params(result, "g") == [("c", ParamSource.STEP, "f"), ("a", ParamSource.STEP, "f")]


def test_reads_of_an_unmarked_cell_do_not_make_returns() -> None:
    result = plan(
        ("a = 1\nb = 2", ["function:f"]),
        ("print(a)", []),
        ("a = 3", ["function:g"]),
    )

    assert step(result, "f").returns == ("b",)


def test_values_the_notebook_ends_with_are_returned() -> None:
    result = plan(
        ("a = 1\nb, c = 2, 3\nfor i in range(2):\n    pass\nprint(a)", ["function:f"]),
        ("c = 4", ["function:g"]),
    )

    assert step(result, "f").returns == ("a", "b")
    assert step(result, "g").returns == ("c",)


def test_test_cells_read_step_outputs_through_fixtures() -> None:
    result = plan(
        ("a = 1\nb = 2", ["function:f"]),
        ("assert a == 1", ["test:a_is_one"]),
        ("b = 3", ["function:g"]),
    )

    (test,) = result.tests
    assert test.name == "test_a_is_one"
    assert [(p.name, p.producer) for p in test.fixtures] == [("a", "f")]
    assert step(result, "f").returns == ("a",)


def test_explicit_outputs_in_metadata_override_the_returns() -> None:
    result = plan(
        code_cell("a = 1\nb = 2\nc = 3", ["function:f"], settings={"outputs": ["c", "a"]}),
        ("d = b", ["function:g"]),
    )

    assert step(result, "f").returns == ("c", "a")
    assert codes(result) == []


def test_an_explicit_output_the_cell_does_not_bind_is_an_error() -> None:
    result = plan(code_cell("a = 1", ["function:f"], settings={"outputs": ["zz"]}))

    (problem,) = diagnostics(result, "NB310")
    assert problem.severity is Severity.ERROR
    assert "`zz`" in problem.message


# ------------------------------------------------------------------ hazards


def test_out_of_order_execution_counts_warn_once() -> None:
    result = plan(
        code_cell("a = 1", ["function:f"], execution_count=5),
        code_cell("b = a", ["function:g"], execution_count=2),
        code_cell("c = b", ["function:h"], execution_count=1),
    )

    (warning,) = diagnostics(result, "NB301")
    assert warning.severity is Severity.WARNING
    assert warning.location is not None and warning.location.cell_number == 2
    assert "[2]" in warning.message and "[5]" in warning.message
    assert params(result, "g") == [("a", ParamSource.STEP, "f")]


def test_in_order_and_unexecuted_cells_do_not_warn() -> None:
    result = plan(
        code_cell("a = 1", ["function:f"], execution_count=1),
        code_cell("x = 0", []),
        code_cell("b = a", ["function:g"], execution_count=4),
    )

    assert diagnostics(result, "NB301") == []


def test_a_def_reading_a_notebook_global_is_named() -> None:
    result = plan(
        ("threshold = 3", ["function:settings"]),
        (
            "def over(x):\n    return x > threshold\n\nflags = [over(v) for v in range(5)]",
            ["function:flag"],
        ),
    )

    (warning,) = diagnostics(result, "NB304")
    assert warning.severity is Severity.WARNING
    assert "`over`" in warning.message and "`threshold`" in warning.message
    assert warning.location is not None and warning.location.line == 2
    assert params(result, "flag") == [("threshold", ParamSource.STEP, "settings")]


def test_a_def_reading_an_import_or_export_is_fine() -> None:
    result = plan(
        ("import math\nSCALE = 2", ["export"]),
        ("def f(x):\n    return math.sqrt(x) * SCALE\n\ny = f(4)", ["function:compute"]),
    )

    assert diagnostics(result, "NB304") == []


def test_in_place_mutation_of_an_input_shows_in_the_signature() -> None:
    result = plan(
        ("df = {'a': 1}", ["function:load"]),
        ("df['b'] = 2", ["function:extend"]),
    )

    assert step(result, "extend").mutates == ("df",)
    assert step(result, "extend").signature == "extend(df) -> df  [mutates: df]"
    (note,) = diagnostics(result, "NB307")
    assert note.severity is Severity.INFO


@pytest.mark.parametrize(
    ("first", "second", "code", "line"),
    [
        # a def's read of a global, not the step's first read of the name
        (
            "settings = {'a': 1, 'b': 2}",
            "x = settings['a']\n\ndef f():\n    return settings['b']\n\ny = f()",
            "NB304",
            4,
        ),
        # where the input is changed in place, not where it is first read
        ("df = {'a': 1}", "total = len(df)\nlabel = str(total)\ndf['b'] = total", "NB307", 3),
    ],
    ids=["global-read-in-def", "change-in-place"],
)
def test_a_diagnostic_points_at_the_line_it_is_about(
    first: str, second: str, code: str, line: int
) -> None:
    result = plan((first, ["function:load"]), (second, ["function:use"]))

    (found,) = diagnostics(result, code)
    assert found.location.line == line


def test_a_global_statement_in_packaged_code_warns() -> None:
    result = plan(
        ("counter = 0", ["function:init"]),
        (
            "def bump():\n    global counter\n    counter += 1\n\nbump()\ndone = True",
            ["function:count"],
        ),
    )

    (warning,) = diagnostics(result, "NB305")
    assert warning.location is not None and warning.location.line == 2


def test_a_star_import_warns_and_provides_unbound_names() -> None:
    result = plan(
        ("from math import *", ["export"]),
        ("root = sqrt(2)", ["function:root"]),
    )

    assert codes(result) == ["NB306"]
    assert params(result, "root") == []


def test_a_function_left_empty_warns() -> None:
    result = plan(("import math\nmath", ["function:nothing"]))

    assert codes(result) == ["NB308"]


def test_an_unsupported_cell_magic_is_one_error_not_also_an_empty_function() -> None:
    result = plan(("%%bash\nls -l\n", ["function:listing"]))

    assert codes(result) == ["NB202"]


def test_a_test_that_cannot_fail_warns_and_an_empty_one_is_an_error() -> None:
    result = plan(
        ("a = 1", ["function:f"]),
        ("a", ["test:looks"]),
        ("import math", ["test:imports_only"]),
    )

    assert [(d.code, d.severity) for d in result.diagnostics] == [
        ("NB401", Severity.WARNING),
        ("NB402", Severity.ERROR),
    ]


def test_a_syntax_error_in_an_unmarked_cell_does_not_matter() -> None:
    result = plan(("x = (", []), ("a = 1", ["function:f"]))

    assert result.diagnostics == ()


# ------------------------------------------------------------------ docstrings


def test_docstring_from_the_markdown_above_with_args_and_returns() -> None:
    result = plan(
        ("n = 3", ["parameters"]),
        markdown_cell("## Load the data\nReads the rows."),
        ("rows = list(range(n))", ["function:load"]),
    )

    assert step(result, "load").docstring == (
        "Load the data.\n\nReads the rows.\n\n"
        "Args:\n    n: pipeline parameter (default 3).\n\n"
        "Returns:\n    rows"
    )


def test_data_file_literals_beside_the_notebook_become_parameters(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text("a\n1\n")
    result = plan(
        ("text = open('data/sales.csv').read()\nother = 'missing.csv'", ["function:load"]),
        folder=tmp_path,
    )

    assert params(result, "load") == [("sales_path", ParamSource.DATA_FILE, "'data/sales.csv'")]
    assert result.data_files == {"data/sales.csv": "sales_path"}


# ------------------------------------------------------------------ incremental analysis


def test_replanning_after_one_edit_parses_only_the_edited_cell() -> None:
    cells: list[CellSpec] = [
        (f"value_{i} = {i} + value_{i - 1}" if i else "value_0 = 0", [f"function:step_{i}"])
        for i in range(30)
    ]
    plan(*cells)
    edited = list(cells)
    edited[17] = ("value_17 = 17 * value_16", ["function:step_17"])

    before = analyze_cell.cache_info()
    result = plan(*edited)
    after = analyze_cell.cache_info()

    assert after.misses - before.misses == 1
    assert params(result, "step_18") == [("value_17", ParamSource.STEP, "step_17")]


# ------------------------------------------------------------------ deleted names


def test_a_name_the_cell_deletes_at_the_end_is_no_output_of_it() -> None:
    result = plan(
        ("class Book:\n    pass", ["export"]),
        ("book = Book()\nprint(book)\ndel book\ncount = 1", ["function:make_book"]),
    )
    assert step(result, "make_book").returns == ("count",)


def test_a_name_deleted_then_bound_again_is_an_output() -> None:
    result = plan(
        ("total = 1\ndel total\ntotal = 2", ["function:compute_total"]),
        ("doubled = total * 2", ["function:double"]),
    )
    assert step(result, "compute_total").returns == ("total",)


def test_deleting_a_column_or_an_item_changes_the_frame_it_is_no_deletion_of_it() -> None:
    result = plan(
        ("frame = {'a': 1, 'b': 2}", ["function:load"]),
        ("del frame['a']", ["function:drop_a"]),
        ("size = len(frame)", ["function:measure"]),
    )
    assert params(result, "measure") == [("frame", ParamSource.STEP, "drop_a")]
