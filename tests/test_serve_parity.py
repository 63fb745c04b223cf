"""``serve``'s ``POST /score`` against the launcher's ``score`` on the same bytes (a bounded differential fuzz).

The README promises that a request answers the same JSON lines as ``score`` on the same body, with ``X-`` headers
that match ``score``'s JSON summary, each request its own stream. A tiny next-event model on JSON-lines sessions
(lenient, with a gap and ``max_length``) scores seeded random bodies -- slices of a generated log with bad lines,
blank lines, CRLF, unicode, lone surrogate escapes, duplicate keys, bodies without a final newline -- once by
``serve`` and once by ``bin/dl4j-bridge score --all`` of the same file: the same bytes, and every header equal to the
summary's count; then 8 threads send them again and every answer equals its sequential one. Launcher and Python
rows are compared by ``test_jvm_scorer*.py``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gzip
import http.client
import json
import os
import random
import re
import subprocess
import time

import pytest

from bridge_testing import DIST, missing_resource

HEADERS = {"lines": "x-lines", "records": "x-records", "bad_lines": "x-bad-lines", "blank_lines": "x-blank-lines",
           "continuation_lines": "x-continuation-lines", "sequences": "x-sequences", "flagged": "x-flagged",
           "unjudged_sequences": "x-unjudged-sequences", "records_without_key": "x-records-without-key",
           "split_sessions": "x-split-sessions", "truncated_records": "x-truncated-records",
           "gap_sessions": "x-gap-sessions", "unparsable_times": "x-unparsable-times",
           "backward_times": "x-backward-times", "non_numeric_values": "x-non-numeric-values",
           "duplicate_key_lines": "x-duplicate-key-lines", "undecodable_lines": "x-undecodable-lines",
           "unknown_template_records": "x-unknown-template-records"}

JUNK = ["{not json", "[1, 2]", "", '{"@timestamp": "not a time", "message": "x", "host": {"name": "db-01"}}',
        '{"@timestamp": "2024-03-04T00:00:01", "message": "m", "message": "dup", "host": {"name": "db-02"}}',
        '{"@timestamp": "2024-03-04T00:00:02", "message": "lone \\ud800", "host": {"name": "db-01"}}',
        '{"@timestamp": "2024-03-04T00:00:03", "message": "big", "bytes": "lots", "host": {"name": "web-01"}}',
        '{"message": "no host"}', "\u00e9\u4e2d\U0001F600 not json"]


def _launcher():
    launcher = DIST / "bin" / "dl4j-bridge"
    if not launcher.is_file():
        missing_resource(f"the launcher {launcher} (run: make build)")
    return launcher


@pytest.fixture(scope="module")
def model(jvm, tmp_path_factory):
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.etl import JsonLinesReader, LogGenerator, Numeric, Pipeline, Sessions, Template, Timestamp

    lines = LogGenerator(seed=6, anomaly_rate=0.08).json_lines(400).lines
    pipeline = Pipeline(JsonLinesReader({"time": "@timestamp", "message": "message", "host": "host.name",
                                         "bytes": "bytes"}, mode="lenient"),
                        [Template("message"), Numeric("bytes", log1p=True), Timestamp("time", delta_by="host")],
                        Sessions("host", max_length=6, gap=300))
    pipeline.fit(lines)
    detector = NextEventDetector(top_g=1, score="nll", n_events=pipeline.n_template_ids, hidden_sizes=(4,), epochs=1,
                                 batch_size=64, learning_rate=0.05, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=2.0, seed=3)
    detector.fit(pipeline.transform(lines))
    directory = tmp_path_factory.mktemp("serve_parity")
    return detector.save(directory / "sessions.zip", pipeline=pipeline), lines, directory


@contextlib.contextmanager
def _serving(model_path):
    """The launcher's ``serve`` on a free port of 127.0.0.1 for ``model_path``: yields the port, stops it after."""
    proc = subprocess.Popen([str(_launcher()), "serve", "--model", str(model_path), "--port", "0", "--host",
                             "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="2"))
    try:
        port = None
        deadline = time.monotonic() + 180
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        if port is None:
            pytest.fail("serve did not print its address")
        yield port
    finally:
        proc.terminate()
        proc.wait(60)
        proc.stderr.close()


@pytest.fixture(scope="module")
def server(model):
    with _serving(model[0]) as port:
        yield port


def _post(port, body, query="?all=true", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", "/score" + query, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def _bodies(lines, n=3, seed=11):
    rng = random.Random(seed)
    bodies = []
    for _ in range(n):
        size = rng.choice([3, 12, 30])
        start = rng.randrange(len(lines) - size)
        picked = [rng.choice(JUNK) if rng.random() < 0.15 else line for line in lines[start:start + size]]
        eol = rng.choice(["\n", "\r\n"])
        bodies.append((eol.join(picked) + rng.choice([eol, ""])).encode("utf-8"))
    mixed = [line for pair in zip(lines[40:40 + len(JUNK)], JUNK) for line in pair]   # every kind of junk line once
    return bodies + [("\n".join(mixed) + "\n").encode("utf-8")]


def test_serve_answers_the_rows_and_summary_of_score_on_the_same_bytes(model, server):
    zip_path, lines, directory = model
    bodies = _bodies(lines)
    for i, body in enumerate(bodies):
        source = directory / f"body{i}.jsonl"
        source.write_bytes(body)
        scored = subprocess.run([str(_launcher()), "score", "--model", str(zip_path), "--input", str(source), "--all"],
                                capture_output=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="2"))
        assert scored.returncode in (0, 1), scored.stderr[-2000:]
        summary = json.loads(scored.stderr.decode().strip().splitlines()[-1])
        status, headers, rows = _post(server, body)
        assert status == 200, rows
        assert rows == scored.stdout, (i, rows[:500], scored.stdout[:500])
        for key, header in HEADERS.items():
            assert headers.get(header, "0") == str(summary.get(key, 0)), (i, header, headers, summary)
    # 8 threads at once: every answer equals its sequential one (each request its own stream)
    sequential = [_post(server, body) for body in bodies]
    order = list(range(len(bodies))) * 2
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: _post(server, bodies[i]), order))
    for i, (status, headers, rows) in zip(order, answers):
        want = sequential[i]
        assert (status, rows) == (want[0], want[2])
        assert {k: v for k, v in headers.items() if k.startswith("x-")} == \
            {k: v for k, v in want[1].items() if k.startswith("x-")}


