"""Every diagnostic code nb2pkg reports, written once: code → severity, title and a general hint.

The README's code table is generated from this table (``python -m nb2pkg.roles.diagnostic_codes``
prints it) and a test checks that every code used in ``nb2pkg/`` is listed here and in the
README with the same title. A diagnostic's own message and hint say more about the case at hand.

Series: 0xx reading the notebook, 1xx tags, 2xx a cell's code, 3xx the data flow between cells,
4xx test cells, 5xx the build's output, versions and inputs, 6xx ``nb2pkg tag``, 7xx exports to
orchestrators, 8xx the JupyterLab server's requests, 9xx the build's check of its own output.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nb2pkg.ir import Severity
from nb2pkg.roles.vocabulary import OUR_TAG_FORMS

E = Severity.ERROR
W = Severity.WARNING
I = Severity.INFO  # noqa: E741 (one letter, like E and W)


@dataclass(frozen=True)
class CodeInfo:
    severity: Severity
    """The severity it is reported with (NB514 is a warning for data files, see its title)."""
    title: str
    hint: str


def _table(rows: list[tuple[str, Severity, str, str]]) -> Mapping[str, CodeInfo]:
    table = {code: CodeInfo(severity, title, hint) for code, severity, title, hint in rows}
    assert len(table) == len(rows), "a code is listed twice"
    return MappingProxyType(table)


CODES: Mapping[str, CodeInfo] = _table(
    [
        # 0xx reading the notebook
        ("NB001", E, "the notebook file cannot be read or is not valid JSON", "check the path; open and save the notebook in Jupyter"),
        ("NB002", E, "the JSON is not a valid notebook", "open and save it in Jupyter, or repair the field the message names"),
        ("NB003", E, "unsupported nbformat version (3 or older, or newer than 4)", "convert it: jupyter nbconvert --to notebook --nbformat 4 --inplace NOTEBOOK"),
        ("NB004", E, "the notebook's kernel is not Python", "choose a Python kernel (Kernel > Change Kernel) and save"),
        ("NB005", E, "the notebook has no code cells", "add code cells and mark them (e.g. the tag function:load_data)"),
        # 1xx tags
        ("NB101", E, "a function, test or module name is not a Python identifier", "use letters, digits and underscores, not starting with a digit"),
        ("NB102", E, "a function, test or module name is a Python keyword", "choose another name, e.g. NAME_step"),
        ("NB103", E, "a function name shadows a Python builtin or a name the package reserves", "choose another name, e.g. compute_NAME"),
        ("NB104", E, "two function or test cells of one module have the same name", "rename one of them"),
        ("NB105", W, "an unknown tag that looks like one of nb2pkg's (a typo)", "write the tag as the message suggests"),
        ("NB106", E, "a cell has conflicting roles", "keep one role tag per cell (split the cell if it does two jobs)"),
        ("NB107", W, "`metrics` on a cell that is not a function cell", "add function:NAME to the cell, or remove `metrics`"),
        ("NB108", E, "`module:NAME` names a file the generated package writes itself", "choose another module name"),
        ("NB109", W, "`model` or `predict` on a cell that is not a function cell", "add function:NAME to the cell as well"),
        ("NB110", E, "no cell of any notebook is marked for the package", "tag cells function:NAME, parameters, test or export (or build with --auto)"),
        ("NB111", E, "two notebooks give one run() parameter different defaults", "give the parameter the same default, or rename it in one notebook"),
        ("NB112", E, "two notebooks map to the same module name", "rename one of the notebooks"),
        ("NB113", E, "the package name is not a valid import name", "use ASCII letters, digits and underscores (--name or [tool.nb2pkg] name)"),
        ("NB114", E, "the package name would hide another module", "choose another package name"),
        ("NB115", E, "`model:NAME` names a value the step does not return, or a `model` step fits nothing and returns several values", "name a value the cell binds and the pipeline keeps: model:NAME"),
        ("NB116", W, "a `predict` cell, but no step fits a model the pipeline keeps", "tag the cell that trains the model `model` (or `model:NAME`)"),
        ("NB117", E, "a `predict` cell that does not read the model and a frame of raw rows, or binds no predictions", "compute the predictions from the model and the rows, e.g. predictions = model.predict(rows)"),
        # 2xx a cell's code
        ("NB201", E, "a cell has a syntax error", "fix the code in this cell (it would not run in the notebook either)"),
        ("NB202", E, "IPython syntax the package cannot run (a cell magic, or a magic that computes a value)", "rewrite it in Python, or remove the cell's tag"),
        ("NB203", W, "IPython syntax (shell, help, line magic, pip) is dropped from the package", "nothing to do unless the package needs it"),
        ("NB204", E, "a `parameters` cell assigns something that is not a literal", "assign literals there; compute the rest in a function cell"),
        ("NB205", E, "top-level await, async for or async with in a packaged cell", "put the asynchronous code in an async def and run it with asyncio.run(...)"),
        ("NB206", E, "return, yield or nonlocal outside a function", "remove it; a function step returns the values later cells read"),
        ("NB207", E, "exec() or eval() without an explicit namespace", "pass the namespace dict explicitly, or write the code out"),
        ("NB208", E, "del of a value the cell did not bind", "remove the del (the package frees values itself)"),
        ("NB209", E, "an identifier written with compatibility characters (e.g. fullwidth letters)", "retype the name in plain characters"),
        # 3xx the data flow between cells
        ("NB301", W, "cells were executed out of document order", "restart the kernel and run all cells, so the saved outputs match the package"),
        ("NB302", W, "a packaged cell needs a name only an unmarked cell defines", "mark that cell as a function (function:NAME) or as parameters, or the name becomes a required run() input"),
        ("NB303", W, "a packaged cell reads a name no earlier cell defines", "define the name in an earlier cell"),
        ("NB304", W, "a def or class reads a notebook global", "pass it in as an argument, or make the cell a function:NAME cell"),
        ("NB305", W, "a global statement in packaged code", "return the value instead"),
        ("NB306", W, "a star import in packaged code", "import the names you use"),
        ("NB307", I, "a step mutates one of its inputs in place", "nothing to do unless a later step needs the original"),
        ("NB308", W, "a function cell has nothing left to run", "tag the cell export if it only imports, or remove its tag"),
        ("NB309", W, "a packaged cell calls MLflow itself", "remove the MLflow calls from the cell, or keep them in an unmarked cell"),
        ("NB310", E, "an explicit output in metadata.nb2pkg that the cell does not bind", "fix the output's name or remove it"),
        ("NB311", E, "a function name clashes with an imported or exported name", "rename the function"),
        ("NB312", W, "an imported module is not installed here (its dependency gets no version bound)", "install it, or give its range in [tool.nb2pkg.dependencies]"),
        ("NB313", E, "generated code reads a name nothing in its module binds", "report this as a bug in nb2pkg; the message names the notebook cell"),
        ("NB314", W, "a skipped cell changes what packaged cells after it compute", "seed a generator where the values are drawn, or package the cell instead of skipping it"),
        ("NB315", I, "a function cell that only seeds is no function of its own", "nothing to do; to call it on its own, give the cell the code that draws"),
        ("NB316", E, "a cell reads an imported name that a later star import may rebind", "import from the later module by name or as a module, not with *"),
        ("NB317", E, "a cell reads an imported name that a later import binds to something else", "import one of them under another name"),
        ("NB318", E, "a cell reads a figure an earlier cell's plots make, which the package draws apart", "use the figure in the cell that makes it"),
        # 4xx test cells
        ("NB401", W, "a test cell asserts nothing and calls nothing", "add an assert"),
        ("NB402", E, "a test cell is empty", "write the test, or remove the tag"),
        # 5xx the build's output, versions and inputs
        ("NB501", E, "a generated file was edited by hand since the last build", "move the change into the notebook, or rebuild with --force (it keeps a backup)"),
        ("NB502", E, "the output directory holds a file nb2pkg did not generate where the build writes", "choose another output directory (-o), or rebuild with --force (it keeps a backup)"),
        ("NB503", E, "the version asked for is invalid or not greater than the previous one", "give a greater PEP 440 version, or one of --bump major/minor/patch"),
        ("NB504", E, "the manifest is unreadable, malformed or written by a newer nb2pkg", "upgrade nb2pkg, or build into a new output directory"),
        ("NB505", E, "the previous version recorded in the manifest is invalid", "give the version of this build with --version X.Y.Z"),
        ("NB506", W, "the version override is a smaller bump than the API changes call for", "drop the override to let nb2pkg decide"),
        ("NB507", E, "a generated path is not a relative path inside the output directory, or is repeated", "report this as a bug in nb2pkg"),
        ("NB508", E, "writing the package failed; nothing was changed", "check permissions and free space"),
        ("NB509", E, "another build changed the output directory meanwhile", "build again"),
        ("NB510", E, "`nb2pkg where` was not given FILE:LINE", "write it as nb2pkg where path/to/file.py:LINE"),
        ("NB511", E, "`nb2pkg where`: no notebook cell generated that line", "give a line of a generated function or module"),
        ("NB512", E, "a write would leave the confined directory (through a symbolic link)", "build into a directory with no symbolic links out of the root"),
        ("NB513", E, "an interrupted build left a journal that cannot be replayed", "compare the package with its notebooks (nb2pkg check), remove the staging folder the message names, build again"),
        ("NB514", E, "a file the build would read is a symbolic link out of the root (a warning for data files the code names)", "copy the file into the project"),
        ("NB520", E, "SOURCE_DATE_EPOCH is not a non-negative whole number of seconds", "set it to a Unix time in seconds, or unset it"),
        ("NB521", E, "pyproject.toml cannot be read, or [tool.nb2pkg] has a wrong key, type or version", "fix the setting the message names"),
        ("NB522", E, "no notebooks to build or check", "name the notebooks on the command line or in [tool.nb2pkg] notebooks"),
        # 6xx nb2pkg tag
        ("NB601", E, "`nb2pkg tag`: no cell matches --cell", "give a cell number (as shown) or a cell id; `nb2pkg show` lists both"),
        ("NB602", E, "`nb2pkg tag`: the role given to --as is not one of nb2pkg's", "choose one of: " + ", ".join(OUR_TAG_FORMS)),
        ("NB603", E, "`nb2pkg tag`: the name in --as ROLE:NAME is not usable", "use letters, digits and underscores, not a keyword or builtin"),
        ("NB604", E, "`nb2pkg tag`: the notebook file could not be edited", "check that it is a notebook you can write to"),
        ("NB605", E, "`nb2pkg tag`: the cell would not get the role asked for (an nbdev directive in its code decides)", "remove the directive line the message names"),
        # 7xx exports to orchestrators
        ("NB701", E, "an export option is invalid (or would write a secret into the files)", "fix the option the message names"),
        ("NB702", E, "the KFP pipeline module did not compile", "report this as a bug in nb2pkg"),
        ("NB703", W, "no kfp here to compile the pipeline YAML: it was not regenerated or verified", "install kfp, or set NB2PKG_KFP_PYTHON to a Python that has it"),
        # 8xx the JupyterLab server's requests
        ("NB801", E, "malformed JSON in the request (also NaN/Infinity)", "send valid JSON"),
        ("NB802", E, "request body too large (413)", "send less"),
        ("NB803", E, "path outside the server's root (403)", "open notebooks under the server's root"),
        ("NB804", E, "invalid request: a field of the wrong type or value", "fix the field the message names"),
        ("NB805", E, "not found (404)", "check the path"),
        ("NB806", E, "internal error (500, a bug)", "report this as a bug in nb2pkg"),
        ("NB807", E, "refused by the token or XSRF check (403)", "reload the page, or log in again"),
        ("NB808", E, "JSON nested deeper than 64 or a number beyond ±2^63", "send simpler JSON"),
        ("NB809", E, "path over 1,024 characters or 64 segments", "use a shorter path"),
        ("NB810", E, "method not allowed (405)", "use the method the endpoint takes"),
        ("NB811", E, "cross-origin request refused (403)", "call the server from its own pages"),
        ("NB812", E, "too much code for one request (413)", "build from a terminal with `nb2pkg build` (no cap)"),
        ("NB813", E, "analyze request replaced by a newer one from the same client for the same notebook (409)", "nothing to do: only the newest request is analysed"),
        ("NB814", E, "the analysis worker process stopped while working on the request (503); it was restarted", "send the request again; the server log says why it stopped"),
        ("NB815", E, "analyze delta whose base the analysis worker does not hold (409)", "nothing to do: the extension sends the whole notebook again"),
        # 9xx the build's check of its own output
        ("NB901", E, "a generated Python file does not parse", "report this as a bug in nb2pkg"),
        ("NB902", E, "a generated Python file does not have the statements the plan intended", "report this as a bug in nb2pkg"),
        ("NB903", E, "the generated pyproject.toml is invalid or does not say what the plan intended", "report this as a bug in nb2pkg"),
    ]
)  # fmt: skip

README_START = "<!-- diagnostic codes: generated by python -m nb2pkg.roles.diagnostic_codes -->"
README_END = "<!-- end of diagnostic codes -->"


def markdown_table() -> str:
    """The README's code table, between its two marker comments."""
    lines = [
        README_START,
        "",
        "| code | severity | what it means | what to do |",
        "|---|---|---|---|",
    ]
    for code, info in CODES.items():
        title = info.title.replace("|", "\\|")
        hint = info.hint.replace("|", "\\|")
        lines.append(f"| {code} | {info.severity.value} | {title} | {hint} |")
    lines += ["", README_END]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
