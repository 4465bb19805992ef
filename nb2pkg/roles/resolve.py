"""The tag grammar: a cell's ``metadata.tags`` (and nbdev directives) → its role.

The vocabulary (our tags, the Kale and nbdev aliases, the test tools' tags we leave alone, the
name rules and how several roles on one cell combine) is ``nb2pkg.roles.vocabulary``; this module
applies it to a notebook's cells. Its diagnostics are NB101 to NB109 (``nb2pkg.roles.diagnostic_codes``).

Names are normalised as Python normalises identifiers (NFKC): ``function:`` and a fullwidth ``run`` is ``run``.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import operator
import unicodedata
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Protocol

from nb2pkg.ir import (
    Cell,
    CellPart,
    Diagnostic,
    Location,
    Notebook,
    Role,
    Severity,
    TaggedCell,
)
from nb2pkg.notebook.ipython_syntax import has_ipython_syntax
from nb2pkg.roles.vocabulary import (
    FOREIGN_TAGS,
    GENERATED_MODULES,
    IGNORED_PREFIXES,
    METRICS_PREFIXES,
    MODEL_PREFIX,
    MODULE_PREFIX,
    NAMED_ROLES,
    OUR_TAG_FORMS,
    OUR_TAGS,
    PREDICT_FUNCTION,
    PREDICT_PREFIX,
    RESERVED_NAMES,
    identifier_from,
    name_problem,
    nbdev_tags,
    prefix_of,
    resolved_role,
    role_of_tag,
)

__all__ = [
    "FOREIGN_TAGS",
    "GENERATED_MODULES",
    "RESERVED_NAMES",
    "default_test_name",
    "role_of_cell",
    "tag_cells",
]


def tag_cells(notebook: Notebook) -> tuple[list[TaggedCell], list[Diagnostic]]:
    """Give every code cell of the notebook its role; report problems with the tags."""
    shown, cells = notebook.display_path, notebook.cells
    code = list(itertools.compress(cells, map(operator.eq, map(_TYPE, cells), _repeat("code"))))
    # the roles given lately looked up at C speed; a cell not seen (or shown otherwise) tagged
    entries = list(map(_RECENT_TAGGED.get, map(id, code), _repeat(_MISS)))
    same_cells = map(operator.is_, map(_CELL, map(_FIRST, entries)), code)
    hits = map(operator.and_, same_cells, map(operator.eq, map(_SECOND, entries), _repeat(shown)))
    for index in itertools.compress(range(len(code)), map(operator.not_, hits)):
        found, problems = tag_cell(code[index], shown)
        entries[index] = (found, shown, problems)
    tagged: list[TaggedCell] = list(map(_FIRST, entries))
    diagnostics = list(itertools.chain.from_iterable(map(_THIRD, entries)))
    tagged = _number_unnamed_tests(_merge_consecutive_functions(tagged))
    diagnostics.extend(duplicate_names(tagged, notebook.display_path))
    return tagged, diagnostics


def role_of_cell(cell: Cell) -> Role:
    """The role the build gives one cell on its own (its tags and nbdev directives)."""
    return tag_cell(cell, "")[0].role


def _merge_consecutive_functions(tagged: list[TaggedCell]) -> list[TaggedCell]:
    """Consecutive code cells tagged with the same ``function:NAME`` form one function.

    A cell that uses IPython syntax is not merged into an earlier one (a cell magic must start
    a cell): the duplicate name is then reported as NB104.
    """
    functions = list(map(operator.is_, map(_ROLE, tagged), _repeat(Role.FUNCTION)))
    names = list(map(_NAME_AND_MODULE, tagged))
    both = map(operator.and_, functions, functions[1:])
    if not any(map(operator.and_, both, map(operator.eq, names, names[1:]))):
        return tagged  # no two consecutive cells name one function (checked at C speed)
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
    test = Role.TEST  # an enum member looked up once, not per cell
    tests = map(operator.is_, map(_ROLE, tagged), _repeat(test))
    taken = set(itertools.compress(map(_NAME, tagged), tests))
    if not taken:
        return tagged
    numbered: list[TaggedCell] = []
    counter = 0
    for item in tagged:
        if item.role is test and item.name == default_test_name(item.cell):
            counter += 1
            while f"test_{counter}" in taken:
                counter += 1
            item = replace(item, name=f"test_{counter}")
        numbered.append(item)
    return numbered


@dataclass
class _CellTags:
    """What a cell's tags (and nbdev directives) say, before the role is resolved."""

    roles: list[tuple[Role, str | None, str]] = field(default_factory=list)
    """(role, the name the tag carries, the tag as written)."""
    metrics: bool = False
    module: str | None = None
    model: str | None = None
    predict: bool = False


