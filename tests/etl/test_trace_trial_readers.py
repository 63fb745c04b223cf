"""Trace trial (SRE): Python's side; JUnit ``TraceTrialReaderTest`` checks the JVM the same way, with the same words.

A stack trace after a bad line is the bad line's (never joined to the record before it).
"""

from __future__ import annotations

import json

import pytest

from dl4j_bridge.etl import BadLineError, TextReader

FORMAT = r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>"
# cont_after_bad.log of the trial: a record, a bad line, its two stack frames, a record
CONT_AFTER_BAD = ["Jun 14 15:16:01 combo sshd[1]: good record A",
                  "!!corrupted header without colon",
                  "    at com.x.Y.z(Y.java:1)",
                  "    at com.x.Y.w(Y.java:2)",
                  "Jun 14 15:16:02 combo sshd[2]: good record B"]


def _quarantine(path):
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.mark.parametrize("line_rules", [1, 2])
@pytest.mark.parametrize("chunk_lines", [1, 2, 3, 100_000])
def test_continuation_lines_after_a_bad_line_are_the_bad_lines(tmp_path, chunk_lines, line_rules):
    quarantine = tmp_path / "q.jsonl"
    reader = TextReader(FORMAT, mode="lenient", quarantine=quarantine, chunk_lines=chunk_lines, line_rules=line_rules)
    frame = reader.read(CONT_AFTER_BAD)
    assert frame["Content"].tolist() == ["good record A", "good record B"]
    assert frame["line_number"].tolist() == [1, 5]
    report = reader.report
    assert (report.records, report.bad_lines, report.continuation_lines, report.unaccounted_lines) == (2, 1, 2, 0)
    rows = _quarantine(quarantine)
    assert [(r["line"], r["text"]) for r in rows] == [(2, "\n".join(CONT_AFTER_BAD[1:4]))]


def test_a_bad_line_with_a_trace_keeps_line_order_and_blank_lines_in_the_quarantine(tmp_path):
    """Blank lines inside a bad line's trace are blank lines; the next bad line ends the trace; the last bad line
    of the input is quarantined with its trace too."""
    quarantine = tmp_path / "q.jsonl"
    reader = TextReader("<n>: <msg>", types={"n": "int"}, mode="lenient", quarantine=quarantine, chunk_lines=2)
    frame = reader.read(["x: wrong type", "  at a", "!bad", "", "  at b", "!worse", "  at c", "1: ok", "!last",
                         "  at d"])
    assert frame["msg"].tolist() == ["ok"]
    rows = _quarantine(quarantine)
    assert [(r["line"], r["text"]) for r in rows] == [(1, "x: wrong type\n  at a"), (3, "!bad\n  at b"),
                                                      (6, "!worse\n  at c"), (9, "!last\n  at d")]
    report = reader.report
    assert (report.lines, report.records, report.bad_lines, report.continuation_lines, report.blank_lines) == \
        (10, 1, 4, 4, 1)


def test_an_input_starting_with_a_bad_line_and_its_trace_has_no_record_to_continue_only_before_it(tmp_path):
    quarantine = tmp_path / "q.jsonl"
    reader = TextReader("<n>: <msg>", mode="lenient", quarantine=quarantine)
    reader.read(["  at x", "!bad", "  at y", "1: ok"])
    rows = _quarantine(quarantine)
    assert [(r["line"], r["reason"].split(":")[0], r["text"]) for r in rows] == \
        [(1, "no record to continue", "  at x"), (2, "no format match", "!bad\n  at y")]


@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_strict_mode_names_the_bad_line_not_its_trace(chunk_lines):
    with pytest.raises(BadLineError, match=r"<lines>:2: no format match"):
        TextReader(FORMAT, chunk_lines=chunk_lines).read(CONT_AFTER_BAD)

