"""``python -m PKG serve`` under load: requests/s, p50 and p99 latency, errors.

Builds the test package of ``tests/scoring_package.py`` (a scikit-learn pipeline registered
in a temporary SQLite MLflow store), starts its scoring server, and sends ``--clients``
concurrent clients at it for ``--seconds`` seconds, each POSTing ``--rows`` rows as JSON
(``dataframe_split``) over a kept-alive connection and checking every answer.

The baseline, measured in the same run the same way: MLflow's own scoring server for the
same model (``mlflow models serve --env-manager local``), without the signature-checking
front. The ratios say what the front costs.

    python benchmarks/serve_load.py [--clients 8] [--seconds 20] [--rows 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.scoring_package import PACKAGE, ScoringPackage, make_scoring_package  # noqa: E402

START_TIMEOUT_SECONDS = 180


@dataclass
class Load:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self, name: str) -> str:
        ordered = sorted(self.latencies)
        if not ordered:
            return f"{name:<28} no successful request; errors: {self.errors[:3]}"
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        return (
            f"{name:<28} {len(ordered) / self.seconds:8.1f} req/s   "
            f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   "
            f"{len(ordered)} ok, {len(self.errors)} errors"
        )

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with code {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/ping")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start")


def start(command: list[str], package: ScoringPackage, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command,
        cwd=package.workdir,
        # `mlflow models serve` starts the `uvicorn` script of this environment.
        env=package.environment(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_ready(port, process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def load(port: int, body: bytes, expected: list[float], clients: int, seconds: float) -> Load:
    result = Load()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        errors: list[str] = []
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                connection.request(
                    "POST", "/invocations", body=body, headers={"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                content = response.read()
            except OSError as error:
                errors.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            took = time.perf_counter() - began
            if response.status != 200:
                errors.append(f"HTTP {response.status}")
            elif json.loads(content)["predictions"] != expected:
                errors.append("wrong predictions")
            else:
                mine.append(took)
        connection.close()
        with lock:
            result.latencies += mine
            result.errors += errors

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rows", type=int, default=5, help="rows per request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-load-") as folder:
        print("building the package and registering its model ...", file=sys.stderr)
        package = make_scoring_package(Path(folder))
        rows = package.train[["x", "n", "c"]].head(args.rows)
        body = json.dumps({"dataframe_split": rows.to_dict(orient="split", index=False)}).encode()
        expected = [float(v) for v in package.model_predictions(rows)]
        ours_port, baseline_port = free_port(), free_port()
        servers = {
            f"python -m {PACKAGE} serve": [
                sys.executable, "-m", PACKAGE, "serve", "--alias", "champion",
                "--port", str(ours_port),
            ],
            "mlflow models serve": [
                sys.executable, "-m", "mlflow", "models", "serve", "-m",
                f"models:/{PACKAGE}@champion", "--env-manager", "local",
                "--host", "127.0.0.1", "--port", str(baseline_port),
            ],
        }  # fmt: skip
        ports = dict(zip(servers, (ours_port, baseline_port), strict=True))
        results: dict[str, Load] = {}
        for name, command in servers.items():
            process = start(command, package, ports[name])
            try:
                load(ports[name], body, expected, args.clients, 1.0)  # warm-up
                results[name] = load(ports[name], body, expected, args.clients, args.seconds)
            finally:
                stop(process)
        print(f"{args.clients} clients, {args.seconds:g} s, {args.rows} rows per request")
        for name, result in results.items():
            print(result.line(name))
        ours, baseline = results[f"python -m {PACKAGE} serve"], results["mlflow models serve"]
        if baseline.rate and ours.latencies and baseline.latencies:
            print(
                f"checked / unchecked: throughput x{ours.rate / baseline.rate:.2f}, "
                f"p50 x{statistics.median(ours.latencies) / statistics.median(baseline.latencies):.2f}"
            )
        return 1 if ours.errors else 0


if __name__ == "__main__":
    sys.exit(main())
