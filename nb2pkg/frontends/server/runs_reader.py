"""Print the last MLflow runs of a built package as JSON (one object on stdout).

    python -m nb2pkg.frontends.server.runs_reader PACKAGE [LIMIT]

Run by the server as a subprocess in the package's output folder, so MLflow (heavy to
import) never loads into the server, and the store is the one the package's runs log to:
``MLFLOW_TRACKING_URI`` when set, else MLflow's default in that folder. The experiment is
``MLFLOW_EXPERIMENT_NAME`` when set, else the package's name, as the package's tracking does.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main(argv: list[str]) -> int:
    package = argv[0]
    limit = int(argv[1]) if len(argv) > 1 else 10
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    experiment = client.get_experiment_by_name(os.environ.get("MLFLOW_EXPERIMENT_NAME") or package)
    runs: list[dict[str, Any]] = []
    if experiment is not None:
        found = client.search_runs(
            [experiment.experiment_id],
            filter_string=f"tags.`nb2pkg.package` = '{package}'",
            order_by=["attributes.start_time DESC"],
            max_results=limit,
        )
        for run in found:
            info, data = run.info, run.data
            end = info.end_time
            runs.append(
                {
                    "id": info.run_id,
                    "name": info.run_name,
                    "status": info.status,
                    "version": data.tags.get("nb2pkg.version"),
                    "start_time": info.start_time,
                    "seconds": (end - info.start_time) / 1000 if end else None,
                    "params": dict(data.params),
                    "metrics": dict(data.metrics),
                    "failed_step": data.tags.get("nb2pkg.failed_step"),
                }
            )
    print(json.dumps({"runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
