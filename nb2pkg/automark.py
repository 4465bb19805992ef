"""Propose a marking for a notebook nobody has tagged yet.

The rules are meant to be predicted by a reader (the README lists them):

1. Cells that already carry an nb2pkg role tag keep it; nothing is proposed for them.
2. The first code cell that does work, when it only assigns literals to names,
   becomes ``parameters`` (unless the notebook already has one).
3. A cell of bare ``assert`` statements becomes ``test``.
4. A cell that only displays (bare names, ``.head()``, ``print()``, ``display()``…)
   or only plots (``plt.…``, ``sns.…``, ``ax.…``, ``df.plot(…)``) becomes ``skip``.
5. A cell that only defines functions or classes (imports allowed) becomes ``export``.
6. Every other code cell becomes a function named from the markdown heading above
   it, in snake_case (at most five words, numbering dropped). ``_step`` is appended
   when that would shadow a keyword, a builtin, a name the generated package
   reserves or a name the notebook binds. Consecutive code cells under one heading
   share the name and form one function (the build merges them); a heading's cells
   separated by another cell, or a cell using IPython syntax, start a function of
   their own, named ``_2``, ``_3``… Cells before any heading are named ``step``.
7. Cells of only imports, magics or comments stay unmarked: the build hoists
   imports wherever they are.

Everything here is a pure function of the cells, so the same notebook always
gets the same proposal.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nb2pkg.analysis.display import is_display_expression
from nb2pkg.analysis.effects import file_writes, global_state_changes
from nb2pkg.magics import has_ipython_syntax
from nb2pkg.model import Role
from nb2pkg.vocabulary import RESERVED_NAMES, nbdev_tags, role_of_tag, value_of

_PLOT_MODULE_NAMES = frozenset({"plt", "sns", "pyplot", "seaborn", "matplotlib", "px", "mpl"})
_PLOT_METHODS = frozenset(
    {
        "plot",
        "hist",
        "boxplot",
        "scatter",
        "imshow",
        "bar",
        "barh",
        "pie",
        "show",
        "savefig",
        "legend",
        "set_title",
        "set_xlabel",
        "set_ylabel",
        "set",
        "set_xlim",
        "set_ylim",
        "tight_layout",
        "suptitle",
        "heatmap",
        "pairplot",
        "countplot",
        "subplots",
        "figure",
    }
)
_MAX_NAME_WORDS = 5
_BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True)
class Proposal:
    """What automatic marking proposes for one code cell."""

    index: int
    """0-based position of the cell in the notebook."""
    cell_id: str
    tags: tuple[str, ...]
    """The cell's full tag list after the proposal (its existing tags first)."""
    role_tag: str | None
    """The tag added, or None when the cell stays as it is."""
    reason: str


def has_role(tags: Sequence[str], source: str = "") -> bool:
    """Whether a cell is already marked (by a tag or an nbdev directive)."""
    return any(role_of_tag(t) is not None for t in (*tags, *nbdev_tags(source)))


def _source_text(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _cell_tags(cell: Mapping[str, Any]) -> tuple[str, ...]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, Mapping) else None
    return tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ()


# --------------------------------------------------------------------------- source → ast


@functools.cache
def _transformer() -> Any:
    # Why lazily: importing IPython costs a few hundred ms that plain-Python notebooks skip.
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()  # type: ignore[no-untyped-call]


def _python_source(source: str) -> str:
    """The cell as plain Python; IPython syntax becomes ``get_ipython()`` calls."""
    if not has_ipython_syntax(source):
        return source
    return str(_transformer().transform_cell(source))


def _is_ipython_call(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Expr | ast.Assign):
        return False
    call = node.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return False
    target = call.func.value
    return (
        isinstance(target, ast.Call)
        and isinstance(target.func, ast.Name)
        and target.func.id == "get_ipython"
    )


def _unwrapped_cell_magic_body(statements: list[ast.stmt]) -> str | None:
    """The body of a ``%%time`` / ``%%capture`` cell, which the build unwraps (``%%timeit``
    binds nothing in the notebook, so its body is no work of the notebook's)."""
    if len(statements) != 1 or not _is_ipython_call(statements[0]):
        return None
    node = statements[0]
    assert isinstance(node, ast.Expr | ast.Assign)
    call = node.value
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
    if call.func.attr != "run_cell_magic" or len(call.args) != 3:
        return None
    name, _, body = call.args
    unwrapped = isinstance(name, ast.Constant) and name.value in {"time", "capture", "prun"}
    if unwrapped and isinstance(body, ast.Constant) and isinstance(body.value, str):
        return body.value
    return None


