"""Strict judgement of a round trip: does the package end where the notebook ends?

Used by ``benchmarks/roundtrip.py`` and tested on its own (``tests/unit/test_strict_compare.py``).

* **Expected names**: every top-level name a packaged (function) cell binds, as the notebook
  has it at its end. Left out, and counted apart: names the notebook no longer has, modules,
  functions and classes (code, not results), figures (matplotlib, seaborn, plotly objects),
  and loop variables, ``with``/``except`` names and imports (a cell that binds them only that
  way: ``incidental``).
* **Values**: numpy, pandas and scipy-sparse aware; fitted scikit-learn estimators are compared
  by ``get_params()`` and their fitted ``*_`` attributes, timing fields left out
  (``cv_results_["mean_fit_time"]``, ``refit_time_``), so grid searches are compared.
* **Varying**: a value counts as varying only when the notebook's own runs (three) differ;
  it is then never counted as equal, only checked to have the same type.
* **Files**: every file the notebook writes (new or changed in its folder) must be written by
  the package, in a pristine copy of the same folder, with the same bytes (unless the
  notebook's own runs wrote it differently: varying).

A notebook is strictly reproduced when nothing is missing or different, values or files, and
something was compared.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import math
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIGURE_LIBRARIES = frozenset({"matplotlib", "mpl_toolkits", "seaborn", "plotly"})
"""Objects whose state holds callbacks and renderer caches: figures, not results."""

# What the notebook's kernel records for each name (see ``dump_source``).
ABSENT = "absent"
CODE = "code"
FIGURE = "figure"


# --------------------------------------------------------------------------- expected names


def top_level_binds(source: str) -> tuple[list[str], set[str]]:
    """(names a cell binds at top level in binding order, names whose last binding in the
    cell is incidental: loop variables, ``with``/``except`` names, imports, and the state of
    a plot read back from pyplot or seaborn, ``lim = plt.axis()``). IPython syntax is read as
    IPython reads it."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return [], set()
    statements: list[ast.stmt] = []
    for node in tree.body:
        magic = _magic(node)
        if magic is not None and magic[0] == "run_cell_magic" and magic[1] in _BINDING_MAGICS:
            return top_level_binds(magic[3])  # %%time, %%capture, %%prun run their body
        if magic is not None and magic[0] == "run_line_magic" and magic[1] == "time":
            with contextlib.suppress(SyntaxError):
                statements.extend(ast.parse(magic[2]).body)  # %time x = f() binds x
            continue
        statements.append(node)
    tree = ast.Module(body=statements, type_ignores=[])
    binds: list[str] = []
    assigned: set[str] = set()
    incidental: set[str] = set()

    def add(name: str, into: set[str]) -> None:
        if name not in binds:
            binds.append(name)
        assigned.discard(name)
        incidental.discard(name)
        into.add(name)  # the last binding decides what the cell leaves in the name

    def targets(node: ast.expr) -> list[str]:
        if isinstance(node, ast.Name):
            return [node.id]
        if isinstance(node, ast.Tuple | ast.List):
            return [n for e in node.elts for n in targets(e)]
        if isinstance(node, ast.Starred):
            return targets(node.value)
        return []

    def visit(statements: Iterable[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Assign):
                kind = incidental if _reads_plot_state(node.value) else assigned
                for target in node.targets:
                    for name in targets(target):
                        add(name, kind)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign) and (
                not isinstance(node, ast.AnnAssign) or node.value is not None
            ):
                for name in targets(node.target):
                    add(name, assigned)
            elif isinstance(node, ast.For | ast.AsyncFor):
                for name in targets(node.target):
                    add(name, incidental)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        for name in targets(item.optional_vars):
                            add(name, incidental)
            elif isinstance(node, ast.Try):
                for handler in node.handlers:
                    if handler.name:
                        add(handler.name, incidental)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                add(node.name, assigned)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    if alias.name != "*":
                        add((alias.asname or alias.name).split(".")[0], incidental)
            for child_body in ("body", "orelse", "finalbody"):
                inner = getattr(node, child_body, None)
                if isinstance(inner, list) and not isinstance(
                    node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                ):
                    visit(inner)
            if isinstance(node, ast.Try):
                for handler in node.handlers:
                    visit(handler.body)
        for child in ast.walk(ast.Module(body=list(statements), type_ignores=[])):
            if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
                add(child.target.id, assigned)

    visit(tree.body)
    return binds, incidental


