"""Generated Python in the layout ``ruff format`` gives with its default settings, and clean
by ``ruff check`` with its default rules.

The user's code keeps its comments and meaning: only whitespace, line breaks, quotes and
parentheses change, plus the fixes ruff marks safe (they never change what the code does:
``"{}".format(x)`` → ``f"{x}"``, nested ``with`` blocks joined, imports sorted). A style
finding with no safe fix (``"%d" % n``, ``f = open(path)``) is the notebook's code as written:
its line gets a ``# noqa: CODE`` naming the rule, so the package passes ``ruff check`` and the
reader sees what was kept. Pyflakes findings (``F``: a name used before it is bound, an
unused import) are never silenced: they are the generator's to prevent (but for a value
``df.query("a > @limit")`` reads, which ruff cannot see read). Code the formatter
cannot parse is returned as it is.

One ``ruff format`` process formats a whole batch of texts (``formatted_all``): ruff is a
native program that formats thousands of files in milliseconds, where ``black`` in this
process took about 12 ms per generated function (2.5 s for a 300-cell notebook, measured with
``benchmarks/build_speed.py``). ``ruff format --check`` with its defaults is also what the
generated packages are held to.
"""

from __future__ import annotations

import ast
import contextlib
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

Kind = Literal["template", "generated", "as_written", "helper"]
"""``template``: the package's own code, only formatted (sorting its imports needs the
package around it: which names are first-party). ``generated``: a step made from the
notebook's code, which also gets ruff's safe fixes and a ``noqa`` for each remaining style
finding. ``as_written``: the notebook's own statements (an ``export`` cell), whose syntax tree
must not change: formatted, and a ``noqa`` for each style finding, but no fixes. ``helper``:
a helper module beside the notebook, copied in: as written, less the imports nothing in it
reads (F401) and a second import of the same name from the same place (F811), which
ruff removes without changing what the module does."""

_DONE: dict[tuple[Kind, str], str] = {}
"""Formatted texts by kind and source, for this process: a rebuild formats only new code."""
_DONE_LIMIT = 20_000
_WHOLE_MODULE_RULES = "F401,F811,F841"
"""Findings a text checked alone gets wrong: an import the module's functions use looks
unused in the module's header."""
_HELPER_FIXES = "F401,F811"
"""The fixes a copied helper module gets: its unused imports and repeated ones leave it."""
_NEVER_SILENCED = "F,E9"
"""Rule groups whose findings are errors in the code (an undefined name, a syntax error)."""


def formatted(source: str) -> str:
    return formatted_all([source])[0]


def formatted_all(
    sources: Sequence[str], kinds: Sequence[Kind] = (), first_party: Sequence[str] = ()
) -> list[str]:
    """Each source formatted, in order; all that are new go through one ``ruff format``.

    ``kinds``: what each source holds (default: the package's own code, ``template``).
    ``first_party``: the package's name, so that sorting imports keeps ``from pkg import x``
    in its own group, where ruff puts it when checking the package (a text that names the
    package differs from one that does not, so the cache by text stays right).
    """
    template: Kind = "template"
    padded: list[Kind] = [*kinds, *[template] * (len(sources) - len(kinds))]
    keys = list(zip(padded, sources, strict=True))
    todo = list(dict.fromkeys(k for k in keys if k[1].strip() and k not in _DONE))
    if todo:
        if len(_DONE) + len(todo) > _DONE_LIMIT:
            _DONE.clear()
        _DONE.update(zip(todo, _ruff_format(todo, first_party), strict=True))
    return [_DONE.get(key, key[1]) for key in keys]


def header_without_unused_imports(header: str, rest: str, first_party: Sequence[str] = ()) -> str:
    """``header`` without the imports that nothing in ``header + rest`` uses (ruff's F401, a
    safe fix), seen in the whole module, its imports then sorted again (I001: a parenthesised
    import left with one name fits on a line, an emptied group leaves no blank line). The fixes
    ruff would make in ``rest`` are not taken: only the header is."""
    with tempfile.TemporaryDirectory(prefix="nb2pkg-imports-") as folder:
        path = Path(folder, "module.py")
        text = f"{header}\n\n{_BOUNDARY_COMMENT}\n{rest}"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        _ruff_on(path, ["check", "--fix", "--select", "F401,I001"], first_party)
        fixed = path.read_bytes().decode("utf-8", "surrogatepass")
    head, found, _ = fixed.partition(f"\n{_BOUNDARY_COMMENT}\n")
    if not found or not head.strip():
        return header
    return head.rstrip("\n") + "\n"


