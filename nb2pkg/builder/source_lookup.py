"""``nb2pkg where``: from a generated file and line (as a traceback shows them) back to the
notebook cell it came from, through the manifest's source map.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from nb2pkg.builder.manifest import MANIFEST_PATH, Manifest, SourceSpan
from nb2pkg.ir import Diagnostic, Severity


def find_package_dir(file: Path) -> Path | None:
    """The output directory holding generated ``file``: the nearest parent with a manifest.

    Lets ``nb2pkg where src/churn/churn.py:42`` work without ``-o`` from anywhere.
    """
    for parent in Path(file).absolute().parents:
        if (parent / MANIFEST_PATH).is_file():
            return parent
    return None


def lookup(manifest: Manifest, file: str, line: int) -> SourceSpan | None:
    """The notebook cell that generated ``file:line``, or None when nothing maps there.

    ``file`` may be the path relative to the output directory (``src/churn/churn.py``), an
    absolute path into it, or the path of the installed copy that a traceback shows
    (``.../site-packages/churn/churn.py``): the generated file whose path is the longest
    suffix of ``file`` wins, with the ``src/`` layout prefix optional.
    """
    best: tuple[int, str] | None = None
    given = _parts(file)
    for generated in manifest.source_map:
        matched = _suffix_match(given, PurePosixPath(generated).parts)
        if matched and (best is None or matched > best[0]):
            best = (matched, generated)
    if best is None:
        return None
    covering = [s for s in manifest.source_map[best[1]] if s.start_line <= line <= s.end_line]
    if not covering:
        return None
    return min(covering, key=lambda s: (s.end_line - s.start_line, s.start_line))


def locate(manifest: Manifest, spec: str) -> tuple[SourceSpan | None, list[Diagnostic]]:
    """``nb2pkg where FILE:LINE``: parse the spec, then :func:`lookup` it."""
    file, _, line_text = spec.rpartition(":")
    if not file or not line_text.strip().isdigit():
        return None, [
            Diagnostic(
                code="NB510",
                severity=Severity.ERROR,
                message=f"{spec!r} is not FILE:LINE",
                hint="give a generated file and a line, as a traceback shows them: src/churn/churn.py:42",
            )
        ]
    span = lookup(manifest, file, int(line_text))
    if span is None:
        known = ", ".join(sorted(manifest.source_map)) or "none"
        return None, [
            Diagnostic(
                code="NB511",
                severity=Severity.ERROR,
                message=f"no notebook cell generated {file} line {line_text.strip()}",
                hint=f"the lines that come from cells are in these files: {known}",
            )
        ]
    return span, []


def _parts(file: str) -> tuple[str, ...]:
    # Tracebacks from Windows machines use backslashes; a POSIX path never contains one.
    if "\\" in file:
        return PureWindowsPath(file).parts
    return PurePosixPath(file).parts


def _suffix_match(given: tuple[str, ...], generated: tuple[str, ...]) -> int:
    """How many trailing components match: all of ``generated``, or all but its ``src/``."""
    candidates = [generated]
    if len(generated) > 1 and generated[0] == "src":
        candidates.append(generated[1:])
    for candidate in candidates:
        if len(given) >= len(candidate) and given[len(given) - len(candidate) :] == candidate:
            return len(candidate)
    return 0
