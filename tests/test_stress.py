"""``make stress`` (python/stress/stress.py) with tiny parameters, and its pass/fail logic.

The full run (200 cycles, 10,000 requests) is ``make stress``, not part of ``make test``; here the
script runs end to end in its own process (its own JVM and a ``dl4j-bridge serve``) so a broken
script or a server that stops answering fails ``make test``.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from bridge_testing import REPO

sys.path.insert(0, str(REPO / "python" / "stress"))

from load import Answer, LoadResult, Request, _check_health, check, malformed  # noqa: E402
from soak import HEAP_ROUNDS, HEAP_SETTLED_BYTES, SoakResult, _Probe  # noqa: E402


def test_the_stress_script_runs_end_to_end_with_tiny_parameters(dist, tmp_path):
    results = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, "python/stress/stress.py", "--cycles", "4", "--warmup", "1", "--window", "2",
         "--limit", "50", "--requests", "130", "--bodies", "8", "--train-lines", "800", "--test-lines", "300",
         "--results", str(results)],
        cwd=str(REPO), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = results.read_text()
    assert "scores: identical after every load and in every cycle" in text
    assert "130 answered, 0 lost" in text
    assert "**Verdict: PASS" in text
    for kind, status in [("valid", 200), ("bad_json", 400), ("invalid_utf8", 400), ("empty_body", 400),
                         ("oversized", 413), ("oversized_chunked", 413), ("form_upload", 415), ("wrong_path", 404),
                         ("wrong_method", 405)]:
        row = next(line for line in text.splitlines() if line.startswith(f"| {kind} |"))
        assert f"{status}: " in row and row.count(": ") == 1, row
    assert "| rss |" in text and "| heap |" in text and "| offheap |" in text


def _soak(readings):
    result = SoakResult(cycles=len(readings), warmup=2, window=3, limit_percent=5.0)
    result.readings = {"rss": readings, "heap": [100] * len(readings), "offheap": [7] * len(readings)}
    return result


def test_soak_growth_is_judged_on_medians_after_the_warm_up():
    steady = _soak([50, 80] + [100, 101, 99, 100, 102, 100, 101, 99])   # warm-up growth does not count
    assert steady.failures() == []
    assert steady.growth("rss")["percent"] == pytest.approx(0.0)
    slow = _soak([100, 100] + [100, 101, 102, 103, 104, 105, 106, 107])   # 101 -> 106: 4.95%
    assert slow.growth("rss")["percent"] == pytest.approx(100 * 5 / 101) and slow.failures() == []
    leaking = _soak([100, 100] + [100, 100, 100, 104, 106, 108, 110, 112])  # 100 -> 110
    assert leaking.growth("rss")["percent"] == pytest.approx(10.0)
    assert [f.split(" grew")[0] for f in leaking.failures()] == ["rss"]
    blip = _soak([100, 100] + [100, 100, 100, 100, 100, 100, 300, 100])  # one GC blip at the end
    assert blip.failures() == []
    wrong_scores = _soak([100] * 10)
    wrong_scores.score_failures.append("cycle 3: the loaded model scores differently")
    assert wrong_scores.failures() == ["cycle 3: the loaded model scores differently"]


def _probe(readings):
    """A probe whose collections return ``readings`` in turn (no JVM)."""
    probe = _Probe.__new__(_Probe)
    values = iter(readings)
    probe._collect = lambda: next(values)
    return probe


def test_the_live_heap_is_read_once_a_collection_frees_almost_nothing():
    kib = 1024
    # The second collection frees 10 MiB the deallocator released after the first; the third frees little.
    assert _probe([30_000 * kib, 20_000 * kib, 19_990 * kib, 1]).live_heap() == 19_990 * kib
    # Settled at once: two collections, the smaller reading.
    assert _probe([20_000 * kib, 20_000 * kib + 10 * kib, 1]).live_heap() == 20_000 * kib
    # Never settles: HEAP_ROUNDS collections at most, the smallest reading.
    falling = [100_000 * kib - i * 2 * HEAP_SETTLED_BYTES for i in range(HEAP_ROUNDS + 5)]
    assert _probe(falling).live_heap() == falling[HEAP_ROUNDS - 1]


def _valid(rid="r1"):
    return Request(rid, "valid", "POST", "/score?all=true", b"x\n", {}, 200, pool=0)


def test_load_checks_catch_lost_mismatched_and_wrong_answers():
    baseline = {0: b'{"index": 0}\n'}
    assert check(_valid(), Answer("r1", 200, "r1", b'{"index": 0}\n', 0.01), baseline) is None
    assert "no answer" in check(_valid(), Answer("r1", None, None, b"", 0.01, "ConnectionResetError"), baseline)
    assert "request id 'r2'" in check(_valid(), Answer("r1", 200, "r2", b'{"index": 0}\n', 0.01), baseline)
    assert "differ from the baseline" in check(_valid(), Answer("r1", 200, "r1", b'{"index": 1}\n', 0.01), baseline)
    assert "expected 200" in check(_valid(), Answer("r1", 500, "r1", b'{"error": "x"}', 0.01), baseline)

    body = b"\n".join([b'{"message": "m", "bytes": 1}'] * 8) + b"\n"
    bad = malformed("bad_json", "r3", body, 1024)
    assert bad.expected_status == 400 and bad.bad_line == 5
    assert check(bad, Answer("r3", 400, "r3", b'{"error": "invalid JSON", "line": 5}', 0.01), baseline) is None
    assert "names line 4" in check(bad, Answer("r3", 400, "r3", b'{"error": "invalid JSON", "line": 4}', 0.01), baseline)
    assert "not JSON" in check(bad, Answer("r3", 400, "r3", b"Bad Request", 0.01), baseline)
    assert len(malformed("oversized", "r4", body, 1024).body) == 1025


def test_health_counters_must_match_what_was_sent():
    plan = [_valid("r1"), _valid("r2"), Request("r3", "wrong_method", "GET", "/score", None, {}, 405)]
    result = LoadResult(requests=3, concurrency=1, baseline_requests=1, by_status=Counter())
    result.health = {"requests": 3, "scored": 12}
    _check_health(result, plan, {0: 4})
    assert result.problems == []
    result.health = {"requests": 2, "scored": 8}   # one request and its sequences never reached the server
    _check_health(result, plan, {0: 4})
    assert len(result.problems) == 2
