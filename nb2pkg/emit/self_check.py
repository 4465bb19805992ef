"""The self-check of a rendered package: each generated file holds what the plan intended.

Every Python file is parsed, and each file nb2pkg writes itself is compared, statement by
statement at its top level, with an outline derived from the plan (not from the text): its
docstrings are plain string constants holding the intended text, its definitions carry the
intended names, and an ``export`` cell contributes exactly its own statements. A file name,
title or markdown text that broke out of its literal or comment would add or change a
statement, and is caught here before anything is written. ``pyproject.toml`` is parsed as TOML
and its name, version, description and dependencies compared with the plan.

Its diagnostics (NB901, NB902, NB903: each a bug in nb2pkg; the build stops and writes nothing)
are described once, in ``nb2pkg.roles.diagnostic_codes``.
"""

from __future__ import annotations
import __future__

import ast
import inspect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import tomllib

from nb2pkg.analysis.mlflow_calls import qualified_names
from nb2pkg.emit.long_displays import long_display_assignment
from nb2pkg.emit.modules import export_statements, module_docstring, replaced_definitions
from nb2pkg.emit.named_results import result_class_name
from nb2pkg.emit.pipeline_files import init_docstring, run_docstring
from nb2pkg.emit.project_files import description, distribution_name
from nb2pkg.emit.source_chunks import pieces
from nb2pkg.ir import Diagnostic, EmittedFile, ImportBinding, Location, Role, Severity
from nb2pkg.plan.package_plan import PackagePlan

if TYPE_CHECKING:
    import libcst as cst
else:
    from nb2pkg.analysis.lazy_cst import cst

_ANNOTATIONS_FLAG = __future__.annotations.compiler_flag
_HINT = "this is a bug in nb2pkg; please report it with the notebook. Nothing was written."


@dataclass(frozen=True)
class _Expect:
    """One expected top-level statement (``imports``: any number of import statements;
    ``helpers``: any number of functions named in ``value``)."""

    kind: str
    name: str = ""
    value: object = None
    """A docstring's text, an assignment's constant value, or an exact statement's dump."""


def check_package(
    plan: PackagePlan, version: str, files: Sequence[EmittedFile]
) -> list[Diagnostic]:
    outlines = _outlines(plan, version)
    problems: list[Diagnostic] = []
    for file in files:
        if file.path == "pyproject.toml":
            problems += _check_pyproject(plan, version, file)
        if not file.path.endswith(".py"):
            continue
        problems += _check_module(file, outlines.get(file.path))
    return problems


def _check_module(file: EmittedFile, expected: list[_Expect] | None) -> list[Diagnostic]:
    """NB901 when the file does not compile, else NB902 when it does not follow the outline.

    Parsed and compiled a piece at a time (``nb2pkg.emit.source_chunks``): the statements are
    compared as they come, and none is kept."""
    exact = expected is not None and any(want.kind == "exact" for want in expected)
    statements = _statements(file, keep_entries=exact)
    try:
        mismatch = _compare(statements, expected) if expected is not None else None
        for _ in statements:
            pass  # the rest must compile too
    except SyntaxError as exc:
        return [
            _internal(
                "NB901",
                file.path,
                exc.lineno,
                f"does not compile ({exc.msg}, line {exc.lineno})",
                exc.text.rstrip() if exc.text else None,
            )
        ]
    except (ValueError, RecursionError, MemoryError) as exc:
        return [
            _internal("NB901", file.path, None, f"does not compile ({type(exc).__name__}: {exc})")
        ]
    if mismatch is None:
        return []
    line, what = mismatch
    return [_internal("NB902", file.path, line, what)]


def _statements(file: EmittedFile, *, keep_entries: bool = True) -> Iterator[ast.stmt]:
    """The file's top-level statements, each piece compiled as it is parsed.

    ``keep_entries``: a long display's entries are kept in its tree (the outline compares a
    statement exactly); else they are only compiled (nb2pkg.emit.long_displays)."""
    # The pieces after the first compile as they would below its `from __future__` import.
    future = _ANNOTATIONS_FLAG if "from __future__ import annotations" in file.content else 0

    def parse(text: str) -> ast.Module:
        # Parsed once, then compiled from the tree (what compiling the text adds: the symbol
        # table's and the code generator's errors); the code object is dropped at once.
        tree = long_display_assignment(text, file.path, future, keep_entries=keep_entries)
        if tree is None:
            tree = ast.parse(text, file.path)
            compile(tree, file.path, "exec", flags=future, dont_inherit=True)
        return tree

    for tree in pieces(file.content, parse):
        # Nothing here holds a statement once it is handed on: a piece's tree is freed
        # before the next piece is parsed.
        statements = tree.body
        del tree
        statements.reverse()
        while statements:
            yield statements.pop()


