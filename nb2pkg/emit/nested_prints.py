"""Prints leave a step, wherever they are in it; the work their arguments do stays.

nb2pkg.analysis.library_code drops a cell's top-level ``print(...)`` of values computing
changes nothing; the same print inside a ``for``, ``while``, ``if``, ``with`` or ``try`` block
of the step goes too (unless the cell is tagged ``keep``). A print whose arguments do work
(``print(next(it))``, ``print(model.score(X, y))``) leaves that work behind as a statement
(``next(it)``): the print goes, what the step computes stays the same. A print that unpacks
a name (``print(*rows)``, which uses up ``rows`` if it is an iterator) goes when nothing in
the step reads the name after it (or the step binds it again first); otherwise the name is
used up by a loop that does nothing else (``for _ in rows: pass``), so what reads it after
sees what the notebook's code saw. Anything else unpacked stays printed, unless it is made on
the spot from values (``print(*range(10))``).
A loop or branch left with nothing to do goes with it when its header changes nothing either
(``for name in names:``, ``if verbose:``); otherwise it keeps a ``pass``. That is the rule the
auto-marker uses to see a cell that only prints (nb2pkg.analysis.display_blocks). Functions and
classes the cell defines are the user's own code and keep their prints.
"""

from __future__ import annotations

import ast

import libcst as cst

from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.analysis.display_blocks import read_outside_prints
from nb2pkg.analysis.library_code import print_is_display
from nb2pkg.emit.emptied_blocks import EmptiedBlocks, source_of


def without_prints(module: cst.Module, code: str | None = None) -> cst.Module:
    """The step function in ``module`` without the display prints nested in its blocks.

    ``code``: ``module.code``, when the caller has it already."""
    code = module.code if code is None else code
    if "print" not in code:
        return module  # most steps print nothing: no need for the (slow) libcst pass
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return module
    return module.visit(_NestedPrints(read_outside_prints(tree), _unpacked_later(tree)))


