"""The CHANGELOG: one section per version, newest first, each API change grouped by impact."""

from __future__ import annotations

import itertools
import re

from nb2pkg.builder.api_diff import Impact
from nb2pkg.builder.versioning import VersionDecision


def changelog_entry(decision: VersionDecision, date: str) -> str:
    """The CHANGELOG section for this version: its date and each API change, grouped by impact."""
    lines = [f"## [{decision.version}] - {date}", ""]
    if decision.bump == "initial":
        lines.append("First release.")
        added = [c.text for c in decision.api_changes]
        if added:
            lines += ["", "### Added", ""]
            lines += [f"- {text}" for text in added]
        return "\n".join(lines) + "\n"
    groups = (
        ("Breaking changes", Impact.BREAKING),
        ("Added", Impact.FEATURE),
        ("Changed", Impact.FIX),
    )
    wrote_any = False
    for title, impact in groups:
        texts = [c.text for c in decision.api_changes if c.impact is impact]
        if texts:
            if wrote_any:
                lines.append("")
            lines += [f"### {title}", ""] + [f"- {text}" for text in texts]
            wrote_any = True
    if not wrote_any:
        lines.append("No API changes.")
    return "\n".join(lines) + "\n"


def update_changelog(existing: str | None, entry: str, package: str) -> str:
    """Put ``entry`` above the previous versions (newest first), keeping the file's header.

    An entry for the same version already in the file is replaced, so writing the same
    entry twice gives the same file.
    """
    if not existing or not existing.strip():
        return _header(package) + "\n" + entry
    version = _entry_version(entry)
    header, sections = _split_sections(existing)
    if not header.strip():
        header = _header(package)
    kept = [s for s in sections if version is None or _entry_version(s) != version]
    body = "\n".join(s.rstrip("\n") + "\n" for s in [entry, *kept])
    return header.rstrip("\n") + "\n\n" + body


def _header(package: str) -> str:
    return (
        "# Changelog\n\n"
        f"All notable changes to `{package}` are recorded here, newest first.\n"
        "Versions follow semantic versioning; nb2pkg chooses each bump from the API changes.\n"
    )


_SECTION = re.compile(r"^## ", re.MULTILINE)
_VERSION_IN_HEADING = re.compile(r"^## \[?([^\]\s]+)\]?")


def _split_sections(text: str) -> tuple[str, list[str]]:
    starts = [m.start() for m in _SECTION.finditer(text)]
    if not starts:
        return text, []
    header = text[: starts[0]]
    bounds = [*starts, len(text)]
    return header, [text[a:b] for a, b in itertools.pairwise(bounds)]


def _entry_version(section: str) -> str | None:
    match = _VERSION_IN_HEADING.match(section)
    return match.group(1) if match else None
