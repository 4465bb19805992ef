"""`python -m PKG serve`: MLflow's scoring server for the registered model, in a real process.

The package and its registered model come from ``tests/scoring_package.py`` (a SQLite MLflow
store in a temporary folder). The server runs as a user starts it, on a free port of
127.0.0.1, and is stopped with its process group. Requests are plain HTTP
(``http.client``), as any client sends them.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.scoring_package import PACKAGE, ScoringPackage, package_fixture

__all__ = ["package_fixture"]  # the `package` fixture

# Guards against a hung process; never used to judge speed.
START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 60
LOAD_SECONDS = 3.0
CLIENTS = 8

JSON = "application/json"
CSV = "text/csv"
PARQUET = "application/vnd.apache.parquet"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    log: Path

    def post(self, body: bytes, content_type: str | None, path: str = "/invocations") -> Answer:
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            headers = {"Content-Type": content_type} if content_type is not None else {}
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, response.read())
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ready(host: str, port: int) -> bool:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=2)
        connection.request("GET", "/ping")
        return connection.getresponse().status == 200
    except OSError:
        return False


def start_server(package: ScoringPackage, *args: str) -> tuple[subprocess.Popen[bytes], Server]:
    port = _free_port()
    log = package.workdir / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", PACKAGE, "serve", "--port", str(port), *args],
            cwd=package.workdir,
            env=package.environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _ready("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            pytest.fail(f"the scoring server did not start:\n{log.read_text()}")
        time.sleep(0.3)
    return process, Server("127.0.0.1", port, log)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def server(package: ScoringPackage) -> Iterator[Server]:
    process, running = start_server(package, "--alias", "champion")
    yield running
    stop_server(process)


def _rows(package: ScoringPackage, count: int = 40) -> pd.DataFrame:
    return package.train[["x", "n", "c"]].sample(count, random_state=3).reset_index(drop=True)


def test_valid_rows_get_the_predictions_of_the_model_itself(
    package: ScoringPackage, server: Server
) -> None:
    rows = _rows(package)
    expected = package.model_predictions(rows)
    records = json.dumps({"dataframe_records": rows.to_dict(orient="records")})
    split = json.dumps({"dataframe_split": rows.to_dict(orient="split", index=False)})
    columns = json.dumps({"inputs": rows.to_dict(orient="list")})
    bodies = {
        "dataframe_records": (records.encode(), JSON),
        "dataframe_split": (split.encode(), JSON),
        "inputs": (columns.encode(), f"{JSON}; charset=utf-8"),
        "csv": (rows.to_csv(index=False).encode(), CSV),
        "parquet": (rows.to_parquet(index=False), PARQUET),
    }
    for name, (body, content_type) in bodies.items():
        answer = server.post(body, content_type)
        assert answer.status == 200, (name, answer.body)
        predictions = np.asarray(answer.json()["predictions"], dtype="float64")
        np.testing.assert_allclose(predictions, expected, rtol=1e-12, atol=0, err_msg=name)


def _records(*rows: dict[str, Any]) -> bytes:
    return json.dumps({"dataframe_records": list(rows)}).encode()


GOOD = {"x": 10.5, "n": 3, "c": "red"}

# (what is wrong, body, content type, status, field, words the message must contain)
BAD_INPUTS: list[tuple[str, bytes, str | None, int, str | None, str]] = [
    ("missing column", _records({"x": 1.0, "c": "red"}), JSON, 422, "n", "missing column `n`"),
    (
        "text in a number column",
        _records(GOOD, {**GOOD, "x": "ten"}),
        JSON,
        422,
        "x",
        "row 2, column `x`: expected a number",
    ),
    (
        "fraction in a whole-number column",
        _records({**GOOD, "n": 2.5}),
        JSON,
        422,
        "n",
        "whole number",
    ),
    ("number in a text column", _records({**GOOD, "c": 7}), JSON, 422, "c", "expected text"),
    ("boolean in a number column", _records({**GOOD, "x": True}), JSON, 422, "x", "(a boolean)"),
    ("null in a required column", _records({**GOOD, "x": None}), JSON, 422, "x", "missing value"),
    ("list in a number column", _records({**GOOD, "x": [1, 2]}), JSON, 422, "x", "got a list"),
    (
        "whole number out of range",
        _records({**GOOD, "n": 10**30}),
        JSON,
        422,
        "n",
        "whole number in",
    ),
    ("unparsable JSON", b'{"dataframe_records": [', JSON, 400, None, "not valid JSON"),
    ("empty body", b"", JSON, 400, None, "empty body"),
    ("no rows", _records(), JSON, 400, None, "no rows"),
    ("a JSON list, not an object", b"[1, 2]", JSON, 400, None, "must be a JSON object"),
    ("unknown format key", b'{"rows": [{"x": 1}]}', JSON, 400, "rows", "unknown key `rows`"),
    (
        "extra key beside the rows",
        json.dumps({"dataframe_records": [GOOD], "extra": 1}).encode(),
        JSON,
        400,
        "extra",
        "unknown key `extra`",
    ),
    (
        "two format keys",
        json.dumps({"dataframe_records": [GOOD], "inputs": [GOOD]}).encode(),
        JSON,
        400,
        "inputs",
        "exactly one of the keys",
    ),
    (
        "record that is not an object",
        json.dumps({"dataframe_records": [GOOD, 5]}).encode(),
        JSON,
        400,
        "dataframe_records",
        "row 2 of `dataframe_records`",
    ),
    (
        "split row of the wrong length",
        json.dumps({"dataframe_split": {"columns": ["x", "n", "c"], "data": [[1.0, 2]]}}).encode(),
        JSON,
        400,
        "dataframe_split",
        "list of 3 values",
    ),
    (
        "text in a CSV number column",
        b"x,n,c\n1.5,2,red\noops,2,red\n",
        CSV,
        422,
        "x",
        "row 2, column `x`",
    ),
    ("CSV with a ragged row", b"x,n,c\n1.5,2,red\n1.5,2,red,9\n", CSV, 400, None, "not valid CSV"),
    ("CSV without the rows", b"x,n,c\n", CSV, 400, None, "no rows"),
    ("body that is not UTF-8", b'{"dataframe_records": [\xff]}', JSON, 400, None, "not UTF-8"),
    ("unparsable Parquet", b"PAR1 not really", PARQUET, 400, None, "not valid Parquet"),
    (
        "unsupported content type",
        b"x=1",
        "text/plain",
        415,
        "Content-Type",
        "unsupported Content-Type",
    ),
    ("no content type", _records(GOOD), None, 415, "Content-Type", "no Content-Type"),
    (
        "charset other than UTF-8",
        _records(GOOD),
        f"{JSON}; charset=latin-1",
        415,
        "Content-Type",
        "charset",
    ),
]


@pytest.mark.parametrize(
    ("problem", "body", "content_type", "status", "field", "words"),
    BAD_INPUTS,
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_gets_a_4xx_answer_naming_the_field(
    server: Server,
    problem: str,
    body: bytes,
    content_type: str | None,
    status: int,
    field: str | None,
    words: str,
) -> None:
    answer = server.post(body, content_type)
    assert answer.status == status, (problem, answer.body)
    error = answer.json()
    assert words in error["message"], error
    assert error.get("field") == field, error
    assert "stack_trace" not in error
    assert b"Traceback" not in answer.body


def test_the_server_still_answers_after_bad_input_and_logs_no_traceback(server: Server) -> None:
    for _problem, body, content_type, *_ in BAD_INPUTS:
        server.post(body, content_type)
    answer = server.post(_records(GOOD), JSON)
    assert answer.status == 200, answer.body
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_get_on_invocations_and_other_routes(server: Server) -> None:
    connection = http.client.HTTPConnection(
        server.host, server.port, timeout=REQUEST_TIMEOUT_SECONDS
    )
    connection.request("GET", "/invocations")
    response = connection.getresponse()
    assert response.status == 405
    assert "use POST" in json.loads(response.read())["message"]
    connection.request("GET", "/health")
    assert connection.getresponse().status == 200
    connection.close()


def test_a_too_large_body_gets_413(package: ScoringPackage) -> None:
    process, small = start_server(package, "--alias", "champion", "--max-body-mb", "1")
    try:
        answer = small.post(b"x,n,c\n" + b"1.5,2,red\n" * 200_000, CSV)
        assert answer.status == 413, answer.body
        assert "larger than 1 MB" in answer.json()["message"]
    finally:
        stop_server(process)


def test_eight_concurrent_clients_get_no_errors(package: ScoringPackage, server: Server) -> None:
    rows = _rows(package, count=5)
    expected = package.model_predictions(rows)
    body = json.dumps({"dataframe_split": rows.to_dict(orient="split", index=False)}).encode()
    failures: list[str] = []
    counts = [0] * CLIENTS
    stop_at = time.monotonic() + LOAD_SECONDS

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(
            server.host, server.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            while time.monotonic() < stop_at:
                connection.request(
                    "POST", "/invocations", body=body, headers={"Content-Type": JSON}
                )
                response = connection.getresponse()
                content = response.read()
                if response.status != 200:
                    failures.append(f"{response.status}: {content[:200]!r}")
                    continue
                got = np.asarray(json.loads(content)["predictions"], dtype="float64")
                if not np.allclose(got, expected, rtol=1e-12, atol=0):
                    failures.append(f"wrong predictions {got}")
                counts[index] += 1
        except OSError as error:
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert all(count > 0 for count in counts), counts


def test_serving_a_version_that_does_not_exist_fails_in_one_paragraph(
    package: ScoringPackage,
) -> None:
    done = package.run("serve", "--model-version", "99", "--port", str(_free_port()))
    assert done.returncode == 1
    assert "cannot load the pricing model (version 99)" in done.stderr
    assert "Traceback" not in done.stderr


def test_import_of_the_package_loads_no_serving_machinery(package: ScoringPackage) -> None:
    # The notebook's own imports (scikit-learn brings scipy, pandas may bring pyarrow) are
    # the package's business; the serving commands must add nothing to `import pricing`.
    heavy = ("mlflow", "uvicorn", "fastapi", "starlette", "tqdm")
    # (`_model` gives the package's load_model and predict; it imports mlflow only when called)
    mine = ("_serving", "_batch", "_drift", "_scoring")
    script = (
        f"import sys, {PACKAGE}\n"
        f"names = {heavy!r} + tuple('{PACKAGE}.' + m for m in {mine!r})\n"
        "print(','.join(n for n in names if n in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=package.workdir,
        env=package.environment(),
        capture_output=True,
        text=True,
        timeout=REQUEST_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
