"""One display rule for the auto-marker and the emitter: an effect is never display."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.frontends.api import analyze_notebook, build
from nb2pkg.plan.automark import apply_in_memory, propose
from tests.helpers import code_cell, make_notebook, notebook_state, run_outputs, write_notebook

SOURCES = [
    "import pandas as pd\n",
    "density = pd.DataFrame({'k': ['b', 'a', 'b'], 'v': [3.0, 1.0, 2.0]})\n",
    # Sorting in place is work, though the cell ends by showing the frame.
    "density.sort_values('v', inplace=True)\ndensity.head()\n",
    # Only shows a summary: skipped, and then no empty function is emitted for it.
    "density.groupby('k').count()\n",
    "density['w'] = density['v'] * 2\ndensity.describe()\n",
]


def test_inplace_work_is_kept_and_a_view_is_skipped(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "density.ipynb", [(s, []) for s in SOURCES])
    roles = [p.role_tag for p in propose(make_notebook([(s, []) for s in SOURCES])["cells"])]
    assert roles[2] is not None and roles[2].startswith("function:")
    assert roles[3] == "skip"
    result = build([notebook], tmp_path / "out", auto=True, root=tmp_path)
    assert result.ok, [d.message for d in result.diagnostics]
    assert "NB308" not in {d.code for d in result.diagnostics}
    outputs = run_outputs(tmp_path / "out", "density", tmp_path)
    expected = notebook_state(SOURCES, tmp_path)["density"]
    assert outputs["density"].equals(expected)
    assert list(outputs["density"]["v"]) == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "source",
    [
        "df.groupby('k').count()\n",
        "df.head()\ndf.describe().T\n",
        "print(len(df))\n",
        "df.sort_values('v', inplace=True)\n",
        "df.to_csv('out.csv')\n",
        "df.sample(2)\n",
        "plt.savefig('plot.png')\n",
    ],
)
def test_the_marker_and_the_emitter_agree_on_display(source: str) -> None:
    cells = [("import pandas as pd\ndf = pd.DataFrame({'k': [1]})\n", []), (source, [])]
    [_, proposal] = propose(make_notebook(cells)["cells"])
    marked = apply_in_memory(make_notebook(cells))
    plan = analyze_notebook(marked, "agree.ipynb")
    empty = [d for d in plan.diagnostics if d.code == "NB308"]
    assert not empty, (proposal.role_tag, empty)
    if proposal.role_tag == "skip":
        assert proposal.reason
    else:
        assert proposal.role_tag is not None and proposal.role_tag.startswith("function:")


def test_a_function_cell_keeps_effects_and_drops_views(tmp_path: Path) -> None:
    source = "import pandas as pd\nx = pd.Series([2, 1])\nx.sort_values(inplace=True)\nx.head()\n"
    notebook = write_notebook(tmp_path / "keep.ipynb", [code_cell(source, ["function:f"])])
    assert build([notebook], tmp_path / "out", root=tmp_path).ok
    module = (tmp_path / "out" / "src" / "keep" / "keep.py").read_text()
    assert "    x.sort_values(inplace=True)\n" in module
    assert "x.head()" not in module
