"""IPython syntax → plain Python, with the magic policy of DESIGN.md "Conversion semantics"."""

from __future__ import annotations

import ast

import pytest

from nb2pkg.analysis.cell import analyze_cell
from nb2pkg.ir import MagicUse, Severity
from nb2pkg.notebook.ipython_syntax import to_python


def actions(source: str) -> list[tuple[str, str, int, str]]:
    return [(m.kind, m.name, m.line, m.action) for m in to_python(source).magics]


def statements(source: str) -> list[str]:
    """The plain Python a cell becomes, one unparsed statement per entry."""
    return [ast.unparse(node) for node in ast.parse(to_python(source).source).body]


def test_plain_python_is_returned_untouched() -> None:
    source = "ratio = 'a%b' % 3\nok = x != y\nprint('done!')\n"

    result = to_python(source)

    assert result.source == source
    assert result.magics == ()


# ------------------------------------------------------------------ kept statements


@pytest.mark.parametrize(
    ("source", "kept", "name"),
    [
        ("%time model = fit(X, y)\n", ["model = fit(X, y)"], "time"),
    ],
)
def test_time_line_magics_keep_their_statement(source: str, kept: list[str], name: str) -> None:
    assert statements(source) == kept
    assert actions(source) == [("line-magic", name, 1, "unwrapped")]


@pytest.mark.parametrize(
    "source", ["%timeit total = sum(xs)\n", "%timeit -n 3 -r 2 total = sum(xs)\n"]
)
def test_timeit_binds_nothing_so_it_is_dropped(source: str) -> None:
    assert statements(source) == []
    assert actions(source) == [("line-magic", "timeit", 1, "dropped")]


def test_a_timeit_cell_is_dropped() -> None:
    result = to_python("%%timeit\nx = load()\n")

    assert result.source == ""
    assert [(m.kind, m.action) for m in result.magics] == [("cell-magic", "dropped")]


@pytest.mark.parametrize("magic", ["%%time", "%%prun", "%%capture", "%%capture captured"])
def test_timing_and_capture_cell_magics_keep_their_body(magic: str) -> None:
    source = f"{magic}\nx = load()\n# a comment\ny = x + 1\n"

    result = to_python(source)

    assert result.source == "x = load()\n# a comment\ny = x + 1\n"
    assert result.line_offset == 1
    assert [(m.kind, m.action) for m in result.magics] == [("cell-magic", "unwrapped")]


def test_line_numbers_inside_an_unwrapped_cell_magic_count_from_the_cell() -> None:
    source = "%%time\nx = 1\n!ls\n"

    assert actions(source) == [
        ("cell-magic", "time", 1, "unwrapped"),
        ("shell", "ls", 3, "dropped"),
    ]


# ------------------------------------------------------------------ dependencies


@pytest.mark.parametrize(
    ("source", "requirements"),
    [
        ("%pip install pandas\n", ("pandas",)),
        ("%pip install -q 'scikit-learn>=1.3' pandas==2.2\n", ("scikit-learn>=1.3", "pandas==2.2")),
        ("!pip install requests\n", ("requests",)),
        ("!pip3 install --upgrade rich\n", ("rich",)),
        ("!python -m pip install tqdm\n", ("tqdm",)),
        ("%pip install --index-url https://example.org/simple polars\n", ("polars",)),
    ],
)
def test_pip_install_becomes_a_dependency(source: str, requirements: tuple[str, ...]) -> None:
    result = to_python(source)

    assert result.pip_requirements == requirements
    assert [(m.kind, m.action) for m in result.magics] == [("pip", "dependency")]
    assert statements(source) == []


def test_pip_install_of_a_requirements_file_adds_nothing_and_is_dropped() -> None:
    result = to_python("%pip install -r requirements.txt\n")

    assert result.pip_requirements == ()
    assert [m.action for m in result.magics] == ["dropped"]


def test_pip_requirements_reach_the_cell_analysis() -> None:
    parsed = analyze_cell("%pip install seaborn\nimport seaborn as sns\n")

    assert parsed.analysis.pip_requirements == ("seaborn",)
    assert [i.bound for i in parsed.analysis.imports] == ["sns"]
    assert parsed.problems == ()


# ------------------------------------------------------------------ dropped


@pytest.mark.parametrize(
    ("source", "kind", "name"),
    [
        ("!ls -l data/\nx = 1\n", "shell", "ls"),
        ("len?\nx = 1\n", "help", "pinfo"),
        ("?len\nx = 1\n", "help", "pinfo"),
        ("%matplotlib inline\nx = 1\n", "line-magic", "matplotlib"),
        ("%load_ext autoreload\nx = 1\n", "line-magic", "load_ext"),
    ],
)
def test_shell_help_and_other_line_magics_are_dropped(source: str, kind: str, name: str) -> None:
    assert statements(source) == ["x = 1"]
    assert actions(source) == [(kind, name, 1, "dropped")]