def tag_cell(cell: Cell, shown: str) -> tuple[TaggedCell, tuple[Diagnostic, ...]]:
    """The cell's role from its tags; the same cell seen again (unchanged since the last
    analysis) is a dictionary hit."""
    recent = _RECENT_TAGGED.get(id(cell))
    if recent is not None and recent[0].cell is cell and recent[1] == shown:
        return recent[0], recent[2]
    found, problems = _tags_of(cell.number, cell.cell_id, cell.tags, cell.source, shown)
    tagged = TaggedCell(
        cell, found.role, found.name, found.metrics, found.module, found.model, found.predict
    )
    if len(_RECENT_TAGGED) >= _RECENT_TAGGED_KEPT:
        _RECENT_TAGGED.clear()
    _RECENT_TAGGED[id(cell)] = (tagged, shown, problems)
    return tagged, problems


_RECENT_TAGGED: dict[int, tuple[TaggedCell, str, tuple[Diagnostic, ...]]] = {}
"""The roles given lately, by the identity of the cell (held by the entry, so the identity is
not reused): the reader gives back the very cell objects of a notebook's unchanged cells."""
_RECENT_TAGGED_KEPT = 65_536
_MISS = (SimpleNamespace(cell=None), None, ())
_TYPE, _CELL, _ROLE, _NAME = map(operator.attrgetter, ("cell_type", "cell", "role", "name"))
_NAME_AND_MODULE = operator.attrgetter("name", "module")
_FIRST, _SECOND, _THIRD = map(operator.itemgetter, (0, 1, 2))
_repeat = itertools.repeat


@functools.lru_cache(maxsize=16384)
def _tags_of(
    number: int, cell_id: str, tags: tuple[str, ...], source: str, shown: str
) -> tuple[TaggedCell, tuple[Diagnostic, ...]]:
    """What ``_resolve_tags`` says of a cell: it reads nothing else of the cell than these."""
    found, problems = _resolve_tags(Cell(number, cell_id, "code", source, tags), shown)
    return found, tuple(problems)


