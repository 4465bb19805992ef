"""The orchestrators a package is exported to, and each export's options."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

TARGETS = ("airflow", "kfp")


@dataclass(frozen=True)
class ExportSettings:
    target: str
    schedule: str | None = None
    """Airflow: a cron expression or preset (``@daily``); None runs only when triggered."""
    retries: int = 2
    retry_delay_minutes: float = 5.0
    artifacts: str = ""
    """Default base URL of the artifact store; empty: ``NB2PKG_ARTIFACTS`` on the workers."""
    start_date: str = "2024-01-01"
    track: bool = True
    """Log each DAG run to MLflow as one run with a nested run per step."""
    base_image: str = "python:3.11"
    """KFP: the image components run in (it gets the package pip-installed at its version)."""
    install: bool = True
    """KFP: pip-install ``PKG==VERSION`` at each task start; False when the image has it."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["target"]
        return data