def test_serve_refuses_a_gzip_body_and_an_early_end_with_a_message(model, server):
    _, lines, _ = model
    body = ("\n".join(lines[:20]) + "\n").encode()
    status, _, said = _post(server, gzip.compress(body))   # score decompresses these bytes: serve says what to send
    assert status == 415 and b"gzip-compressed" in said, said
    status, headers, said = _post(server, gzip.compress(body), headers={"Content-Encoding": "gzip"})
    assert status == 415 and b"Content-Encoding" in said, said
    import socket

    with socket.create_connection(("127.0.0.1", server), timeout=30) as s:   # Content-Length above what is sent
        s.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (len(body) + 10) + body)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert b"ended before it was complete" in answer, answer


def test_serve_answers_a_next_value_models_rows_as_score_writes_them(jvm, tmp_path):
    """The third kind's rows (feature, actual and predicted values, deviation) through serve: the bytes of the
    launcher's score of the same body, and its summary in the headers."""
    from dl4j_bridge.detectors import NextValueDetector
    from dl4j_bridge.etl import JsonLinesReader, LogGenerator, Numeric, Pipeline, Sessions, Template

    lines = LogGenerator(seed=8, anomaly_rate=0.08).json_lines(400).lines
    pipeline = Pipeline(JsonLinesReader({"message": "message", "host": "host.name", "bytes": "bytes"}, mode="lenient"),
                        [Template("message"), Numeric("bytes", log1p=True)], Sessions("host", max_length=6))
    pipeline.fit(lines)
    detector = NextValueDetector(hidden_sizes=(4,), epochs=1, batch_size=64, patience=0, validation_fraction=0.0,
                                 threshold="fixed", threshold_value=1.5, seed=3)
    detector.fit(pipeline.transform(lines), pipeline=pipeline)
    model = detector.save(tmp_path / "next_value.zip", pipeline=pipeline)
    with _serving(model) as port:
        for i, body in enumerate(_bodies(lines, n=2, seed=5)):
            source = tmp_path / f"body{i}.jsonl"
            source.write_bytes(body)
            scored = subprocess.run([str(_launcher()), "score", "--model", str(model), "--input", str(source),
                                     "--all"], capture_output=True, timeout=300,
                                    env=dict(os.environ, OMP_NUM_THREADS="2"))
            assert scored.returncode in (0, 1), scored.stderr[-2000:]
            summary = json.loads(scored.stderr.decode().strip().splitlines()[-1])
            status, headers, rows = _post(port, body)
            assert status == 200 and rows == scored.stdout, (i, rows[:500], scored.stdout[:500])
            assert b'"feature": "bytes"' in rows, rows[:500]
            for key, header in HEADERS.items():
                assert headers.get(header, "0") == str(summary.get(key, 0)), (i, header, headers, summary)
