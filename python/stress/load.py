"""Load: the JVM-only ``dl4j-bridge serve`` endpoint under many concurrent requests on loopback.

The launcher serves a detector saved from Python. First every distinct valid body is sent once,
alone (the baseline), and its rows are checked against what the Python library gives for the same
lines (same keys and values, floats within 1e-5, as ``tests/test_jvm_scorer.py`` checks the
``score`` command). Then ``requests`` requests go out from ``concurrency`` threads, each thread on its
own keep-alive connection (``http.client``), a known share of them malformed. Every request carries an
``X-Request-Id``; the server echoes it.

Checked: every request gets an answer on its own connection (a transport error is a lost request;
nothing is retried), the answer carries the request's id, its status is the one expected for its
kind, an error answer is JSON with an ``error`` (and the right ``line`` for a bad line), a valid
answer is byte for byte the baseline answer for the same body, and afterwards the server's
``/health`` counters match what was sent (requests) and scored (sequences).
"""

from __future__ import annotations

import http.client
import itertools
import json
import logging
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

log = logging.getLogger("stress.load")
READY = re.compile(r"serving .* on http://([0-9.]+):(\d+) ")


@dataclass
class Request:
    """One request to send and what its answer must be."""

    rid: str
    kind: str
    method: str
    path: str
    body: Optional[bytes]
    headers: Dict[str, str]
    expected_status: int
    pool: int = -1              # index of the valid body (valid requests)
    bad_line: Optional[int] = None  # the line a 400 must name
    chunked: bool = False


@dataclass
class Answer:
    """What came back (``status`` None: no answer, ``error`` says why)."""

    rid: str
    status: Optional[int]
    echoed_id: Optional[str]
    body: bytes
    seconds: float
    error: Optional[str] = None


@dataclass
class LoadResult:
    """Counts, timings and every problem found."""

    requests: int
    concurrency: int
    seconds: float = 0.0
    latencies: List[float] = field(default_factory=list)
    by_status: Counter = field(default_factory=Counter)
    by_kind: Dict[str, Counter] = field(default_factory=dict)
    answered: int = 0
    lost: int = 0
    baseline_requests: int = 0
    sequences_per_valid_request: float = 0.0
    problems: List[str] = field(default_factory=list)
    health: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
