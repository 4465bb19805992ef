"""The vocabulary and the diagnostic code table as JSON, for the JupyterLab extension.

    python -m nb2pkg.roles.vocabulary_json labextension/src/vocabulary.json          # (re)write it
    python -m nb2pkg.roles.vocabulary_json --check labextension/src/vocabulary.json  # exit 1 if stale

The extension's build runs the first line (``jlpm build:vocabulary``) and the generated file
is committed, so the TypeScript tests run without Python; a test checks it is up to date.
Only the standard library is imported: any Python 3.10+ can run it from a source checkout.
"""

from __future__ import annotations

import argparse
import json
import keyword
import sys
from pathlib import Path
from typing import Any

from nb2pkg.roles import vocabulary as v
from nb2pkg.roles.diagnostic_codes import CODES

REGENERATE = "python -m nb2pkg.roles.vocabulary_json labextension/src/vocabulary.json"
"""How to bring the committed JSON up to date (from the repository's root)."""


def vocabulary_data() -> dict[str, Any]:
    """Everything the extension needs to read tags and names as the build does."""
    return {
        "generatedBy": REGENERATE
        + " (from nb2pkg/roles/vocabulary.py and nb2pkg/roles/diagnostic_codes.py)",
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "roleOfPrefix": {prefix: role.value for prefix, role in v.ROLE_OF_PREFIX.items()},
        "overridingRole": v.OVERRIDING_ROLE.value,
        "namedRoles": {role.value: required for role, required in v.NAMED_ROLES.items()},
        "metricsPrefixes": sorted(v.METRICS_PREFIXES),
        "modulePrefix": v.MODULE_PREFIX,
        "ignoredPrefixes": sorted(v.IGNORED_PREFIXES),
        "ourTags": list(v.OUR_TAGS),
        "ourTagForms": list(v.OUR_TAG_FORMS),
        "nbdevDirectives": dict(v.NBDEV_DIRECTIVES),
        "foreignTags": sorted(v.FOREIGN_TAGS),
        "reservedNames": sorted(v.RESERVED_NAMES),
        "generatedModules": sorted(v.GENERATED_MODULES),
        "pythonKeywords": sorted(keyword.kwlist),
        "pythonSoftKeywords": sorted(keyword.softkwlist),
        "pythonBuiltins": list(v.python_builtins()),
        "diagnostics": {
            code: {"severity": info.severity.value, "title": info.title, "hint": info.hint}
            for code, info in CODES.items()
        },
    }


def vocabulary_text() -> str:
    return json.dumps(vocabulary_data(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nb2pkg.roles.vocabulary_json")
    parser.add_argument("path", type=Path, help="the JSON file to write (or check)")
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    args = parser.parse_args(argv)
    text = vocabulary_text()
    current = args.path.read_text(encoding="utf-8") if args.path.is_file() else None
    if args.check:
        if current != text:
            print(f"{args.path} is out of date; regenerate it: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
