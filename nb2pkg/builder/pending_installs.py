"""Whether a build was killed while installing: the journals its staging folders hold.

Kept apart from ``nb2pkg.builder.install`` so that every build can ask before importing it.
"""

from __future__ import annotations

from pathlib import Path

JOURNAL = "journal.json"


def pending(out_dir: Path) -> list[Path]:
    """The staging directories under ``out_dir`` that hold a journal (an unfinished install)."""
    state = out_dir / ".nb2pkg"
    if not state.is_dir():
        return []
    return sorted(p.parent for p in state.glob(f"tmp-*/{JOURNAL}"))
