"""What kind of cell a notebook cell is, read from the build's own per-cell analysis.

The auto-marker decides roles from these kinds. Everything here reads a ``ParsedCell`` from
``nb2pkg.analysis.cell.analyze_cell``, the analysis the build uses: the same IPython transform
(``%%time``/``%%prun`` bodies unwrapped, ``%%timeit`` dropped), the same display rule (the
statements the emitter drops), the same reads, binds and mutations.
"""

from __future__ import annotations

import ast

import libcst as cst

from nb2pkg.analysis.cell import ParsedCell
from nb2pkg.analysis.display import is_display_only, is_display_statement
from nb2pkg.analysis.display_blocks import only_prints, read_outside_prints
from nb2pkg.analysis.effects import dotted, is_global_random
from nb2pkg.analysis.plot_calls import PLOT_LIBRARIES, base_name, is_plot_call, target_names
from nb2pkg.analysis.process_settings import SEED_CALLS

_DISPLAY_SETTINGS = frozenset(
    {
        "set_option",
        "set_printoptions",
        "filterwarnings",
        "simplefilter",
        "register_matplotlib_converters",
        "init_notebook_mode",
        "set_matplotlib_formats",
    }
)
"""Library calls that only change how results are shown or warned about (``pd.set_option``
of a ``display.*`` option; other options are global state the analysis reports)."""
_DISPLAY_ATTRIBUTES = frozenset({"display", "ast_node_interactivity", "rcParams"})
"""Attributes whose assignment only changes display: ``pd.options.display.max_rows = 9``."""


_NOT_WORK = frozenset({"setting", "print"})


def work_statements(parsed: ParsedCell) -> list[cst.BaseStatement]:
    """The cell's top-level statements a function keeps: not imports, not display-only."""
    if parsed.module is None:
        return []
    analysis = parsed.analysis
    left_out = set(analysis.import_statements) | set(analysis.display_statements)
    # settings and prints leave the step as the build emits it; a seed stays work, and plots
    # are judged with the figures earlier cells made (is_plot_only)
    left_out |= {i for i, kind in analysis.library_statements if kind in _NOT_WORK}
    module = parsed.module
    read: set[str] | None = None  # what the cell reads outside its prints, parsed once
    kept: list[cst.BaseStatement] = []
    for index, statement in enumerate(module.body):
        if index in left_out:
            continue
        if isinstance(statement, _BLOCKS):
            read = _read_outside_prints(module) if read is None else read
            if _only_prints(module, statement, read):
                continue
        kept.append(statement)
    return kept


def _read_outside_prints(module: cst.Module) -> set[str]:
    try:
        return read_outside_prints(ast.parse(module.code))
    except SyntaxError:
        return {"*"}


_BLOCKS = (cst.Try, cst.If, cst.For, cst.While)


def _only_prints(module: cst.Module, statement: cst.BaseStatement, read: set[str]) -> bool:
    """A block that only prints (nb2pkg.analysis.display_blocks): the step drops it."""
    try:
        tree = ast.parse(module.code_for_node(statement).strip())
    except SyntaxError:
        return False
    return len(tree.body) == 1 and only_prints(tree.body[0], read)


def always_raises(parsed: ParsedCell) -> bool:
    """A ``raise`` at the top level of a cell that binds nothing: it shows an error, and a
    pipeline with it could never finish. (One that also defines a name later cells may read
    stays work.)"""
    module = parsed.module
    if module is None or parsed.analysis.binds or parsed.analysis.defines:
        return False
    return any(
        isinstance(s, cst.SimpleStatementLine) and any(isinstance(x, cst.Raise) for x in s.body)
        for s in module.body
    )


def body_lines(parsed: ParsedCell) -> int:
    """Lines the cell adds to a function body once formatted: its code, comments and blank
    lines, a statement with a line over 88 characters counted as ruff wraps it (about one
    line per argument)."""
    if parsed.module is None:
        return 0
    module = parsed.module
    return sum(_formatted_lines(module.code_for_node(s)) for s in work_statements(parsed))


def _formatted_lines(code: str) -> int:
    """``code``: one statement with the comments and blank lines above it."""
    lines = code.rstrip("\n").splitlines()
    comments = [line for line in lines if not line.strip() or line.lstrip().startswith("#")]
    joined = " ".join(line.strip() for line in lines if line not in comments)
    if len(joined) > 88:  # wrapped: about one line per argument, and the brackets
        return len(comments) + max(len(lines) - len(comments), joined.count(",") + 2)
    return len(lines)


def is_imports_only(parsed: ParsedCell) -> bool:
    """Only imports, magics or comments (an empty body after the IPython transform)."""
    module = parsed.module
    return module is not None and len(parsed.analysis.import_statements) == len(module.body)


