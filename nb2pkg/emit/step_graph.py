"""The step graph: which earlier steps' outputs each step reads, not only notebook order.

``steps()`` runs every step in one namespace, so a step reads a value from the last step
before it that returned that value or changed it in place. Tasks on different machines
exchange exactly these values, and steps that read nothing from each other may run at the
same time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nb2pkg.ir import ParamSource
from nb2pkg.plan.package_plan import PackagePlan


@dataclass(frozen=True)
class StepNode:
    key: str
    """The step's name in ``steps()``, MLflow and every export."""
    module: str
    function: str
    notebook: str
    cell_id: str
    inputs: tuple[tuple[str, str], ...]
    """(argument, the step whose stored output of that name it reads)."""
    params: tuple[str, ...]
    """``run()`` parameters the step takes."""
    outputs: tuple[str, ...]
    """Values the step stores: what it returns, then the inputs it changes in place."""
    returns: tuple[str, ...]
    metrics: bool = False

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(producer for _, producer in self.inputs))


def step_graph(plan: PackagePlan) -> tuple[StepNode, ...]:
    """Every step in pipeline order with the steps it reads from."""
    latest: dict[str, str] = {}
    nodes: list[StepNode] = []
    run_params = {p.name for p in plan.run_params}
    for notebook in plan.notebooks:
        for step in notebook.steps:
            key = plan.step_keys[(step.module, step.name)]
            inputs: list[tuple[str, str]] = []
            params: list[str] = []
            for param in step.params:
                producer = latest.get(param.name)
                if param.source is ParamSource.STEP and producer is not None:
                    inputs.append((param.name, producer))
                elif param.name in run_params:
                    params.append(param.name)
            changed = tuple(n for n in step.mutates if n not in step.returns)
            outputs = step.returns + changed
            for name in outputs:
                latest[name] = key
            nodes.append(
                StepNode(
                    key=key,
                    module=step.module,
                    function=step.name,
                    notebook=step.notebook,
                    cell_id=step.cell_id,
                    inputs=tuple(inputs),
                    params=tuple(params),
                    outputs=outputs,
                    returns=step.returns,
                    metrics=step.metrics,
                )
            )
    return tuple(nodes)


def graph_json(nodes: tuple[StepNode, ...]) -> dict[str, dict[str, Any]]:
    """The graph as stored in ``pipeline.GRAPH`` and the manifest."""
    return {
        node.key: {
            "module": node.module,
            "function": node.function,
            "needs": list(node.needs),
            "inputs": dict(node.inputs),
            "params": list(node.params),
            "outputs": list(node.outputs),
            "returns": list(node.returns),
        }
        for node in nodes
    }


def render_graph_constant(plan: PackagePlan) -> list[str]:
    """Lines of ``pipeline.py`` defining ``GRAPH`` and ``graph()``."""
    lines = [
        "",
        "# Each step: the function it calls, the steps it reads from (`needs`), which stored",
        "# value each argument comes from (`inputs`: argument -> step), the run() parameters it",
        "# takes, and the values it stores (`outputs`: returns, then inputs changed in place).",
        "GRAPH: dict[str, dict[str, Any]] = {",
    ]
    for key, entry in graph_json(step_graph(plan)).items():
        lines.append(f"    {json.dumps(key)}: {{")
        for field, value in entry.items():
            lines.append(f"        {json.dumps(field)}: {json.dumps(value)},")
        lines.append("    },")
    lines += [
        "}",
        "",
        "",
        "def graph() -> dict[str, tuple[str, ...]]:",
        '    """Each step and the steps whose outputs it reads, in pipeline order."""',
        '    return {name: tuple(node["needs"]) for name, node in GRAPH.items()}',
    ]
    return lines
