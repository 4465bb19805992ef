"""The cheap test before the rebound-names pass (nb2pkg.emit.rebound_names.may_rebind): it
says no only where ``rebound_names`` finds nothing."""

from __future__ import annotations

import ast

import pytest

from nb2pkg.emit.rebound_names import may_rebind, rebound_names

HEAD = '# nb2pkg: nb.ipynb [id c]\ndef step(values, rate):\n    """Step.\n\n    Returns:\n        total, clean\n    """\n'

REBOUND = {
    "read before": "    clean(values)\n    def clean(x):\n        return x\n",
    "read in its own value": "    total = total + 1\n",
    "decorator of the first statement": "    @clean\n    def a():\n        pass\n    clean = 1\n",
    "in a block before": "    for v in values:\n        print(total)\n    total = 0\n",
}
NOT_REBOUND = {
    "bound then read": "    total = sum(values)\n    clean = [v for v in values]\n    return total\n",
    "a parameter bound again": "    values = [v * rate for v in values]\n",
    "named in the docstring only": "    total = 1\n    clean = 2\n",
}


def _definition(code: str) -> ast.FunctionDef:
    definition = ast.parse(code).body[0]
    assert isinstance(definition, ast.FunctionDef)
    return definition


@pytest.mark.parametrize("body", REBOUND.values(), ids=REBOUND.keys())
def test_a_step_that_rebinds_a_name_may_rebind(body: str) -> None:
    code = HEAD + body
    assert rebound_names(_definition(code))
    assert may_rebind(_definition(code), code)


def test_a_read_on_the_docstring_line_counts() -> None:
    code = 'def step():\n    """Step."""; print(total); total = 1\n'
    assert rebound_names(_definition(code))
    assert may_rebind(_definition(code), code)


@pytest.mark.parametrize("body", NOT_REBOUND.values(), ids=NOT_REBOUND.keys())
def test_a_step_whose_bindings_are_their_first_mention_cannot_rebind(body: str) -> None:
    code = HEAD + body
    assert not rebound_names(_definition(code))
    assert not may_rebind(_definition(code), code)


def test_text_that_is_not_ascii_may_rebind() -> None:
    code = "def step():\n    label = 'é'\n"
    assert not rebound_names(_definition(code))
    assert may_rebind(_definition(code), code)


def _renamed(code: str) -> str:
    from nb2pkg.analysis.lazy_cst import cst
    from nb2pkg.emit.rebound_names import with_rebound_names_renamed

    return with_rebound_names_renamed(cst.parse_module(code), code).code


def test_statements_one_line_holds_are_counted_as_python_counts_them() -> None:
    # ast counts four statements before `clean = ...`; libcst keeps the first three on one line
    code = "def step():\n    a = 1; b = 2; c = clean(a)\n    clean = c + b\n    return clean\n"
    renamed = _renamed(code)
    assert renamed == (
        "def step():\n    a = 1; b = 2; c = clean(a)\n    clean_2 = c + b\n    return clean_2\n"
    )


def test_a_binding_that_shares_its_line_renames_from_there_on() -> None:
    code = "def step():\n    total = f(total); doubled = total * 2; kept = f\n    return doubled\n"
    namespace: dict[str, object] = {"f": lambda v: v + 1, "total": 1}
    exec(_renamed(code), namespace)
    assert namespace["step"]() == 4  # type: ignore[operator]
    assert "total_2 = f(total); doubled = total_2 * 2" in _renamed(code)
