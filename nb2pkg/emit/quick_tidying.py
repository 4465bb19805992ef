"""Whether tidying would change a step cut from its cell's lines, from the cell's own tree.

``nb2pkg.emit.sliced_functions`` writes a step's text from the cell's lines; it gives that text
only when no pass of ``nb2pkg.emit.step_tidying`` would change it (``tidying_changes``, which
reads the ``ast`` of the step's text). The step's body holds the cell's kept statements as they
are (one level deeper; the returned expression gains ``return``), with at most a docstring in
front and a ``return`` of names behind: the questions the passes ask of that body are answered
here from the cell's statements, each walked once, without parsing the step's text again.

``tidying_verdict`` says True (a pass would change the step: it is not cut from the lines),
False (none would), or None where it cannot tell as cheaply (a function or class defined in
the step, a guard for a mutable default, a plot to look at): ``tidying_changes`` answers then.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Sequence
from functools import lru_cache

from nb2pkg.analysis.ast_nodes import all_nodes_of
from nb2pkg.analysis.plot_calls import may_draw
from nb2pkg.emit.defaults import is_mutable_literal
from nb2pkg.emit.functions import function_params
from nb2pkg.emit.literals import docstring as docstring_literal
from nb2pkg.emit.rebound_names import top_level_binds
from nb2pkg.emit.step_options import StepOptions

_INT_CALL = re.compile(r"\bint\(")
"""As ``nb2pkg.emit.step_tidying``: where a cast that does nothing can be."""
_AT_NAME = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")
"""As ``nb2pkg.emit.function_scopes``: ``df.query("a > @limit")`` reads ``limit``."""
_DYNAMIC_READS = frozenset({"locals", "vars", "eval", "exec"})
_NESTED = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Global, ast.Nonlocal}
)
_SPECIAL = frozenset({ast.AugAssign, ast.ExceptHandler, ast.Import, ast.ImportFrom, *_NESTED})
"""The nodes ``_Facts._add_special`` looks at."""
_FIELDS: dict[type, tuple[str, ...]] = {}
"""The fields of each node type that may hold nodes, found on first use."""
_SCALARS = frozenset({"id", "ctx", "attr", "arg", "name", "asname", "module", "level", "kind"})
"""Fields that hold no node (``Constant.value`` aside: constants are not walked)."""


def _fields(kind: type) -> tuple[str, ...]:
    """The fields of ``kind`` that may hold nodes (none for a context, an operator, or what
    is not a node: a name in ``global a, b``, a ``None`` among a dict's keys)."""
    if not issubclass(kind, ast.AST):
        return ()
    return tuple(field for field in kind._fields if field not in _SCALARS)


_DEEP = " " * 4 * 90
"""Indentation near the parser's limit of 100 levels: the step's extra level may pass it."""


class _Facts:
    """What the passes ask of a run of statements, gathered in one walk of their nodes."""

    __slots__ = ("caught", "loads", "nested", "others", "rebind_imports", "scope_imports", "stores")

    def __init__(self) -> None:
        self.loads: set[str] = set()  # names read (``Load``)
        self.others: set[str] = set()  # the other reads: ``del x``, ``x += 1``, ``"@x"``
        self.stores: set[str] = set()  # names assigned (``Store``)
        self.caught: set[str] = set()  # ``except … as name``
        self.scope_imports: set[str] = set()  # names imports bind, as function_scopes counts
        self.rebind_imports: set[str] = set()  # as rebound_names counts them
        self.nested = False  # a function, class, lambda, ``global`` or ``nonlocal``

    def add(self, roots: Sequence[ast.AST]) -> set[str]:
        """Add the facts of ``roots`` and all below them; the names they mention."""
        names: set[str] = set()
        pending: list[object] = list(roots)
        fields_of, special = _FIELDS, _SPECIAL
        name_kind, constant_kind, load, store = ast.Name, ast.Constant, ast.Load, ast.Store
        loads, stores, others = self.loads, self.stores, self.others
        while pending:
            node = pending.pop()
            kind = node.__class__
            if kind is name_kind:
                name = node.id  # type: ignore[attr-defined]
                names.add(name)
                context = node.ctx.__class__  # type: ignore[attr-defined]
                if context is load:
                    loads.add(name)
                elif context is store:
                    stores.add(name)
                else:
                    others.add(name)
                continue
            if kind is constant_kind:
                value = node.value  # type: ignore[attr-defined]
                if value.__class__ is str and "@" in value:
                    others.update(_AT_NAME.findall(value))
                continue
            fields = fields_of.get(kind)
            if fields is None:
                fields = fields_of[kind] = _fields(kind)
            if kind in special:
                self._add_special(node)  # type: ignore[arg-type]
            for field in fields:
                value = getattr(node, field, None)
                if value.__class__ is list:
                    pending.extend(value)
                elif value is not None:
                    pending.append(value)
        return names

    def _add_special(self, node: ast.AST) -> None:
        """What an augmented assignment, a handler, an import or a scope adds."""
        if isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                self.others.add(node.target.id)
        elif isinstance(node, ast.ExceptHandler):
            if node.name is not None:
                self.caught.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self._add_import(node)
        else:
            self.nested = True

    def _add_import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self.rebind_imports.add((alias.asname or alias.name).split(".")[0])
            if alias.name == "*":
                continue
            if alias.asname is not None:
                self.scope_imports.add(alias.asname)
            elif isinstance(node, ast.Import):
                self.scope_imports.add(alias.name.split(".")[0])
            else:
                self.scope_imports.add(alias.name)


def tidying_verdict(
    code: str,
    groups: Sequence[Sequence[ast.stmt]],
    options: StepOptions,
    returned: int | None,
) -> bool | None:
    """Whether ``tidying_changes`` says the step whose text is ``code`` changes; None when
    this cannot tell. ``groups``: the cell's top-level statements (``options.drop`` says which
    the step leaves out); ``returned``: the group the step returns as ``return expression``."""
    if options.drop_prints and "print" in code:
        return True
    if "int(" in code and _INT_CALL.search(code):
        return True
    if options.drop_plots and may_draw(code):
        return None  # nb2pkg.analysis.nested_plots looks at what draws
    params = _parameter_names(function_params(options.params))
    if params is None or _DEEP in code or not _named(code):
        return None
    if any(p.default is not None and is_mutable_literal(p.default) for p in options.params):
        return None  # a guard copies the default
    if not all(name.isidentifier() and not keyword.iskeyword(name) for name in options.returns):
        return None
    facts = _Facts()
    docstring = options.docstring
    if docstring and not _plain(docstring) and not _docstring_facts(docstring, facts):
        return None
    rebound = _Rebinding(params)
    for index, group in enumerate(groups):
        if index in options.drop:
            continue
        for statement in group:
            if index == returned and _yields(statement):
                return None  # `return yield x` does not parse
            rebound.add(statement, facts)
            if facts.nested:
                return None  # scopes inside the step: function_scopes walks each
    if rebound.found(facts):
        return True
    return _has_unused(facts, options.returns)


def _named(code: str) -> bool:
    """The ``def`` line (after the one-line comment that opens the step) names the function
    with a name that parses."""
    start = code.find("\ndef ") + 5
    name = code[start : code.find("(", start)]
    return start > 4 and name.isidentifier() and not keyword.iskeyword(name)


def _yields(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(
        statement.value, ast.Yield | ast.YieldFrom
    )


def _has_unused(facts: _Facts, returns: Sequence[str]) -> bool:
    """``has_unused_values`` of the step (a function with no scope inside it)."""
    used = facts.loads | facts.others | set(returns)
    if used & _DYNAMIC_READS:
        return False
    return bool((facts.stores | facts.caught | facts.scope_imports) - used)


def _plain(text: str) -> bool:
    """A docstring written as it is (nothing to escape) that reads no ``@name``: its literal
    parses and adds nothing to what the step reads."""
    return (
        '"' not in text
        and "\\" not in text
        and "@" not in text
        and text.replace("\n", "").isprintable()
    )


def _docstring_facts(text: str, facts: _Facts) -> bool:
    """Add what the step's docstring reads (``@name`` in it); False when its literal does
    not parse as a string on its own."""
    literal = docstring_literal(text, "    ")
    try:
        body = ast.parse(literal).body
    except SyntaxError:
        return False
    if len(body) != 1 or not isinstance(body[0], ast.Expr):
        return False
    value = body[0].value
    if not isinstance(value, ast.Constant) or not isinstance(value.value, str):
        return False
    facts.add([value])
    return True


class _Rebinding:
    """``rebound_names`` of the step, met statement by statement: the names it would find,
    before the imports anywhere in the step rule them out."""

    def __init__(self, params: frozenset[str]) -> None:
        self.params = params
        self.defined: set[str] = set()  # names the statements so far bind at the top level
        self.names: set[str] = set()

    def add(self, statement: ast.stmt, facts: _Facts) -> None:
        """Walk ``statement`` into ``facts`` (which hold the statements before it)."""
        own = top_level_binds(statement)
        fresh = {
            name
            for name in own
            if name not in self.params
            and name not in self.defined
            and name not in facts.stores
            and name not in facts.rebind_imports
        }
        read = {name for name in fresh if name in facts.loads}
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            now = facts.add([statement.value])
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            rest = [statement.annotation] if isinstance(statement, ast.AnnAssign) else []
            facts.add([*targets, *rest])
        else:
            now = set()
            facts.add([statement])
        self.names |= read | (fresh & now)
        self.defined |= own

    def found(self, facts: _Facts) -> bool:
        return bool(self.names) and not self.names & facts.rebind_imports


@lru_cache(maxsize=256)
def _parameter_names(params: str) -> frozenset[str] | None:
    """The names ``rebound_names`` counts as the step's parameters (every ``arg`` of its
    ``def`` line), or None when the line does not parse."""
    try:
        tree = ast.parse(f"def f({params}):\n    pass\n")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef)
    return frozenset(a.arg for a in all_nodes_of([definition.args]) if isinstance(a, ast.arg))