# the server
class Server:
    """``bin/dl4j-bridge serve`` on loopback, a free port; stderr goes to a log file."""

    def __init__(self, launcher: Path, model: Path, max_body_bytes: int, timeout: float = 180.0):
        fd, name = tempfile.mkstemp(prefix="dl4j_bridge_serve_", suffix=".log")
        self.log_path = Path(name)
        self._log = os.fdopen(fd, "wb")
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
        self.process = subprocess.Popen([str(launcher), "serve", "--model", str(model), "--port", "0",
                                         "--max-body-bytes", str(max_body_bytes)],
                                        stdout=subprocess.DEVNULL, stderr=self._log, env=env)
        deadline = time.monotonic() + timeout
        while True:
            match = READY.search(self.log_path.read_text(errors="replace"))
            if match:
                self.host, self.port = match.group(1), int(match.group(2))
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dl4j-bridge serve did not start (exit {self.process.returncode}); its log "
                                   f"{self.log_path}:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)

    def get_json(self, path: str) -> dict:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return json.loads(response.read())
        finally:
            conn.close()

    def stop(self) -> Optional[int]:
        """SIGTERM (the launcher's shutdown hook stops the HTTP server), then its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


# ------------------------------------------------------------------------------------------------
# the requests
def valid_bodies(lines: Sequence[str], n: int, seed: int, min_lines: int = 20, max_lines: int = 60) -> List[bytes]:
    """``n`` distinct runs of consecutive test lines, each a request body."""
    rng = random.Random(seed)
    bodies = set()
    while len(bodies) < n:
        length = rng.randint(min_lines, max_lines)
        start = rng.randrange(0, len(lines) - length)
        bodies.add("\n".join(lines[start:start + length]) + "\n")
    return [b.encode("utf-8") for b in sorted(bodies)]


def _with_line(body: bytes, number: int, replacement: bytes) -> bytes:
    lines = body.split(b"\n")
    lines[number - 1] = replacement
    return b"\n".join(lines)


def _chunks(data: bytes, size: int = 65536):
    for i in range(0, len(data), size):
        yield data[i:i + size]


def malformed(kind: str, rid: str, base: bytes, max_body_bytes: int) -> Request:
    """A request of one malformed ``kind`` built from a valid body, with the status it must get."""
    record = json.loads(base.split(b"\n")[0])
    line = 5  # the bad line, where there is one
    r = Request(rid, kind, "POST", "/score?all=true", base, {}, 400)
    if kind == "bad_json":
        r.body, r.bad_line = _with_line(base, line, base.split(b"\n")[line - 1][:-7]), line
    elif kind == "not_an_object":
        r.body, r.bad_line = _with_line(base, line, b'["a", "list"]'), line
    elif kind == "wrong_field_type":
        record["bytes"] = {"not": "a number"}
        r.body, r.bad_line = _with_line(base, line, json.dumps(record).encode()), line
    elif kind == "invalid_utf8":
        r.body, r.bad_line = _with_line(base, line, b'{"message": "caf\xe9 \xff\xfe"}'), line
    elif kind == "empty_body":
        r.body = b""
    elif kind == "bad_threshold":
        r.path = "/score?threshold=high"
    elif kind == "unknown_parameter":
        r.path = "/score?al=true"
    elif kind == "oversized":
        r.body, r.expected_status = (base * (max_body_bytes // len(base) + 1))[:max_body_bytes + 1], 413
    elif kind == "oversized_chunked":
        r.body, r.expected_status, r.chunked = (base * (max_body_bytes // len(base) + 2)), 413, True
    elif kind == "form_upload":
        r.headers["Content-Type"], r.expected_status = "multipart/form-data; boundary=xyz", 415
    elif kind == "wrong_charset":
        r.headers["Content-Type"], r.expected_status = "text/plain; charset=utf-16", 415
    elif kind == "wrong_method":
        r.method, r.body, r.expected_status = "GET", None, 405
    elif kind == "wrong_path":
        r.path, r.expected_status = "/scores", 404
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")
    return r


MALFORMED_KINDS = ("bad_json", "not_an_object", "wrong_field_type", "invalid_utf8", "empty_body", "bad_threshold",
                   "unknown_parameter", "oversized", "oversized_chunked", "form_upload", "wrong_charset",
                   "wrong_method", "wrong_path")
VALID_TYPES = (None, "text/plain; charset=utf-8", "application/x-ndjson", "application/x-www-form-urlencoded")


def build_requests(bodies: List[bytes], n: int, malformed_share: float, max_body_bytes: int,
                   seed: int) -> List[Request]:
    """``n`` requests, ``round(n * malformed_share)`` of them malformed (kinds in turn), in a seeded order."""
    n_bad = round(n * malformed_share)
    kinds = [MALFORMED_KINDS[i % len(MALFORMED_KINDS)] for i in range(n_bad)] + ["valid"] * (n - n_bad)
    random.Random(seed).shuffle(kinds)
    out = []
    for i, kind in enumerate(kinds):
        rid = f"r{i:06d}"
        pool = i % len(bodies)
        if kind == "valid":
            headers = {}
            content_type = VALID_TYPES[i % len(VALID_TYPES)]
            if content_type:
                headers["Content-Type"] = content_type
            out.append(Request(rid, kind, "POST", "/score?all=true", bodies[pool], headers, 200, pool=pool))
        else:
            out.append(malformed(kind, rid, bodies[pool], max_body_bytes))
    return out


# ------------------------------------------------------------------------------------------------
# sending
_local = threading.local()


def _connection(host: str, port: int) -> http.client.HTTPConnection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection(host, port, timeout=120)
    return conn


def send(host: str, port: int, request: Request) -> Answer:
    """Send one request on this thread's keep-alive connection; a transport error is an Answer without status."""
    conn = _connection(host, port)
    headers = dict(request.headers, **{"X-Request-Id": request.rid})
    start = time.perf_counter()
    try:
        body = _chunks(request.body) if request.chunked else request.body
        conn.request(request.method, request.path, body=body, headers=headers, encode_chunked=request.chunked)
        response = conn.getresponse()
        data = response.read()
        answer = Answer(request.rid, response.status, response.getheader("X-Request-Id"), data,
                        time.perf_counter() - start)
        if response.will_close:
            conn.close()  # the next request opens a new connection
        return answer
    except (OSError, http.client.HTTPException) as e:
        conn.close()
        _local.conn = None
        return Answer(request.rid, None, None, b"", time.perf_counter() - start, f"{type(e).__name__}: {e}")