def _statements(source: str) -> list[ast.stmt] | None:
    """Top-level statements without IPython-only ones; None for code that does not parse."""
    try:
        tree = ast.parse(_python_source(source))
    except (SyntaxError, ValueError):
        return None
    body = _unwrapped_cell_magic_body(tree.body)
    if body is not None:
        return _statements(body)
    kept: list[ast.stmt] = []
    for node in tree.body:
        if not _is_ipython_call(node):
            kept.append(node)
            continue
        timed = _timed_statement(node)  # `%time x = f()` runs (and binds) x = f()
        if timed is not None:
            kept.extend(timed)
    return kept


def _timed_statement(node: ast.stmt) -> list[ast.stmt] | None:
    call = node.value if isinstance(node, ast.Expr) else None
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "run_line_magic"
        and len(call.args) == 2
        and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
    ):
        return None
    name, statement = (a.value for a in call.args if isinstance(a, ast.Constant))
    if name != "time":
        return None
    try:
        return ast.parse(str(statement)).body
    except SyntaxError:
        return None


# --------------------------------------------------------------------------- cell kinds


def _root_name(node: ast.expr) -> str | None:
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return None


def _is_display_only(statements: list[ast.stmt]) -> bool:
    return bool(statements) and all(
        isinstance(s, ast.Expr) and is_display_expression(s.value) for s in statements
    )


def _has_imports(statements: list[ast.stmt]) -> bool:
    return any(isinstance(s, ast.Import | ast.ImportFrom) for s in statements)


def _without_imports(statements: list[ast.stmt]) -> list[ast.stmt]:
    return [s for s in statements if not isinstance(s, ast.Import | ast.ImportFrom)]


def _plot_call(node: ast.expr, figure_names: set[str]) -> bool:
    """A call on a plotting namespace, a figure/axes bound in the cell, or a ``.plot`` method."""
    if not isinstance(node, ast.Call):
        return False
    root = _root_name(node)
    if root in _PLOT_MODULE_NAMES or root in figure_names:
        return True
    func = node.func
    if isinstance(func, ast.Attribute):
        if func.attr in _PLOT_METHODS:
            return True
        inner = func.value
        return isinstance(inner, ast.Attribute) and inner.attr == "plot"
    return False


def _assigned_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for e in target.elts for n in _assigned_names(e)]
    return []


def _is_plot_only(statements: list[ast.stmt], figures: set[str]) -> bool:
    """Only plotting calls. ``figures`` holds the figures and axes earlier cells created
    (``fig, ax = plt.subplots()``); the names this cell creates are added to it.
    A cell that writes a file or uses the global random generator is never only a plot:
    skipping it would change what later cells read or draw."""
    if any(file_writes(s) or global_state_changes(s) for s in statements):
        return False
    plotted = False
    for statement in statements:
        if isinstance(statement, ast.Expr) and _plot_call(statement.value, figures):
            plotted = True
        elif isinstance(statement, ast.Assign) and _plot_call(statement.value, figures):
            # `fig, ax = plt.subplots()` or `ax = df.plot(...)`: later calls on them plot too.
            for target in statement.targets:
                figures.update(_assigned_names(target))
            plotted = True
        elif isinstance(statement, ast.For) and _is_plot_only(statement.body, figures):
            plotted = True
        elif not (
            isinstance(statement, ast.Import | ast.ImportFrom)
            or (isinstance(statement, ast.Expr) and is_display_expression(statement.value))
        ):
            return False
    return plotted


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _is_literal_assignments(statements: list[ast.stmt]) -> bool:
    def literal_assignment(node: ast.stmt) -> bool:
        if isinstance(node, ast.Assign):
            return all(isinstance(t, ast.Name) for t in node.targets) and _is_literal(node.value)
        if isinstance(node, ast.AnnAssign):
            return (
                isinstance(node.target, ast.Name)
                and node.value is not None
                and _is_literal(node.value)
            )
        return False

    return bool(statements) and all(literal_assignment(s) for s in statements)


def _is_assert_only(statements: list[ast.stmt]) -> bool:
    return bool(statements) and all(isinstance(s, ast.Assert) for s in statements)


def _is_definitions_only(statements: list[ast.stmt]) -> bool:
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    allowed = (*definitions, ast.Import, ast.ImportFrom)
    return any(isinstance(s, definitions) for s in statements) and all(
        isinstance(s, allowed) for s in statements
    )


def _is_imports_only(statements: list[ast.stmt]) -> bool:
    return all(isinstance(s, ast.Import | ast.ImportFrom) for s in statements)


def _bound_names(statements: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
    return names


# --------------------------------------------------------------------------- names


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_SETEXT = re.compile(r"^(\S.*)\n(=+|-+)\s*$", re.MULTILINE)
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]+>")
_LEADING_NUMBERING = re.compile(
    r"^(?:(?:step|part|section|chapter)\s*\d+[.):\-]?|\d+(?:\.\d+)*[.):]|\d+(?:\.\d+)+)\s+",
    re.IGNORECASE,
)