_PLOT_MODULES = frozenset({"plt", "pyplot", "sns", "seaborn"})


def _reads_plot_state(value: ast.expr) -> bool:
    """``plt.axis()``, ``plt.xlim()``, ``sns.color_palette()``: a call on pyplot or seaborn
    (by their conventional names), whose value describes a figure, not the analysis."""
    if not isinstance(value, ast.Call):
        return False
    func: ast.expr = value.func
    while isinstance(func, ast.Attribute | ast.Call):
        func = func.value if isinstance(func, ast.Attribute) else func.func
    return isinstance(func, ast.Name) and func.id in _PLOT_MODULES and func is not value.func


_BINDING_MAGICS = frozenset({"time", "capture", "prun"})


def _magic(node: ast.stmt) -> tuple[str, str, str, str] | None:
    """(method, magic name, line, body) of ``get_ipython().run_*_magic(...)``."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return None
    call = node.value
    if not (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call)):
        return None
    if getattr(call.func.value.func, "id", None) != "get_ipython":
        return None
    args = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(args) != len(call.args) or len(args) < 2:
        return None
    return call.func.attr, args[0], args[1], args[2] if len(args) > 2 else ""


# What the notebook's kernel runs after its last cell: each name's value, pickled.
DUMP_SOURCE = """
def __nb2pkg_final_state(path, names, figure_libraries):
    import pickle, types
    found = {}
    for name in names:
        if name not in globals():
            found[name] = "absent"
            continue
        value = globals()[name]
        if isinstance(
            value,
            (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type),
        ):
            found[name] = "code"
            continue
        items = value
        if type(value).__module__ == "numpy" and getattr(value, "dtype", None) == object:
            items = list(value.flat)
        if not isinstance(items, (list, tuple)) or not items:
            items = [value]
        if all(type(v).__module__.split(".")[0] in figure_libraries for v in items):
            found[name] = "figure"  # a figure, axes, or an array of axes (plt.subplots)
            continue
        try:
            found[name] = pickle.dumps(value)
        except Exception:
            found[name] = None
    with open(path, "wb") as stream:
        pickle.dump(found, stream)
