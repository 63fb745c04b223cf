"""A CSV model scored by the launcher and by Python's CLI on CSV files that broke their agreement (a trial):
CR line endings, a bare CR in an unquoted cell, a header naming a column the model reads twice.

Both exit alike, print the same rows, write the same quarantine, and name an unusable header in the same words
without telling the user to read leniently (it is refused in both modes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bridge_testing import REPO
from test_jvm_scorer import _launcher, _same_rows

HEADER = "time,host,message,bytes"


def _rows(n: int) -> list[str]:
    return [f"2026-01-07T08:{i // 60:02d}:{i % 60:02d},web-0{i % 3},{'accepted login' if i % 5 else 'disk full'},"
            f"{100 + i}" for i in range(n)]


@pytest.fixture(scope="module")
def csv_model(jvm, tmp_path_factory):
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.etl import CsvReader, Numeric, Pipeline, Template, Timestamp, Windows

    pipeline = Pipeline(CsvReader({"time": "time", "host": "host", "message": "message", "bytes": "bytes"},
                                  mode="lenient"),
                        [Template("message"), Numeric("bytes", log1p=True), Timestamp("time")],
                        Windows(length=4, stride=2, next_event=True))
    batch = pipeline.fit([HEADER] + _rows(120)).transform([HEADER] + _rows(120))
    detector = NextEventDetector(hidden_sizes=(4,), epochs=1, batch_size=16, patience=0, validation_fraction=0.0,
                                 seed=3).fit(batch)
    return detector.save(tmp_path_factory.mktemp("csv") / "csv_model.zip", pipeline=pipeline)


def _both(model, source, tmp_path):
    """(launcher, Python) processes of ``score --all --lenient --quarantine``, and their quarantine texts."""
    runs, quarantines = [], []
    for side in ("java", "python"):
        quarantine = tmp_path / f"{side}.q.jsonl"
        args = ["score", "--model", str(model), "--input", str(source), "--all", "--lenient", "--quarantine",
                str(quarantine)]
        runs.append(_launcher(*args) if side == "java" else
                    subprocess.run([sys.executable, "-m", "dl4j_bridge", *args], cwd=str(REPO), capture_output=True,
                                   text=True, timeout=600, env=dict(os.environ, OMP_NUM_THREADS="2")))
        quarantines.append(quarantine.read_text(encoding="utf-8") if quarantine.exists() else "")
    return runs, quarantines


def test_a_bare_cr_in_a_cell_is_the_same_bad_line_on_both_sides(csv_model, tmp_path):
    lines = [HEADER] + _rows(30)
    lines[7] = lines[7].replace("accepted login", "accepted\rlogin")
    source = tmp_path / "bare_cr.csv"
    source.write_bytes(("\n".join(lines) + "\n").encode())
    (java, python), (java_q, python_q) = _both(csv_model, source, tmp_path)
    assert java.returncode == python.returncode and java.returncode in (0, 1), (java.stderr, python.stderr)
    _same_rows([json.loads(r) for r in java.stdout.splitlines()], [json.loads(r) for r in python.stdout.splitlines()])
    assert java_q == python_q
    bad = [json.loads(line) for line in python_q.splitlines()]
    assert [(b["line"], b["reason"].split(":")[0]) for b in bad] == [(8, "malformed CSV")]
    assert "convert them to LF" in bad[0]["reason"]


@pytest.mark.parametrize("name, content, words", [
    ("cr_endings.csv", ("\r".join([HEADER] + _rows(12)) + "\r").encode(),
     "malformed CSV header: a carriage return (CR) outside quotes"),
    ("repeated.csv", ("\n".join(["time,host,message,host"] + [r.rsplit(",", 1)[0] + ",x" for r in _rows(12)])
                      + "\n").encode(),
     "the CSV header names 'host' more than once (columns 2, 4)"),
])
def test_an_unusable_header_is_exit_3_on_both_sides_in_the_same_words(csv_model, tmp_path, name, content, words):
    source = tmp_path / name
    source.write_bytes(content)
    (java, python), _ = _both(csv_model, source, tmp_path)
    assert java.returncode == python.returncode == 3, (java.stderr, python.stderr)
    assert java.stdout == python.stdout == ""
    java_error = java.stderr.strip().splitlines()
    python_error = python.stderr.strip().splitlines()
    assert words in java_error[-1] and f"{name}:1:" in java_error[-1]
    assert java_error[-1].split(f"{name}:1:")[1] == python_error[-1].split(f"{name}:1:")[1]
    assert "--lenient" not in java.stderr and "--lenient" not in python.stderr   # no mode reads past it
