"""Sessions longer than ``max_length``: the launcher and Python's CLI score every part, with the same rows.

A session of 2.5 x max_length is three sequences (``part`` 0, 1, 2; same key) on both sides; every line of the
file is in exactly one row, and both summaries count the split (``split_sessions``, ``extra_parts``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bridge_testing import REPO
from test_jvm_scorer import _launcher, _same_rows

MAX_LENGTH = 8


def _iso(seconds: int) -> str:
    return f"2026-01-07T08:{seconds // 60:02d}:{seconds % 60:02d}"


def _records(n_sessions_short: int = 6):
    """A long session (20 records, the attack on its last line) among short ones, interleaved."""
    records = []
    t = 0
    for i in range(20):
        for s in range(n_sessions_short if i < 4 else 0):
            t += 1
            records.append({"ts": _iso(t), "ip": f"10.0.0.{s + 2}", "msg": f"accepted login {s}", "bytes": 100 + s,
                            "label": 0})
        t += 1
        attack = i == 19
        records.append({"ts": _iso(t), "ip": "10.0.0.1", "msg": "failed password" if attack else "accepted login 9",
                        "bytes": 9000 if attack else 120, "label": int(attack)})
    return records


def test_long_sessions_are_split_into_parts_and_the_launcher_prints_pythons_rows(jvm, tmp_path):
    from dl4j_bridge.detectors import SequenceClassifier
    from dl4j_bridge.etl import JsonLinesReader, Label, Numeric, Pipeline, Sessions, Template, Timestamp

    lines = [json.dumps(r) for r in _records()]
    pipeline = Pipeline(JsonLinesReader({"time": "ts", "ip": "ip", "message": "msg", "bytes": "bytes",
                                         "label": "label"}),
                        [Template("message"), Numeric("bytes", log1p=True), Timestamp("time"),
                         Label("label")],
                        Sessions("ip", max_length=MAX_LENGTH))
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    assert pipeline.split_sessions == 1 and pipeline.extra_parts == 2
    detector = SequenceClassifier(hidden_sizes=(4,), epochs=2, batch_size=16, learning_rate=0.05, patience=0,
                                  validation_fraction=0.0, threshold="fixed", threshold_value=0.5, seed=3)
    detector.fit(batch)
    model = detector.save(tmp_path / "sessions.zip", pipeline=pipeline)
    source = tmp_path / "long_session.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    java = _launcher("score", "--model", model, "--input", source, "--all")
    assert java.returncode in (0, 1), java.stderr[-3000:]
    python = subprocess.run([sys.executable, "-m", "dl4j_bridge", "score", "--model", str(model), "--input",
                             str(source), "--all"], cwd=str(REPO), capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert python.returncode == java.returncode, python.stderr[-3000:]
    java_rows = [json.loads(line) for line in java.stdout.splitlines()]
    python_rows = [json.loads(line) for line in python.stdout.splitlines()]
    _same_rows(java_rows, python_rows)

    long_rows = [r for r in python_rows if r["key"] == "10.0.0.1"]
    assert [r["part"] for r in long_rows] == [0, 1, 2]
    assert [r["line_numbers"][-1] for r in long_rows][-1] == len(lines)   # the attack's line is scored
    assert [len(r["line_numbers"]) for r in long_rows] == [8, 8, 4]
    assert all("part" not in r for r in python_rows if r["key"] != "10.0.0.1")
    assert list(python_rows[0])[:3] == ["index", "key", "score"] and list(long_rows[0])[:4] == \
        ["index", "key", "part", "score"]
    scored = sorted(n for r in python_rows for n in r["line_numbers"])
    assert scored == list(range(1, len(lines) + 1))                       # every line, once

    summary = json.loads(java.stderr.strip().splitlines()[-1])
    assert summary["split_sessions"] == 1 and summary["extra_parts"] == 2 and summary["sequences"] == len(java_rows)
    assert "split into consecutive parts" in java.stderr and "raise max_length" in java.stderr
    assert "split_sessions 1, extra_parts 2" in python.stderr
    assert "WARNING" in python.stderr and "raise max_length" in python.stderr
