"""Find a cell's own MLflow calls, and name the MLflow distribution generated packages need.

Cells that already call ``mlflow.start_run()``, ``mlflow.log_param(...)``… would log twice
(or fight over the active run) once the generated ``run()`` tracks the pipeline itself, so
the analysis keeps them out of library functions. Calls are recognised by qualified name,
whatever the import looked like:

    import mlflow                        mlflow.log_metric(...)       -> mlflow.log_metric
    import mlflow as mf                  mf.start_run()               -> mlflow.start_run
    from mlflow import log_metric        log_metric(...)              -> mlflow.log_metric
    from mlflow.sklearn import autolog   autolog()                    -> mlflow.sklearn.autolog
    import mlflow.sklearn                mlflow.sklearn.log_model(...) -> mlflow.sklearn.log_model

Imports may sit in an earlier cell: pass what they bound as ``imported``. A bare ``mlflow``
that nothing binds is taken to be the module, as notebooks import it once near the top.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from nb2pkg.ir import ImportBinding

MLFLOW_DISTRIBUTION: tuple[str, ...] = (
    "mlflow-skinny>=3.0,<4",
    "sqlalchemy>=1.4,<3",
    "alembic>=1.8,!=1.10.0,<2",
)
"""What a generated package depends on for tracking.

``mlflow-skinny`` is MLflow's client without the server, UI and data-science stack (about
a fifth of the full ``mlflow`` install). On its own it cannot open the embedded store
MLflow 3 uses by default (``sqlite:///mlflow.db`` in the working directory): that store
is SQLAlchemy with Alembic migrations, which only the full distribution pulls in. These
three are the smallest set with which ``run()`` works with zero setup and against a
tracking server; ``pip install mlflow`` adds the ``mlflow ui`` to browse the runs.
Checked with mlflow-skinny 3.0.1 (whose default store is ``./mlruns``) and 3.17.2.
"""

MLFLOW_AUTOLOG_REQUIREMENTS: tuple[str, ...] = ("pandas<4",)
"""Added when ``autolog = true``: MLflow's framework integrations (``mlflow.sklearn``…)
import pandas, which ``mlflow-skinny`` does not bring; without it ``mlflow.autolog()`` only
warns "Exception raised while enabling autologging for sklearn" and logs nothing."""

MLFLOW_MODULE = "mlflow"


def tracking_requirements(*, autolog: bool) -> tuple[str, ...]:
    """The requirements a generated package adds for its tracking."""
    return MLFLOW_DISTRIBUTION + (MLFLOW_AUTOLOG_REQUIREMENTS if autolog else ())


class MlflowCall(NamedTuple):
    """A call to an MLflow API: its qualified name and its 1-based line in the cell."""

    qualified_name: str
    line: int


def find_mlflow_calls(
    module: cst.Module | MetadataWrapper, imported: Mapping[str, str] | None = None
) -> list[MlflowCall]:
    """The calls to ``mlflow`` and its submodules in ``module``, in source order.

    ``imported`` maps names that earlier cells' imports bound to what they stand for
    (``{"mf": "mlflow", "log_metric": "mlflow.log_metric"}``); this cell's own imports
    are added to it. A name the cell rebinds by assignment is not followed.
    """
    wrapper = (
        module
        if isinstance(module, MetadataWrapper)
        else MetadataWrapper(module, unsafe_skip_copy=True)
    )
    bindings = {MLFLOW_MODULE: MLFLOW_MODULE}
    bindings.update(imported or {})
    gatherer = _GatherImportsVisitor()
    wrapper.module.visit(gatherer)
    bindings.update(gatherer.bound)
    finder = _GatherMlflowCallsVisitor(bindings)
    wrapper.visit(finder)
    return sorted(finder.calls, key=lambda call: call.line)


def qualified_names(bindings: Iterable[ImportBinding]) -> dict[str, str]:
    """What each name bound by these absolute imports stands for, as ``imported`` expects."""
    names: dict[str, str] = {}
    for binding in bindings:
        if binding.level or binding.name == "*":
            continue
        names[binding.bound] = _binding_target(binding.module, binding.name, binding.alias)
    return names


def is_mlflow_name(qualified_name: str) -> bool:
    return qualified_name == MLFLOW_MODULE or qualified_name.startswith(MLFLOW_MODULE + ".")


def _binding_target(module: str, name: str | None, alias: str | None) -> str:
    if name is not None:
        return f"{module}.{name}"
    # ``import a.b`` binds ``a`` to package a; ``import a.b as c`` binds ``c`` to a.b.
    return module if alias is not None else module.split(".")[0]


class _GatherImportsVisitor(cst.CSTVisitor):
    """Every absolute import in a cell, at any depth: bound name -> qualified name."""

    def __init__(self) -> None:
        super().__init__()
        self.bound: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = _dotted_name(alias.name)
            if module is None:
                continue
            as_name = _alias_name(alias)
            bound = as_name if as_name is not None else module.split(".")[0]
            self.bound[bound] = _binding_target(module, None, as_name)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = _dotted_name(node.module)
        if module is None:
            return
        for alias in node.names:
            name = _dotted_name(alias.name)
            if name is None:
                continue
            as_name = _alias_name(alias)
            self.bound[as_name if as_name is not None else name] = f"{module}.{name}"


class _GatherMlflowCallsVisitor(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, bindings: Mapping[str, str]) -> None:
        super().__init__()
        self._bindings = bindings
        self.calls: list[MlflowCall] = []

    def visit_Call(self, node: cst.Call) -> None:
        called = _dotted_name(node.func)
        if called is None:
            return
        head, _, rest = called.partition(".")
        target = self._bindings.get(head)
        if target is None:
            return
        qualified = f"{target}.{rest}" if rest else target
        if is_mlflow_name(qualified):
            line = self.get_metadata(PositionProvider, node).start.line
            self.calls.append(MlflowCall(qualified, line))


def _dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _alias_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    name = alias.asname.name
    return name.value if isinstance(name, cst.Name) else None