def _internal(
    code: str, path: str, line: int | None, what: str, source_line: str | None = None
) -> Diagnostic:
    return Diagnostic(
        code,
        Severity.ERROR,
        f"internal error: generated {path} {what}",
        Location(path, line=line),
        _HINT,
        source_line,
    )


# ------------------------------------------------------------------------ outlines


def _outlines(plan: PackagePlan, version: str) -> dict[str, list[_Expect]]:
    src = f"src/{plan.package}"
    outlines = {f"{src}/{module}.py": _module_outline(plan, module) for module in plan.modules}
    outlines[f"{src}/pipeline.py"] = [
        _Expect("doc"),
        _Expect("imports"),
        _Expect("assign", "PACKAGE", plan.package),
        _Expect("assign", "VERSION", version),
        _Expect("assign", "AUTOLOG", plan.autolog),
        _Expect("assign", "METRIC_STEPS"),
        _Expect("assign", "STEP_CELLS"),
        *(
            _Expect("assign", name)
            for name in ("MODEL", "MODEL_STEP", "PREDICT_STEP", "PREDICT_DATA")
            if plan.model is not None
        ),
        _Expect("def", "steps"),
        _Expect("def", "run", run_docstring(plan)),
        *(
            _Expect("def", name)
            for name in ("model_fit_data", "predict_step_values", "call_predict_step")
            if plan.model is not None and (name == "model_fit_data" or plan.model.predict)
        ),
        _Expect("assign", "GRAPH"),
        _Expect("def", "graph"),
    ]
    outlines[f"{src}/__init__.py"] = [
        _Expect("doc", value=init_docstring(plan)),
        _Expect("assign", "__version__", version),
        _Expect("imports"),
        _Expect("assign", "__all__"),
    ]
    outlines[f"{src}/__main__.py"] = [
        _Expect("doc"),
        _Expect("imports"),
        _Expect("def", "build_parser"),
        _Expect("def", "main"),
        _Expect("def", "command"),
        _Expect("main"),
    ]
    outlines[f"{src}/_build.py"] = [_Expect("doc"), _Expect("assign", "BUILD_TAGS")]
    tests: dict[str, list[_Expect]] = {}
    for notebook in plan.notebooks:
        for cell in notebook.cells:
            if cell.test is not None and cell.parsed.module is not None:
                tests.setdefault(cell.module, []).append(_Expect("def", cell.test.name))
    for module, defs in tests.items():
        outlines[f"tests/test_{module}.py"] = [_Expect("doc"), _Expect("imports"), *defs]
    return outlines


def _module_outline(plan: PackagePlan, module: str) -> list[_Expect]:
    notebooks: list[str] = []
    blocks: list[_Expect] = []
    bindings: dict[str, ImportBinding] = {}
    for notebook in plan.notebooks:
        cells = [c for c in notebook.cells if c.module == module]
        if any(c.tagged.role in (Role.FUNCTION, Role.EXPORT) for c in cells):
            notebooks.append(notebook.notebook.display_path)
        for binding in notebook.imports.get(module, ()):
            bindings.setdefault(binding.bound, binding)
        imported = qualified_names(bindings.values())
        replaced = replaced_definitions(cells)
        for cell in cells:
            if not cell.parsed.parses:
                continue
            if cell.step is not None:
                # Helpers the cell defines may stand above its step (nb2pkg.emit.helper_defs),
                # and so may its named result (nb2pkg.emit.named_results).
                helpers = frozenset(cell.parsed.analysis.defines) - {cell.step.name}
                helpers |= {result_class_name(cell.step.name)}
                blocks.append(_Expect("helpers", value=helpers))
                blocks.append(_Expect("def", cell.step.name, cell.step.docstring or None))
            elif cell.tagged.role is Role.EXPORT and cell.parsed.module is not None:
                kept = export_statements(
                    cell, replaced.get(cell.cell.cell_id, frozenset()), imported
                )
                if kept:
                    code = cst.Module(body=kept).code
                    blocks += [_Expect("exact", value=_exact_dump(s)) for s in ast.parse(code).body]
    constants = {
        name: _Expect("assign", name)
        for notebook in plan.notebooks
        for name, _, _ in notebook.module_constants.get(module, ())
    }
    return [
        _Expect("doc", value=module_docstring(notebooks)),
        _Expect("imports"),
        _Expect("assign", "__all__"),
        *constants.values(),
        *blocks,
    ]


# ------------------------------------------------------------------------ comparison


