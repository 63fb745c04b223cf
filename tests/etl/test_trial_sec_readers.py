"""Security-analyst trial (D5, D6, D9, D13): Python's side; JUnit ``TrialSecReaderTest`` checks the JVM the same way."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import BadLineError, CsvReader, JsonLinesReader, TextReader, Timestamp
from dl4j_bridge.etl.timeparse import iso_seconds

CASES = json.loads((Path(__file__).resolve().parents[1] / "resources" / "iso_times.json").read_text("utf-8"))


def test_iso_times_follow_the_shared_table():
    accepted = CASES["accepted"]
    got = iso_seconds([c["text"] for c in accepted])
    assert [(c["text"], g) for c, g in zip(accepted, got) if g != c["seconds"]] == []
    refused = iso_seconds(CASES["refused"])
    assert [t for t, g in zip(CASES["refused"], refused) if not np.isnan(g)] == []
    assert np.isnan(iso_seconds([None, 12345])).all()


def test_the_timestamp_transform_reads_the_grammar_and_counts_what_it_refuses():
    times = ["2026-01-06T08:00:05Z", "2026-01-06T08:00:06,5Z", "20260106T080007", "2026-01-06T08",
             "2026-01-06T08:00:19.Z"]
    transform = Timestamp("t")
    frame = pd.DataFrame({"t": times, "line_number": np.arange(1, 6)})
    seconds = transform.seconds(frame)
    assert seconds[1] - seconds[0] == 1.5 and np.isnan(seconds[2:]).all()
    transform.observe(frame)
    assert transform._counts["unparsable"] == 3


def test_a_lone_surrogate_escape_becomes_a_replacement_character_in_every_mode(tmp_path):
    quarantine = tmp_path / "q.jsonl"
    reader = JsonLinesReader(["a", "b"], mode="lenient", quarantine=quarantine)
    frame = reader.read(['{"a": "\\ud800", "b": "\\udfff"}', '{"a": "\ufffd\\ud800"}'])
    assert frame["a"].tolist() == ["\ufffd", "\ufffd\ufffd"] and frame["b"].tolist()[0] == "\ufffd"
    # counted once per line, with undecodable bytes; a line already holding U+FFFD is not counted again
    assert reader.report.undecodable_lines == 1 and reader.report.bad_lines == 0
    assert not quarantine.exists() or quarantine.read_text() == ""


def _quarantine(path):
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_the_quarantine_holds_raw_lines_in_line_order(tmp_path):
    """A wrong-type line is quarantined as read (not re-serialised: 539 stays 539, field names unmapped)."""
    quarantine = tmp_path / "q.jsonl"
    lines = ['{"m": {"n": "a"}, "port": 539, "bytes": 1}', '{"m": {"n": "b"}, "port": 539, "bytes": "lots"}',
             '{broken', '{"m": {"n": "c"}, "port": 22.5, "bytes": 3}']
    reader = JsonLinesReader({"msg": "m.n", "port": "port", "bytes": "bytes"}, types={"port": "int", "bytes": "int"},
                             mode="lenient", quarantine=quarantine)
    reader.read(lines)
    rows = _quarantine(quarantine)
    assert [r["line"] for r in rows] == [2, 3, 4]
    assert [r["text"] for r in rows] == lines[1:]
    assert rows[0]["field"] == "bytes" and rows[2]["field"] == "port"
    # CSV: the row as read, a multi-line one with its lines
    quarantine = tmp_path / "qc.jsonl"
    csv_lines = ["a,n", "x,1", "y,lots", "z,\"2", "3\"", "w,5,6", "v,7.5"]
    reader = CsvReader(types={"n": "int"}, mode="lenient", quarantine=quarantine)
    reader.read(csv_lines)
    rows = _quarantine(quarantine)
    assert [(r["line"], r["text"]) for r in rows] == [(3, "y,lots"), (4, 'z,"2\n3"'), (6, "w,5,6"), (7, "v,7.5")]
    # text logs: the line and its continuation lines
    quarantine = tmp_path / "qt.jsonl"
    reader = TextReader("<n>: <msg>", types={"n": "int"}, mode="lenient", quarantine=quarantine)
    reader.read(["1: a", "x: b", "  at trace", "!", "2: c", "y: d"])
    rows = _quarantine(quarantine)
    assert [(r["line"], r["text"]) for r in rows] == [(2, "x: b\n  at trace"), (4, "!"), (6, "y: d")]


UNCLOSED = ["a,b", "x,1", 'y,"2', "z,3", "", "w,4"]


def test_an_unclosed_csv_quote_makes_only_its_record_bad(tmp_path):
    quarantine = tmp_path / "q.jsonl"
    reader = CsvReader(mode="lenient", quarantine=quarantine)
    frame = reader.read(UNCLOSED)
    assert frame["line_number"].tolist() == [2, 4, 6]
    report = reader.report
    assert (report.bad_lines, report.header_lines, report.continuation_lines, report.blank_lines) == (1, 1, 0, 1)
    assert report.unaccounted_lines == 0
    (row,) = _quarantine(quarantine)
    assert row == {"source": "<lines>", "line": 3, "field": None,
                   "reason": "malformed CSV: quote opened at line 3 is never closed", "text": 'y,"2'}
    with pytest.raises(BadLineError, match="<lines>:3: malformed CSV: quote opened at line 3 is never closed"):
        CsvReader(mode="strict").read(UNCLOSED)
    # a quote closed, then another opened on a later line of the record: that line is named
    reader = CsvReader(mode="lenient", quarantine=quarantine)
    frame = reader.read(["a,b", 'x,"1', '","2', "z,3"])
    rows = _quarantine(quarantine)
    assert rows[0]["line"] == 2 and "quote opened at line 3 is never closed" in rows[0]["reason"]
    assert frame["line_number"].tolist() == [4] and reader.report.bad_lines == 2


def test_a_csv_quote_open_beyond_the_field_limit_ends_its_record(tmp_path):
    quarantine = tmp_path / "q.jsonl"
    lines = ["a,b", 'x,"1'] + ["q" * 1000] * 200 + ["w,4"]
    reader = CsvReader(mode="lenient", quarantine=quarantine)
    frame = reader.read(lines)
    rows = _quarantine(quarantine)
    assert rows[0]["line"] == 2
    assert rows[0]["reason"] == "malformed CSV: quote opened at line 2 is not closed within 131072 characters"
    assert reader.report.bad_lines == 201 and frame["line_number"].tolist() == [203]
    assert reader.report.unaccounted_lines == 0
    reader = CsvReader(mode="lenient", quarantine=quarantine)
    frame = reader.read(["a,b", "x," + "q" * 132_000, "y,2"])
    assert "field larger than field limit (131072)" in _quarantine(quarantine)[0]["reason"]
    assert frame["line_number"].tolist() == [3]