def check(request: Request, answer: Answer, baseline: Dict[int, bytes]) -> Optional[str]:
    """What is wrong with ``answer`` to ``request`` (None: nothing)."""
    if answer.status is None:
        return f"{request.rid} ({request.kind}): no answer: {answer.error}"
    if answer.echoed_id != request.rid:
        return f"{request.rid} ({request.kind}): the answer carries request id {answer.echoed_id!r}"
    if answer.status != request.expected_status:
        return (f"{request.rid} ({request.kind}): HTTP {answer.status}, expected {request.expected_status}: "
                f"{answer.body[:300]!r}")
    if request.kind == "valid":
        if answer.body != baseline[request.pool]:
            return f"{request.rid}: the rows differ from the baseline answer for the same body"
        return None
    try:
        error = json.loads(answer.body)
    except ValueError:
        return f"{request.rid} ({request.kind}): the error is not JSON: {answer.body[:300]!r}"
    if not isinstance(error, dict) or not isinstance(error.get("error"), str) or not error["error"]:
        return f"{request.rid} ({request.kind}): the error has no message: {error!r}"
    if request.bad_line is not None and error.get("line") != request.bad_line:
        return f"{request.rid} ({request.kind}): the error names line {error.get('line')}, not {request.bad_line}"
    return None


# ------------------------------------------------------------------------------------------------
# the run
def python_rows(detector, body: bytes) -> list:
    """The rows Python's ``dl4j-bridge score --all`` prints for ``body``, as parsed JSON."""
    lines = body.decode("utf-8").split("\n")[:-1]
    batch = detector.pipeline_.transform(lines)
    if len(batch) == 0:
        return []
    return [json.loads(json.dumps(row, default=str)) for row in detector.explain(batch, flagged_only=False)]


def same_rows(java_rows: list, python: list) -> Optional[str]:
    """Same keys and values; floats within 1e-5 (None when they agree)."""
    if len(java_rows) != len(python):
        return f"{len(java_rows)} rows from the server, {len(python)} from Python"
    for j, p in zip(java_rows, python):
        if list(j) != list(p):
            return f"keys differ: {list(j)} vs {list(p)}"
        for name, value in p.items():
            if isinstance(value, float) and not isinstance(j[name], bool):
                if abs(j[name] - value) > 1e-5:
                    return f"{name}: {j[name]} vs {value} (row {p.get('index')})"
            elif name == "unexpected_lines" and isinstance(value, list) and isinstance(j[name], list):
                # each unexpected step's probability, within 1e-5 as the row's own floats; lines and events exact
                if [(u.get("line"), u.get("event")) for u in j[name]] != [(u.get("line"), u.get("event")) for u in value] \
                        or any(abs(a["probability"] - b["probability"]) > 1e-5 for a, b in zip(j[name], value)):
                    return f"{name}: {j[name]!r} vs {value!r} (row {p.get('index')})"
            elif j[name] != value:
                return f"{name}: {j[name]!r} vs {value!r} (row {p.get('index')})"
    return None


