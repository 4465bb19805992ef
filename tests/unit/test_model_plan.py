"""Which value is the pipeline's model, decided statically: fits, `model` tags, `predict` cells."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.builder.environment import InstalledEnvironment
from nb2pkg.ir import Role
from nb2pkg.notebook.reader import notebook_from_json
from nb2pkg.plan.model_plan import ModelPlan
from nb2pkg.plan.notebook_plan import plan_notebook
from nb2pkg.plan.package_plan import PackagePlan, plan_package
from nb2pkg.roles.resolve import tag_cells
from tests.helpers import CellSpec, code_cell, make_notebook

EXAMPLES = Path(__file__).resolve().parents[2] / "example_notebooks"

SPLIT = (
    "from sklearn.linear_model import LinearRegression, LogisticRegression\n"
    "from sklearn.preprocessing import StandardScaler\n"
    "X_train, y_train = [[0.0], [1.0]], [0, 1]",
    ["function:load"],
)


def package(*cells: CellSpec) -> PackagePlan:
    notebook, problems = notebook_from_json(
        make_notebook(list(cells)), "/nonexistent/demo.ipynb", "demo.ipynb"
    )
    assert notebook is not None, problems
    tagged, _ = tag_cells(notebook)
    return plan_package(
        (plan_notebook(notebook, tagged, files=InstalledEnvironment()),),
        "demo",
        environment=InstalledEnvironment(),
    )


def codes(plan: PackagePlan) -> list[str]:
    return [d.code for d in plan.diagnostics if d.code in ("NB115", "NB116", "NB117")]


def example(name: str) -> ModelPlan | None:
    from nb2pkg.notebook.reader import read_notebook

    notebook, problems = read_notebook(str(EXAMPLES / f"{name}.ipynb"))
    assert notebook is not None, problems
    tagged, _ = tag_cells(notebook)
    return plan_package(
        (plan_notebook(notebook, tagged, files=InstalledEnvironment()),),
        name,
        environment=InstalledEnvironment(),
    ).model


def test_the_examples_models_and_the_data_they_were_fitted_on() -> None:
    classification = example("classification")
    store_sales = example("store_sales")

    assert classification == ModelPlan(
        "model", "train", "values['X_train']", "values['y_train']", None, cell_number=11
    )
    assert store_sales is not None
    assert store_sales.fit_input == "values['train_rows'][values['feature_columns']]"
    assert store_sales.fit_target == "values['train_rows']['sales']"


def test_the_last_fitted_value_the_pipeline_keeps_is_the_model() -> None:
    plan = package(
        SPLIT,
        (
            "scaler = StandardScaler()\nscaler.fit(X_train)\n"
            "clf = LogisticRegression().fit(scaler.transform(X_train), y_train)",
            ["function:train"],
        ),
        ("score = clf.score(scaler.transform(X_train), y_train)", ["function:evaluate"]),
    )

    assert plan.model is not None
    assert (plan.model.value, plan.model.step) == ("clf", "train")
    # The fit input reads a method of a value: still an expression over run()'s outputs.
    assert plan.model.fit_input == "values['scaler'].transform(values['X_train'])"


def test_a_fit_inside_a_function_the_cell_defines_is_not_the_model() -> None:
    plan = package(
        SPLIT,
        ("def refit(m):\n    return m.fit(X_train, y_train)\n", ["export"]),
        ("n = len(X_train)", ["function:count"]),
    )

    assert plan.model is None
    assert codes(plan) == []


def test_a_model_tag_names_the_value_and_a_fit_on_local_data_keeps_no_example() -> None:
    plan = package(
        SPLIT,
        (
            "a = LinearRegression().fit(X_train, y_train)\n"
            "rows = [[2.0]]\n"
            "b = LinearRegression()\nb.fit(rows, [3])",
            ["function:train", "model:a"],
        ),
        ("print(a, b)", ["function:show"]),
    )
    unknown = package(SPLIT, ("m = 1", ["function:train", "model:nothing"]), ("m", []))

    assert plan.model == ModelPlan(
        "a", "train", "values['X_train']", "values['y_train']", cell_number=2
    )
    assert unknown.model is None
    assert codes(unknown) == ["NB115"]


def test_a_predict_cell_reads_the_model_and_raw_rows() -> None:
    plan = package(
        SPLIT,
        ("model = LinearRegression().fit(X_train, y_train)", ["function:train"]),
        ("new_rows = [[5.0]]\nscale = 2", ["function:incoming"]),
        ("answer = model.predict(new_rows) * scale", ["predict"]),
    )

    assert plan.model is not None and plan.model.predict is not None
    predict = plan.model.predict
    assert (predict.key, predict.model_param, predict.data_param, predict.result) == (
        "predict",
        "model",
        "new_rows",
        "answer",
    )
    assert [p.name for p in predict.step.params] == ["model", "new_rows", "scale"]


def test_a_predict_cell_without_a_model_or_without_rows_is_reported() -> None:
    no_model = package(SPLIT, ("y = len(X_train)", ["predict"]))
    no_rows = package(
        SPLIT,
        ("model = LinearRegression().fit(X_train, y_train)", ["function:train"]),
        ("answer = model.predict([[1.0]])", ["predict"]),
    )

    assert codes(no_model) == ["NB116"]
    assert codes(no_rows) == ["NB117"]


def test_model_and_predict_tags_need_a_function_cell() -> None:
    notebook, _ = notebook_from_json(
        make_notebook([("x = 1", ["model"]), ("y = 2", ["predict", "function:score"])]),
        "/nonexistent/demo.ipynb",
        "demo.ipynb",
    )
    assert notebook is not None
    tagged, problems = tag_cells(notebook)

    assert [d.code for d in problems] == ["NB109"]
    assert tagged[0].role is Role.EXPLORATION
    assert (tagged[1].role, tagged[1].name, tagged[1].predict) == (Role.FUNCTION, "score", True)


def test_a_local_name_the_fit_reads_is_the_expression_it_was_bound_to() -> None:
    load = ("import pandas as pd\nframe = pd.read_csv('train.csv')", ["function:load"])
    selected = package(
        load,
        code_cell(
            "from sklearn.linear_model import Ridge\n"
            "features = frame[['x', 'n']]\n"
            "target = frame['y']\n"
            "model = Ridge().fit(features, target)",
            ["function:train"],
            settings={"outputs": ["model"]},
        ),
        ("model", []),
    )
    changed_in_place = package(
        load,
        code_cell(
            "from sklearn.linear_model import Ridge\n"
            "features = frame[['x', 'n']]\n"
            "features['z'] = 1.0\n"
            "model = Ridge().fit(features, frame['y'])",
            ["function:train"],
            settings={"outputs": ["model"]},
        ),
        ("model", []),
    )

    assert selected.model is not None
    assert selected.model.fit_input == "values['frame'][['x', 'n']]"
    assert selected.model.fit_target == "values['frame']['y']"
    assert changed_in_place.model is not None
    assert changed_in_place.model.fit_input is None
    assert changed_in_place.model.fit_target == "values['frame']['y']"