class _NestedPrints(EmptiedBlocks):
    def __init__(self, read: set[str], unpacked: list[set[str]]) -> None:
        super().__init__(read)
        self.unpacked = unpacked
        """For each ``print(*name…)`` statement of the step, in order: the names it unpacks
        that the step reads after it (``_unpacked_later``)."""

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        if self.depth != 1:
            return updated_node
        if all(_is_display_print(s) for s in updated_node.body):
            return cst.RemoveFromParent()
        if len(updated_node.body) != 1:
            return updated_node
        call = _print_call(updated_node.body[0])
        if call is not None and _unpacks_names(call):
            later = self.unpacked.pop(0) if self.unpacked else {"*"}
            return _used_up(updated_node, call, later)
        work = _work_of_print(updated_node.body[0])
        if work is None:
            return updated_node
        if not work:
            return cst.RemoveFromParent()
        lines = [cst.SimpleStatementLine([cst.Expr(value)]) for value in work]
        lines[0] = lines[0].with_changes(leading_lines=updated_node.leading_lines)
        return cst.FlattenSentinel(lines)

    def leave_Try(
        self, original_node: cst.Try, updated_node: cst.Try
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        """A ``try`` whose every block only printed: nothing in it can raise any more."""
        blocks = [
            updated_node.body,
            *(handler.body for handler in updated_node.handlers),
            *(part.body for part in (updated_node.orelse, updated_node.finalbody) if part),
        ]
        if all(self._empty(block) for block in blocks):
            return cst.RemoveFromParent()
        return updated_node


def _print_call(statement: cst.BaseSmallStatement) -> ast.Call | None:
    """The ``print(...)`` call a statement is, as a stdlib ``ast`` node; None for any other
    statement."""
    if not isinstance(statement, cst.Expr) or not isinstance(statement.value, cst.Call):
        return None
    func = statement.value.func
    if not isinstance(func, cst.Name) or func.value != "print":
        return None
    try:
        call = ast.parse(source_of(statement.value).strip(), mode="eval").body
    except SyntaxError:
        return None
    return call if isinstance(call, ast.Call) else None


def _unpacks_names(call: ast.Call) -> bool:
    """``print(*rows)``, ``print("rows:", *rows)``: unpacks names, and shows nothing that
    does work."""
    starred = [a for a in call.args if isinstance(a, ast.Starred)]
    return (
        bool(starred)
        and all(isinstance(a.value, ast.Name) for a in starred)
        and not any(k.arg == "file" for k in call.keywords)
        and all(
            is_unneeded_value(a)
            for a in [*call.args, *(k.value for k in call.keywords)]
            if not isinstance(a, ast.Starred)
        )
    )


def _starred_names(call: ast.Call) -> list[str]:
    return [
        a.value.id
        for a in call.args
        if isinstance(a, ast.Starred) and isinstance(a.value, ast.Name)
    ]


def _unpacked_later(function: ast.Module) -> list[set[str]]:
    """For each ``print(*name…)`` statement of the step function in ``function`` (in source
    order): the unpacked names the step reads after it before binding them again, or that
    it did not bind itself before it (an input other steps may hold too), or any name when
    the print is in a loop or the next binding is no plain assignment of the step's body."""
    definition = function.body[0] if function.body else None
    if not isinstance(definition, ast.FunctionDef):
        return []
    events: list[tuple[tuple[int, int], str, str]] = []  # (position, name, "load" | "store")
    loops: list[ast.For | ast.AsyncFor | ast.While] = []
    prints: list[tuple[ast.Expr, ast.Call]] = []
    pending: list[ast.AST] = list(definition.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue  # the user's own code: its names are its own
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            loops.append(node)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if isinstance(call.func, ast.Name) and call.func.id == "print" and _unpacks_names(call):
                prints.append((node, call))
        if isinstance(node, ast.Name):
            kind = "store" if isinstance(node.ctx, ast.Store) else "load"
            events.append(((node.lineno, node.col_offset), node.id, kind))
        pending.extend(ast.iter_child_nodes(node))
    events.sort()
    plain_stores = {
        (t.lineno, t.col_offset)
        for s in definition.body
        if isinstance(s, ast.Assign)
        for t in s.targets
        if isinstance(t, ast.Name)
    }
    found: list[set[str]] = []
    for statement, call in sorted(prints, key=lambda p: (p[0].lineno, p[0].col_offset)):
        names = set(_starred_names(call))
        in_loop = any(
            loop.lineno <= statement.lineno <= (loop.end_lineno or loop.lineno) for loop in loops
        )
        end = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
        later: set[str] = set()
        start = (statement.lineno, statement.col_offset)
        for name in names:
            if not any(n == name and kind == "store" and at < start for at, n, kind in events):
                later.add(name)  # an input: other steps may hold the same iterator
                continue
            after = [(at, kind) for at, n, kind in events if n == name and at >= end]
            first = after[0] if after else None
            if in_loop or (
                first is not None and (first[1] == "load" or first[0] not in plain_stores)
            ):
                later.add(name)
        found.append(later)
    return found


def _used_up(
    line: cst.SimpleStatementLine, call: ast.Call, later: set[str]
) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
    """What stays of ``print(*name…)``: nothing, or a loop using up each name read later."""
    kept = [n for n in dict.fromkeys(_starred_names(call)) if n in later or "*" in later]
    if not kept:
        return cst.RemoveFromParent()
    loops = [
        cst.parse_statement(f"for _ in {name}:  # used up, as printing it did\n    pass\n")
        for name in kept
    ]
    loops[0] = loops[0].with_changes(leading_lines=line.leading_lines)
    return cst.FlattenSentinel(loops)


def _is_display_print(statement: cst.BaseSmallStatement) -> bool:
    call = _print_call(statement)
    return call is not None and print_is_display(call)


def _work_of_print(statement: cst.BaseSmallStatement) -> list[cst.BaseExpression] | None:
    """The expressions a ``print(...)`` statement evaluates for their effect, outermost work
    first (``print("%.2f" % model.score(X, y))`` → ``model.score(X, y)``); None when it is no
    print, writes to a ``file=``, or unpacks (``print(*rows)``)."""
    call = _print_call(statement)
    if call is None or any(k.arg == "file" for k in call.keywords):
        return None
    work: list[ast.expr] = []
    for argument in [*call.args, *(k.value for k in call.keywords)]:
        found = _work_in(argument)
        if found is None:
            return None
        work.extend(found)
    try:
        return [cst.parse_expression(ast.unparse(w)) for w in work]
    except cst.ParserSyntaxError:
        return None


def _work_in(expression: ast.expr) -> list[ast.expr] | None:
    """The parts of ``expression`` that do work, or None when leaving the rest out may change
    what the code does (an unpacking, an assignment expression)."""
    if isinstance(expression, ast.Starred):
        return [] if _fresh_pure_iterable(expression.value) else None
    if isinstance(expression, ast.NamedExpr | ast.Await | ast.Yield | ast.Lambda):
        return None
    if is_unneeded_value(expression) or isinstance(expression, ast.GeneratorExp):
        return []  # (a generator expression printed is never run)
    if isinstance(expression, ast.Call | ast.ListComp | ast.SetComp | ast.DictComp):
        return [expression]
    work: list[ast.expr] = []
    for child in ast.iter_child_nodes(expression):
        if isinstance(child, ast.expr):
            found = _work_in(child)
            if found is None:
                return None
            work.extend(found)
    return work


def _fresh_pure_iterable(value: ast.expr) -> bool:
    """``range(10)``, ``map(lambda x: x**2, range(10))``, ``[1, 2]``: an iterable made on the
    spot from values, which unpacking into a print consumes with no effect on anything else
    (unlike ``print(*rows)``, which may empty an iterator the step still holds)."""
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return is_unneeded_value(value)
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name) or value.keywords:
        return False
    if value.func.id == "range":
        return all(is_unneeded_value(a) for a in value.args)
    if value.func.id in ("map", "filter") and len(value.args) >= 2:
        function, *iterables = value.args
        return (
            isinstance(function, ast.Lambda)
            and is_unneeded_value(function.body)
            and all(_fresh_pure_iterable(i) for i in iterables)
        )
    return False
