"""The tag grammar: a cell's ``metadata.tags`` (and nbdev directives) → its role.

Our vocabulary (DESIGN.md "Marking cells"): ``function:NAME``, ``test``, ``test:NAME``,
``parameters``, ``metrics``, ``export``, ``skip``, ``module:NAME``, ``model``,
``model:NAME``, ``predict``. Read too, so users can
migrate: nbdev's ``#| export``/``#| hide`` directives, Kale's ``step:NAME``/``block:NAME``,
``imports``, ``functions``, ``pipeline-parameters``, ``pipeline-metrics``, ``skip``, ``prev:NAME``;
and the test tools' tags, which are respected and never reported.

Diagnostic codes:
  NB101 a function/test/module name that is not a Python identifier
  NB102 a name that is a Python keyword
  NB103 a function name that shadows a builtin or a name the package reserves
  NB104 a duplicate function name in one module
  NB105 an unknown tag that looks like one of ours (probably a typo)
  NB106 conflicting roles on one cell
  NB107 ``metrics`` without ``function:NAME``
  NB108 a ``module:NAME`` that is a file the generated package writes itself (``pipeline``...)
  NB109 ``model`` or ``predict`` on a cell that is no function

Names are normalised as Python normalises identifiers (NFKC): ``function:`` and a fullwidth ``run`` is ``run``.
"""

from __future__ import annotations

import builtins
import difflib
import keyword
import re
import unicodedata
from dataclasses import replace
from typing import Protocol

from nb2pkg.magics import has_ipython_syntax
from nb2pkg.model import (
    Cell,
    CellPart,
    Diagnostic,
    Location,
    Notebook,
    Role,
    Severity,
    TaggedCell,
)

RESERVED_NAMES = frozenset({"run", "steps", "tracking", "pipeline"})
"""Names the generated package defines itself: a function with one of them would clash."""

GENERATED_MODULES = frozenset(
    {
        "pipeline",
        "tracking",
        "__init__",
        "__main__",
        "_build",
        "_model",
        "_pyfunc",
        "tests",
        "conftest",
    }
)
"""Module names of files the generated package (or its tests) holds besides the notebooks'."""

# Tags of other tools that we respect: they never change a cell's role and are never reported.
FOREIGN_TAGS = frozenset(
    {
        "nbval-skip",
        "nbval-check-output",
        "nbval-ignore-output",
        "nbval-raises-exception",
        "skip-execution",
        "raises-exception",
        "injected-parameters",
        "hide-input",
        "hide-output",
        "hide-cell",
        "remove-input",
        "remove-output",
        "remove-cell",
        "thebe-init",
    }
)

_OUR_PREFIXES = (
    "function",
    "test",
    "parameters",
    "metrics",
    "export",
    "skip",
    "module",
    "model",
    "predict",
)
_NBDEV_DIRECTIVE = re.compile(r"^\s*#\s*\|\s*([\w-]+)")


def tag_cells(notebook: Notebook) -> tuple[list[TaggedCell], list[Diagnostic]]:
    """Give every code cell of the notebook its role; report problems with the tags."""
    tagged: list[TaggedCell] = []
    diagnostics: list[Diagnostic] = []
    for cell in notebook.code_cells:
        result, problems = _tag_cell(cell, notebook.display_path)
        tagged.append(result)
        diagnostics.extend(problems)
    tagged = _number_unnamed_tests(_merge_consecutive_functions(tagged))
    diagnostics.extend(_duplicate_names(tagged, notebook.display_path))
    return tagged, diagnostics


def _merge_consecutive_functions(tagged: list[TaggedCell]) -> list[TaggedCell]:
    """Consecutive code cells tagged with the same ``function:NAME`` form one function.

    A cell that uses IPython syntax is not merged into an earlier one (a cell magic must start
    a cell): the duplicate name is then reported as NB104.
    """
    merged: list[TaggedCell] = []
    for item in tagged:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and item.role is Role.FUNCTION
            and previous.role is Role.FUNCTION
            and (item.name, item.module) == (previous.name, previous.module)
            and not has_ipython_syntax(item.cell.source)
        ):
            merged[-1] = _joined(previous, item)
        else:
            merged.append(item)
    return merged


