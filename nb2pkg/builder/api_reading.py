"""The manifest's API snapshot read from its JSON with a check per function, not per value.

A 3,000-cell notebook's snapshot has thousands of functions and parameters: read with a call
per value (``nb2pkg.builder.manifest``, which says what is wrong in a damaged one), it took
most of a rebuild with nothing changed.
"""

from __future__ import annotations

from typing import Any

from nb2pkg.ir import ApiSnapshot, FunctionApi, ParamApi


def api_quickly(api: dict[str, Any]) -> ApiSnapshot | None:
    """The API snapshot when every value has its type (checked with a call per function
    rather than per value: a snapshot has thousands), else None (``_api_from_json`` then
    says what is wrong)."""
    functions, run_params = api.get("functions"), api.get("run_params")
    if type(functions) is not list or type(run_params) is not list:
        return None
    made = []
    known: dict[tuple[str, str | None], ParamApi] = {}
    for fn in functions:
        if type(fn) is not dict:
            return None
        name, module, body = fn.get("name"), fn.get("module"), fn.get("body_sha256")
        params, returns = fn.get("params"), fn.get("returns")
        if not (
            type(name) is str
            and type(module) is str
            and type(body) is str
            and type(params) is list
            and type(returns) is list
            and all(type(r) is str for r in returns)
        ):
            return None
        checked = params_quickly(params, known)
        if checked is None:
            return None
        kind = str(fn.get("kind", "function"))
        made.append(FunctionApi(name, module, checked, tuple(returns), body, kind))
    run = params_quickly(run_params, known)
    return None if run is None else ApiSnapshot(functions=tuple(made), run_params=run)


def params_quickly(
    params: list[Any], known: dict[tuple[str, str | None], ParamApi]
) -> tuple[ParamApi, ...] | None:
    """The parameters, when well formed; ``known`` gives each (name, default) once (steps
    share most parameters, and a parameter is a value: equal ones may be the same)."""
    if not all(
        type(p) is dict
        and type(p.get("name")) is str
        and (p.get("default") is None or type(p.get("default")) is str)
        for p in params
    ):
        return None
    found = []
    for p in params:
        key = (p["name"], p.get("default"))
        param = known.get(key)
        if param is None:
            param = known[key] = ParamApi(*key)
        found.append(param)
    return tuple(found)