def _resolve_tags(cell: Cell, shown: str) -> tuple[TaggedCell, list[Diagnostic]]:
    problems: list[Diagnostic] = []

    def report(code: str, message: str, hint: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(
            Diagnostic(code, severity, message, Location(shown, cell.number, cell.cell_id), hint)
        )

    tags = _read_tags(cell, report)
    if tags.predict and not any(role is Role.FUNCTION for role, _, _ in tags.roles):
        # A `predict` cell is a function of its own, named after what it does.
        tags.roles.append((Role.FUNCTION, PREDICT_FUNCTION, PREDICT_PREFIX))
    resolved, conflict = resolved_role((role, name) for role, name, _ in tags.roles)
    if resolved is Role.SKIP:
        return TaggedCell(cell, Role.SKIP), problems
    if conflict:
        listed = ", ".join(sorted(t for _, _, t in tags.roles))
        report(
            "NB106",
            f"the cell has conflicting roles: {listed}",
            "keep one role tag per cell (split the cell if it does two jobs)",
        )
        return TaggedCell(cell, Role.EXPLORATION), problems
    if not tags.roles:
        _warn_without_function(tags, report)
        return TaggedCell(cell, Role.EXPLORATION, module=tags.module), problems
    role, name, _ = tags.roles[0]
    usable, name = _usable_name(cell, role, name, tags.predict, report)
    if not usable:
        return TaggedCell(cell, Role.EXPLORATION), problems
    if role is not Role.FUNCTION:
        _drop_function_markers(tags, report)
    return (
        TaggedCell(cell, role, name, tags.metrics, tags.module, tags.model, tags.predict),
        problems,
    )


def _read_tags(cell: Cell, report: _Reporter) -> _CellTags:
    tags = _CellTags()
    for raw_tag in (*cell.tags, *nbdev_tags(cell.source)):
        tag = raw_tag.strip()
        prefix = prefix_of(tag)
        value = unicodedata.normalize("NFKC", tag.partition(":")[2].strip())
        role = role_of_tag(tag)
        if tag in FOREIGN_TAGS or prefix in IGNORED_PREFIXES:
            continue
        if role is not None:
            tags.roles.append((role, _name_in_tag(role, value), tag))
        elif prefix in METRICS_PREFIXES:
            tags.metrics = True
        elif prefix == MODEL_PREFIX:
            if not value or _valid_name(value, "model", report, allow_builtin=True):
                tags.model = value
        elif prefix == PREDICT_PREFIX:
            tags.predict = True
        elif prefix == MODULE_PREFIX:
            if _valid_name(value, "module", report, allow_builtin=True):
                if value in GENERATED_MODULES:
                    report(
                        "NB108",
                        f"module name {value!r} is a file the generated package writes itself",
                        f"choose another name, e.g. module:{value.strip('_')}_steps",
                    )
                else:
                    tags.module = value
        else:
            _maybe_typo(tag, report)
    return tags


def _warn_without_function(tags: _CellTags, report: _Reporter) -> None:
    """``metrics`` and ``model`` on a cell with no role: they need a function cell (NB107, NB109)."""
    if tags.metrics:
        report(
            "NB107",
            "`metrics` marks the numbers a function step binds, but this cell is no function",
            "add a tag function:NAME to the cell as well",
            Severity.WARNING,
        )
    if tags.model is not None:
        report(
            "NB109",
            "`model` marks the value a function step fits, but this cell is no function",
            "add a tag function:NAME to the cell as well",
            Severity.WARNING,
        )


def _usable_name(
    cell: Cell, role: Role, name: str | None, predict: bool, report: _Reporter
) -> tuple[bool, str | None]:
    """The name a function or test cell gets, and whether it is usable (reported when not)."""
    if role is Role.FUNCTION:
        if not name:
            report("NB101", "the tag `function:` has no name", "write it as function:NAME")
            return False, name
        named_by_predict = predict and name == PREDICT_FUNCTION
        if not named_by_predict and not _valid_name(name, "function", report):
            return False, name
    if role is Role.TEST:
        if name is None:
            name = default_test_name(cell)
        elif not name.startswith("test"):
            name = f"test_{name}"
        if not _valid_name(name, "test", report, allow_builtin=True):
            return False, name
    return True, name


def _drop_function_markers(tags: _CellTags, report: _Reporter) -> None:
    """``metrics``, ``model`` and ``predict`` on a cell whose role is not function: dropped, with
    a warning (NB107, NB109)."""
    if tags.metrics:
        report(
            "NB107",
            "`metrics` goes with a function cell",
            "add a tag function:NAME to the cell, or remove `metrics`",
            Severity.WARNING,
        )
        tags.metrics = False
    if tags.model is not None or tags.predict:
        report(
            "NB109",
            f"`{PREDICT_PREFIX if tags.predict else MODEL_PREFIX}` goes with a function cell",
            "add a tag function:NAME to the cell as well",
            Severity.WARNING,
        )
        tags.model, tags.predict = None, False


def _name_in_tag(role: Role, value: str) -> str | None:
    """The name a role tag carries: required for a function (may be "" here), else optional."""
    if role not in NAMED_ROLES:
        return None
    return value if NAMED_ROLES[role] else value or None


def _valid_name(name: str, what: str, report: _Reporter, *, allow_builtin: bool = False) -> bool:
    problem = name_problem(name, allow_builtin=allow_builtin)
    if problem is None:
        return True
    code, reason = problem
    hint = {
        "NB101": f"use letters, digits and underscores, e.g. {identifier_from(name)}",
        "NB102": f"choose another name, e.g. {name}_step",
    }.get(code, f"choose another name, e.g. compute_{name}")
    report(code, f"{what} name {name!r} {reason}", hint)
    return False


def duplicate_names(tagged: list[TaggedCell], shown: str) -> list[Diagnostic]:
    named = (Role.FUNCTION, Role.TEST)
    is_named = map(operator.contains, _repeat(named), map(_ROLE, tagged))
    named_cells = list(itertools.compress(tagged, is_named))
    if len(set(map(_NAME_AND_MODULE, named_cells))) == len(named_cells):
        return []  # every name its own (checked at C speed)
    seen: dict[tuple[str | None, str], TaggedCell] = {}
    problems: list[Diagnostic] = []
    for item in tagged:
        if item.role not in named or item.name is None:
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


def _maybe_typo(tag: str, report: _Reporter) -> None:
    prefix = tag.partition(":")[0].lower()
    close = difflib.get_close_matches(prefix, OUR_TAGS, n=1, cutoff=0.75)
    if close and close[0] != prefix:
        fixed = close[0] + tag[len(prefix) :]
        report(
            "NB105",
            f"unknown tag {tag!r}",
            f"did you mean {fixed!r}? nb2pkg's tags are: " + ", ".join(OUR_TAG_FORMS),
            Severity.WARNING,
        )


class _Reporter(Protocol):
    def __call__(
        self, code: str, message: str, hint: str, severity: Severity = Severity.ERROR
    ) -> None: ...
