"""Round trip: does the package built from a notebook compute what the notebook computed?

    python benchmarks/roundtrip.py DIR [--cell-timeout S] [--json FILE] [--keep DIR]

For every notebook under DIR (checkpoints excluded), in stages:

  execute   run it with nbclient (kernel python3) in its own folder; after each cell that
            ``build --auto`` makes a function, pickle the values that step returns;
  build     ``nb2pkg.api.build([nb], auto=True)``: automatic marking in memory, then build
            (in a child process, into a temporary directory). It runs before the notebook
            executes, because its plan says which values to keep, but a notebook that
            does not execute is reported at ``execute``;
  import    import the generated package (its ``src`` on PYTHONPATH);
  run       the pipeline's ``steps()`` (``run()`` without tracking) in the notebook's
            folder, pickling what each step yields;
  compare   every name each step returns must equal the notebook's value right after
            that step's cell (numpy/pandas-aware, floats to 1e-9 relative). The notebook
            runs twice (unless ``--once``): values that differ between its own two runs
            (unseeded randomness, timings) are reported as varying, not compared.

Prints one line per notebook (the stage it failed at and why) and the totals as
"N of M reproduced". Whatever a notebook does, the benchmark goes on to the next one.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
STAGES = ("read", "execute", "build", "import", "run", "compare")
# Guards against a hung child; never used to judge speed.
BUILD_TIMEOUT_SECONDS = 300
RUN_TIMEOUT_SECONDS = 900

# Appended after each function cell: the values its step returns, as the notebook has them then.
_STEP_DUMP = """
def __nb2pkg_roundtrip_dump(path, names):
    import pickle
    values = {}
    for name in names:
        try:
            values[name] = pickle.dumps(globals()[name])
        except Exception:
            values[name] = None
    with open(path, "wb") as stream:
        pickle.dump(values, stream)
__nb2pkg_roundtrip_dump(%r, %r)
del __nb2pkg_roundtrip_dump
"""
_INSERTED = "nb2pkg-roundtrip"
# Objects whose state includes callbacks and renderer caches: equal figures never compare equal.
_UNCOMPARABLE_LIBRARIES = frozenset({"matplotlib", "mpl_toolkits", "seaborn", "plotly"})


@dataclass
class Outcome:
    notebook: str
    ok: bool = False
    stage: str = ""
    """The stage that failed (empty when reproduced)."""
    reason: str = ""
    compared: list[str] = field(default_factory=list)
    not_comparable: list[str] = field(default_factory=list)
    nondeterministic: list[str] = field(default_factory=list)
    """Values that differ between two executions of the notebook itself (not compared)."""
    package: str = ""
    seconds: float = 0.0


class StageFailure(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


# --------------------------------------------------------------------------- value comparison


def same_value(left: Any, right: Any) -> bool:
    """Equality that understands numpy arrays, pandas objects, floats and fitted estimators."""
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
        return None if _numpy_equal(left, right) else here
    if module == "pandas":
        problem = _pandas_difference(left, right)
        return None if problem is None else f"{here} ({problem})"
    if isinstance(left, float):
        return None if _numeric_equal(left, right) else f"{here}: {left!r} vs {right!r}"
    if isinstance(left, dict):
        if left.keys() != right.keys():
            return f"{here}: keys differ"
        for key in left:
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
        # Sparse matrices cache flags (canonical format) as they are displayed; compare content.
        return first_difference(left.toarray(), right.toarray(), where, depth + 1)
    if module == "sklearn" and hasattr(left, "get_params"):
        return first_difference(_estimator_state(left), _estimator_state(right), where, depth + 1)
    state_left, state_right = _state(left), _state(right)
    if state_left is not None and state_right is not None:
        return first_difference(state_left, state_right, where, depth + 1)
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


def _reduced(value: Any) -> tuple[Any, Any] | None:
    """Constructor arguments and state of an object without ``==`` (e.g. a fitted Cython tree)."""
    try:
        reduced = value.__reduce_ex__(4)
    except Exception:
        return None
    if not isinstance(reduced, tuple) or len(reduced) < 2:
        return None
    return reduced[1], reduced[2] if len(reduced) > 2 else None


# --------------------------------------------------------------------------- stages


def _estimator_state(estimator: Any) -> dict[str, Any]:
    """An estimator's parameters and fitted attributes (``coef_``…), not its private caches
    (``CountVectorizer._stop_words_id`` is an ``id()``, different in every process)."""
    fitted = {
        name: value
        for name, value in vars(estimator).items()
        if name.endswith("_") and not name.startswith("_")
    }
    return {"params": estimator.get_params(deep=False), "fitted": fitted}


def _defines_equality(value: Any) -> bool:
    return getattr(type(value), "__eq__", None) is not getattr(object, "__eq__", None)


def _state(value: Any) -> Any:
    """What an object holds (its ``__dict__``), for objects that do not define ``==``."""
    if hasattr(value, "__dict__") and not _defines_equality(value):
        return {k: v for k, v in vars(value).items() if not k.startswith("__")}
    return None


def _numeric_equal(left: Any, right: Any) -> bool:
    try:
        a, b = float(left), float(right)
    except (TypeError, ValueError):
        return False
    if math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _is_numpy_value(value: Any) -> bool:
    """Arrays and scalars; other numpy objects (a random Generator) are compared by state."""
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
    if isinstance(left, np.generic):
        return _numeric_equal(left, right) if left.dtype.kind in "fciub" else bool(left == right)
    try:
        return bool(left == right)
    except Exception:
        return pickle.dumps(left) == pickle.dumps(right)


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


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@dataclass(frozen=True)
class Step:
    name: str
    cell_number: int
    returns: tuple[str, ...]


def execute_notebook(path: Path, steps: list[Step], dump_dir: Path, cell_timeout: float) -> None:
    """Run the notebook in its folder, saving each step's returned values after its cell."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    try:
        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except Exception as error:
        raise StageFailure("read", f"{type(error).__name__}: {error}") from error
    for step in sorted(steps, key=lambda s: s.cell_number, reverse=True):
        code = _STEP_DUMP % (str(dump_dir / f"{step.cell_number}.pickle"), list(step.returns))
        dump = nbformat.v4.new_code_cell(code, metadata={_INSERTED: True})  # type: ignore[no-untyped-call]
        nb.cells.insert(step.cell_number, dump)
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        detail = f"{error.ename}: {_strip_ansi(str(error.evalue))}"
        raise StageFailure("execute", f"cell {_failed_cell(nb)}: {detail}"[:300]) from error
    except CellTimeoutError as error:
        raise StageFailure("execute", f"a cell ran over {cell_timeout:.0f} s") from error
    except DeadKernelError as error:
        raise StageFailure("execute", f"the kernel died: {error}") from error