def run_load(launcher: Path, model: Path, test_lines: Sequence[str], *, requests: int, concurrency: int,
             malformed_share: float = 0.2, distinct_bodies: int = 64, max_body_bytes: int = 256 * 1024,
             seed: int = 3, python_detector=None) -> LoadResult:
    """Start the server, send the baseline and then the load, check every answer, stop the server.

    Parameters
    ----------
    launcher, model : Path
        ``bin/dl4j-bridge`` and the detector zip (saved with its pipeline).
    test_lines : sequence of str
        Log lines the valid bodies are cut from.
    requests, concurrency : int
        Requests in the load phase, and threads (each with its own keep-alive connection).
    malformed_share : float
        Share of malformed requests (every kind of :data:`MALFORMED_KINDS` in turn).
    python_detector : BaseDetector, optional
        The same model loaded in Python: the baseline rows are checked against its rows.
    """
    result = LoadResult(requests, concurrency)
    bodies = valid_bodies(test_lines, distinct_bodies, seed)
    plan = build_requests(bodies, requests, malformed_share, max_body_bytes, seed)
    server = Server(launcher, model, max_body_bytes)
    try:
        baseline: Dict[int, bytes] = {}
        sequences: Dict[int, int] = {}
        for i, body in enumerate(bodies):
            answer = send(server.host, server.port, Request(f"b{i:04d}", "valid", "POST", "/score?all=true", body,
                                                            {}, 200, pool=i))
            result.baseline_requests += 1
            if answer.status != 200:
                result.problems.append(f"baseline body {i}: HTTP {answer.status} {answer.error or answer.body[:300]!r}")
                continue
            baseline[i] = answer.body
            rows = [json.loads(line) for line in answer.body.decode("utf-8").splitlines()]
            sequences[i] = len(rows)
            if python_detector is not None:
                problem = same_rows(rows, python_rows(python_detector, body))
                if problem:
                    result.problems.append(f"baseline body {i}: the server's rows differ from Python's: {problem}")
        _local.conn = None  # the load threads open their own connections
        if len(baseline) < len(bodies):
            return result
        log.info("load: %d requests (%d%% malformed) at concurrency %d", requests, round(100 * malformed_share),
                 concurrency)
        start = time.perf_counter()
        with ThreadPoolExecutor(concurrency, thread_name_prefix="load") as pool:
            answers = list(pool.map(lambda r: send(server.host, server.port, r), plan))
        result.seconds = time.perf_counter() - start
        _tally(result, plan, answers, baseline)
        result.sequences_per_valid_request = (sum(sequences[r.pool] for r in plan if r.kind == "valid")
                                              / max(1, sum(r.kind == "valid" for r in plan)))
        result.health = server.get_json("/health")
        _check_health(result, plan, sequences)
    finally:
        exit_code = server.stop()
        if exit_code not in (0, 143, -signal.SIGTERM):
            result.problems.append(f"the server exited with {exit_code}; log: {server.log_path}")
    return result


def _tally(result: LoadResult, plan: List[Request], answers: List[Answer], baseline: Dict[int, bytes]) -> None:
    sent = {r.rid for r in plan}
    answered_ids = {a.rid for a in answers if a.status is not None and a.echoed_id == a.rid}
    result.answered = len(answered_ids & sent)
    result.lost = len(sent) - result.answered
    for request, answer in zip(plan, answers):
        result.latencies.append(answer.seconds)
        status = str(answer.status) if answer.status is not None else "no answer"
        result.by_status[status] += 1
        result.by_kind.setdefault(request.kind, Counter())[status] += 1
        problem = check(request, answer, baseline)
        if problem:
            result.problems.append(problem)


def _check_health(result: LoadResult, plan: List[Request], sequences: Dict[int, int]) -> None:
    """The server's own counters: every POST /score arrived, every valid body was scored once per request."""
    posts = result.baseline_requests + sum(r.method == "POST" and r.path.split("?")[0] == "/score" for r in plan)
    scored = sum(sequences.values()) + sum(sequences[r.pool] for r in plan if r.kind == "valid")
    health = result.health
    if health.get("requests") != posts:
        result.problems.append(f"/health counts {health.get('requests')} POST /score requests, {posts} were sent")
    if health.get("scored") != scored:
        result.problems.append(f"/health counts {health.get('scored')} scored sequences, expected {scored}")


def latency_summary(latencies: Sequence[float]) -> Dict[str, float]:
    """p50 / p95 / p99 / max in milliseconds."""
    import numpy as np

    ms = np.asarray(latencies, dtype=np.float64) * 1000.0
    if ms.size == 0:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)), "max": float(ms.max())}


def kinds_table(result: LoadResult) -> List[Tuple[str, int, str]]:
    """(kind, requests, statuses) rows, valid first."""
    rows = []
    for kind in itertools.chain(["valid"], MALFORMED_KINDS):
        counts = result.by_kind.get(kind)
        if counts:
            rows.append((kind, sum(counts.values()), ", ".join(f"{s}: {c}" for s, c in sorted(counts.items()))))
    return rows