def with_module_noqa(parts: Sequence[str], first_party: Sequence[str] = ()) -> list[str]:
    """The texts of one module (``parts``, two blank lines between each) with a ``# noqa``
    for each style finding ruff makes only in the whole module: one that depends on what an
    import of the module's header binds (``Dict[int, list]`` with ``from typing import
    Dict``: UP006; ``dt.datetime.today()`` with ``import datetime as dt``: DTZ002), which the
    texts checked alone could not see; and ``# noqa: F841`` where ruff takes a value read as
    ``@name`` by ``df.query`` for unused, the one finding of pyflakes that is ruff's mistake.
    Lines are only ever extended, so each text keeps its line count; as they were should ruff
    not run or not parse the module."""
    texts = list(parts)
    with tempfile.TemporaryDirectory(prefix="nb2pkg-noqa-") as folder:
        path = Path(folder, "module.py")
        module = _SEPARATOR.join(texts)
        path.write_bytes(module.encode("utf-8", "surrogatepass"))
        _ruff_on(path, ["check", "--add-noqa", "--ignore", _NEVER_SILENCED], first_party)
        marked = path.read_bytes().decode("utf-8", "surrogatepass")
    lines = marked.split("\n")
    if len(lines) != module.count("\n") + 1:
        return texts
    for number in _query_only_lines(marked):
        if "#" not in lines[number - 1]:
            lines[number - 1] += "  # noqa: F841"
    position = 0
    for index, text in enumerate(texts):
        count = text.count("\n")
        texts[index] = "\n".join(lines[position : position + count]) + "\n"
        position += count + _SEPARATOR.count("\n")
    return texts


def _query_only_lines(module: str) -> set[int]:
    from nb2pkg.emit.function_scopes import may_name_in_strings, query_only_lines

    if not may_name_in_strings(module):
        return set()
    try:
        return query_only_lines(ast.parse(module))
    except (SyntaxError, ValueError):
        return set()


_SEPARATOR = "\n\n"
"""Between two texts of a module: each ends with a line break, then two blank lines."""
_QUIET = ("--isolated", "--no-cache", "--quiet")


def _ruff_on(path: Path, command: list[str], first_party: Sequence[str]) -> None:
    """Run ruff's ``command`` on the file ``path`` in its folder, with ruff's defaults (but
    the package's first-party names); a ruff that cannot start changes nothing."""
    from ruff import find_ruff_bin  # type: ignore[import-untyped]

    with contextlib.suppress(OSError):
        subprocess.run(
            [find_ruff_bin(), *command, *_first_party_config(first_party), *_QUIET, str(path)],
            cwd=path.parent,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )


def _first_party_config(first_party: Sequence[str]) -> list[str]:
    """ruff's option that sorts ``from pkg import x`` in its own group, as ruff run from the
    package's folder does."""
    if not first_party:
        return []
    names = ", ".join(f'"{name}"' for name in first_party)
    return ["--config", f"lint.isort.known-first-party = [{names}]"]


def _ruff_format(todo: list[tuple[Kind, str]], first_party: Sequence[str] = ()) -> list[str]:
    """Each text of ``todo`` as ruff leaves it when it is alone in its file.

    A file costs a create and an unlink (milliseconds each on some disks): the generated
    functions that ruff treats the same alone or side by side (``_joinable``) share files,
    one boundary comment between each; the other texts get a file each. Should a shared file
    not parse (one of its texts does not), its texts are formatted again, each alone."""
    joinable = [_joinable(kind, source) for kind, source in todo]
    joined = [index for index, fits in enumerate(joinable) if fits]
    groups = [[index] for index, fits in enumerate(joinable) if not fits] + [
        joined[start : start + _JOINED_PER_FILE]
        for start in range(0, len(joined), _JOINED_PER_FILE)
    ]
    files = [
        (todo[group[0]][0], _BOUNDARY.join(todo[index][1] for index in group)) for group in groups
    ]
    texts, parsed = _ruff_files(files, first_party)
    results: list[str] = [""] * len(todo)
    redo: list[int] = []
    for group, text in zip(groups, texts, strict=True):
        if not joinable[group[0]]:
            results[group[0]] = text
            continue
        pieces = _split(text, len(group)) if parsed else None
        if pieces is None:
            redo += group
            continue
        for index, piece in zip(group, pieces, strict=True):
            results[index] = piece
    if redo:
        again, _ = _ruff_files([todo[index] for index in redo], first_party)
        for index, text in zip(redo, again, strict=True):
            results[index] = text
    return results


