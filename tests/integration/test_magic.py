"""``%nb2pkg`` in a real kernel started by nbclient: the plan shows, the build writes the package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from nb2pkg.frontends.magic import MagicUsageError, parse_line
from nb2pkg.frontends.magic_display import render_build
from nb2pkg.frontends.notebook_location import find_notebook

REPO_ROOT = Path(__file__).resolve().parents[2]
# Guards against a hung kernel; never used to judge speed.
CELL_TIMEOUT_SECONDS = 300


def _analysis_notebook() -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cells = [
        ("n_items = 5\nscale = 2.0", ["parameters"]),
        ("values = [i * scale for i in range(n_items)]", ["function:make_values"]),
        ("total = sum(values)\nmean = total / len(values)", ["function:summarise", "metrics"]),
        ("assert total == scale * n_items * (n_items - 1) / 2", ["test"]),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny analysis")]
    nb.cells += [nbformat.v4.new_code_cell(src, metadata={"tags": tags}) for src, tags in cells]
    return nb


def _with_magic_cells(nb: Any, *lines: str) -> Any:
    nb.cells.append(nbformat.v4.new_code_cell("%load_ext nb2pkg"))
    nb.cells += [nbformat.v4.new_code_cell(line) for line in lines]
    return nb


def _execute(nb: Any, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    # The kernel inherits this environment: it must import the nb2pkg under test.
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return nb


def _outputs(cell: Any, mime: str) -> str:
    return "\n".join(
        str(out.get("data", {}).get(mime, ""))
        for out in cell.outputs
        if out.get("output_type") in {"display_data", "execute_result"}
    ) + "\n".join(
        str(out.get("text", "")) for out in cell.outputs if out.get("output_type") == "stream"
    )


def _save(nb: Any, path: Path) -> None:
    path.write_text(nbformat.writes(nb), encoding="utf-8")


def test_show_renders_the_plan_as_an_html_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a tagged notebook that runs %nb2pkg show on itself
    nb = _with_magic_cells(_analysis_notebook(), "%nb2pkg show")
    _save(nb, tmp_path / "tiny.ipynb")

    # When a kernel started by nbclient executes it
    executed = _execute(nb, tmp_path, monkeypatch)

    # Then the last output is the plan: roles, signatures, parameters
    html = _outputs(executed.cells[-1], "text/html")
    assert "<table" in html
    assert (
        "make_values(scale, n_items) -&gt; values" in html
        or "make_values(n_items, scale) -&gt; values" in html
    )
    assert "summarise(values)" in html
    assert "function + metrics" in html
    assert "n_items" in html and "5" in html
    text = _outputs(executed.cells[-1], "text/plain")
    assert "tiny.ipynb" in text


def test_build_writes_the_package_and_reports_version_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = _with_magic_cells(
        _analysis_notebook(),
        "%nb2pkg build -o dist --no-save",
        "import json; print(json.dumps(_nb2pkg_build))",
    )
    _save(nb, tmp_path / "tiny.ipynb")

    executed = _execute(nb, tmp_path, monkeypatch)

    build_cell = executed.cells[-2]
    mimes = {mime for out in build_cell.outputs for mime in out.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes  # the progress bar
    html = _outputs(build_cell, "text/html")
    assert "Built tiny 0.1.0" in html
    assert "pyproject.toml" in html and "src/tiny/pipeline.py" in html
    assert (tmp_path / "dist" / "pyproject.toml").is_file()
    assert (tmp_path / "dist" / "src" / "tiny" / "tiny.py").is_file()
    result = json.loads(_outputs(executed.cells[-1], "text/plain"))
    assert result["ok"] is True and result["version"] == "0.1.0"


def test_a_second_build_after_an_api_change_bumps_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = _with_magic_cells(_analysis_notebook(), "%nb2pkg build -o dist --no-save")
    _save(nb, tmp_path / "tiny.ipynb")
    _execute(nb, tmp_path, monkeypatch)

    nb = _analysis_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "spread = max(values) - min(values)", metadata={"tags": ["function:spread"]}
        )
    )
    nb = _with_magic_cells(nb, "%nb2pkg build -o dist --no-save")
    _save(nb, tmp_path / "tiny.ipynb")
    executed = _execute(nb, tmp_path, monkeypatch)

    html = _outputs(executed.cells[-1], "text/html")
    assert "Built tiny 0.2.0 (was 0.1.0, minor bump)" in html
    assert "added function" in html


def test_the_notebook_is_found_from_the_session_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two notebooks in one folder, so the folder alone does not tell which one runs
    nb = _with_magic_cells(_analysis_notebook(), "%nb2pkg build -o dist --no-save")
    _save(nb, tmp_path / "tiny.ipynb")
    _save(nbformat.v4.new_notebook(), tmp_path / "other.ipynb")
    # When the kernel is told its notebook the way jupyter_server tells it
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "tiny.ipynb"))

    executed = _execute(nb, tmp_path, monkeypatch)

    assert "Built tiny 0.1.0" in _outputs(executed.cells[-1], "text/html")
    assert "From tiny.ipynb as saved at" in _outputs(executed.cells[-1], "text/plain")
    # ipykernel turns JPY_SESSION_NAME into the __session__ global, the first clue tried
    assert "(found by __session__)" in _outputs(executed.cells[-1], "text/plain")


def test_without_any_clue_the_magic_asks_for_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    nb = _with_magic_cells(
        _analysis_notebook(), "%nb2pkg show", "%nb2pkg show tiny.ipynb --no-save"
    )
    _save(nb, tmp_path / "tiny.ipynb")
    _save(nbformat.v4.new_notebook(), tmp_path / "other.ipynb")

    executed = _execute(nb, tmp_path, monkeypatch)

    assert "give its path, e.g. %nb2pkg build analysis.ipynb" in _outputs(
        executed.cells[-2], "text/plain"
    )
    assert "summarise(values)" in _outputs(executed.cells[-1], "text/html")


def test_bad_arguments_print_the_usage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _with_magic_cells(_analysis_notebook(), "%nb2pkg publish", "%nb2pkg build --bump huge")
    _save(nb, tmp_path / "tiny.ipynb")

    executed = _execute(nb, tmp_path, monkeypatch)

    assert "please choose one of: show, build" in _outputs(executed.cells[-2], "text/plain")
    assert "usage: %nb2pkg show" in _outputs(executed.cells[-1], "text/plain")
    assert not (tmp_path / "dist").exists()


# --------------------------------------------------------------------------- without a kernel


def test_session_clues_are_tried_in_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("a.ipynb", "b.ipynb", "sub/c.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    cwd = tmp_path / "sub"

    by_session = find_notebook({"__session__": str(tmp_path / "a.ipynb")}, {}, cwd)
    assert by_session is not None and by_session.path.name == "a.ipynb"
    # A relative JPY_SESSION_NAME is the server-root path; the kernel runs in the notebook's folder.
    by_env = find_notebook({}, {"JPY_SESSION_NAME": "sub/c.ipynb"}, cwd)
    assert by_env is not None and (by_env.path.name, by_env.how) == ("c.ipynb", "JPY_SESSION_NAME")
    by_vscode = find_notebook({"__vsc_ipynb_file__": str(tmp_path / "b.ipynb")}, {}, cwd)
    assert by_vscode is not None and by_vscode.path.name == "b.ipynb"
    only_one = find_notebook({}, {}, cwd)
    assert only_one is not None and only_one.path.name == "c.ipynb"
    assert find_notebook({}, {}, tmp_path) is None  # a.ipynb and b.ipynb: ambiguous


@pytest.mark.parametrize("line", ["", "publish", "build --bump huge", "show 'unclosed"])
def test_parse_line_rejects_bad_input_with_the_usage(line: str) -> None:
    with pytest.raises(MagicUsageError, match="usage: %nb2pkg"):
        parse_line(line)


def test_parse_line_reads_build_options() -> None:
    command, args = parse_line("build my.ipynb -o dist --name pkg --bump minor --force --auto")
    assert command == "build"
    assert (args.notebook, args.out_dir, args.name, args.bump, args.force, args.auto) == (
        "my.ipynb",
        "dist",
        "pkg",
        "minor",
        True,
        True,
    )


def test_failed_build_says_nothing_was_written() -> None:
    rendered = render_build(
        {
            "ok": False,
            "diagnostics": [
                {
                    "severity": "error",
                    "code": "NB101",
                    "where": "a.ipynb:cell 2",
                    "message": "bad <name>",
                    "hint": "rename",
                }
            ],
        }
    )
    assert "nothing was written" in rendered["text/plain"]
    assert "bad &lt;name&gt;" in rendered["text/html"]
    assert "hint: rename" in rendered["text/plain"]