def _joined(first: TaggedCell, then: TaggedCell) -> TaggedCell:
    head = first.cell
    parts = head.parts or (CellPart(1, head.number, head.cell_id),)
    source = head.source if head.source.endswith("\n") else head.source + "\n"
    start = source.count("\n") + 1
    cell = replace(
        head,
        source=source + then.cell.source,
        parts=(*parts, CellPart(start, then.cell.number, then.cell.cell_id)),
    )
    return replace(
        first,
        cell=cell,
        metrics=first.metrics or then.metrics,
        model=first.model if first.model is not None else then.model,
        predict=first.predict or then.predict,
    )


def default_test_name(cell: Cell) -> str:
    """A placeholder until :func:`_number_unnamed_tests` numbers the unnamed tests in order."""
    return f"test_cell_{cell.number}"


def _number_unnamed_tests(tagged: list[TaggedCell]) -> list[TaggedCell]:
    """``test_1``, ``test_2``… in document order: adding other cells does not rename them."""
    taken = {t.name for t in tagged if t.role is Role.TEST}
    numbered: list[TaggedCell] = []
    counter = 0
    for item in tagged:
        if item.role is Role.TEST and item.name == default_test_name(item.cell):
            counter += 1
            while f"test_{counter}" in taken:
                counter += 1
            item = replace(item, name=f"test_{counter}")
        numbered.append(item)
    return numbered