"""


def dump_source(path: Path, names: Sequence[str]) -> str:
    call = f"__nb2pkg_final_state({str(path)!r}, {list(names)!r}, {sorted(FIGURE_LIBRARIES)!r})"
    return f"{DUMP_SOURCE}{call}\ndel __nb2pkg_final_state\n"


# --------------------------------------------------------------------------- values


def same_value(left: Any, right: Any) -> bool:
    return first_difference(left, right) is None


def first_difference(left: Any, right: Any, where: str = "", depth: int = 0) -> str | None:
    """None when equal, else where the first difference is (``.estimators_[0].tree_``)."""
    if depth > 20 or left is right:
        return None
    here = where or "value"
    module = type(left).__module__.split(".")[0]
    if type(left) is not type(right):
        return (
            None
            if _numeric_equal(left, right)
            else f"{here}: type {type(left).__name__} vs {type(right).__name__}"
        )
    if module == "numpy" and _is_numpy_value(left):
        return None if _numpy_equal(left, right) else f"{here} (arrays differ)"
    if module == "pandas":
        problem = _pandas_difference(left, right)
        return None if problem is None else f"{here} ({problem})"
    if isinstance(left, float):
        return None if _numeric_equal(left, right) else f"{here}: {left!r} vs {right!r}"
    if isinstance(left, dict):
        if left.keys() != right.keys():
            return f"{here}: keys differ"
        for key in left:
            if where.endswith("cv_results_") and isinstance(key, str) and "time" in key:
                continue  # timings differ between any two runs
            found = first_difference(left[key], right[key], f"{where}[{key!r}]", depth + 1)
            if found:
                return found
        return None
    if isinstance(left, list | tuple):
        if len(left) != len(right):
            return f"{here}: length {len(left)} vs {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{where}[{index}]", depth + 1)
            if found:
                return found
        return None
    if isinstance(left, str | bytes | int | bool | complex) or left is None:
        return None if left == right else f"{here}: {left!r:.40} vs {right!r:.40}"
    if module == "scipy" and hasattr(left, "toarray") and hasattr(left, "shape"):
        return first_difference(left.toarray(), right.toarray(), where, depth + 1)
    if module == "sklearn" and hasattr(left, "get_params"):
        return _fields_difference(estimator_state(left), estimator_state(right), where, depth + 1)
    state_left, state_right = _state(left), _state(right)
    if state_left is not None and state_right is not None:
        return _fields_difference(state_left, state_right, where, depth + 1)
    if _defines_equality(left):
        try:
            equal = left == right
            if isinstance(equal, bool):
                return None if equal else here
        except Exception:
            pass
    reduced_left, reduced_right = _reduced(left), _reduced(right)
    if reduced_left is None or reduced_right is None:
        return None if pickle.dumps(left) == pickle.dumps(right) else here
    return first_difference(reduced_left, reduced_right, where, depth + 1)


def _fields_difference(
    left: Mapping[str, Any], right: Mapping[str, Any], where: str, depth: int
) -> str | None:
    if left.keys() != right.keys():
        return f"{where or 'value'}: attributes differ ({sorted(left.keys() ^ right.keys())})"
    for key in left:
        found = first_difference(left[key], right[key], f"{where}.{key}", depth + 1)
        if found:
            return found
    return None


def estimator_state(estimator: Any) -> dict[str, Any]:
    """Parameters and fitted ``*_`` attributes, without timings and private caches."""
    state: dict[str, Any] = {"get_params()": estimator.get_params(deep=False)}
    for name, value in vars(estimator).items():
        if name.endswith("_") and not name.startswith("_") and "time" not in name:
            state[name] = value
    return state


def _reduced(value: Any) -> tuple[Any, Any] | None:
    try:
        reduced = value.__reduce_ex__(4)
    except Exception:
        return None
    if not isinstance(reduced, tuple) or len(reduced) < 2:
        return None
    return reduced[1], reduced[2] if len(reduced) > 2 else None


def _defines_equality(value: Any) -> bool:
    return getattr(type(value), "__eq__", None) is not getattr(object, "__eq__", None)


def _state(value: Any) -> dict[str, Any] | None:
    if hasattr(value, "__dict__") and not _defines_equality(value):
        return {k: v for k, v in vars(value).items() if not k.startswith("__")}
    return None


def _numeric_equal(left: Any, right: Any) -> bool:
    if isinstance(left, str | bytes) or isinstance(right, str | bytes):
        return False
    try:
        a, b = float(left), float(right)
    except (TypeError, ValueError):
        return False
    if math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _is_numpy_value(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.ndarray | np.generic)


def _numpy_equal(left: Any, right: Any) -> bool:
    import numpy as np

    if isinstance(left, np.ndarray):
        if left.shape != right.shape or left.dtype != right.dtype:
            return False
        if left.dtype.kind in "fc":
            return bool(np.allclose(left, right, rtol=1e-9, atol=1e-12, equal_nan=True))
        if left.dtype.kind in "OV":
            pairs = zip(left.ravel(), right.ravel(), strict=True)
            return all(same_value(a, b) for a, b in pairs)
        return bool(np.array_equal(left, right))
    if left.dtype.kind in "fciub":
        return _numeric_equal(left, right)
    return bool(left == right)


def _pandas_difference(left: Any, right: Any) -> str | None:
    import pandas as pd
    import pandas.testing as pdt

    try:
        if isinstance(left, pd.DataFrame):
            pdt.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
        elif isinstance(left, pd.Series):
            pdt.assert_series_equal(left, right, check_exact=False, rtol=1e-9)
        elif isinstance(left, pd.Index):
            pdt.assert_index_equal(left, right, exact=True)
        elif hasattr(left, "equals"):
            return None if left.equals(right) else "not equal"
        else:
            return None if bool(left == right) else "not equal"
    except AssertionError as error:
        return " ".join(str(error).split())[:120]
    except Exception:
        return None if pickle.dumps(left) == pickle.dumps(right) else "pickles differ"
    return None


# --------------------------------------------------------------------------- files


def file_hashes(folder: Path) -> dict[str, str]:
    """Relative POSIX path → sha256 of every file under ``folder``."""
    hashes: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            hashes[path.relative_to(folder).as_posix()] = digest
    return hashes


def written_files(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """Files new or changed between two snapshots of a folder."""
    return {path: digest for path, digest in after.items() if before.get(path) != digest}


# --------------------------------------------------------------------------- judgement


@dataclass
class Judgement:
    expected: list[str] = field(default_factory=list)
    equal: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    """``name: where the first difference is``."""
    varying: list[str] = field(default_factory=list)
    uncomparable: list[str] = field(default_factory=list)
    left_out: dict[str, list[str]] = field(default_factory=dict)
    """Why names were not expected: ``absent``, ``code``, ``figure``, ``incidental``."""
    files_expected: list[str] = field(default_factory=list)
    files_equal: list[str] = field(default_factory=list)
    files_missing: list[str] = field(default_factory=list)
    files_differing: list[str] = field(default_factory=list)
    files_varying: list[str] = field(default_factory=list)

    @property
    def reproduced(self) -> bool:
        return not (
            self.missing
            or self.differing
            or self.files_missing
            or self.files_differing
            or self.vacuous
        )

    @property
    def vacuous(self) -> bool:
        """Nothing was compared: no value both sides have, no file."""
        return not (self.equal or self.varying or self.differing or self.files_expected)

    @property
    def needs_more_runs(self) -> bool:
        """Differences that more runs of the notebook could show to be its own variation."""
        return bool(self.differing or self.files_differing)


Pickled = bytes | str | None
"""What a dump holds per name: pickled bytes, a marker (``absent``…), or None (unpicklable)."""


def judge_values(
    names: Sequence[str],
    incidental: set[str],
    notebook_runs: Sequence[Mapping[str, Pickled]],
    package: Mapping[str, Any],
    package_unpicklable: set[str] | None = None,
    judgement: Judgement | None = None,
) -> Judgement:
    """Compare the package's ``run()`` result with the notebook's final state.

    ``notebook_runs`` are the notebook's dumps (the first is the reference; more runs tell
    variation); ``package`` is ``run()``'s result (live objects).
    """
    result = judgement or Judgement()
    first = notebook_runs[0]
    for name in names:
        marker = first.get(name, ABSENT)
        if isinstance(marker, str):
            result.left_out.setdefault(marker, []).append(name)
            continue
        if name in incidental and name not in package:
            result.left_out.setdefault("incidental", []).append(name)
            continue
        result.expected.append(name)
        if name not in package:
            result.missing.append(name)
            continue
        if marker is None or (package_unpicklable and name in package_unpicklable):
            result.uncomparable.append(name)
            continue
        try:
            expected = pickle.loads(marker)
        except Exception:
            result.uncomparable.append(name)
            continue
        value = package[name]
        if type(value).__module__.split(".")[0] in FIGURE_LIBRARIES:
            result.uncomparable.append(name)
            continue
        try:
            difference = first_difference(expected, value, name)
        except Exception as error:
            difference = f"{name}: {type(error).__name__} while comparing"
        if difference is None:
            result.equal.append(name)
        elif _varies(name, notebook_runs):
            if type(expected) is type(value):
                result.varying.append(name)
            else:
                result.differing.append(difference)
        else:
            result.differing.append(difference)
    return result


def _varies(name: str, runs: Sequence[Mapping[str, Pickled]]) -> bool:
    values = [run.get(name) for run in runs]
    if len(values) < 3 or any(not isinstance(v, bytes) for v in values):
        return False
    try:
        loaded = [pickle.loads(v) for v in values if isinstance(v, bytes)]
        return any(first_difference(loaded[0], other) is not None for other in loaded[1:])
    except Exception:
        return False


FIGURE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "svg", "pdf", "eps", "ps", "tif", "tiff"})
"""Files ``savefig`` writes: figures of the run, which a tracked run logs as artifacts."""


def judge_files(
    notebook_runs: Sequence[Mapping[str, str]],
    package: Mapping[str, str],
    judgement: Judgement | None = None,
) -> Judgement:
    """Files the notebook wrote (path → sha256, one mapping per notebook run) against the
    package's. Files only the package writes are not judged, nor is a figure the notebook
    saved that the package does not write: a tracked run logs it as an artifact instead."""
    result = judgement or Judgement()
    for path, digest in sorted(notebook_runs[0].items()):
        if path not in package and path.rsplit(".", 1)[-1].lower() in FIGURE_SUFFIXES:
            continue
        result.files_expected.append(path)
        if path not in package:
            result.files_missing.append(path)
        elif package[path] == digest:
            result.files_equal.append(path)
        elif len(notebook_runs) >= 3 and len({run.get(path) for run in notebook_runs}) > 1:
            result.files_varying.append(path)
        else:
            result.files_differing.append(path)
    return result
