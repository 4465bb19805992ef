"""Planning a notebook again after an edit plans only the cells the edit reaches, and gives the
plan made from scratch (nb2pkg.plan.replanning; tests/property checks random edits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nb2pkg.builder.environment import InstalledEnvironment
from nb2pkg.frontends import api
from nb2pkg.ir import Notebook, TaggedCell
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.plan.notebook_plan import NotebookPlan, Planner, plan_notebook
from nb2pkg.plan.replanning import KNOWN_STATE, PlanMemory, replan_notebook
from nb2pkg.roles.resolve import tag_cells


def _notebook(cells: list[tuple[str, list[str]]], folder: Path) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{number}",
                "metadata": {"tags": tags},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
            for number, (source, tags) in enumerate(cells)
        ],
    }


def _read(data: dict[str, Any], folder: Path) -> tuple[Notebook, list[TaggedCell]]:
    notebook, problems = notebook_from_json(
        data, str(folder / "nb.ipynb"), "nb.ipynb", "", full_schema=False
    )
    assert notebook is not None, problems
    tagged, _ = tag_cells(notebook)
    return notebook, tagged


def _again(
    data: dict[str, Any], folder: Path, memory: PlanMemory | None
) -> tuple[NotebookPlan, PlanMemory]:
    notebook, tagged = _read(data, folder)
    plan, kept = replan_notebook(notebook, tagged, files=InstalledEnvironment(), memory=memory)
    assert plan == plan_notebook(notebook, tagged, files=InstalledEnvironment())
    assert kept is not None
    return plan, kept


def _chain(length: int) -> list[tuple[str, list[str]]]:
    cells = [("rate = 2\n", ["parameters"]), ("values = [1, 2, 3]\n", ["function:load"])]
    for index in range(length):
        cells.append(
            (
                f"values = [v * rate for v in values]\ntotal_{index} = sum(values)\n",
                [f"function:stage_{index}"],
            )
        )
    return cells


def test_every_attribute_of_the_planner_is_followed(tmp_path: Path) -> None:
    # A new attribute of the planner's state must be classified in nb2pkg.plan.replanning
    # (until then every notebook is planned from scratch).
    notebook, tagged = _read(_notebook(_chain(2), tmp_path), tmp_path)
    assert set(vars(Planner(notebook, tagged, InstalledEnvironment(), None))) == KNOWN_STATE


def test_a_new_name_no_cell_reads_plans_only_its_cell_again(tmp_path: Path) -> None:
    cells = _chain(30)
    data = _notebook(cells, tmp_path)
    _, memory = _again(data, tmp_path, None)
    assert memory.cells_planned == 2 * len(cells)
    data["cells"][15]["source"] += "unread = 1\n"
    _, memory = _again(data, tmp_path, memory)
    # its two passes only: the next step reads `values` from the same step as before
    assert memory.cells_planned == 2


def test_a_new_parameter_no_cell_reads_plans_only_the_parameters_cell_again(
    tmp_path: Path,
) -> None:
    # every step reads `rate`: its definition (cell, kind, default) is as it was
    cells = _chain(30)
    data = _notebook(cells, tmp_path)
    _, memory = _again(data, tmp_path, None)
    data["cells"][0]["source"] += "unread = 1\n"
    plan, memory = _again(data, tmp_path, memory)
    assert memory.cells_planned == 2
    assert "unread" in {p.name for p in plan.run_params}


def test_a_new_default_of_a_parameter_plans_its_readers_again(tmp_path: Path) -> None:
    cells = _chain(30)
    data = _notebook(cells, tmp_path)
    _, memory = _again(data, tmp_path, None)
    data["cells"][0]["source"] = "rate = 3\n"
    plan, memory = _again(data, tmp_path, memory)
    assert memory.cells_planned > len(cells)
    assert {p.default for s in plan.steps for p in s.params if p.name == "rate"} == {"3"}


def test_the_editor_s_analysis_after_a_new_name_plans_only_the_cells_it_reaches(
    tmp_path: Path,
) -> None:
    data = _notebook(_chain(30), tmp_path)
    path = str(tmp_path / "nb.ipynb")
    api.analyze_notebook(data, "nb.ipynb", path=path)
    data["cells"][15]["source"] += "unread = 1\n"
    analysis = api.analyze_notebook(data, "nb.ipynb", path=path)
    assert api.PLANS.cells_planned == 2
    assert "unread" not in {p.name for c in analysis.cells for p in c.params}


def test_a_new_name_a_later_cell_reads_rewires_both(tmp_path: Path) -> None:
    cells = _chain(30)
    data = _notebook(cells, tmp_path)
    plan, memory = _again(data, tmp_path, None)
    data["cells"][10]["source"] += "shared = 1\n"
    data["cells"][20]["source"] += "seen = shared\n"
    plan, memory = _again(data, tmp_path, memory)
    steps = {s.name: s for s in plan.steps}
    assert "shared" in steps["stage_8"].returns
    assert "shared" in {p.name for p in steps["stage_18"].params}
    assert memory.cells_planned < len(cells)


def test_a_data_file_that_appears_is_a_parameter_when_planned_again(tmp_path: Path) -> None:
    data = _notebook(
        [("import pandas as pd\nframe = pd.read_csv('sales.csv')\n", ["function:load"])], tmp_path
    )
    plan, memory = _again(data, tmp_path, None)
    assert not plan.data_files
    (tmp_path / "sales.csv").write_text("a\n1\n", encoding="utf-8")
    plan, memory = _again(data, tmp_path, memory)
    assert plan.data_files == {"sales.csv": "sales_path"}


def test_a_name_bound_later_changes_the_warning_of_its_reader(tmp_path: Path) -> None:
    data = _notebook(
        [("seen = later + 1\n", ["function:read"]), ("other = 1\n", ["function:bind"])], tmp_path
    )
    plan, memory = _again(data, tmp_path, None)
    assert any("no cell defines it" in d.message for d in plan.diagnostics)
    data["cells"][1]["source"] = "later = 1\n"
    plan, memory = _again(data, tmp_path, memory)
    assert any("only defined by a later cell" in d.message for d in plan.diagnostics)


def test_a_function_cell_after_a_seeding_skipped_cell_is_warned_about(tmp_path: Path) -> None:
    data = _notebook(
        [
            ("values = [1, 2]\n", ["function:load"]),
            ("import numpy as np\nnp.random.seed(0)\n", ["skip"]),
            ("total = sum(values) + np.random.rand()\n", []),
        ],
        tmp_path,
    )
    plan, memory = _again(data, tmp_path, None)
    assert not any(d.code == "NB314" for d in plan.diagnostics)
    # Tagged, the cell after the seed is packaged and draws: the seed matters to it.
    data["cells"][2]["metadata"]["tags"] = ["function:add_up"]
    plan, memory = _again(data, tmp_path, memory)
    assert any(d.code == "NB314" for d in plan.diagnostics)


def test_another_number_of_cells_is_planned_from_scratch(tmp_path: Path) -> None:
    cells = _chain(5)
    _, memory = _again(_notebook(cells, tmp_path), tmp_path, None)
    _, memory = _again(_notebook(cells[:-1], tmp_path), tmp_path, memory)
    assert memory.cells_planned == 2 * (len(cells) - 1)


def test_a_cell_pass_reading_more_of_the_notebook_is_planned_the_plain_way(
    tmp_path: Path, monkeypatch: Any
) -> None:
    # Reading the notebook's cells while planning a cell is nothing the memory follows: the
    # plan is made the plain way and no memory is kept.
    data = _notebook(_chain(3), tmp_path)
    notebook, tagged = _read(data, tmp_path)
    plain = plan_notebook(notebook, tagged, files=InstalledEnvironment())
    original = Planner._cell_plan

    def reading_cells(self: Planner, item: TaggedCell, resolved: Any) -> Any:
        assert len(self.notebook.cells) == len(data["cells"])
        return original(self, item, resolved)

    monkeypatch.setattr(Planner, "_cell_plan", reading_cells)
    plan, kept = replan_notebook(notebook, tagged, files=InstalledEnvironment())
    assert kept is None
    assert plan == plain


def test_a_cell_pass_removing_a_key_is_planned_the_plain_way(
    tmp_path: Path, monkeypatch: Any
) -> None:
    data = _notebook(_chain(3), tmp_path)
    notebook, tagged = _read(data, tmp_path)
    _, memory = _again(data, tmp_path, None)
    original = Planner._record_definitions

    def forgetting(self: Planner, item: TaggedCell, parsed: Any) -> None:
        original(self, item, parsed)
        self.latest.pop("rate", None)

    monkeypatch.setattr(Planner, "_record_definitions", forgetting)
    data["cells"][2]["source"] += "unread = 1\n"
    notebook, tagged = _read(data, tmp_path)
    plan, kept = replan_notebook(notebook, tagged, files=InstalledEnvironment(), memory=memory)
    assert kept is None
    assert plan == plan_notebook(notebook, tagged, files=InstalledEnvironment())


def test_a_later_cell_starting_to_draw_makes_the_skipped_seed_matter(tmp_path: Path) -> None:
    data = _notebook(
        [
            ("values = [1, 2]\n", ["function:load"]),
            ("import numpy as np\nnp.random.seed(0)\n", ["skip"]),
            ("total = sum(values)\n", ["function:add_up"]),
        ],
        tmp_path,
    )
    plan, memory = _again(data, tmp_path, None)
    assert not any(d.code == "NB314" for d in plan.diagnostics)
    data["cells"][2]["source"] = "total = sum(values) + np.random.rand()\n"
    plan, memory = _again(data, tmp_path, memory)
    assert any(d.code == "NB314" for d in plan.diagnostics)


def _codes(plan: NotebookPlan) -> list[str]:
    return [d.code for d in plan.diagnostics]


def test_a_step_named_as_an_import_clashes_once_a_cell_uses_the_import(tmp_path: Path) -> None:
    cells = [
        ("import json\nimport math\n", ["function:load"]),
        ("x = math.sqrt(2)\n", ["function:json"]),
        *_chain(3)[1:],
    ]
    data = _notebook(cells, tmp_path)
    plan, memory = _again(data, tmp_path, None)
    assert "NB311" not in _codes(plan)  # the import of json is unused: it is left out
    data["cells"][3]["source"] += "text = json.dumps(values)\n"
    plan, memory = _again(data, tmp_path, memory)
    assert _codes(plan).count("NB311") == 1
    data["cells"][3]["source"] = data["cells"][3]["source"].replace("json.dumps", "str")
    plan, memory = _again(data, tmp_path, memory)
    assert "NB311" not in _codes(plan)


def test_the_imports_of_a_module_keep_their_order_when_planned_again(tmp_path: Path) -> None:
    cells = [
        ("import math\nimport statistics\nvalues = [1.0]\n", ["function:load"]),
        ("top = math.floor(statistics.mean(values))\n", ["function:top"]),
        ("import json\ntext = json.dumps(values)\n", ["function:dump"]),
        ("%pip install requests\nlow = min(values)\n", ["function:low"]),
    ]
    data = _notebook(cells, tmp_path)
    plan, memory = _again(data, tmp_path, None)
    assert [b.bound for b in plan.imports["nb"]] == ["math", "statistics", "json"]
    data["cells"][3]["source"] += "import os\nhere = os.sep + json.dumps(low)\n"
    data["cells"][1]["source"] = "import json\n" + data["cells"][1]["source"] + "j = json\n"
    plan, memory = _again(data, tmp_path, memory)
    scratch = plan_notebook(*_read(data, tmp_path), files=InstalledEnvironment())
    assert list(plan.imports.items()) == list(scratch.imports.items())
    assert [b.bound for b in plan.imports["nb"]] == ["json", "math", "statistics", "os"]
    assert plan.requirements == scratch.requirements == ("requests",)
    data["cells"][3]["source"] = data["cells"][3]["source"].replace("%pip install requests\n", "")
    plan, memory = _again(data, tmp_path, memory)
    assert plan.requirements == ()


def test_a_cell_not_planned_again_gets_the_import_its_nested_code_loads(tmp_path: Path) -> None:
    cells = [
        ("import json\nvalues = [1.0]\n", ["function:load"]),
        ("def dump(v):\n    return json.dumps(v)\n\nout = dump(values)\n", ["function:dumpit"]),
    ]
    data = _notebook(cells, tmp_path)
    plan, memory = _again(data, tmp_path, None)
    assert [b.module for b in plan.imports["nb"]] == ["json"]
    data["cells"][0]["source"] = "import simplejson as json\nvalues = [1.0]\n"
    plan, memory = _again(data, tmp_path, memory)  # equal to the plan made from scratch
    assert [b.module for b in plan.imports["nb"]] == ["simplejson"]


def test_a_saved_figure_read_back_after_an_edit_gives_the_plan_from_scratch(
    tmp_path: Path,
) -> None:
    # An edit that makes a later cell read a saved figure back changes what the saving cell
    # keeps (nb2pkg.plan.saved_figure_files): planning again must see it.
    cells = [
        ("import matplotlib.pyplot as plt\nvalues = [1, 2, 3]\n", ["function:load"]),
        ("plt.plot(values)\nplt.savefig('loss.png')\ntotal = sum(values)\n", ["function:draw"]),
        ("size = 1\n", ["function:later"]),
    ]
    notebook, tagged = _read(_notebook(cells, tmp_path), tmp_path)
    plan, memory = replan_notebook(notebook, tagged, files=InstalledEnvironment())
    assert memory is not None
    cells[2] = ("image = plt.imread('loss.png')\nsize = image.size\n", ["function:later"])
    notebook, tagged = _read(_notebook(cells, tmp_path), tmp_path)
    again, _ = replan_notebook(notebook, tagged, files=InstalledEnvironment(), memory=memory)
    assert again == plan_notebook(notebook, tagged, files=InstalledEnvironment())
    assert again != plan
