"""`nb2pkg tag`: only the tags of the chosen cells change; the rest of the file is kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nb2pkg.frontends.cli.tag_command import main


def _notebook() -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Sales\n\n## Load data"),
        nbformat.v4.new_code_cell("n_rows = 100\nseed = 0", execution_count=1),
        nbformat.v4.new_code_cell("df = make(n_rows, seed)", execution_count=2),
        nbformat.v4.new_code_cell(
            "df.head()", execution_count=3, metadata={"tags": ["nbval-skip"]}
        ),
        nbformat.v4.new_code_cell("assert len(df) == n_rows", execution_count=4),
    ]
    for number, cell in enumerate(nb.cells, start=1):
        cell.id = f"cell-{number}"
    nb.cells[3].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "   a\n0  1"}, execution_count=3)
    ]
    return nb


@pytest.fixture
def notebook_file(tmp_path: Path) -> Path:
    path = tmp_path / "sales.ipynb"
    path.write_text(nbformat.writes(_notebook()), encoding="utf-8")
    return path


def _with_tags(nb: Any, tags_by_index: dict[int, list[str]]) -> str:
    for index, tags in tags_by_index.items():
        if tags:
            nb.cells[index].metadata["tags"] = tags
        else:
            nb.cells[index].metadata.pop("tags", None)
    return str(nbformat.writes(nb))


def test_as_function_changes_only_that_cells_tags(notebook_file: Path) -> None:
    assert main(["tag", str(notebook_file), "--cell", "3", "--as", "function:load"]) == 0
    assert notebook_file.read_text(encoding="utf-8") == _with_tags(
        _notebook(), {2: ["function:load"]}
    )


def test_cell_can_be_chosen_by_id(notebook_file: Path) -> None:
    cell_id = json.loads(notebook_file.read_text(encoding="utf-8"))["cells"][4]["id"]
    assert main(["tag", str(notebook_file), "--cell", cell_id, "--as", "test"]) == 0
    assert notebook_file.read_text(encoding="utf-8") == _with_tags(_notebook(), {4: ["test"]})


def test_a_new_role_replaces_the_old_one_and_keeps_other_tools_tags(notebook_file: Path) -> None:
    main(["tag", str(notebook_file), "--cell", "4", "--as", "function:show"])
    main(["tag", str(notebook_file), "--cell", "4", "--as", "metrics"])
    main(["tag", str(notebook_file), "--cell", "4", "--as", "skip"])
    tags = json.loads(notebook_file.read_text(encoding="utf-8"))["cells"][3]["metadata"]["tags"]
    assert tags == ["nbval-skip", "metrics", "skip"]


def test_clear_removes_only_nb2pkg_tags(notebook_file: Path) -> None:
    main(["tag", str(notebook_file), "--cell", "4", "--as", "function:show"])
    main(["tag", str(notebook_file), "--cell", "4", "--as", "module:reports"])
    assert main(["tag", str(notebook_file), "--cell", "4", "--clear"]) == 0
    assert notebook_file.read_text(encoding="utf-8") == nbformat.writes(_notebook())


def test_hand_formatted_file_round_trips_byte_for_byte(tmp_path: Path) -> None:
    # Given a file nbformat did not write: two-space indent, keys in reverse order, CRLF
    raw = json.loads(nbformat.writes(_notebook()))
    raw["cells"] = [dict(reversed(cell.items())) for cell in raw["cells"]]
    text = json.dumps(dict(reversed(raw.items())), indent=2, ensure_ascii=True)
    text = text.replace("\n", "\r\n") + "\r\n"
    path = tmp_path / "hand.ipynb"
    path.write_bytes(text.encode("utf-8"))

    # When a cell is marked
    assert main(["tag", str(path), "--cell", "2", "--as", "parameters"]) == 0

    # Then only its tags changed, in the file's own layout
    marked = path.read_bytes().decode("utf-8")
    expected = json.loads(text)
    expected["cells"][1]["metadata"] = {"tags": ["parameters"]}
    assert json.loads(marked) == expected
    assert "\n" not in marked.replace("\r\n", "")
    assert '\r\n      "metadata": {\r\n        "tags": [\r\n          "parameters"\r\n' in marked

    # And clearing it gives back the original bytes
    assert main(["tag", str(path), "--cell", "2", "--clear"]) == 0
    assert path.read_bytes().decode("utf-8") == text


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (["--cell", "99", "--as", "test"], "NB601"),
        (["--cell", "no-such-id", "--as", "test"], "NB601"),
        (["--cell", "2", "--as", "fonction:x"], "NB602"),
        (["--cell", "2", "--as", "skip:x"], "NB602"),
        (["--cell", "2", "--as", "function"], "NB603"),
        (["--cell", "2", "--as", "function:class"], "NB603"),
        (["--cell", "2", "--as", "function:sum"], "NB603"),
        (["--cell", "2", "--as", "function:run"], "NB603"),
        (["--cell", "2", "--as", "function:2fast"], "NB603"),
    ],
)
def test_bad_requests_get_a_diagnostic_and_leave_the_file_alone(
    notebook_file: Path, arguments: list[str], code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = notebook_file.read_bytes()
    assert main(["tag", str(notebook_file), *arguments]) == 1
    err = capsys.readouterr().err
    assert code in err
    assert "hint:" in err
    assert "Traceback" not in err
    assert notebook_file.read_bytes() == before


def test_unknown_role_lists_the_choices(
    notebook_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["tag", str(notebook_file), "--cell", "2", "--as", "fonction:x"])
    assert "Please choose one of: function:NAME, test" in capsys.readouterr().err


def test_function_without_a_name_suggests_the_heading(
    notebook_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["tag", str(notebook_file), "--cell", "3", "--as", "function"])
    assert "--as function:load_data" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("source", "suggested"),
    [
        ("import pandas as pd\nsales = pd.read_csv('sales.csv')", "load_sales"),
        ("import pandas as pd\ntable = pd.crosstab(a, b)", "compute_table"),
        ("x + 1", "run_cell_2"),
    ],
)
def test_function_without_a_name_or_heading_suggests_a_name_from_the_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, suggested: str
) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Some notes."),
        nbformat.v4.new_code_cell(source),
    ]
    path = tmp_path / "plain.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    assert main(["tag", str(path), "--cell", "2", "--as", "function"]) == 1
    err = capsys.readouterr().err
    assert f"--as function:{suggested}" in err
    assert "compute_result" not in err


def test_invalid_json_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [', encoding="utf-8")
    assert main(["tag", str(path), "--cell", "1", "--as", "test"]) == 1
    assert "NB001" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == '{"cells": ['


def test_auto_prints_a_plan_and_writes_nothing(
    notebook_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = notebook_file.read_bytes()
    assert main(["tag", str(notebook_file), "--auto"]) == 0
    out = capsys.readouterr().out
    assert notebook_file.read_bytes() == before
    rows = [line.split(maxsplit=1) for line in out.splitlines() if line.startswith("  ")]
    lines = {number: row for number, row in rows if number.isdigit()}
    assert "parameters" in lines["2"]
    assert "function:load_data" in lines["3"]
    assert "(kept)" not in lines["4"] and "skip" in lines["4"]
    assert "test" in lines["5"]
    assert "--write" in out


def test_auto_write_tags_the_cells_and_keeps_the_rest(notebook_file: Path) -> None:
    assert main(["tag", str(notebook_file), "--auto", "--write"]) == 0
    expected = _with_tags(
        _notebook(),
        {1: ["parameters"], 2: ["function:load_data"], 3: ["nbval-skip", "skip"], 4: ["test"]},
    )
    assert notebook_file.read_text(encoding="utf-8") == expected


def test_auto_after_write_has_nothing_left_to_mark(
    notebook_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["tag", str(notebook_file), "--auto", "--write"])
    capsys.readouterr()
    before = notebook_file.read_bytes()
    main(["tag", str(notebook_file), "--auto", "--write"])
    assert "Nothing to mark" in capsys.readouterr().out
    assert notebook_file.read_bytes() == before


def test_auto_json_format(notebook_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tag", str(notebook_file), "--auto", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["written"] is False
    assert [c["proposed"] for c in result["cells"]] == [
        "parameters",
        "function:load_data",
        "skip",
        "test",
    ]


@pytest.mark.parametrize(
    "arguments",
    [["--auto", "--cell", "2"], ["--cell", "2", "--as", "test", "--write"], ["--as", "test"]],
)
def test_arguments_that_do_not_fit_exit_with_2(notebook_file: Path, arguments: list[str]) -> None:
    assert main(["tag", str(notebook_file), *arguments]) == 2


def test_runs_through_the_nb2pkg_cli(notebook_file: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nb2pkg.frontends.cli.main",
            "tag",
            str(notebook_file),
            "--cell",
            "3",
            "--as",
            "function:load",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert "cell 3" in result.stdout and "function:load" in result.stdout
    assert notebook_file.read_text(encoding="utf-8") == _with_tags(
        _notebook(), {2: ["function:load"]}
    )


def _model_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import pandas as pd\nfrom sklearn.linear_model import Ridge"),
        nbformat.v4.new_code_cell("frame = pd.read_csv('train.csv')", metadata={"tags": ["skip"]}),
        nbformat.v4.new_markdown_cell("## Fit the model"),
        nbformat.v4.new_code_cell(
            "scaler = frame[['x']].std()\nmodel = Ridge().fit(frame[['x']] / scaler, frame['y'])"
        ),
        nbformat.v4.new_markdown_cell("## New rows"),
        nbformat.v4.new_code_cell("new_rows = pd.read_csv('new.csv')"),
        nbformat.v4.new_markdown_cell("## Their answers"),
        nbformat.v4.new_code_cell(
            "answers = model.predict(new_rows[['x']] / scaler)", metadata={"tags": ["skip"]}
        ),
    ]
    for number, cell in enumerate(nb.cells, start=1):
        cell.id = f"cell-{number}"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def _tags(path: Path) -> list[list[str]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [list(cell["metadata"].get("tags", [])) for cell in cells]


def test_as_model_and_predict_mark_the_model_and_its_predict_step(tmp_path: Path) -> None:
    from nb2pkg.frontends.api import analyze_path

    path = _model_notebook(tmp_path / "fit.ipynb")
    assert main(["tag", str(path), "--cell", "2", "--as", "function:load"]) == 0
    assert main(["tag", str(path), "--cell", "6", "--as", "function:new_data"]) == 0
    # A cell that is no function yet gets a function tag named as --auto would name it.
    assert main(["tag", str(path), "--cell", "4", "--as", "model"]) == 0
    # `predict` is a function of its own: it replaces `skip`.
    assert main(["tag", str(path), "--cell", "8", "--as", "predict"]) == 0
    tags = _tags(path)
    assert tags[3] == ["function:fit_model", "model"]
    assert tags[7] == ["predict"]
    plan = analyze_path(path)
    by_number = {cell.number: cell for cell in plan.cells}
    assert by_number[4].model == "" and by_number[8].predict is True
    assert not [d for d in plan.diagnostics if d.severity.value == "error"], plan.diagnostics
    # model:NAME names the value; the function tag stays, the bare `model` goes.
    assert main(["tag", str(path), "--cell", "4", "--as", "model:scaler"]) == 0
    assert _tags(path)[3] == ["function:fit_model", "model:scaler"]
    [fit] = [cell for cell in analyze_path(path).cells if cell.number == 4]
    assert fit.model == "scaler"
    assert main(["tag", str(path), "--cell", "4", "--clear"]) == 0
    assert _tags(path)[3] == []


@pytest.mark.parametrize(
    ("role", "code"),
    [("predict:x", "NB602"), ("model:1st", "NB603"), ("model:class", "NB603")],
)
def test_bad_model_and_predict_roles_are_diagnostics(
    tmp_path: Path, role: str, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _model_notebook(tmp_path / "fit.ipynb")
    before = path.read_bytes()
    assert main(["tag", str(path), "--cell", "4", "--as", role]) == 1
    assert code in capsys.readouterr().err
    assert path.read_bytes() == before


def test_auto_proposes_model_and_predict_and_show_flags_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _model_notebook(tmp_path / "fit.ipynb")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"skip"', '"nbval-skip"'), encoding="utf-8")
    assert main(["tag", str(path), "--auto"]) == 0
    out = capsys.readouterr().out
    assert "function:fit_model, model" in out and "fits the model `model`" in out
    assert ", predict" in out
    result = subprocess.run(
        [sys.executable, "-m", "nb2pkg", "show", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert "[model]" in result.stdout
    assert "[predict]" in result.stdout
    assert main(["tag", str(path), "--auto", "--write"]) == 0
    tags = _tags(path)
    assert tags[3][-1] == "model" and tags[7] == ["nbval-skip", tags[7][1], "predict"]