_BOUNDARY_COMMENT = "# nb2pkg: boundary between formatted texts"
_BOUNDARY = f"\n\n\n{_BOUNDARY_COMMENT}\n"
_JOINED_PER_FILE = 250
"""Texts in one shared file: a few files keep ruff's threads busy."""
_FILE_WIDE = ("fmt:", "yapf:", "noqa", "ruff:", "flake8", "isort:", _BOUNDARY_COMMENT)
"""Comments that act beyond their own statement (``# fmt: off``, ``# ruff: noqa``), or the
boundary itself: a text holding one is formatted alone."""


def _joinable(kind: Kind, source: str) -> bool:
    """``source`` is generated functions: leading comments, then for each function its
    decorators and a one-line ``def`` at the left margin, then only its indented body (a step
    and the helpers moved out of it, nb2pkg.emit.helper_defs). ruff's rules and layout look
    no further than a function, so such a text comes out the same beside others as alone."""
    if kind != "generated" or "\r" in source or "\f" in source:
        return False
    if any(word in source for word in _FILE_WIDE):
        return False
    stage = "comments"
    for line in source.split("\n"):
        if not line.strip() or line[0] in " \t":
            continue
        if stage == "comments" and line.startswith("#"):
            continue
        if line.startswith("@"):
            stage = "decorators"
            continue
        if line.startswith(("def ", "async def ")) and line.endswith(":"):
            stage = "body"
            continue
        return False
    return stage == "body"


def _split(text: str, count: int) -> list[str] | None:
    """The texts of a shared file, each as ruff leaves a file: no blank lines around it, one
    line break at its end; None when the boundaries did not come back as written."""
    pieces = text.split(f"\n{_BOUNDARY_COMMENT}\n")
    if len(pieces) != count:
        return None
    return [piece.strip("\n") + "\n" for piece in pieces]


def _ruff_files(
    todo: Sequence[tuple[Kind, str]], first_party: Sequence[str] = ()
) -> tuple[list[str], bool]:
    """Each text as ruff's passes leave it in a file of its own; and whether ruff parsed all."""
    from ruff import find_ruff_bin

    parsed = True
    with tempfile.TemporaryDirectory(prefix="nb2pkg-format-") as folder:
        paths = [Path(folder, f"{index}.py") for index, _ in enumerate(todo)]
        for path, (_, source) in zip(paths, todo, strict=True):
            path.write_bytes(source.encode("utf-8", "surrogatepass"))
        generated = [
            str(p) for p, (kind, _) in zip(paths, todo, strict=True) if kind == "generated"
        ]
        notebook_code = [
            str(p) for p, (kind, _) in zip(paths, todo, strict=True) if kind != "template"
        ]
        helpers = [str(p) for p, (kind, _) in zip(paths, todo, strict=True) if kind == "helper"]
        # --isolated: ruff's defaults, whatever configuration surrounds the output folder.
        # A file ruff cannot parse is reported (exit status 2) and left as it was; without
        # ruff (a dependency, so not seen) every file is left as it was: valid, unformatted.
        # Each text is checked alone (a function without its module's imports), so the
        # findings that need the whole module (unused imports and values) are not acted on.
        whole_module = ["--ignore", _WHOLE_MODULE_RULES, *_first_party_config(first_party)]
        passes = [
            (["check", "--fix", *whole_module], generated),
            (["check", "--fix", "--select", _HELPER_FIXES], helpers),
            (["format"], list(map(str, paths))),
            (["check", "--add-noqa", *whole_module, "--ignore", _NEVER_SILENCED], notebook_code),
        ]
        with contextlib.suppress(OSError):
            ruff = find_ruff_bin()
            for arguments, files in passes:
                if not files:
                    continue
                done = subprocess.run(
                    [ruff, *arguments, "--isolated", "--no-cache", "--quiet", *files],
                    # Not the build's folder: a package beside the notebook (`figures/`)
                    # would count as first-party there, and sort apart from third-party ones.
                    cwd=folder,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
                if arguments[0] == "format" and done.returncode != 0:
                    parsed = False
        return [path.read_bytes().decode("utf-8", "surrogatepass") for path in paths], parsed
