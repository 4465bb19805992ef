"""Prints leave a step, wherever they are in it; the work their arguments do stays.

nb2pkg.analysis.library_code drops a cell's top-level ``print(...)`` of values computing
changes nothing; the same print inside a ``for``, ``while``, ``if``, ``with`` or ``try`` block
of the step goes too (unless the cell is tagged ``keep``). A print whose arguments do work
(``print(next(it))``, ``print(model.score(X, y))``) leaves that work behind as a statement
(``next(it)``): the print goes, what the step computes stays the same. A print that unpacks
a value (``print(*rows)``, which may consume an iterator) stays as written, unless what it
unpacks is made on the spot from values (``print(*range(10))``).
A loop or branch left with nothing to do goes with it when its header changes nothing either
(``for name in names:``, ``if verbose:``); otherwise it keeps a ``pass``. That is the rule the
auto-marker uses to see a cell that only prints (nb2pkg.analysis.display_blocks). Functions and
classes the cell defines are the user's own code and keep their prints.
"""

from __future__ import annotations

import ast

import libcst as cst

from nb2pkg.analysis.display import is_unneeded_value
from nb2pkg.analysis.display_blocks import header_changes_nothing, loop_names, read_outside_prints
from nb2pkg.analysis.library_code import print_is_display
from nb2pkg.emit.step_transformers import StepBodyTransformer


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
    return module.visit(_NestedPrints(read_outside_prints(tree)))


class _NestedPrints(StepBodyTransformer):
    def __init__(self, read: set[str]) -> None:
        super().__init__()
        self.read = read
        self.emptied: set[int] = set()
        """ids of the blocks this transformer left with nothing but ``pass``."""

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        return True

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        if self.depth != 1:
            return updated_node
        if all(_is_display_print(s) for s in updated_node.body):
            return cst.RemoveFromParent()
        if len(updated_node.body) != 1:
            return updated_node
        work = _work_of_print(updated_node.body[0])
        if work is None:
            return updated_node
        if not work:
            return cst.RemoveFromParent()
        lines = [cst.SimpleStatementLine([cst.Expr(value)]) for value in work]
        lines[0] = lines[0].with_changes(leading_lines=updated_node.leading_lines)
        return cst.FlattenSentinel(lines)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated_node.body or not original_node.body:
            return updated_node
        block = updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        self.emptied.add(id(block))
        return block

    def _empty(self, body: cst.BaseSuite | None) -> bool:
        return body is None or id(body) in self.emptied

    def leave_For(
        self, original_node: cst.For, updated_node: cst.For
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if (
            self._empty(updated_node.body)
            and updated_node.orelse is None
            and _unneeded(updated_node.iter)
            and not _names(updated_node.target) & ({"*"} | self.read)
        ):
            return cst.RemoveFromParent()
        return updated_node

    def leave_If(
        self, original_node: cst.If, updated_node: cst.If
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        orelse = updated_node.orelse
        if (
            self._empty(updated_node.body)
            and (orelse is None or (isinstance(orelse, cst.Else) and self._empty(orelse.body)))
            and _unneeded(updated_node.test)
        ):
            return cst.RemoveFromParent()
        return updated_node

    def leave_While(
        self, original_node: cst.While, updated_node: cst.While
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if (
            self._empty(updated_node.body)
            and (updated_node.orelse is None or self._empty(updated_node.orelse.body))
            and _unneeded(updated_node.test)
        ):
            return cst.RemoveFromParent()
        return updated_node

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


def _source(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _print_call(statement: cst.BaseSmallStatement) -> ast.Call | None:
    """The ``print(...)`` call a statement is, as a stdlib ``ast`` node; None for any other
    statement."""
    if not isinstance(statement, cst.Expr) or not isinstance(statement.value, cst.Call):
        return None
    func = statement.value.func
    if not isinstance(func, cst.Name) or func.value != "print":
        return None
    try:
        call = ast.parse(_source(statement.value).strip(), mode="eval").body
    except SyntaxError:
        return None
    return call if isinstance(call, ast.Call) else None


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


def _unneeded(expression: cst.BaseExpression) -> bool:
    """Whether evaluating the header of a loop or branch changes nothing
    (nb2pkg.analysis.display_blocks.header_changes_nothing)."""
    try:
        parsed = ast.parse(_source(expression).strip(), mode="eval").body
    except SyntaxError:
        return False
    return header_changes_nothing(parsed)


def _names(target: cst.BaseExpression) -> set[str]:
    try:
        parsed = ast.parse(_source(target).strip(), mode="eval").body
    except SyntaxError:
        return {"*"}
    return loop_names(parsed)
