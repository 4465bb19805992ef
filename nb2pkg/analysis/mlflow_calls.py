"""Find a cell's own MLflow calls.

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
from typing import TYPE_CHECKING, NamedTuple

from nb2pkg.ir import ImportBinding

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import MetadataWrapper
else:
    from nb2pkg.analysis.lazy_cst import cst

MLFLOW_MODULE = "mlflow"


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
    from libcst.metadata import MetadataWrapper

    from nb2pkg.analysis.mlflow_call_visitor import GatherMlflowCallsVisitor

    wrapper = (
        module
        if isinstance(module, MetadataWrapper)
        else MetadataWrapper(module, unsafe_skip_copy=True)
    )
    bindings = {MLFLOW_MODULE: MLFLOW_MODULE}
    bindings.update(imported or {})
    bindings.update(_bound_by_imports(wrapper.module))
    finder = GatherMlflowCallsVisitor(bindings)
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


def _bound_by_imports(module: cst.Module) -> dict[str, str]:
    """Every absolute import in a cell, at any depth: bound name -> qualified name."""
    # libcst's codemod package takes longer to import than most builds spend here: only a
    # notebook that uses MLflow needs it.
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import GatherImportsVisitor

    gatherer = GatherImportsVisitor(CodemodContext())
    module.visit(gatherer)
    bound: dict[str, str] = {}
    # ``symbol_mapping`` keeps source order, a later import of a name replacing an earlier
    # one; relative imports are left out (there is no package to resolve them against).
    for item in gatherer.symbol_mapping.values():
        if item.obj_name is None:
            name = item.alias if item.alias is not None else item.module_name.split(".")[0]
        else:
            name = item.alias if item.alias is not None else item.obj_name
        bound[name] = _binding_target(item.module_name, item.obj_name, item.alias)
    return bound