def has_imports(parsed: ParsedCell) -> bool:
    return bool(parsed.analysis.import_statements)


def is_display_only_cell(parsed: ParsedCell) -> bool:
    analysis = parsed.analysis
    shown = analysis.display_statements or any(
        kind in _NOT_WORK for _, kind in analysis.library_statements
    )
    if work_statements(parsed):
        return False
    module = parsed.module
    if shown or module is None:
        return bool(shown)
    blocks = [s for s in module.body if isinstance(s, _BLOCKS)]
    read = _read_outside_prints(module) if blocks else set()
    return any(_only_prints(module, s, read) for s in blocks)


def shows_only_draws(parsed: ParsedCell) -> bool:
    """Only shows values, some drawn on the spot from a global random generator
    (``print(np.random.rand(3))``, ``np.random.randn(5)``): display once the draws matter to
    nothing after the cell (nb2pkg.plan.random_draws)."""
    statements = work_statements(parsed)
    if not statements or parsed.module is None:
        return False
    try:
        tree = ast.parse("\n".join(parsed.module.code_for_node(s) for s in statements))
    except SyntaxError:
        return False
    for statement in tree.body:
        if not isinstance(statement, ast.Expr):
            return False
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and is_global_random(dotted(node.func)):
                node.func, node.args, node.keywords = ast.Name("abs", ast.Load()), [], []
        if not is_display_statement(statement):
            return False
    return True


def is_assert_only(parsed: ParsedCell) -> bool:
    statements = work_statements(parsed)
    return bool(statements) and all(
        isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, cst.Assert) for x in s.body)
        for s in statements
    )


def is_definitions_only(parsed: ParsedCell, *, draws_matter: bool = True) -> bool:
    """Only ``def``s and ``class``es (imports allowed, nothing shown), or definitions and
    plots (``def plot_curve(…): …`` then ``plot_curve(model, X, y)``): the plots leave the
    module's code, as they would leave a step, and the helper is defined once at its top."""
    statements = work_statements(parsed)
    analysis = parsed.analysis
    definitions = [s for s in statements if isinstance(s, cst.FunctionDef | cst.ClassDef)]
    others = [s for s in statements if not isinstance(s, cst.FunctionDef | cst.ClassDef)]
    if others and (analysis.file_writes or (draws_matter and analysis.global_state)):
        return False
    figures: set[str] = set()
    return (
        bool(definitions)
        and not analysis.display_statements
        and all(_is_plot_statement(s, figures) for s in others)
    )


def is_literal_assignments(parsed: ParsedCell) -> bool:
    """Only ``NAME = literal`` lines (comments allowed): a parameters cell."""
    statements = work_statements(parsed)
    analysis = parsed.analysis
    return (
        bool(statements)
        and not analysis.non_literal_assignments
        and len(analysis.literal_assignments) == len(statements)
        and not parsed.analysis.display_statements
    )


def is_plot_only(
    parsed: ParsedCell,
    figures: set[str],
    *,
    draws_matter: bool = True,
    drawing: frozenset[str] | set[str] = frozenset(),
) -> bool:
    """Only plots or display settings (``plt.…``, ``ax.…``, ``df.plot(…)``, ``pd.set_option``
    of a display option). ``figures`` holds the figures and axes earlier cells created, and
    the notebook's functions that only draw (``plotting_functions``); the figures this cell
    creates are added. A cell that writes a file or changes global state (a random draw, a
    computing option, a call of one of the ``drawing`` functions, which draw from a global
    generator) is never only a plot: skipping it would change what later cells read;
    ``draws_matter=False``: its draws change nothing a packaged cell after it computes
    (nb2pkg.plan.random_draws)."""
    analysis = parsed.analysis
    draws = analysis.global_state or (analysis.uses & set(drawing))
    if analysis.file_writes or (draws_matter and draws):
        return False
    statements = work_statements(parsed)
    body = parsed.module.body if parsed.module is not None else ()
    # what the step analysis moves to the figures: a loop over axes computing what it draws
    moved = {id(body[i]) for i, kind in analysis.library_statements if kind == "plot"}
    return bool(statements) and all(
        _is_plot_statement(s, figures) or id(s) in moved for s in statements
    )