def last_heading(markdown: str) -> str | None:
    """The last heading of a markdown cell (ATX ``# …`` or setext underline)."""
    headings: list[tuple[int, str]] = [(m.start(), m.group(2)) for m in _HEADING.finditer(markdown)]
    headings += [(m.start(), m.group(1)) for m in _SETEXT.finditer(markdown)]
    return max(headings)[1] if headings else None


def snake_case(heading: str) -> str:
    """``"2. Load the *raw* data!"`` → ``"load_the_raw_data"``; may return ``""``."""
    text = _MARKDOWN_LINK.sub(r"\1", heading)
    text = _HTML_TAG.sub(" ", text)
    text = _LEADING_NUMBERING.sub("", text.strip())
    words: list[str] = []
    for word in re.findall(r"[A-Za-z0-9]+", text):
        # Why only words that start lowercase: trainModel → train_model, but NumPy → numpy.
        if word[0].islower():
            words.extend(re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", word))
        else:
            words.append(word)
    words = [w.lower() for w in words]
    return "_".join(words[:_MAX_NAME_WORDS])


def _valid_function_name(base: str, bound: set[str], taken: set[str]) -> str:
    """A function name from ``base``: ``_step`` appended when it would shadow a keyword,
    a builtin or a name the notebook binds; ``_2``, ``_3``… when another function has it."""
    name = base or "step"
    if name[0].isdigit():
        name = "step_" + name
    if (
        keyword.iskeyword(name)
        or keyword.issoftkeyword(name)
        or name in _BUILTIN_NAMES
        or name in RESERVED_NAMES
        or name in bound
    ):
        name += "_step"
    candidate, counter = name, 2
    while candidate in taken:
        candidate = f"{name}_{counter}"
        counter += 1
    return candidate


# --------------------------------------------------------------------------- proposal


@dataclass(frozen=True)
class _CellFacts:
    index: int
    cell_id: str
    tags: tuple[str, ...]
    statements: list[ast.stmt] | None
    heading: str | None
    marked: bool


def _existing_names(cells: Sequence[Mapping[str, Any]]) -> set[str]:
    """Names a proposed function must not take: existing roles' names and bound names."""
    taken: set[str] = set()
    for cell in cells:
        for tag in _cell_tags(cell):
            if role_of_tag(tag) in (Role.FUNCTION, Role.TEST) and value_of(tag):
                taken.add(value_of(tag))
    return taken


def _classify(statements: list[ast.stmt], figures: set[str]) -> tuple[str | None, str]:
    """(role tag, reason); ``"function"`` for work, None for a cell that stays unmarked."""
    if _is_assert_only(statements):
        return "test", "only assert statements"
    if _is_definitions_only(statements):
        return "export", "only defines functions or classes"
    shown = _without_imports(statements)
    kind = "displays values" if _is_display_only(shown) else None
    if kind is None and _is_plot_only(shown, figures):
        kind = "plots"
    if kind is not None:
        # Why not skip: a skipped cell is no source of names, and its imports must still count.
        if _has_imports(statements):
            return None, f"imports and only {kind}: stays unmarked"
        return "skip", f"only {kind}"
    return "function", "does work"


def propose(cells: Sequence[Mapping[str, Any]]) -> list[Proposal]:
    """A proposal for every code cell, in document order (see the module docstring)."""
    facts: list[_CellFacts] = []
    heading: str | None = None
    for index, cell in enumerate(cells):
        source = _source_text(cell)
        if cell.get("cell_type") == "markdown":
            heading = last_heading(source) or heading
            continue
        if cell.get("cell_type") != "code":
            continue
        tags = _cell_tags(cell)
        marked = has_role(tags, source)
        statements = None if marked else _statements(source)
        cell_id = str(cell.get("id", f"cell-{index + 1}"))
        facts.append(_CellFacts(index, cell_id, tags, statements, heading, marked))

    taken = _existing_names(cells)
    bound: set[str] = set()
    for fact in facts:
        if fact.statements is not None:
            bound |= _bound_names(fact.statements)
    has_parameters = any("parameters" in f.tags or "pipeline-parameters" in f.tags for f in facts)

    # First the role of each cell, then names: a plot cell may turn into a step (below).
    roles: list[tuple[str | None, str]] = []
    figures: set[str] = set()
    seen_work = False
    for fact in facts:
        role, reason = _role_of(fact, figures, seen_work=seen_work, has_parameters=has_parameters)
        has_parameters = has_parameters or role == "parameters"
        seen_work = seen_work or role in {"parameters", "function", "export"}
        roles.append((role, reason))
    _keep_figures_later_steps_use(facts, roles)
    _defs_reading_step_values_become_steps(facts, roles)

    proposals: list[Proposal] = []
    joinable: tuple[str | None, str] | None = None
    """(heading, name) of the function the previous code cell became, if the next may join it."""
    for fact, (role, reason) in zip(facts, roles, strict=True):
        if role is None:
            joinable = None
            proposals.append(Proposal(fact.index, fact.cell_id, fact.tags, None, reason))
            continue
        tag = role
        if role == "function":
            # Consecutive code cells under one heading form one function: the build merges
            # consecutive cells with the same function:NAME (not a cell using IPython syntax,
            # since a cell magic must start its cell; that one starts a function of its own).
            source = _source_text(cells[fact.index])
            if (
                joinable is not None
                and joinable[0] == fact.heading
                and not has_ipython_syntax(source)
            ):
                name = joinable[1]
            else:
                base = snake_case(fact.heading) if fact.heading else "step"
                name = _valid_function_name(base, bound, taken)
                taken.add(name)
            joinable = (fact.heading, name)
            tag = f"function:{name}"
        else:
            joinable = None
        proposals.append(Proposal(fact.index, fact.cell_id, (*fact.tags, tag), tag, reason))
    return proposals


def _role_of(
    fact: _CellFacts, figures: set[str], *, seen_work: bool, has_parameters: bool
) -> tuple[str | None, str]:
    """The role tag proposed for one cell (None: stays as it is) and why."""
    if fact.marked:
        return None, "already marked"
    if fact.statements is None:
        return None, "not valid Python: left unmarked"
    if not fact.statements or _is_imports_only(fact.statements):
        return None, "only imports, magics or comments: the build hoists imports"
    role, reason = _classify(fact.statements, figures)
    if role != "function":
        return role, reason
    if not seen_work and not has_parameters and _is_literal_assignments(fact.statements):
        return "parameters", "the first working cell only assigns literals"
    where = f"under heading {fact.heading!r}" if fact.heading else "before any heading"
    return "function", f"code {where}"


def _defs_reading_step_values_become_steps(
    facts: list[_CellFacts], roles: list[tuple[str | None, str]]
) -> None:
    """A cell of ``def``s whose bodies read values earlier steps compute (``tpr``, ``model``)
    becomes a step, not an export: at module level those names are bound by nothing, while
    inside a step they are its inputs and the functions are its outputs."""
    computed: set[str] = set()
    for position, fact in enumerate(facts):
        role, _ = roles[position]
        statements = fact.statements or []
        if role == "export":
            read = sorted(_free_reads_of_defs(statements) & computed)
            if read:
                shown = ", ".join(f"`{n}`" for n in read[:3])
                roles[position] = ("function", f"defines functions that read {shown} of steps")
                role = "function"
        if role == "function":
            computed |= _bound_names(statements)


def _free_reads_of_defs(statements: list[ast.stmt]) -> set[str]:
    """Names the functions a cell defines read but do not bind themselves (their globals)."""
    free: set[str] = set()
    for statement in statements:
        if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = statement.args
        local = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
        local |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
        local |= _bound_names(statement.body)
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id not in local
            ):
                free.add(node.id)
    return free