def _compare(body: Iterator[ast.stmt], expected: list[_Expect]) -> tuple[int | None, str] | None:
    """None when the statements follow the outline, else (line, what is wrong)."""
    current, first = next(body, None), True
    for want in expected:
        if want.kind == "imports":
            while isinstance(current, ast.Import | ast.ImportFrom):
                current, first = next(body, None), False
            continue
        if want.kind == "helpers":
            assert isinstance(want.value, frozenset)
            while (
                isinstance(current, ast.FunctionDef | ast.ClassDef) and current.name in want.value
            ):
                current, first = next(body, None), False
            continue
        if current is None:
            return None, f"lacks {_describe(want)}"
        problem = _mismatch(current, want, first=first)
        if problem is not None:
            return current.lineno, problem
        current = None  # freed before the next piece is parsed
        current, first = next(body, None), False
    if current is not None:
        return current.lineno, f"has an unexpected statement at line {current.lineno}"
    return None


def _mismatch(node: ast.stmt, want: _Expect, *, first: bool) -> str | None:
    found = f"found {type(node).__name__} at line {node.lineno}"
    if want.kind == "doc":
        if not (first and _is_text_constant(node)):
            return f"has no plain docstring ({found})"
        assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if want.value is not None and not _same_text(str(node.value.value), str(want.value)):
            return "has a docstring that is not the intended text"
        return None
    if want.kind == "exact":
        same = _exact_dump(node) == want.value
        return None if same else f"differs from the cell's code ({found})"
    if want.kind == "main":
        main = isinstance(node, ast.If) and ast.unparse(node.test) == "__name__ == '__main__'"
        return None if main else f"lacks the `if __name__ == '__main__'` block ({found})"
    if want.kind == "def":
        if not isinstance(node, ast.FunctionDef) or node.name != want.name:
            return f"lacks {_describe(want)} ({found})"
        head = node.body[0] if node.body else None
        if want.value is not None:
            if head is None or not _is_text_constant(head):
                return f"has no plain docstring in `{want.name}`"
            assert isinstance(head, ast.Expr) and isinstance(head.value, ast.Constant)
            if not _same_text(str(head.value.value), str(want.value)):
                return f"has a docstring in `{want.name}` that is not the intended text"
        return None
    if want.kind == "assign":
        target, value = _assignment(node)
        if target != want.name:
            return f"lacks {_describe(want)} ({found})"
        if want.value is not None and not (
            isinstance(value, ast.Constant) and value.value == want.value
        ):
            return f"assigns `{want.name}` something other than {want.value!r}"
        return None
    raise AssertionError(want.kind)


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _is_text_constant(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _same_text(found: str, intended: str) -> bool:
    intended = intended.replace("\r\n", "\n")
    # (The same text is the same once normal: most docstrings are left as they were written.)
    return found == intended or _normal_docstring(found) == _normal_docstring(intended)


def _normal_docstring(text: str) -> str:
    """A docstring as the formatter may leave it: indentation cleaned, lines' trailing
    whitespace gone (what ``ruff format`` changes in a docstring, and nothing else)."""
    return "\n".join(line.rstrip() for line in inspect.cleandoc(text).split("\n"))


def _exact_dump(statement: ast.stmt) -> str:
    """The statement's syntax tree, its docstrings (of itself and of nested definitions)
    compared as ``_normal_docstring`` gives them. Changes the tree it is given."""
    for node in ast.walk(statement):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            head = node.body[0]
            if _is_text_constant(head):
                assert isinstance(head, ast.Expr) and isinstance(head.value, ast.Constant)
                head.value.value = _normal_docstring(str(head.value.value))
    return ast.dump(statement)


def _describe(want: _Expect) -> str:
    if want.kind == "def":
        return f"the function `{want.name}`"
    if want.kind == "assign":
        return f"the assignment of `{want.name}`"
    if want.kind == "doc":
        return "its docstring"
    return "a statement of the cell"


# ------------------------------------------------------------------------ pyproject.toml


def _check_pyproject(plan: PackagePlan, version: str, file: EmittedFile) -> list[Diagnostic]:
    try:
        data = tomllib.loads(file.content)
    except tomllib.TOMLDecodeError as exc:
        return [_internal("NB903", file.path, None, f"is not valid TOML ({exc})")]
    project = data.get("project", {})
    intended = {
        "name": distribution_name(plan.package),
        "version": version,
        "description": _without_surrogates(description(plan)),
        "dependencies": list(plan.requirements),
    }
    for key, value in intended.items():
        if project.get(key) != value:
            return [_internal("NB903", file.path, None, f"does not give [project] {key} {value!r}")]
    return []


def _without_surrogates(text: str) -> str:
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