def _tag_cell(cell: Cell, shown: str) -> tuple[TaggedCell, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    roles: list[tuple[Role, str | None, str]] = []
    metrics = False
    module: str | None = None
    model: str | None = None
    predict = False

    def report(code: str, message: str, hint: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(
            Diagnostic(code, severity, message, Location(shown, cell.number, cell.cell_id), hint)
        )

    for raw_tag in (*cell.tags, *_nbdev_tags(cell.source)):
        tag = raw_tag.strip()
        prefix, _, value = tag.partition(":")
        prefix = prefix.strip().lower()
        value = unicodedata.normalize("NFKC", value.strip())
        if tag in FOREIGN_TAGS or prefix == "prev":
            continue
        if prefix in ("function", "step", "block"):
            roles.append((Role.FUNCTION, value, tag))
        elif prefix == "test":
            roles.append((Role.TEST, value or None, tag))
        elif prefix in ("parameters", "pipeline-parameters"):
            roles.append((Role.PARAMETERS, None, tag))
        elif prefix in ("metrics", "pipeline-metrics"):
            metrics = True
        elif prefix == "model":
            if not value or _valid_name(value, "model", report, allow_builtin=True):
                model = value
        elif prefix == "predict":
            predict = True
        elif prefix in ("export", "exporti", "exports", "imports", "functions"):
            roles.append((Role.EXPORT, None, tag))
        elif prefix in ("skip", "hide"):
            roles.append((Role.SKIP, None, tag))
        elif prefix == "module":
            if _valid_name(value, "module", report, allow_builtin=True):
                if value in GENERATED_MODULES:
                    report(
                        "NB108",
                        f"module name {value!r} is a file the generated package writes itself",
                        f"choose another name, e.g. module:{value.strip('_')}_steps",
                    )
                else:
                    module = value
        else:
            _maybe_typo(tag, report)

    if predict and not any(role is Role.FUNCTION for role, _, _ in roles):
        # A `predict` cell is a function of its own, named after what it does.
        roles.append((Role.FUNCTION, "predict", "predict"))
    skip = any(role is Role.SKIP for role, _, _ in roles)
    distinct = {role for role, _, _ in roles if role is not Role.SKIP}
    if skip:
        return TaggedCell(cell, Role.SKIP), problems
    if len(distinct) > 1 or sum(1 for r, _, _ in roles if r is Role.FUNCTION) > 1:
        listed = ", ".join(sorted(t for _, _, t in roles))
        report(
            "NB106",
            f"the cell has conflicting roles: {listed}",
            "keep one role tag per cell (split the cell if it does two jobs)",
        )
        return TaggedCell(cell, Role.EXPLORATION), problems
    if not roles:
        if metrics:
            report(
                "NB107",
                "`metrics` marks the numbers a function step binds, but this cell is no function",
                "add a tag function:NAME to the cell as well",
                Severity.WARNING,
            )
        if model is not None:
            report(
                "NB109",
                "`model` marks the value a function step fits, but this cell is no function",
                "add a tag function:NAME to the cell as well",
                Severity.WARNING,
            )
        return TaggedCell(cell, Role.EXPLORATION, module=module), problems
    role, name, _ = roles[0]
    if role is Role.FUNCTION:
        if not name:
            report("NB101", "the tag `function:` has no name", "write it as function:NAME")
            return TaggedCell(cell, Role.EXPLORATION), problems
        if not (predict and name == "predict") and not _valid_name(name, "function", report):
            return TaggedCell(cell, Role.EXPLORATION), problems
    if role is Role.TEST:
        if name is None:
            name = default_test_name(cell)
        elif not name.startswith("test"):
            name = f"test_{name}"
        if not _valid_name(name, "test", report, allow_builtin=True):
            return TaggedCell(cell, Role.EXPLORATION), problems
    if metrics and role is not Role.FUNCTION:
        report(
            "NB107",
            "`metrics` goes with a function cell",
            "add a tag function:NAME to the cell, or remove `metrics`",
            Severity.WARNING,
        )
        metrics = False
    if (model is not None or predict) and role is not Role.FUNCTION:
        report(
            "NB109",
            f"`{'predict' if predict else 'model'}` goes with a function cell",
            "add a tag function:NAME to the cell as well",
            Severity.WARNING,
        )
        model, predict = None, False
    return TaggedCell(cell, role, name, metrics, module, model, predict), problems


def _valid_name(name: str, what: str, report: _Reporter, *, allow_builtin: bool = False) -> bool:
    if not name.isidentifier():
        suggestion = re.sub(r"\W+", "_", name).strip("_").lower() or "step"
        if suggestion[0].isdigit():
            suggestion = f"step_{suggestion}"
        report(
            "NB101",
            f"{what} name {name!r} is not a valid Python identifier",
            f"use letters, digits and underscores, e.g. {suggestion}",
        )
        return False
    if keyword.iskeyword(name):
        report(
            "NB102",
            f"{what} name {name!r} is a Python keyword",
            f"choose another name, e.g. {name}_step",
        )
        return False
    if not allow_builtin and (hasattr(builtins, name) or name in RESERVED_NAMES):
        kind = (
            "a Python builtin"
            if hasattr(builtins, name)
            else "a name the generated package reserves"
        )
        report(
            "NB103",
            f"function name {name!r} shadows {kind}",
            f"choose another name, e.g. compute_{name}",
        )
        return False
    return True


def _duplicate_names(tagged: list[TaggedCell], shown: str) -> list[Diagnostic]:
    seen: dict[tuple[str | None, str], TaggedCell] = {}
    problems: list[Diagnostic] = []
    for item in tagged:
        if item.role not in (Role.FUNCTION, Role.TEST) or item.name is None:
            continue
        key = (item.module, item.name)
        first = seen.get(key)
        if first is None:
            seen[key] = item
            continue
        problems.append(
            Diagnostic(
                "NB104",
                Severity.ERROR,
                f"duplicate {item.role.value} name {item.name!r}: cell {first.cell.number} uses it too",
                Location(shown, item.cell.number, item.cell.cell_id),
                f"rename one of them, e.g. {item.name}_{item.cell.number}",
            )
        )
    return problems


def _nbdev_tags(source: str) -> list[str]:
    """nbdev's ``#| export`` / ``#| hide`` directives on the cell's first lines."""
    found: list[str] = []
    for line in source.splitlines():
        if not line.strip():
            continue
        match = _NBDEV_DIRECTIVE.match(line)
        if match is None:
            break
        directive = match.group(1).lower()
        if directive in ("export", "exporti", "exports"):
            found.append("export")
        elif directive == "hide":
            found.append("skip")
    return found


def _maybe_typo(tag: str, report: _Reporter) -> None:
    prefix = tag.partition(":")[0].lower()
    close = difflib.get_close_matches(prefix, _OUR_PREFIXES, n=1, cutoff=0.75)
    if close and close[0] != prefix:
        fixed = close[0] + tag[len(prefix) :]
        report(
            "NB105",
            f"unknown tag {tag!r}",
            f"did you mean {fixed!r}? nb2pkg's tags are: function:NAME, test, test:NAME, "
            "parameters, metrics, export, skip, module:NAME, model, model:NAME, predict",
            Severity.WARNING,
        )


class _Reporter(Protocol):
    def __call__(
        self, code: str, message: str, hint: str, severity: Severity = Severity.ERROR
    ) -> None: ...
