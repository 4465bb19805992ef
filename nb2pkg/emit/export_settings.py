"""Which orchestrator exports a package has, and their options: ``.nb2pkg/exports.json``.

``nb2pkg export TARGET`` records the target and its options there; every later build
regenerates the export from the notebooks and ``check`` compares it like any generated file.
The file holds no secrets: an artifact URL with a password is refused.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from urllib.parse import urlsplit

from nb2pkg.plan.exports import TARGETS as TARGETS  # re-exported with the settings
from nb2pkg.plan.exports import ExportSettings as ExportSettings

EXPORTS_PATH = ".nb2pkg/exports.json"
ORCHESTRATORS_DIR = "orchestrators"
"""Export files live under this folder of the package directory."""


class ExportSettingsError(ValueError):
    pass


def validate(settings: ExportSettings) -> None:
    if settings.target not in TARGETS:
        raise ExportSettingsError(f"unknown export target {settings.target!r}")
    if settings.retries < 0:
        raise ExportSettingsError("--retries must be 0 or more")
    if settings.retry_delay_minutes < 0:
        raise ExportSettingsError("--retry-delay must be 0 or more minutes")
    if settings.artifacts:
        parts = urlsplit(settings.artifacts)
        if parts.password or "@" in parts.netloc:
            raise ExportSettingsError(
                "--artifacts must not hold credentials (they would be written into the "
                "generated files): configure them on the workers, e.g. in the filesystem's "
                "environment variables"
            )
    try:
        year, month, day = (int(part) for part in settings.start_date.split("-"))
    except ValueError:
        raise ExportSettingsError("--start-date must be YYYY-MM-DD") from None
    del year, month, day


def load_exports(out_dir: Path) -> tuple[ExportSettings, ...]:
    """The exports recorded for the package in ``out_dir`` (none when the file is missing)."""
    path = out_dir / EXPORTS_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    known = {f.name for f in fields(ExportSettings)} - {"target"}
    found: list[ExportSettings] = []
    for target in TARGETS:
        options = data.get(target) if isinstance(data, dict) else None
        if isinstance(options, dict):
            kept = {k: v for k, v in options.items() if k in known}
            found.append(ExportSettings(target=target, **kept))
    return tuple(found)


def save_export(out_dir: Path, settings: ExportSettings) -> None:
    path = out_dir / EXPORTS_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[settings.target] = settings.to_json()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def fingerprint(exports: tuple[ExportSettings, ...]) -> str:
    return ";".join(f"export={s.target}:{json.dumps(s.to_json(), sort_keys=True)}" for s in exports)