def test_a_dropped_line_is_a_warning_naming_it_with_its_line() -> None:
    parsed = analyze_cell("x = 1\n%matplotlib inline\n")

    (problem,) = parsed.problems
    assert (problem.code, problem.severity, problem.line) == ("NB203", Severity.WARNING, 2)
    assert "%matplotlib inline" in problem.message


def test_dropping_keeps_the_remaining_lines_where_they_were() -> None:
    source = "!echo start\nx = 1\n%who\ny = x\n"

    lines = to_python(source).source.splitlines()

    assert lines[1] == "x = 1"
    assert lines[3] == "y = x"


# ------------------------------------------------------------------ unsupported


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("files = !ls\n", "shell"),
        ("home = %env HOME\n", "line-magic"),
    ],
)
def test_capturing_ipython_output_in_a_name_is_unsupported(source: str, kind: str) -> None:
    (use,) = to_python(source).magics

    assert (use.kind, use.action) == (kind, "unsupported")
    parsed = analyze_cell(source)
    assert [(p.code, p.severity) for p in parsed.problems] == [("NB202", Severity.ERROR)]


@pytest.mark.parametrize("magic", ["%%bash", "%%sql", "%%writefile out.py", "%%html"])
def test_other_cell_magics_are_unsupported(magic: str) -> None:
    source = f"{magic}\nsome body\n"

    result = to_python(source)

    assert result.magics == (MagicUse("cell-magic", magic[2:].split()[0], 1, "unsupported", magic),)
    assert result.source.strip() == ""
    (problem,) = analyze_cell(source).problems
    assert (problem.code, problem.severity, problem.line) == ("NB202", Severity.ERROR, 1)
    assert magic.split()[0] in problem.message


# ------------------------------------------------------------------ inside blocks


def test_magics_inside_an_indented_block() -> None:
    source = "for i in range(3):\n    %time step(i)\n    !echo $i\n    total = i\n"

    assert statements(source) == ["for i in range(3):\n    step(i)\n    pass\n    total = i"]
    assert actions(source) == [
        ("line-magic", "time", 2, "unwrapped"),
        ("shell", "echo", 3, "dropped"),
    ]


def test_a_block_whose_only_statement_is_dropped_still_parses() -> None:
    source = "if verbose:\n    !nvidia-smi\nx = 1\n"

    assert statements(source) == ["if verbose:\n    pass", "x = 1"]


# ------------------------------------------------------------------ line numbers


def test_leading_blank_lines_keep_the_cells_line_numbers() -> None:
    source = "\n\n!ls\nz = w\n"

    result = to_python(source)

    assert result.source.splitlines()[3] == "z = w"
    assert actions(source) == [("shell", "ls", 3, "dropped")]
    assert analyze_cell(source).analysis.first_line_of == {"w": 4}


def test_leading_blank_lines_before_a_cell_magic() -> None:
    problems = analyze_cell("\n\n%%time\nx = 1\n!ls\ny = (\n").problems

    assert [(p.code, p.line) for p in problems] == [("NB201", 6)]


def test_a_syntax_error_after_a_magic_is_reported_where_it_is() -> None:
    problems = analyze_cell("%matplotlib inline\nx = 1\ndef f(:\n    pass\n").problems

    assert [(p.code, p.line) for p in problems] == [("NB201", 3)]


# ------------------------------------------------------------------ %pylab


def test_pylab_is_the_imports_it_runs_on_its_own_line() -> None:
    result = to_python("%pylab inline\nx = arange(3)\n")

    assert [(m.name, m.action) for m in result.magics] == [("pylab", "unwrapped")]
    assert result.source.splitlines()[1] == "x = arange(3)"
    analysis = analyze_cell("%pylab inline\nx = arange(3)\n").analysis
    assert {b.bound for b in analysis.imports} >= {"np", "plt", "numpy", "pyplot", "pylab"}
    assert [module for module, _line in analysis.star_imports] == ["pylab", "numpy"]
    assert analysis.first_line_of["arange"] == 2


def test_pylab_without_import_all_binds_only_the_modules() -> None:
    analysis = analyze_cell("%pylab --no-import-all\n").analysis

    assert analysis.star_imports == ()
    assert {b.bound for b in analysis.imports} == {
        "numpy", "matplotlib", "pylab", "mlab", "pyplot", "np", "plt"
    }  # fmt: skip


def test_a_cell_ipython_cannot_tokenize_is_left_for_the_parser_to_report() -> None:
    source = "\ta\n a"

    assert to_python(source).source == source
    parsed = analyze_cell(source)
    assert not parsed.parses
    assert [p.severity for p in parsed.problems] == [Severity.ERROR]
