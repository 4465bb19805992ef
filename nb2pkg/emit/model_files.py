"""The model's files (``_model.py``, ``_pyfunc.py``) and its lines in ``pipeline.py`` and
``__main__.py``; only for a package whose plan has a model (``nb2pkg.plan.model_plan``)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from nb2pkg.emit.templates import TEMPLATE_DIR
from nb2pkg.ir import ParamSource
from nb2pkg.plan.model_plan import VALUES, ModelPlan

MODEL_TEMPLATE = TEMPLATE_DIR / "model.py"
PYFUNC_TEMPLATE = TEMPLATE_DIR / "pyfunc.py"
MODEL_MODULE = "_model"
PYFUNC_MODULE = "_pyfunc"
MODEL_API = ("load_model", "predict")
"""What ``__init__`` exports from ``_model``: a step of the same name stays in its module."""

MODEL_COMMAND_PARSERS = (
    '    commands.add_parser("promote", add_help=False, '
    'help="point an alias at a registered model version: promote VERSION [--alias champion]")',
    '    commands.add_parser("compare", add_help=False, '
    'help="score two model versions on labelled data: compare A B DATA [--label COLUMN]")',
)
"""Lines of ``build_parser()``: the commands listed in ``--help`` (``_model`` parses them)."""

MODEL_COMMAND_DISPATCH = (
    '    if argv[:1] in (["promote"], ["compare"]):',
    f"        from .{MODEL_MODULE} import main as model_main",
    "",
    "        return model_main(argv)",
)
"""Lines of ``main()``, after ``argv`` is set."""


def render_model_module() -> str:
    return MODEL_TEMPLATE.read_text(encoding="utf-8")


def render_pyfunc_module() -> str:
    return PYFUNC_TEMPLATE.read_text(encoding="utf-8")


def render_model_constants(model: ModelPlan | None) -> list[str]:
    """The model's constants at the top of ``pipeline.py``."""
    if model is None:
        return []
    predict = model.predict
    return [
        "# The pipeline's model (a run() output), the step that fits it, and the `predict` step",
        "# with the input that takes the raw rows: tracked runs log and register the model.",
        f"MODEL = {json.dumps(model.value)}",
        f"MODEL_STEP = {json.dumps(model.step)}",
        f"PREDICT_STEP: str | None = {json.dumps(predict.key) if predict else 'None'}",
        f"PREDICT_DATA: str | None = {json.dumps(predict.data_param) if predict else 'None'}",
    ]


def render_model_functions(
    model: ModelPlan | None, callable_as: Mapping[tuple[str, str], str]
) -> list[str]:
    """``model_fit_data`` and, with a ``predict`` step, ``predict_step_values`` and
    ``call_predict_step``: what ``_model`` needs from the pipeline."""
    if model is None:
        return []
    fit_input = model.fit_input or "None"
    fit_target = model.fit_target or "None"
    lines = [
        "",
        "",
        f"def model_fit_data({VALUES}: dict[str, Any]) -> tuple[Any, Any]:",
        '    """The data the model was fitted on and its target (None when unknown), from',
        '    run()\'s parameters and outputs: the signature and input example of the logged model."""',
        f"    return {fit_input}, {fit_target}",
    ]
    predict = model.predict
    if predict is None:
        return lines
    step = predict.step
    others = [p for p in step.params if p.name not in (predict.model_param, predict.data_param)]
    kept = ", ".join(f'"{p.name}": {VALUES}["{p.name}"]' for p in others)
    arguments: list[str] = []
    for param in step.params:
        if param.name == predict.model_param:
            value = "model"
        elif param.name == predict.data_param:
            value = "data"
        else:
            value = f'kept["{param.name}"]'
        if param.source in (ParamSource.STEP, ParamSource.INPUT):
            arguments.append(value)
        else:
            arguments.append(f"{param.name}={value}")
    call = f"{callable_as[(step.module, step.name)]}({', '.join(arguments)})"
    if len(step.returns) == 1:
        body = [f"    return {call}"]
    else:
        body = [f"    {', '.join(step.returns)} = {call}", f"    return {predict.result}"]
    lines += [
        "",
        "",
        f"def predict_step_values({VALUES}: dict[str, Any]) -> dict[str, Any]:",
        '    """What the `predict` step reads besides the model and the rows: kept with the model."""',
        f"    return {{{kept}}}",
        "",
        "",
        "def call_predict_step(model: Any, data: Any, kept: dict[str, Any]) -> Any:",
        f'    """The `predict` step on raw rows `data`: its `{predict.result}`."""',
        *body,
    ]
    return lines


def render_model_readme(package: str, model: ModelPlan | None) -> list[str]:
    """The generated README's section on the model."""
    if model is None:
        return []
    takes = (
        "raw rows (the `predict` step's input)" if model.predict else "the model's feature columns"
    )
    return [
        "## The model",
        "",
        f"Each tracked run logs the model (`{model.value}`, from step `{model.step}`) to MLflow",
        "with a signature and an input example, and registers it as model "
        f"`{package}` (tags: package",
        "version, notebook sha256, git commit). It takes " + takes + ".",
        "",
        "```bash",
        f"python -m {package} promote 3 --alias champion   # point an alias at a version",
        f"python -m {package} compare 2 champion labelled.csv   # metrics side by side",
        "```",
        "",
        "```python",
        f"from {package} import load_model, predict",
        "",
        "predictions = predict(rows)  # @champion, else the latest version",
        'model = load_model(alias="champion")  # or version="3", run_id="..."',
        "```",
        "",
    ]
