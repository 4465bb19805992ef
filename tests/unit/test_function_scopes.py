"""Whether a generated step binds a name it never reads (nb2pkg.emit.function_scopes): the
one-walk answer of ``has_unused_values`` is the one ``function_scopes`` gives."""

from __future__ import annotations

import ast

import pytest

from nb2pkg.emit.function_scopes import function_scopes, has_unused_values, scope_walked

CASES = {
    "read after binding": ("def f():\n    x = 1\n    return x\n", False),
    "never read": ("def f():\n    x = 1\n", True),
    "bound twice, never read": ("def f():\n    x = 1\n    x = 2\n", True),
    "augmented": ("def f():\n    x = 1\n    x += 1\n", False),
    "deleted": ("def f():\n    x = 1\n    del x\n", False),
    "global": ("def f():\n    global x\n    x = 1\n", False),
    "nonlocal in a nested function": (
        "def f():\n    y = 0\n    def g():\n        nonlocal y\n        y = 1\n    return g\n",
        False,
    ),
    "read by a nested function": ("def f():\n    x = 1\n    def g():\n        return x\n", False),
    "read by a nested function it returns": (
        "def f():\n    x = 1\n    def g():\n        return x\n    return g\n",
        False,
    ),
    "bound in a nested function only": (
        "def f():\n    def g():\n        z = 1\n        return 2\n    return g\n",
        True,
    ),
    "bound in a lambda's default": ("def f():\n    return lambda a=1: a\n", False),
    "comprehension target": ("def f(xs):\n    return [1 for x in xs]\n", True),
    "except name": (
        "def f():\n    try:\n        pass\n    except ValueError as e:\n        pass\n",
        True,
    ),
    "except name read": (
        "def f():\n    try:\n        pass\n    except ValueError as e:\n        print(e)\n",
        False,
    ),
    "query string": ("def f(df):\n    limit = 3\n    return df.query('a > @limit')\n", False),
    "locals": ("def f():\n    x = 1\n    return locals()\n", False),
    "nested class": ("def f():\n    class A:\n        y = 1\n    return A\n", False),
    "method of a module class": (
        "class A:\n    def m(self):\n        unused = 1\n        return self\n",
        True,
    ),
    "no function": ("x = 1\n", False),
    "decorator reads": ("def f(d):\n    w = d\n    @w\n    def g():\n        pass\n", False),
    "import never used": ("def f():\n    import os.path\n    from a import b as c\n", True),
    "import used": ("def f():\n    import os.path\n    return os\n", False),
    "read in a comprehension": ("def f(xs):\n    n = 2\n    return [x * n for x in xs]\n", False),
    "walrus": ("def f(xs):\n    if (n := len(xs)) > 2:\n        pass\n", True),
    "eval": ("def f():\n    x = 1\n    return eval('x')\n", False),
}


@pytest.mark.parametrize(("code", "expected"), CASES.values(), ids=CASES.keys())
def test_one_walk_gives_what_the_scopes_give(code: str, expected: bool) -> None:
    tree = ast.parse(code)
    assert any(scope.unused for scope in function_scopes(tree)) is expected
    assert has_unused_values(tree) is expected


@pytest.mark.parametrize(("code", "expected"), CASES.values(), ids=CASES.keys())
def test_every_function_gets_the_scope_the_walk_of_its_nested_scopes_gives(
    code: str, expected: bool
) -> None:
    """A function with no scope inside it is read in one walk: the same scope."""
    tree = ast.parse(code)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert [scope_walked(f) for f in functions] == function_scopes(tree)