def plotting_functions(parsed: ParsedCell) -> set[str]:
    """The functions the cell defines that only draw (``def hist_and_lines(): fig, ax =
    plt.subplots(); ax[0].hist(…)``): every statement of their body plots, sets a display
    option or seeds a global generator, and they return nothing. Calling one is a plot."""
    module = parsed.module
    if module is None or not parsed.analysis.defines:
        return set()
    found: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.FunctionDef) or statement.decorators:
            continue
        body = statement.body
        if not isinstance(body, cst.IndentedBlock) or not body.body:
            continue
        figures: set[str] = set()
        statements = [s for s in body.body if not _is_docstring(s)]
        if statements and all(_is_plot_statement(s, figures) or _is_seed(s) for s in statements):
            found.add(statement.name.value)
    return found


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _is_seed(statement: cst.BaseStatement) -> bool:
    """``np.random.seed(0)``: what a plotting function may do before it draws."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return (
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and _dotted(small.value.func) in SEED_CALLS
    )


def _dotted(expression: cst.BaseExpression) -> str:
    if isinstance(expression, cst.Name):
        return expression.value
    if isinstance(expression, cst.Attribute):
        inner = _dotted(expression.value)
        return f"{inner}.{expression.attr.value}" if inner else ""
    return ""


def reads_with_plots(parsed: ParsedCell) -> set[str]:
    """Names the cell's kept statements read before the cell binds them, its plots included
    (``ax1 = fig.add_subplot(2, 2, 1)`` reads ``fig``): what the cell needs from earlier
    cells once it is a step."""
    module = parsed.module
    if module is None:
        return set(parsed.analysis.reads)
    read: set[str] = set()
    bound: set[str] = set()
    for statement in work_statements(parsed):
        try:
            tree = ast.parse(module.code_for_node(statement).strip())
        except SyntaxError:
            continue
        names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
        read |= {n.id for n in names if not isinstance(n.ctx, ast.Store)} - bound
        bound |= {n.id for n in names if isinstance(n.ctx, ast.Store)}
    return read | set(parsed.analysis.reads)


def figures_created(parsed: ParsedCell) -> set[str]:
    """Names the cell binds to figures or axes (``fig, ax = plt.subplots()``)."""
    names: set[str] = set()
    for statement in work_statements(parsed):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and is_plot_call(small.value, assigned=True):
                    for target in small.targets:
                        names.update(target_names(target.target))
    return names


def _is_plot_statement(statement: cst.BaseStatement, figures: set[str]) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        return bool(statement.body) and all(_is_plot_small(s, figures) for s in statement.body)
    if isinstance(statement, cst.For) and isinstance(statement.body, cst.IndentedBlock):
        # `for col in cols: plt.hist(df[col])`: one plot per column; `for spine in
        # ax.spines.values(): spine.set_visible(False)`: each part of a figure is drawn on.
        inner = statement.body.body
        header = {n.value for n in _names_in(statement.iter)}
        each = figures | set(target_names(statement.target)) if header & figures else figures
        return any(_is_plot_statement(s, each) for s in inner) and all(
            is_display_only(s) or _is_plot_statement(s, each) for s in inner
        )
    if isinstance(statement, cst.With) and isinstance(statement.body, cst.IndentedBlock):
        # `with plt.style.context("ggplot"):` / `with sns.axes_style("white"):` around plots
        return all(
            isinstance(item.item, cst.Call) and _plots(item.item, figures)
            for item in statement.items
        ) and all(_is_plot_statement(s, figures) for s in statement.body.body)
    return False


def _is_plot_small(small: cst.BaseSmallStatement, figures: set[str]) -> bool:
    if isinstance(small, cst.Expr):
        return isinstance(small.value, cst.Call) and _plots(small.value, figures)
    if isinstance(small, cst.Assign):
        if isinstance(small.value, cst.Call) and _plots(small.value, figures, assigned=True):
            for target in small.targets:
                figures.update(target_names(target.target))
            return True
        return all(_sets_display(t.target, figures) for t in small.targets)
    return False


def _names_in(expression: cst.BaseExpression) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False  # `ax.spines`: `spines` is no name

    expression.visit(_Names())
    return found


def _plots(call: cst.Call, figures: set[str], *, assigned: bool = False) -> bool:
    """A plot (nb2pkg.analysis.plot_calls' rule), or a display setting (``pd.set_option``)."""
    if is_plot_call(call, figures, assigned=assigned):
        return True
    func = call.func
    while isinstance(func, cst.Attribute):
        if func.attr.value in _DISPLAY_SETTINGS:
            return True
        func = func.value
    return False


def _sets_display(target: cst.BaseExpression, figures: set[str]) -> bool:
    """``plt.rcParams["figure.figsize"] = …``, ``ax.title = …``, ``pd.options.display.x = …``."""
    root = base_name(target)
    if root is None:
        return False
    if root.value in PLOT_LIBRARIES or root.value in figures:
        return True
    current: cst.BaseExpression = target
    while isinstance(current, cst.Attribute | cst.Subscript):
        if isinstance(current, cst.Attribute) and current.attr.value in _DISPLAY_ATTRIBUTES:
            return True
        current = current.value
    return False
