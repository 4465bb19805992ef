"""The model half of the round trip: does each built package log a model that serves?

    python benchmarks/model_roundtrip.py DIR PACKAGES [--only FILE] [--json FILE]

For every notebook under DIR (or those listed in ``--only``, relative to DIR) whose package
``benchmarks/roundtrip.py --keep PACKAGES`` built (``PACKAGES/<notebook stem>``) and whose
plan has a model, in a pristine copy of the notebook's top-level folder and a fresh SQLite
MLflow store:

  import    ``import PKG`` must not import mlflow;
  run       the tracked ``run()`` must succeed and register version 1 of model ``PKG``;
  serve     the registered model, loaded back with ``PKG.load_model()``, must predict on its
            logged input example what the run's own model predicts (without a ``predict``
            step; with one, what the ``predict`` step computes on those rows).

Prints one line per notebook and "N of M log a model that serves". Child processes only;
whatever a notebook does, the script goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RUN_TIMEOUT_SECONDS = 900
"""Guards against a hung run; never used to judge speed."""

CHECK = """
import json, sys
imported = "mlflow" in sys.modules
import importlib
name = sys.argv[1]
package = importlib.import_module(name)
facts = {"mlflow_on_import": "mlflow" in sys.modules or imported}
pipeline = importlib.import_module(f"{name}.pipeline")
outputs = package.run()
import numpy as np
from mlflow import MlflowClient
from mlflow.models import Model
versions = MlflowClient().search_model_versions(f"name = '{name}'")
facts["versions"] = sorted(str(v.version) for v in versions)
facts["flavor"] = versions[0].tags.get("nb2pkg.model_flavor") if versions else None
model = package.load_model()
example = model.input_example
if example is None and versions:
    example = Model.load(versions[0].source).load_input_example(versions[0].source)
if example is not None:
    served = np.asarray(model.predict(example))
    if pipeline.PREDICT_STEP is None:
        fitted = outputs[pipeline.MODEL]
        expected = np.asarray(fitted.predict(example))
    else:
        kept = pipeline.predict_step_values({**outputs})
        expected = np.asarray(pipeline.call_predict_step(outputs[pipeline.MODEL], example, kept))
    facts["same_predictions"] = bool(
        served.shape == expected.shape
        and (np.array_equal(served, expected) or np.allclose(served, expected, rtol=1e-9))
    )
else:
    facts["same_predictions"] = None
print(json.dumps(facts))
"""


def _package_name(folder: Path) -> str | None:
    src = folder / "src"
    if not src.is_dir():
        return None
    names = [p.name for p in src.iterdir() if (p / "pipeline.py").is_file()]
    return names[0] if len(names) == 1 else None


def _has_model(folder: Path, name: str) -> bool:
    text = (folder / "src" / name / "pipeline.py").read_text(encoding="utf-8")
    return "\nMODEL = " in text


def check(root: Path, notebook: Path, packages: Path) -> dict[str, object]:
    relative = notebook.relative_to(root)
    outcome: dict[str, object] = {"notebook": relative.as_posix()}
    built = packages / notebook.stem
    name = _package_name(built)
    if name is None:
        outcome["status"] = "not built"
        return outcome
    if not _has_model(built, name):
        outcome["status"] = "no model"
        return outcome
    # The notebook's top-level folder under DIR (DIR itself for a notebook directly in it).
    inner = relative.parent if len(relative.parts) == 1 else relative.relative_to(relative.parts[0])
    top = root if len(relative.parts) == 1 else root / relative.parts[0]
    with tempfile.TemporaryDirectory(prefix="model-roundtrip-") as scratch:
        copy = Path(scratch) / top.name
        shutil.copytree(top, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        where = copy / inner.parent if len(relative.parts) > 1 else copy
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        env.update(
            PYTHONPATH=str(built / "src"),
            MLFLOW_TRACKING_URI=f"sqlite:///{Path(scratch) / 'mlflow.db'}",
            MPLBACKEND="Agg",
        )
        try:
            done = subprocess.run(
                [sys.executable, "-c", CHECK, name],
                cwd=where,
                env=env,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            outcome["status"] = "timeout"
            return outcome
    if done.returncode != 0:
        outcome["status"] = "failed"
        outcome["error"] = done.stderr.strip().splitlines()[-1:] or ["?"]
        return outcome
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    outcome.update(facts)
    good = (
        facts["versions"] == ["1"]
        and not facts["mlflow_on_import"]
        and facts["same_predictions"] is True
    )
    outcome["status"] = "ok" if good else "wrong"
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("packages", type=Path, help="the --keep folder of roundtrip.py")
    parser.add_argument("--only", type=Path, help="notebooks to check, relative to DIR")
    parser.add_argument("--json", type=Path, help="also write every outcome to this file")
    args = parser.parse_args(argv)
    root = args.directory.resolve()
    if args.only:
        lines = args.only.read_text(encoding="utf-8").splitlines()
        notebooks = [root / line.strip() for line in lines if line.strip()]
    else:
        notebooks = sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    outcomes = []
    for notebook in notebooks:
        outcome = check(root, notebook, args.packages.resolve())
        outcomes.append(outcome)
        details = {k: v for k, v in outcome.items() if k not in ("notebook", "status")}
        print(f"{outcome['status']:<9} {outcome['notebook']}  {json.dumps(details)}", flush=True)
    with_model = [o for o in outcomes if o["status"] not in ("no model", "not built")]
    good = sum(o["status"] == "ok" for o in with_model)
    print(f"{good} of {len(with_model)} log a model that serves")
    if args.json:
        args.json.write_text(json.dumps(outcomes, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