def _failed_cell(nb: Any) -> int | None:
    """The failing cell's number in the original notebook (dump cells not counted)."""
    number = 0
    for cell in nb.cells:
        if cell.get("metadata", {}).get(_INSERTED):
            continue
        number += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return number
    return None


# One child process plans and builds, so the steps compared are exactly the ones built.
_BUILD_SCRIPT = """
import json, sys
from pathlib import Path
from nb2pkg import api
from nb2pkg.automark import apply_in_memory
notebook, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
raw = json.loads(notebook.read_text(encoding="utf-8"))
plan = api.analyze_notebook(apply_in_memory(raw), notebook.name, path=str(notebook))
steps = [
    # A function merged from consecutive cells returns its values after the last of them.
    [cell["name"], (cell.get("parts") or [cell])[-1]["number"], list(cell.get("returns") or [])]
    for cell in plan.get("cells", [])
    if cell.get("role") == "function" and cell.get("name")
]
result = api.build([notebook], out_dir, auto=True, root=notebook.parent)
print(json.dumps({"steps": steps, "build": result.to_json()}))
"""


@dataclass(frozen=True)
class Built:
    steps: list[Step]
    result: dict[str, Any]


def build_package(path: Path, out_dir: Path) -> Built:
    """Plan and build in a child process; a failed build is raised only by ``Built.check``."""
    env = {**os.environ, "PYTHONPATH": _pythonpath(REPO_ROOT)}
    try:
        completed = subprocess.run(
            [sys.executable, "-c", _BUILD_SCRIPT, str(path), str(out_dir)],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_SECONDS,
            env=env,
            cwd=out_dir.parent,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise StageFailure("build", f"no result after {BUILD_TIMEOUT_SECONDS} s") from error
    if completed.returncode != 0:
        raise StageFailure("build", f"crashed: {_last_line(completed.stderr)}")
    try:
        output = json.loads(_last_line(completed.stdout))
    except ValueError as error:
        raise StageFailure("build", f"unreadable output: {completed.stdout[-200:]}") from error
    steps = [
        Step(str(name), int(number), tuple(returns)) for name, number, returns in output["steps"]
    ]
    return Built(steps, output["build"])


def check_build(result: dict[str, Any]) -> None:
    if not result.get("ok"):
        errors = [d for d in result.get("diagnostics", []) if d.get("severity") == "error"]
        first = errors[0] if errors else {}
        raise StageFailure(
            "build", f"{first.get('code')} {first.get('where')}: {first.get('message')}"
        )


def _pythonpath(*entries: Path) -> str:
    existing = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join([*(str(e) for e in entries), *([existing] if existing else [])])


def run_pipeline(
    package: str,
    out_dir: Path,
    notebook_dir: Path,
    steps: list[Step],
    dump_dir: Path,
    second_dump_dir: Path,
    report_file: Path,
) -> dict[str, Any]:
    steps_file = dump_dir / "steps.json"
    steps_file.write_text(json.dumps({s.name: s.cell_number for s in steps}), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": _pythonpath(out_dir / "src", Path(__file__).resolve().parent),
        "MPLBACKEND": "Agg",
    }
    command = [
        sys.executable,
        "-c",
        "import roundtrip, sys; roundtrip.pipeline_child(*sys.argv[1:])",
        package,
        str(steps_file),
        str(dump_dir),
        str(second_dump_dir),
        str(report_file),
    ]
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
            env=env,
            cwd=notebook_dir,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise StageFailure("run", f"no result after {RUN_TIMEOUT_SECONDS} s") from error
    if not report_file.exists():
        raise StageFailure("run", f"the pipeline process died: {_last_line(completed.stderr)}")
    report: dict[str, Any] = json.loads(report_file.read_text(encoding="utf-8"))
    if report.get("stage"):
        raise StageFailure(report["stage"], report["reason"])
    return report


def pipeline_child(
    package: str, steps_file: str, dump_dir: str, second_dump_dir: str, report_file: str
) -> None:
    """In the child process: import the package, run its steps, compare with the notebook."""
    import importlib

    report: dict[str, Any] = {
        "stage": "",
        "reason": "",
        "compared": [],
        "not_comparable": [],
        "nondeterministic": [],
        "different": [],
    }

    def finish() -> None:
        Path(report_file).write_text(json.dumps(report), encoding="utf-8")

    try:
        pipeline = importlib.import_module(f"{package}.pipeline")
    except BaseException as error:
        report.update(stage="import", reason=f"{type(error).__name__}: {error}"[:300])
        return finish()
    produced: list[tuple[str, dict[str, bytes | None]]] = []
    try:
        for step_name, values in pipeline.steps():
            # Why pickle now: a later step may mutate these objects in place.
            produced.append((step_name, {k: _pickled(v) for k, v in values.items()}))
    except BaseException as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        origin = f" ({Path(where.filename).name}:{where.lineno})"
        report.update(stage="run", reason=f"{type(error).__name__}: {error}{origin}"[:300])
        return finish()
    cell_of_step: dict[str, int] = json.loads(Path(steps_file).read_text(encoding="utf-8"))
    for step_name, values in produced:
        notebook_values = _load_dump(Path(dump_dir), cell_of_step.get(step_name))
        second_values = _load_dump(Path(second_dump_dir), cell_of_step.get(step_name))
        for name, pickled in values.items():
            label = f"{step_name}.{name}"
            expected_bytes = notebook_values.get(name)
            if pickled is None or expected_bytes is None:
                report["not_comparable"].append(label)
                continue
            try:
                expected, value = pickle.loads(expected_bytes), pickle.loads(pickled)
            except Exception:
                report["not_comparable"].append(label)
                continue
            if _varies(expected, second_values.get(name), label):
                report["nondeterministic"].append(label)
                continue
            if type(value).__module__.split(".")[0] in _UNCOMPARABLE_LIBRARIES:
                report["not_comparable"].append(label)
                continue
            try:
                difference = first_difference(expected, value, label)
            except Exception as error:
                difference = f"{label}: {type(error).__name__} while comparing"
            if difference is None:
                report["compared"].append(label)
            else:
                report["different"].append(difference)
    if report["different"]:
        report.update(
            stage="compare", reason="values differ: " + "; ".join(report["different"][:5])
        )
    elif not report["compared"]:
        report.update(
            stage="compare",
            reason="nothing to compare: no step returned a value both sides could pickle"
            if produced
            else "the pipeline has no steps (nothing was packaged)",
        )
    return finish()


def _load_dump(directory: Path, cell_number: int | None) -> dict[str, bytes | None]:
    dump = directory / f"{cell_number}.pickle"
    if not dump.exists():
        return {}
    values: dict[str, bytes | None] = pickle.loads(dump.read_bytes())
    return values


def _varies(first: Any, second_bytes: bytes | None, label: str) -> bool:
    """Whether the notebook's second run gave this value differently (never run: no)."""
    if second_bytes is None:
        return False
    try:
        return first_difference(first, pickle.loads(second_bytes), label) is not None
    except Exception:
        return False


def _pickled(value: Any) -> bytes | None:
    try:
        return pickle.dumps(value)
    except Exception:
        return None


def roundtrip(
    path: Path, root: Path, cell_timeout: float, keep: Path | None, *, twice: bool = True
) -> Outcome:
    """One notebook through every stage. With ``twice``, the notebook runs a second time and
    values that differ between its own two runs (unseeded randomness, timings) are set aside."""
    outcome = Outcome(notebook=str(path.relative_to(root)))
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="nb2pkg-roundtrip-"))
    try:
        dump_dir = work / "notebook_values"
        second_dump_dir = work / "notebook_values_again"
        dump_dir.mkdir()
        second_dump_dir.mkdir()
        out_dir = (keep.resolve() / path.stem) if keep else work / "package"
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if keep and out_dir.exists():
            shutil.rmtree(out_dir)
        # Built first (static, it never runs the notebook): the plan says which values to keep.
        try:
            built: Built | StageFailure = build_package(path, out_dir)
        except StageFailure as failure:
            built = failure
        steps = built.steps if isinstance(built, Built) else []
        execute_notebook(path, steps, dump_dir, cell_timeout)
        if isinstance(built, StageFailure):
            raise built
        check_build(built.result)
        if twice:
            execute_notebook(path, steps, second_dump_dir, cell_timeout)
        outcome.package = str(built.result.get("package", ""))
        report = run_pipeline(
            outcome.package,
            out_dir,
            path.parent,
            steps,
            dump_dir,
            second_dump_dir,
            work / "report.json",
        )
        outcome.nondeterministic = report["nondeterministic"]
        outcome.compared = report["compared"]
        outcome.not_comparable = report["not_comparable"]
        outcome.ok = True
    except StageFailure as failure:
        outcome.stage, outcome.reason = failure.stage, failure.reason
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the benchmark itself must go on to the next notebook
        outcome.stage, outcome.reason = "benchmark", f"{type(error).__name__}: {error}"[:300]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def find_notebooks(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*.ipynb")):
        if ".ipynb_checkpoints" not in path.parts:
            yield path


def summary(outcomes: list[Outcome]) -> list[str]:
    reproduced = sum(o.ok for o in outcomes)
    executed = [o for o in outcomes if o.stage not in {"read", "execute"}]
    lines = [f"{reproduced} of {len(outcomes)} reproduced"]
    lines.append(f"({reproduced} of {len(executed)} notebooks that ran offline here)")
    by_stage = Counter(o.stage for o in outcomes if not o.ok)
    if by_stage:
        lines.append(
            "failures by stage: "
            + ", ".join(f"{s} {by_stage[s]}" for s in (*STAGES, "benchmark") if by_stage[s])
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--cell-timeout", type=float, default=120.0)
    parser.add_argument("--json", type=Path, help="also write every outcome to this file")
    parser.add_argument("--keep", type=Path, help="keep the generated packages in this folder")
    parser.add_argument(
        "--once",
        action="store_true",
        help="run each notebook once (faster; values that vary between runs then count as "
        "differences)",
    )
    args = parser.parse_args(argv)
    if importlib.util.find_spec("nb2pkg") is None:  # run from a checkout without installing
        sys.path.insert(0, str(REPO_ROOT))
    root = args.directory.resolve()
    if not root.is_dir():
        print(f"roundtrip: no directory {root}", file=sys.stderr)
        return 2
    outcomes: list[Outcome] = []
    for path in find_notebooks(root):
        outcome = roundtrip(path, root, args.cell_timeout, args.keep, twice=not args.once)
        outcomes.append(outcome)
        if outcome.ok:
            extra = ""
            if outcome.not_comparable:
                extra += f", {len(outcome.not_comparable)} not comparable"
            if outcome.nondeterministic:
                extra += f", {len(outcome.nondeterministic)} vary between runs of the notebook"
            status = f"reproduced ({len(outcome.compared)} values equal{extra})"
        else:
            status = f"FAILED at {outcome.stage}: {outcome.reason}"
        print(f"{outcome.notebook}: {status} [{outcome.seconds} s]", flush=True)
    for line in summary(outcomes):
        print(line)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
