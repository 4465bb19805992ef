"""The tag vocabulary and name rules, written once: every other reader takes them from here.

``nb2pkg.roles.resolve`` (the build), ``nb2pkg.frontends.cli.tag_command`` (``nb2pkg tag``), the auto-marker
and the JupyterLab extension (through ``labextension/src/vocabulary.json``, generated from this
module by ``python -m nb2pkg.roles.vocabulary_json``) all read these tables, so a tag means the same
thing to each of them.

A tag is ``PREFIX`` or ``PREFIX:VALUE``; the prefix is compared without case and surrounding
spaces. Our own tags are ``function:NAME``, ``test``, ``test:NAME``, ``parameters``, ``metrics``,
``export``, ``skip``, ``module:NAME`` and ``keep``; Kale's and nbdev's tags are read as aliases, and the
test tools' tags are respected and never reported. How several tags on one cell combine:
``skip`` (or an alias) wins over every other role; two different roles (or two function
names) are a conflict (NB106) and the cell stays unmarked.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from nb2pkg.ir import Role

ROLE_OF_PREFIX: Mapping[str, Role] = MappingProxyType(
    {
        "function": Role.FUNCTION,
        "step": Role.FUNCTION,  # Kale
        "block": Role.FUNCTION,  # Kale
        "test": Role.TEST,
        "parameters": Role.PARAMETERS,
        "pipeline-parameters": Role.PARAMETERS,  # Kale
        "export": Role.EXPORT,
        "exporti": Role.EXPORT,  # nbdev
        "exports": Role.EXPORT,  # nbdev
        "imports": Role.EXPORT,  # Kale
        "functions": Role.EXPORT,  # Kale
        "skip": Role.SKIP,  # ours and Kale's
        "hide": Role.SKIP,  # nbdev
    }
)
"""Tag prefixes that give a cell its role: ours and the aliases of Kale and nbdev."""

METRICS_PREFIXES = frozenset({"metrics", "pipeline-metrics"})
"""``metrics`` (and Kale's alias): the numbers a function cell binds are logged to MLflow."""

MODULE_PREFIX = "module"
"""``module:NAME``: the cell goes into module NAME of the package instead of the notebook's."""

KEEP_PREFIX = "keep"
"""``keep`` on a function or test cell: its ``print(...)`` calls stay in the package (without
it, a print of values the step computes anyway is left out: nb2pkg.analysis.library_code)."""

MODEL_PREFIX = "model"
"""``model`` / ``model:NAME`` on a function cell: the value it fits (or NAME) is the model."""

PREDICT_PREFIX = "predict"
"""``predict``: the cell turns the model and raw rows into predictions (``nb2pkg.plan.model_plan``)."""

PREDICT_FUNCTION = "predict"
"""The function a ``predict`` cell becomes when it has no ``function:NAME`` of its own."""

IGNORED_PREFIXES = frozenset({"prev"})
"""Kale's ``prev:NAME`` (a step's predecessor): nb2pkg finds the order from the data flow."""

OVERRIDING_ROLE = Role.SKIP
"""A cell with this role among its tags has it, whatever other role tags it carries."""

NAMED_ROLES: Mapping[Role, bool] = MappingProxyType({Role.FUNCTION: True, Role.TEST: False})
"""Roles whose tag carries a name: True when the name is required, False when optional."""

OUR_TAGS = (
    "function",
    "test",
    "parameters",
    "metrics",
    "export",
    "skip",
    "module",
    "keep",
    "model",
    "predict",
)
"""The prefixes of nb2pkg's own tags (an unknown tag close to one of them is a typo, NB105)."""

OUR_TAG_FORMS = (
    "function:NAME",
    "test",
    "test:NAME",
    "parameters",
    "export",
    "skip",
    "metrics",
    "module:NAME",
    "keep",
    "model",
    "model:NAME",
    "predict",
)
"""Our tags as the user writes them (``nb2pkg tag --as`` takes these)."""

NBDEV_DIRECTIVES: Mapping[str, str] = MappingProxyType(
    {"export": "export", "exporti": "export", "exports": "export", "hide": "skip"}
)
"""nbdev's ``#| DIRECTIVE`` lines at the top of a cell, and the tag each one stands for."""

NBDEV_DIRECTIVE = re.compile(r"^\s*#\s*\|\s*([\w-]+)")

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
"""Tags of other tools (nbval, papermill, Jupyter Book, nbconvert…): respected, never reported."""

RESERVED_NAMES = frozenset({"run", "steps", "tracking", "pipeline", "steps_io"})
"""Names the generated package defines itself: a function with one of them would clash."""

GENERATED_MODULES = frozenset(
    {
        "pipeline",
        "tracking",
        "figures",
        "__init__",
        "__main__",
        "_build",
        "_command_line",
        "_runner",
        "steps_io",
        "_model",
        "_pyfunc",
        "_scoring",
        "_serving",
        "_batch",
        "_drift",
        "tests",
        "conftest",
    }
)
"""Module names of files the generated package (or its tests) holds besides the notebooks'."""

NOT_AN_IDENTIFIER = "NB101"
KEYWORD_NAME = "NB102"
SHADOWING_NAME = "NB103"


def prefix_of(tag: str) -> str:
    """``" Function : load"`` → ``"function"``."""
    return tag.partition(":")[0].strip().lower()


def value_of(tag: str) -> str:
    """``"function: load "`` → ``"load"`` (empty for a tag without a value)."""
    return tag.partition(":")[2].strip()


def keeps_prints(tags: tuple[str, ...] | list[str]) -> bool:
    """A cell tagged ``keep`` keeps its ``print`` calls in the package."""
    return any(prefix_of(tag) == KEEP_PREFIX and not value_of(tag) for tag in tags)


def role_of_tag(tag: str) -> Role | None:
    """The role a tag gives a cell, or None for a tag that gives none."""
    return ROLE_OF_PREFIX.get(prefix_of(tag))


def is_our_tag(tag: str) -> bool:
    """Whether nb2pkg reads the tag: a role tag (or alias), ``metrics``, ``module:NAME``,
    ``model``, ``predict`` or ``keep``."""
    prefix = prefix_of(tag)
    return (
        prefix in ROLE_OF_PREFIX
        or prefix in METRICS_PREFIXES
        or prefix in (MODULE_PREFIX, MODEL_PREFIX, PREDICT_PREFIX, KEEP_PREFIX)
    )


def nbdev_directives(source: str) -> list[tuple[str, str]]:
    """(line, the tag it means) of each ``#| export`` / ``#| hide`` line on the cell's first lines."""
    found: list[tuple[str, str]] = []
    for line in source.splitlines():
        if not line.strip():
            continue
        match = NBDEV_DIRECTIVE.match(line)
        if match is None:
            break
        tag = NBDEV_DIRECTIVES.get(match.group(1).lower())
        if tag is not None:
            found.append((line.strip(), tag))
    return found


def nbdev_tags(source: str) -> list[str]:
    """The tags that nbdev's directives on the cell's first lines mean."""
    return [tag for _, tag in nbdev_directives(source)]


def resolved_role(roles: Iterable[tuple[Role, str | None]]) -> tuple[Role | None, bool]:
    """(the role, whether the tags conflict) of a cell with these (role, name) tags.

    No role tag: (None, False). ``skip`` anywhere: (SKIP, False). Two different roles, or two
    function tags: (None, True). Otherwise the one role.
    """
    listed = list(roles)
    if any(role is OVERRIDING_ROLE for role, _ in listed):
        return OVERRIDING_ROLE, False
    distinct = {role for role, _ in listed}
    functions = sum(1 for role, _ in listed if role is Role.FUNCTION)
    if len(distinct) > 1 or functions > 1:
        return None, True
    return (listed[0][0], False) if listed else (None, False)


_SITE_BUILTINS = ("copyright", "credits", "exit", "help", "license", "quit")
"""What ``site`` adds to the builtins of every interactive Python (IPython replaces some)."""


def python_builtins() -> tuple[str, ...]:
    """The names Python itself puts in the builtins module (and ``site``'s ``exit``,
    ``help`` …), without private names. Names other libraries add at run time (IPython's
    ``display`` and ``get_ipython``) are left out, so the list is the same in any process."""
    own = {n for n in dir(builtins) if not n.startswith("_") and _from_python(n)}
    return tuple(sorted(own.union(_SITE_BUILTINS)))


def _from_python(name: str) -> bool:
    value = getattr(builtins, name)
    module = getattr(value, "__module__", None) or type(value).__module__
    return module in ("builtins", "io")  # builtins.open is io.open


def name_problem(name: str, *, allow_builtin: bool = False) -> tuple[str, str] | None:
    """(code, what is wrong) when ``name`` cannot name a function (or test, module) cell.

    NB101 not an identifier, NB102 a keyword; for a function (``allow_builtin=False``)
    NB103 a builtin or a name the generated package reserves.
    """
    if not name.isidentifier():
        return NOT_AN_IDENTIFIER, "is not a valid Python identifier"
    if keyword.iskeyword(name):
        return KEYWORD_NAME, "is a Python keyword"
    if not allow_builtin and hasattr(builtins, name):
        return SHADOWING_NAME, "shadows a Python builtin"
    if not allow_builtin and name in RESERVED_NAMES:
        return SHADOWING_NAME, "shadows a name the generated package reserves"
    return None


def identifier_from(name: str) -> str:
    """A usable identifier made from ``name``: ``"Load data!"`` → ``"load_data"``."""
    suggestion = re.sub(r"\W+", "_", name).strip("_").lower() or "step"
    return f"step_{suggestion}" if suggestion[0].isdigit() else suggestion
