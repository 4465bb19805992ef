"""What changed between two API snapshots, and how much each change matters to the package's
users (the rules are in ``nb2pkg.builder.versioning``'s docstring and DESIGN.md, "Versions").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from nb2pkg.ir import ApiSnapshot, FunctionApi, ParamApi

RUN = "run"


class Impact(IntEnum):
    """How much an API change matters to the package's users, least first."""

    FIX = 1
    FEATURE = 2
    BREAKING = 3


@dataclass(frozen=True)
class ApiChange:
    impact: Impact
    text: str


def diff_api(previous: ApiSnapshot, current: ApiSnapshot) -> list[ApiChange]:
    """Every difference between two API snapshots, in function order (removed ones first)."""
    changes: list[ApiChange] = []
    before = _by_public_name(previous.functions)
    after = _by_public_name(current.functions)
    for name, fn in before.items():
        if name not in after:
            changes.append(ApiChange(Impact.BREAKING, f"removed {fn.kind} `{name}`"))
    for name, fn in after.items():
        old = before.get(name)
        if old is None:
            changes.append(ApiChange(Impact.FEATURE, f"added {fn.kind} `{name}`"))
        else:
            changes.extend(_function_changes(name, old, fn))
    changes.extend(_param_changes(RUN, previous.run_params, current.run_params, keyword_only=True))
    return changes


def _by_public_name(functions: Sequence[FunctionApi]) -> dict[str, FunctionApi]:
    """Functions keyed by name; ``module.name`` for a name several modules define."""
    counts: dict[str, int] = {}
    for fn in functions:
        counts[fn.name] = counts.get(fn.name, 0) + 1
    return {(fn.name if counts[fn.name] == 1 else f"{fn.module}.{fn.name}"): fn for fn in functions}


def _function_changes(name: str, old: FunctionApi, new: FunctionApi) -> list[ApiChange]:
    changes: list[ApiChange] = []
    if old.module != new.module:
        changes.append(
            ApiChange(
                Impact.BREAKING,
                f"`{name}`: moved from module `{old.module}` to `{new.module}`",
            )
        )
    changes.extend(_param_changes(name, old.params, new.params, keyword_only=False))
    changes.extend(_return_changes(name, old.returns, new.returns))
    if not changes and old.body_sha256 != new.body_sha256:
        changes.append(ApiChange(Impact.FIX, f"`{name}`: code changed"))
    return changes


def _param_changes(
    owner: str,
    old: Sequence[ParamApi],
    new: Sequence[ParamApi],
    *,
    keyword_only: bool,
) -> list[ApiChange]:
    renamed = _renames(old, new)
    new_names = [p.name for p in new]
    return [
        *_removed_or_renamed(owner, old, new_names, renamed),
        *_reordered(owner, [p.name for p in old], new_names, keyword_only=keyword_only),
        *_added_or_changed(owner, old, new, renamed, keyword_only=keyword_only),
    ]


def _removed_or_renamed(
    owner: str, old: Sequence[ParamApi], new_names: list[str], renamed: dict[str, str]
) -> list[ApiChange]:
    changes: list[ApiChange] = []
    for param in old:
        if param.name in renamed:
            changes.append(
                ApiChange(
                    Impact.BREAKING,
                    f"`{owner}`: parameter `{param.name}` renamed to `{renamed[param.name]}`",
                )
            )
        elif param.name not in new_names:
            changes.append(
                ApiChange(Impact.BREAKING, f"`{owner}`: removed parameter `{param.name}`")
            )
    return changes


def _reordered(
    owner: str, old_names: list[str], new_names: list[str], *, keyword_only: bool
) -> list[ApiChange]:
    common_old = [n for n in old_names if n in new_names]
    common_new = [n for n in new_names if n in old_names]
    if common_old == common_new:
        return []
    return [
        ApiChange(
            Impact.FIX if keyword_only else Impact.BREAKING,
            f"`{owner}`: parameters reordered from ({', '.join(common_old)}) "
            f"to ({', '.join(common_new)})",
        )
    ]


def _added_or_changed(
    owner: str,
    old: Sequence[ParamApi],
    new: Sequence[ParamApi],
    renamed: dict[str, str],
    *,
    keyword_only: bool,
) -> list[ApiChange]:
    changes: list[ApiChange] = []
    old_by_name = {p.name: p for p in old}
    renamed_to = set(renamed.values())
    new_names = [p.name for p in new]
    kept = set(old_by_name) | renamed_to
    last_kept = max((i for i, n in enumerate(new_names) if n in kept), default=-1)
    for index, param in enumerate(new):
        if param.name in old_by_name:
            changes.extend(_default_change(owner, old_by_name[param.name], param))
        elif param.name in renamed_to:
            continue
        elif param.default is None:
            changes.append(
                ApiChange(Impact.BREAKING, f"`{owner}`: added required parameter `{param.name}`")
            )
        elif index < last_kept and not keyword_only:
            changes.append(
                ApiChange(
                    Impact.BREAKING,
                    f"`{owner}`: added optional parameter `{param.name}={param.default}` before "
                    f"existing parameter `{_next_kept(new_names, index, kept)}` "
                    "(positional arguments shift)",
                )
            )
        else:
            changes.append(
                ApiChange(
                    Impact.FEATURE,
                    f"`{owner}`: added optional parameter `{param.name}={param.default}`",
                )
            )
    return changes


def _next_kept(names: list[str], index: int, kept: set[str]) -> str:
    return next(n for n in names[index + 1 :] if n in kept)


def _renames(old: Sequence[ParamApi], new: Sequence[ParamApi]) -> dict[str, str]:
    """Old name -> new name, only where the evidence is strong.

    Aligned by position: a parameter at the same index whose old name is gone, whose new name
    is new, and whose default is the same (so is its type) is taken as renamed. Anything else is
    reported as removed and added.
    """
    old_names = {p.name for p in old}
    new_names = {p.name for p in new}
    return {
        before.name: after.name
        for before, after in zip(old, new, strict=False)
        if before.name != after.name
        and before.name not in new_names
        and after.name not in old_names
        and before.default == after.default
    }


def _default_change(owner: str, old: ParamApi, new: ParamApi) -> list[ApiChange]:
    if old.default == new.default:
        return []
    if new.default is None:
        return [
            ApiChange(
                Impact.BREAKING,
                f"`{owner}`: parameter `{new.name}` is now required (was `{new.name}={old.default}`)",
            )
        ]
    if old.default is None:
        return [
            ApiChange(
                Impact.FEATURE,
                f"`{owner}`: parameter `{new.name}` is now optional (`{new.name}={new.default}`)",
            )
        ]
    return [
        ApiChange(
            Impact.FIX,
            f"`{owner}`: default of `{new.name}` changed from `{old.default}` to `{new.default}`",
        )
    ]


def _return_changes(owner: str, old: tuple[str, ...], new: tuple[str, ...]) -> list[ApiChange]:
    # Any change is breaking: callers unpack the returned tuple, and run()'s result dict and the
    # generated test fixtures are keyed by these names.
    if old == new:
        return []
    shown_old = ", ".join(old) or "nothing"
    shown_new = ", ".join(new) or "nothing"
    return [ApiChange(Impact.BREAKING, f"`{owner}`: returns {shown_new} (was {shown_old})")]
