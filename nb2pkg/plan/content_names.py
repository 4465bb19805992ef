"""A step's name from its code: a verb phrase for what the cells compute (``load_data``,
``fit_model``, ``split_data``…), used when no heading names the step."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from nb2pkg.analysis.display import VIEW_METHODS
from nb2pkg.analysis.effects import FILE_WRITERS
from nb2pkg.plan.cell_kinds import work_statements

if TYPE_CHECKING:
    from nb2pkg.plan.step_groups import Group, WorkCell

_LOADERS = re.compile(r"^(read_\w+|load\w*|fetch_\w+|loadtxt|genfromtxt|open|urlopen)$")
_FILE_WRITERS = FILE_WRITERS - {"savefig"}
"""A saved figure is drawn for the run's record (nb2pkg.analysis.saved_figures), no output."""
_FITTERS = frozenset({"fit", "fit_transform", "partial_fit", "fit_predict", "train"})
_SPLITTERS = frozenset({"train_test_split"})
_MERGERS = frozenset({"merge", "concat", "join"})
_CLEANERS = frozenset(
    {
        "dropna",
        "fillna",
        "drop",
        "drop_duplicates",
        "rename",
        "replace",
        "astype",
        "to_datetime",
        "to_numeric",
        "strip",
        "lower",
        "apply",
        "map",
        "where",
        "clip",
        "interpolate",
        "reset_index",
        "set_index",
    }
)
_TIDYING = frozenset(
    {
        "dropna",
        "fillna",
        "drop_duplicates",
        "astype",
        "to_datetime",
        "to_numeric",
        "strip",
        "interpolate",
    }
)
"""Calls that only tidy values (missing, duplicated, mistyped, padded): a cell making a value
with them cleans it, even from another (``df = raw.dropna()``)."""
_SCORERS = re.compile(r"score|accuracy|error|report|confusion|metric|auc|cross_val")
_PREDICTORS = frozenset({"predict", "predict_proba", "decision_function"})
_GENERIC_DATA = frozenset({"df", "data", "dataset", "raw", "d", "frame"})


def content_name(cells: Sequence[WorkCell], group: Group) -> str:
    """A verb phrase for what the group computes (``load_data``, ``fit_model``…)."""
    calls: list[tuple[str, str | None]] = []
    statements: list[cst.BaseStatement] = []
    values: list[str] = []
    mutated: list[str] = []
    reads: set[str] = set()
    defines: list[str] = []
    for index in group.members:
        parsed = cells[index].parsed
        if parsed is None:
            continue
        statements.extend(work_statements(parsed))
        reads.update(set(parsed.analysis.reads) - set(values))
        values.extend(parsed.analysis.value_binds)
        mutated.extend(parsed.analysis.mutations)
        defines.extend(parsed.analysis.defines)
    shown: list[str] = []  # the calls of the last statement: the value a group shows
    for statement in statements:
        collector = _Calls()
        statement.visit(collector)
        calls.extend(collector.calls)
        shown = [name for name, _ in collector.calls]
    called = [name for name, _ in calls]
    noun = _noun(group.outputs or values or mutated)
    written = [base or "results" for name, base in calls if name in _FILE_WRITERS]
    if _loads(called, written):
        loaded = f"load_{noun if noun and noun not in _GENERIC_DATA else 'data'}"
        # `digits = load_digits()`: not named like the function it calls
        return f"{loaded}_data" if loaded in called else loaded
    if written or ("savefig" in called and not noun):  # a saved figure with work: its work
        return f"save_{_noun(written[:1]) or 'results'}" if written else "save_figure"
    if any(name in _SPLITTERS for name in called) or _train_and_test(values):
        return "split_data"
    fitted = [base or "model" for name, base in calls if name in _FITTERS]
    if fitted:
        return f"fit_{_noun([fitted[0]]) or 'model'}"
    if noun and any(name in _MERGERS for name in called):
        return f"merge_{noun}"
    reworked = [n for n in (*values, *mutated) if n in reads]
    if reworked and any(n in _CLEANERS for n in called):
        return f"clean_{_noun(reworked)}"
    if noun and any(n in _TIDYING for n in called) and not _SCORERS.search(" ".join(called)):
        return f"clean_{noun}"
    scored = _scoring_name(calls, noun)
    if scored:
        return scored
    if defines and (not noun or noun in {d.lower() for d in defines}):
        return f"define_{_noun([defines[0]])}"
    if noun:
        verb = "update" if noun in {n.lower() for n in reads} else "compute"
        return f"{verb}_{noun}"
    # A shown value, `pd.DataFrame(X, columns=names).head()`: named by what it makes, not
    # by the view it is shown through.
    made = [name for name in shown if name not in VIEW_METHODS] or shown or called
    if made:
        verb = "make" if made[0][:1].isupper() else "run"
        return f"{verb}_{_noun(made[:1])}"
    return ""


def _loads(called: Sequence[str], written: Sequence[str]) -> bool:
    """Whether the calls load data: ``with open(path, "w") as f: json.dump(report, f)``
    saves (``open`` alone, with a file written, loads nothing)."""
    loaders = {name for name in called if _LOADERS.match(name)}
    return bool(loaders) and not (loaders == {"open"} and bool(written))


def _scoring_name(calls: Sequence[tuple[str, str | None]], noun: str) -> str:
    """``evaluate_model`` for predictions and metrics of them, ``compute_<value>`` for
    metrics alone; ``""`` when nothing is scored."""
    scorers = [name for name, _ in calls if _SCORERS.search(name)]
    if not scorers:
        return ""
    predicted = [base for name, base in calls if name in _PREDICTORS and base]
    if predicted:
        return f"evaluate_{_noun(predicted[:1]) or 'model'}"
    return f"compute_{noun or _noun(scorers[:1]) or 'score'}"


def _train_and_test(names: Sequence[str]) -> bool:
    """Whether the names hold a training part and a test part (``train``/``test``,
    ``X_train``/``X_test``, ``df_train``/``test_df``): the cells split the data."""
    words = [set(name.lower().split("_")) for name in names]
    return any("train" in w for w in words) and any("test" in w for w in words)


def _noun(names: Sequence[str]) -> str:
    for name in names:
        noun = name.strip("_").lower()
        if noun.isidentifier() and noun.isascii():
            return noun[:24].rstrip("_")
    return ""


class _Calls(cst.CSTVisitor):
    """(function or method name, name of the object it is called on) of every call; for
    ``dump`` (json's, pickle's, joblib's), the name of the value it writes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str | None]] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name):
            self.calls.append((func.value, None))
        elif isinstance(func, cst.Attribute):
            base = func.value
            if isinstance(base, cst.BaseString):
                # `" ".join(words)`, `"{}".format(x)`: text made, no table joined or cleaned
                self.calls.append((f"str.{func.attr.value}", None))
                return
            name = func.attr.value
            if name == "dump" and node.args and isinstance(node.args[0].value, cst.Name):
                # `json.dump(report, f)`, `joblib.dump(model, path)`: named by what it writes
                self.calls.append((name, node.args[0].value.value))
                return
            self.calls.append((name, base.value if isinstance(base, cst.Name) else None))