def _keep_figures_later_steps_use(
    facts: list[_CellFacts], roles: list[tuple[str | None, str]]
) -> None:
    """A skipped plot cell that creates a figure or axes a later step draws on becomes a step
    too: skipped, it would leave that step with an input nobody provides."""
    for position in range(len(facts) - 1, -1, -1):
        role, reason = roles[position]
        statements = facts[position].statements
        if role != "skip" or reason != "only plots" or not statements:
            continue
        created = _figure_names(statements)
        later_reads: set[str] = set()
        for fact, (later_role, _) in zip(facts[position + 1 :], roles[position + 1 :], strict=True):
            if later_role == "function" and fact.statements:
                later_reads |= _loaded_names(fact.statements)
        if created & later_reads:
            roles[position] = ("function", "plots, but creates a figure a later step uses")


def _figure_names(statements: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for statement in statements:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
            for target in statement.targets:
                names.update(_assigned_names(target))
    return names


def _loaded_names(statements: list[ast.stmt]) -> set[str]:
    return {
        node.id
        for statement in statements
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def apply_in_memory(nb_json: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the raw notebook with the proposed tags merged in; the input is untouched."""
    result: dict[str, Any] = copy.deepcopy(dict(nb_json))
    cells = result.get("cells")
    if not isinstance(cells, list):
        return result
    for proposal in propose(cells):
        if proposal.role_tag is None:
            continue
        cell = cells[proposal.index]
        metadata = cell.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
            cell["metadata"] = metadata
        metadata["tags"] = list(proposal.tags)
    return result
