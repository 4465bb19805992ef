"""The step graph: each step's real dependencies, in pipeline.py, the manifest and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from nb2pkg.frontends.api import build
from tests.branching_notebook import write_branching_notebook
from tests.helpers import run_generated


def _built(tmp_path: Path) -> Path:
    notebook = write_branching_notebook(tmp_path / "branches.ipynb")
    result = build([notebook], tmp_path / "out", root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    return tmp_path / "out"


def test_independent_branches_need_only_what_they_read(tmp_path: Path) -> None:
    out = _built(tmp_path)
    graph = json.loads(
        run_generated(out, "import json, branches.pipeline as p; print(json.dumps(p.graph()))")
    )
    assert graph == {
        "load": [],
        "double": ["load"],
        "summarise": ["load"],
        "tag_rows": ["load"],
        "combine": ["double", "summarise", "tag_rows"],
    }
    manifest = json.loads((out / ".nb2pkg" / "manifest.json").read_text())
    assert manifest["graph"] == graph


def test_graph_records_which_step_each_argument_comes_from(tmp_path: Path) -> None:
    out = _built(tmp_path)
    nodes = json.loads(
        run_generated(out, "import json, branches.pipeline as p; print(json.dumps(p.GRAPH))")
    )
    # `frame` reaches combine from tag_rows, which changed it in place after load made it.
    assert nodes["combine"]["inputs"] == {
        "doubled": "double",
        "counts": "summarise",
        "labels": "summarise",
        "frame": "tag_rows",
    }
    assert nodes["tag_rows"]["outputs"] == ["frame"]
    assert nodes["double"]["params"] == ["pause", "scale"]
    assert nodes["combine"]["outputs"] == ["total", "model", "shifted"]


def test_graph_command_prints_text_dot_and_mermaid(tmp_path: Path) -> None:
    out = _built(tmp_path)
    printed = run_generated(
        out,
        "import contextlib, io, json\n"
        "from branches.__main__ import main\n"
        "outputs = []\n"
        "for style in ('text', 'dot', 'mermaid'):\n"
        "    buffer = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buffer):\n"
        "        assert main(['graph', '--format', style]) == 0\n"
        "    outputs.append(buffer.getvalue())\n"
        "print(json.dumps(outputs))",
    )
    text, dot, mermaid = json.loads(printed)
    assert text.splitlines() == [
        "load -> frame",
        "double <- load (frame) -> doubled",
        "summarise <- load (frame) -> counts, labels",
        "tag_rows <- load (frame) -> frame",
        "combine <- double (doubled), summarise (counts, labels), tag_rows (frame) "
        "-> total, model, shifted",
    ]
    assert dot.startswith("digraph pipeline {")
    assert '"load" -> "double" [label="frame"];' in dot
    assert '"summarise" -> "combine" [label="counts, labels"];' in dot
    assert '"double" -> "summarise"' not in dot
    lines = mermaid.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  s1["double"]' in lines and '  s2["summarise"]' in lines
    assert '  s0 -->|"frame"| s1' in lines and '  s0 -->|"frame"| s2' in lines
    assert not [line for line in lines if line.startswith("  s1 ") and line.endswith(" s2")]
