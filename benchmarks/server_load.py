"""The server extension under load: analyze latency with concurrent clients, and /api/status.

    python benchmarks/server_load.py [--cells 300] [--clients 8] [--seconds 20]
                                     [--analysis-processes N] [--protocol both|full|delta]

Starts a real `jupyter server` with nb2pkg's extension (as tests/server/conftest.py enables
it; ``--analysis-processes`` sets ``c.Nb2pkgServer.analysis_processes``, 0 for the analyses on
the server's threads) on a notebook of ``--cells`` code cells, then measures
  1. the first `POST /nb2pkg/analyze` after start (cold caches), sent as soon as the server
     answers `/api/status`, or ``--first-after`` seconds later (a browser loading JupyterLab
     takes that long before its first request);
  2. ``--clients`` clients, each editing one cell of its own copy of the notebook and asking
     for an analysis after every edit (``--edit``: a new name in the parameters cell, or a
     number typed inside a step), in bursts of three edits 10 ms apart, each sent as the
     extension sends it with no delay after a keystroke (at most ``MAX_IN_FLIGHT`` requests
     of a client out at once, a further edit waiting for an answer); only the last answer of
     a burst is the one the user sees (the server may drop those it supersedes): the time
     from the last edit to its answer, p50 and p99;
  3. `GET /api/status` every 20 ms meanwhile, p50 and p99, from a process of its own (a
     browser tab's own: the editing clients' JSON work would otherwise delay it here);
  4. the CPU time of the server's own process (and of its event loop) per analyze request.
Steps 2 to 4 run once per ``--protocol``: ``full``, every body the whole notebook (as before
deltas); ``delta``, as the JupyterLab extension sends them now (``analyze_deltas.py``: the
whole notebook first, then deltas against the newest answered request, a delta refused 409
NB815 sent again in full at once, the time of both being the answer's); ``both`` (the
default), full then delta on the same server, each with clients and edits of its own, and
the ratios delta/full.
The clients send back the cookies the server sets (its login cookie) and keep their
connections open for the next request (HTTP keep-alive), as a browser does; they encode each
request body once, writing again only the JSON of the cell they edited (the bodies are byte
for byte those of a client writing every cell), and read each answer whole, parsing only a
refused one's JSON: the load generator shares the machine's cores with the server, so it takes
as little of their CPU as it can.
The baseline, measured in the same run, is the parser floor: `json.loads` of the notebook
plus `ast.parse` of every cell in this process. Machines here are shared: the load average is
printed with the figures.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import http.client
import http.cookies
import json
import os
import queue
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyze_deltas import UNKNOWN_BASE, DeltaClient, Sent
from build_speed import make_notebook


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


COOKIES: dict[str, str] = {}
"""The cookies the server set (its login cookie), sent back with every later request of this
process, as a browser does (a request without it makes the server sign a new one)."""


class Client:
    """One HTTP connection to the server, authenticated by the token."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in http.cookies.SimpleCookie(header).items():
                COOKIES[name] = morsel.value

    def request(
        self, method: str, path: str, body: Any = None, *, parse_ok: bool = True
    ) -> tuple[int, Any, float]:
        """(status, answer, seconds); ``body`` is JSON-encoded unless bytes already. A 200
        answer is parsed only with ``parse_ok`` (else its bytes are returned)."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if COOKIES:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in COOKIES.items())
        start = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        self._keep_cookies(response)
        if response.status == 200 and not parse_ok:
            return response.status, payload, elapsed
        return response.status, json.loads(payload) if payload else None, elapsed


def start_server(
    root: Path, port: int, token: str, options: list[str], profile: str | None = None
) -> subprocess.Popen[bytes]:
    """``jupyter server`` on ``root``; run under cProfile, writing ``profile`` at exit, when
    one is given."""
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    command = [
        sys.executable,
        *profiler,
        "-m",
        "jupyter_server",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--no-browser",
        "--allow-root",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.jpserver_extensions=nb2pkg=True",
        f"--IdentityProvider.token={token}",
        "--ServerApp.disable_check_xsrf=True",
        *options,
    ]
    server = subprocess.Popen(
        command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _, _ = Client(port, token).request("GET", "/api/status")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit("jupyter server did not start within 120 s")


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """The CPU time (user + system) process ``pid`` used so far, its own (not its children's),
    or only its thread ``thread``'s: from /proc, so on Linux only (NaN elsewhere)."""
    where = f"/proc/{pid}" if thread is None else f"/proc/{pid}/task/{thread}"
    try:
        stat = Path(where, "stat").read_text()
    except OSError:
        return float("nan")
    # the fields after the command's name (which may hold spaces) in parentheses
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_cpu(pid: int) -> float:
    """The CPU time the server's child processes (its analysis workers) used so far."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        pids = children.read_text().split()
    except OSError:
        return float("nan")
    return sum(cpu_seconds(int(child)) for child in pids)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def parser_floor(notebook: dict[str, Any], repeat: int = 5) -> float:
    text = json.dumps(notebook)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for cell in json.loads(text)["cells"]:
            if cell["cell_type"] == "code":
                with contextlib.suppress(SyntaxError):
                    ast.parse(cell["source"])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def poll_status(port: int, token: str, stop_file: Path) -> None:
    """`GET /api/status` every 20 ms until ``stop_file`` exists; prints the seconds each took
    (a JSON list) on standard output."""
    client = Client(port, token)
    times: list[float] = []
    while not stop_file.exists():
        _, _, elapsed = client.request("GET", "/api/status")
        times.append(elapsed)
        time.sleep(0.02)
    print(json.dumps(times))


PROTOCOLS = {"both": ("full", "delta"), "full": ("full",), "delta": ("delta",)}
"""The analyze bodies the clients send: whole notebooks (before deltas), or deltas as the
JupyterLab extension sends them (the whole notebook first, ``analyze_deltas.py``)."""


@dataclass
class Phase:
    """The figures of one protocol's load phase."""

    protocol: str
    seen: list[float] = field(default_factory=list)
    status_times: list[float] = field(default_factory=list)
    sent: int = 0
    superseded: int = 0
    resent: int = 0
    body_bytes: int = 0
    answers: int = 0
    answer_bytes: int = 0
    server_cpu: float = 0.0
    loop_cpu: float = 0.0
    workers_cpu: float = 0.0
    client_cpu: float = 0.0
    failures: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    def report(self, floor: float) -> None:
        print(
            f"-- {self.protocol} bodies ({self.body_bytes / max(1, self.sent) / 1024:.1f} KB"
            f" a request on average, answers {self.answer_bytes / max(1, self.answers) / 1024:.1f}"
            f" KB; deltas sent again in full after 409 NB815: {self.resent})"
        )
        if self.seen:
            p50, p99 = percentile(self.seen, 0.5), percentile(self.seen, 0.99)
            self.figures.update({"analyze p50": p50 * 1000, "analyze p99": p99 * 1000})
            print(
                f"2. analyze, last of each burst: n={len(self.seen)} p50 {p50 * 1000:.0f} ms "
                f"({p50 / floor:.1f}x floor), p99 {p99 * 1000:.0f} ms; "
                f"earlier requests of a burst answered 'superseded': {self.superseded}"
            )
        if self.status_times:
            p50, p99 = percentile(self.status_times, 0.5), percentile(self.status_times, 0.99)
            self.figures.update({"status p50": p50 * 1000, "status p99": p99 * 1000})
            print(
                f"3. /api/status meanwhile: n={len(self.status_times)} "
                f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
            )
        if self.sent:
            self.figures["loop CPU"] = self.loop_cpu / self.sent * 1000
            print(
                f"4. the server process's own CPU time (not its workers') per analyze request:"
                f" {self.server_cpu / self.sent * 1000:.2f} ms, of which its event loop's"
                f" {self.loop_cpu / self.sent * 1000:.2f} ms ({self.sent} requests,"
                f" {self.server_cpu:.2f} s; the status polls included); its analysis workers'"
                f" {self.workers_cpu / self.sent * 1000:.2f} ms; the editing clients'"
                f" {self.client_cpu / self.sent * 1000:.2f} ms"
            )
        if self.failures:
            print(f"failures: {len(self.failures)}; first: {self.failures[0]}")


def load_phase(
    args: argparse.Namespace,
    port: int,
    token: str,
    notebook: dict[str, Any],
    server: subprocess.Popen[bytes],
    root: Path,
    protocol: str,
) -> Phase:
    """``args.clients`` clients editing for ``args.seconds`` while `/api/status` is polled."""
    phase, stop, lock = Phase(protocol), threading.Event(), threading.Lock()
    stop_file = root / f"stop-polling-{protocol}"
    poller = subprocess.Popen(
        [sys.executable, __file__, "--poll-status", str(port), token, str(stop_file)],
        stdout=subprocess.PIPE,
    )
    threads = [
        threading.Thread(target=edit_loop, args=(args, port, token, notebook, i, phase, stop, lock))
        for i in range(args.clients)
    ]
    # the main thread runs the event loop
    cpu_before = cpu_seconds(server.pid), cpu_seconds(server.pid, server.pid)
    workers_before, client_before = workers_cpu(server.pid), time.process_time()
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    stop_file.touch()
    for thread in threads:
        thread.join()
    phase.server_cpu = cpu_seconds(server.pid) - cpu_before[0]
    phase.loop_cpu = cpu_seconds(server.pid, server.pid) - cpu_before[1]
    phase.workers_cpu = workers_cpu(server.pid) - workers_before
    phase.client_cpu = time.process_time() - client_before
    phase.status_times.extend(json.loads(poller.communicate()[0]))
    return phase


def edit_loop(
    args: argparse.Namespace,
    port: int,
    token: str,
    notebook: dict[str, Any],
    index: int,
    phase: Phase,
    stop: threading.Event,
    lock: threading.Lock,
) -> None:
    """One client editing its notebook, in bursts of three edits, each sent as the extension
    sends it with no delay after a keystroke: at once while fewer than ``MAX_IN_FLIGHT`` of
    its requests are out, else as soon as one is answered."""
    own = json.loads(json.dumps(notebook))
    code = [c for c in own["cells"] if c["cell_type"] == "code"]
    typing = args.edit == "typing"
    target = next(c for c in code if "1000.0" in c["source"]) if typing else code[0]
    original = target["source"]
    # a client of its own per protocol, and edits of its own (no cache answers one phase
    # from the other's work)
    requests = DeltaClient(f"large_{index}.ipynb", f"{phase.protocol}-{index}")
    mark = 1 if phase.protocol == "delta" else 2
    edits = 0
    connections = Connections(port, token)
    slots = threading.Semaphore(MAX_IN_FLIGHT)
    while not stop.is_set():
        burst: list[threading.Thread] = []
        outs: list[list[tuple[int, Any, float]]] = []
        for _ in range(3):
            edits += 1
            target["source"] = (
                original.replace("1000.0", f"1000.{edits}{mark}")
                if typing
                else f"{original}{phase.protocol}_edited_{index} = {edits}\n"
            )
            edited_at = time.perf_counter()
            slots.acquire()
            # encoded now: the notebook changes again before the thread sends it
            if phase.protocol == "delta":
                body, sent = requests.body(own, edits, changed=(target["id"],))
            else:
                body, sent = requests.full_body(own, edits), None
            out: list[tuple[int, Any, float]] = []
            outs.append(out)
            with lock:
                phase.sent += 1
                phase.body_bytes += len(body)
            thread = threading.Thread(
                target=send,
                args=(connections, slots, edited_at, body, sent, requests, out, phase, lock),
            )
            thread.start()
            burst.append(thread)
            time.sleep(0.01)
        for thread in burst:
            thread.join()
        with lock:
            for out in outs[:-1]:
                if out and out[0][0] == 409:
                    phase.superseded += 1
            if outs[-1]:
                status_code, payload, elapsed = outs[-1][0]
                if status_code == 200 and payload.startswith(b"{"):
                    phase.seen.append(elapsed)
                else:
                    phase.failures.append(f"{status_code} {payload}")
    with lock:
        phase.resent += requests.resent


class Connections:
    """One client's open connections, each kept for its next request (HTTP keep-alive, as a
    browser keeps a few per server); one is opened when all are in use."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self._idle: queue.SimpleQueue[Client] = queue.SimpleQueue()

    @contextlib.contextmanager
    def one(self) -> Iterator[Client]:
        try:
            client = self._idle.get_nowait()
        except queue.Empty:
            client = Client(self.port, self.token)
        yield client  # not given back after an error: the connection may be broken
        self._idle.put(client)


MAX_IN_FLIGHT = 3
"""Analyze requests of one client out at once (``MAX_IN_FLIGHT`` in the extension's
``labextension/src/model.ts``)."""


def send(
    connections: Connections,
    slots: threading.Semaphore,
    edited_at: float,
    body: bytes,
    sent: Sent | None,
    requests: DeltaClient,
    out: list[tuple[int, Any, float]],
    phase: Phase,
    lock: threading.Lock,
) -> None:
    """Post ``body`` and give its slot back once answered; a delta refused 409 NB815 goes
    again at once in full, as the extension does. The time of the answer counts from the edit
    (``edited_at``): the wait for a slot is the user's too."""
    try:
        with connections.one() as client:
            status, payload, _ = client.request("POST", "/nb2pkg/analyze", body, parse_ok=False)
            if sent is not None and status == 409 and payload.get("code") == UNKNOWN_BASE:
                again = requests.in_full(sent)
                with lock:
                    phase.sent += 1
                    phase.body_bytes += len(again)
                status, payload, _ = client.request(
                    "POST", "/nb2pkg/analyze", again, parse_ok=False
                )
    except (OSError, http.client.HTTPException) as error:
        with lock:
            phase.failures.append(repr(error))
        return
    finally:
        slots.release()
    elapsed = time.perf_counter() - edited_at
    if sent is not None and status == 200:
        requests.answered(sent)
    if status == 200:
        with lock:
            phase.answers += 1
            phase.answer_bytes += len(payload)
    out.append((status, payload, elapsed))


def main() -> int:
    if sys.argv[1:2] == ["--poll-status"]:
        poll_status(int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--edit",
        choices=("new-name", "typing"),
        default="new-name",
        help="new-name: each edit binds a new name in the parameters cell (a new run()"
        " parameter: the plan changes); typing: each edit types a number inside a step",
    )
    parser.add_argument("--first-after", type=float, default=0.0)
    parser.add_argument(
        "--protocol",
        choices=sorted(PROTOCOLS),
        default="both",
        help="full: whole notebooks; delta: deltas as the extension sends them; both: full,"
        " then delta on the same server (``--seconds`` each), with the ratios",
    )
    parser.add_argument(
        "--analysis-processes",
        type=int,
        default=None,
        help="c.Nb2pkgServer.analysis_processes (default: the server's own default)",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="run the server under cProfile and write its profile to FILE when it stops"
        " (read it with python -m pstats FILE)",
    )
    args = parser.parse_args()
    options = (
        []
        if args.analysis_processes is None
        else [f"--Nb2pkgServer.analysis_processes={args.analysis_processes}"]
    )
    root = Path(tempfile.mkdtemp(prefix="nb2pkg-load-"))
    port, token = free_port(), secrets.token_hex(16)
    server = None
    try:
        notebook = make_notebook(args.cells)
        for index in range(args.clients):
            (root / f"large_{index}.ipynb").write_text(json.dumps(notebook), "utf-8")
        floor = parser_floor(notebook)
        server = start_server(root, port, token, options, args.profile)

        # 1. the first analysis after start
        time.sleep(args.first_after)
        status, answer, first = Client(port, token).request(
            "POST", "/nb2pkg/analyze", {"path": "large_0.ipynb", "notebook": notebook}
        )
        assert status == 200 and answer is not None, (status, answer)

        # 2. to 4. concurrent editing clients while /api/status is polled, for each protocol
        phases = [
            load_phase(args, port, token, notebook, server, root, protocol)
            for protocol in PROTOCOLS[args.protocol]
        ]
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"load average: {load}; {args.cells} code cells; {args.clients} clients;"
            f" edits: {args.edit}; analysis processes: "
            f"{'default' if args.analysis_processes is None else args.analysis_processes}"
        )
        print(f"parser floor (json.loads + ast.parse of every cell): {floor * 1000:.1f} ms")
        print(
            f"1. first analyze {args.first_after:g} s after start: {first * 1000:.0f} ms"
            f" = {first / floor:.1f}x floor"
        )
        for phase in phases:
            phase.report(floor)
        if len(phases) == 2:
            full, delta = phases
            print("deltas against whole notebooks (same run), delta/full:")
            for name in ("analyze p50", "analyze p99", "status p50", "status p99", "loop CPU"):
                was, now = full.figures.get(name), delta.figures.get(name)
                if was and now:
                    print(f"  {name:<12} {was:8.2f} → {now:8.2f} ms  {now / was:5.2f}x")
    finally:
        if server is not None:
            # jupyter server stops on SIGTERM as on a normal exit (a profiler writes its file)
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
