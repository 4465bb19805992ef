"""The model-serving modules of the package (``serve``, ``predict``, ``drift``) and their
commands in ``__main__.py``."""

from __future__ import annotations

from nb2pkg.emit.templates import TEMPLATE_DIR

SERVING_TEMPLATES = {
    "_scoring": "scoring.py",
    "_serving": "serving.py",
    "_batch": "batch.py",
    "_drift": "drift.py",
}
"""Module of the package → the template copied into it (underscored: no notebook module
can take these names)."""

SERVING_EXTRA = ("pandas>=1.5", "pyarrow>=10", "scipy>=1.9", "tqdm>=4", "skops>=0.10")
"""``pip install PKG[serve]``: what ``serve``, ``predict`` and ``drift`` need beyond the
package's own requirements (MLflow's scoring server, FastAPI and uvicorn come with
``mlflow-skinny``). ``skops``: MLflow 3 stores scikit-learn models in its format by
default, and only the full ``mlflow`` distribution brings it; without it such a model does
not load ("No module named 'skops'"). Checked with mlflow-skinny 3.17.2 in a fresh venv."""

SERVING_COMMAND_PARSERS = (
    '    commands.add_parser("serve", add_help=False, '
    'help="serve the model over HTTP: serve [--alias NAME] [--port N]")',
    '    commands.add_parser("predict", add_help=False, '
    'help="score a CSV or Parquet file: predict IN -o OUT [--alias NAME]")',
    '    commands.add_parser("drift", add_help=False, '
    'help="compare new data with the training data: drift NEW.csv [--threshold 0.2]")',
)
"""Lines of ``build_parser()``: the commands listed in ``--help`` (``_scoring`` parses them)."""

SERVING_COMMAND_DISPATCH = (
    '    if argv[:1] in (["serve"], ["predict"], ["drift"]):',
    "        from ._scoring import main as scoring_main",
    "",
    "        return scoring_main(argv)",
)
"""Lines of ``main()``, after ``argv`` is set."""


SHARED_IMPORT = "from nb2pkg.emit.templates.scoring import "
"""How the templates import the shared module: as a real import here (so that they are
type-checked together), as ``from ._scoring import`` in the package."""


def render_serving_modules(src: str) -> dict[str, str]:
    """``{path: text}`` of the serving modules under the package folder ``src``."""
    here = TEMPLATE_DIR
    return {
        f"{src}/{module}.py": (here / template)
        .read_text(encoding="utf-8")
        .replace(SHARED_IMPORT, "from ._scoring import ")
        for module, template in SERVING_TEMPLATES.items()
    }
