"""Recognising a cell's own MLflow calls by qualified name."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper
from packaging.requirements import Requirement

from nb2pkg.analysis.mlflow_calls import MlflowCall, find_mlflow_calls, qualified_names
from nb2pkg.ir import ImportBinding
from nb2pkg.plan.requirements import MLFLOW_DISTRIBUTION, tracking_requirements


def calls_in(source: str, imported: dict[str, str] | None = None) -> list[tuple[str, int]]:
    module = cst.parse_module(textwrap.dedent(source))
    return [(call.qualified_name, call.line) for call in find_mlflow_calls(module, imported)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import mlflow\nmlflow.log_metric('a', 1)\n", [("mlflow.log_metric", 2)]),
        ("import mlflow as mf\nwith mf.start_run():\n    pass\n", [("mlflow.start_run", 2)]),
        ("from mlflow import log_metric\nlog_metric('a', 1)\n", [("mlflow.log_metric", 2)]),
        ("from mlflow import log_param as lp\nlp('a', 1)\n", [("mlflow.log_param", 2)]),
        ("from mlflow.sklearn import autolog\nautolog()\n", [("mlflow.sklearn.autolog", 2)]),
        (
            "import mlflow.sklearn\nmlflow.sklearn.log_model(model, 'model')\n",
            [("mlflow.sklearn.log_model", 2)],
        ),
        ("import mlflow.sklearn as msk\nmsk.autolog()\n", [("mlflow.sklearn.autolog", 2)]),
        ("from mlflow import sklearn\nsklearn.autolog()\n", [("mlflow.sklearn.autolog", 2)]),
        (
            "from mlflow.tracking import MlflowClient\nclient = MlflowClient()\n",
            [("mlflow.tracking.MlflowClient", 2)],
        ),
    ],
)
def test_each_import_style_is_followed(source: str, expected: list[tuple[str, int]]) -> None:
    assert calls_in(source) == expected


def test_calls_are_found_at_any_depth_in_source_order() -> None:
    source = """\
        import mlflow

        def train(model, data):
            with mlflow.start_run(nested=True):
                model.fit(data)
                mlflow.log_params({"k": [mlflow.get_tracking_uri()]})
        """

    assert calls_in(source) == [
        ("mlflow.start_run", 4),
        ("mlflow.log_params", 6),
        ("mlflow.get_tracking_uri", 6),
    ]


def test_an_unbound_mlflow_is_taken_to_be_the_module() -> None:
    assert calls_in("mlflow.end_run()\n") == [("mlflow.end_run", 1)]


def test_imports_from_earlier_cells_are_used() -> None:
    assert calls_in(
        "mf.log_metric('a', 1)\nlm('b', 2)\n", {"mf": "mlflow", "lm": "mlflow.log_metric"}
    ) == [
        ("mlflow.log_metric", 1),
        ("mlflow.log_metric", 2),
    ]


def test_other_libraries_and_lookalikes_are_not_mlflow() -> None:
    source = """\
        import numpy as np
        from mylib import log_metric
        import mlflow_helpers
        import other as mlflow_like
        np.log(2)
        log_metric("a", 1)
        mlflow_helpers.start_run()
        mlflow_like.start_run()
        run.log_metric("x", 1)
        """

    assert calls_in(source) == []


def test_a_name_mlflow_bound_to_another_module_is_not_mlflow() -> None:
    assert calls_in("import tracker as mlflow\nmlflow.start_run()\n") == []
    assert calls_in("mlflow.start_run()\n", {"mlflow": "tracker"}) == []


def test_references_without_a_call_are_not_calls() -> None:
    assert calls_in("import mlflow\nlogger = mlflow.log_metric\nmlflow\n") == []


def test_relative_and_star_imports_bind_nothing() -> None:
    assert calls_in("from .mlflow import start_run\nstart_run()\n") == []
    assert calls_in("from mlflow import *\nstart_run()\n") == []


def test_a_metadata_wrapper_is_accepted() -> None:
    wrapper = MetadataWrapper(cst.parse_module("import mlflow\n\nmlflow.end_run()\n"))

    assert find_mlflow_calls(wrapper) == [MlflowCall("mlflow.end_run", 3)]


def test_finding_calls_leaves_the_module_unchanged() -> None:
    source = "import mlflow as mf  # keep\nmf.start_run()\n"
    module = cst.parse_module(source)

    find_mlflow_calls(module)

    assert module.code == source


def test_qualified_names_of_import_bindings() -> None:
    bindings = [
        ImportBinding(module="mlflow", name=None, alias=None, bound="mlflow"),
        ImportBinding(module="mlflow.sklearn", name=None, alias=None, bound="mlflow"),
        ImportBinding(module="mlflow.sklearn", name=None, alias="msk", bound="msk"),
        ImportBinding(module="mlflow", name="log_metric", alias="lm", bound="lm"),
        ImportBinding(module="helpers", name="x", alias=None, bound="x", level=1),
        ImportBinding(module="mlflow", name="*", alias=None, bound="*"),
    ]

    assert qualified_names(bindings) == {
        "mlflow": "mlflow",
        "msk": "mlflow.sklearn",
        "lm": "mlflow.log_metric",
    }


def test_the_distribution_is_valid_requirements_that_allow_the_installed_mlflow() -> None:
    from importlib.metadata import version

    requirements = [Requirement(text) for text in MLFLOW_DISTRIBUTION]
    installed = {
        "mlflow-skinny": version("mlflow-skinny"),
        "sqlalchemy": version("sqlalchemy"),
        "alembic": version("alembic"),
    }

    assert [requirement.name.lower() for requirement in requirements] == list(installed)
    for requirement in requirements:
        assert requirement.specifier.contains(installed[requirement.name.lower()])


def test_autolog_adds_what_mlflows_framework_integrations_import() -> None:
    plain = tracking_requirements(autolog=False)
    with_autolog = tracking_requirements(autolog=True)

    assert plain == MLFLOW_DISTRIBUTION
    assert with_autolog[: len(plain)] == plain
    assert {Requirement(text).name for text in with_autolog[len(plain) :]} == {"pandas"}
