"""Trace trial (SRE): Python's side; JUnit ``TraceTrialReaderTest`` checks the JVM the same way, with the same words.

A stack trace after a bad line is the bad line's (never joined to the record before it); the bad-lines and
records-without-key warnings name their first line; a text line holding a carriage return that does not end it
(a file with CR line endings) is warned about; a truncated ``.gz`` still says what its lines counted.
"""

from __future__ import annotations

import gzip
import json
import logging

import pytest

from dl4j_bridge.etl import BadLineError, TextReader
from dl4j_bridge.etl.errors import SourceError
from dl4j_bridge.etl.readers import bad_lines_warning, carriage_return_warning
from dl4j_bridge.etl.sequences import records_without_key_warning

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


def test_the_bad_lines_warning_names_the_first_bad_line(caplog, tmp_path):
    lines = ["1: a", "2: b", "!", "3: c", "?", "x: d"]
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.readers"):
        TextReader("<n>: <msg>", types={"n": "int"}, mode="lenient").read(lines)
        TextReader("<n>: <msg>", mode="lenient", quarantine=tmp_path / "q.jsonl").read(lines[:3])
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["<lines>: 3 bad lines {'no format match': 2, 'wrong type': 1}, first at line 3; to see where "
                        "the log format stops matching each 'no format match' line, read with a quarantine file "
                        "(--quarantine FILE, run.toml [reader] quarantine)",
                        f"<lines>: 1 bad lines {{'no format match': 1}}, first at line 3, quarantined to "
                        f"{tmp_path / 'q.jsonl'} (each 'no format match' line with where the log format stops "
                        "matching it)"]


def test_the_shared_warning_words():
    """Word for word what JUnit ``TraceTrialReaderTest.theSharedWarningWords`` expects of the JVM."""
    assert bad_lines_warning("hdfs_edge.log", 1, {"no format match": 1}, 9, None) == \
        "hdfs_edge.log: 1 bad lines {'no format match': 1}, first at line 9"
    # a text reader with a log_format: the warning points at the quarantine's reasons (where the format stops)
    assert bad_lines_warning("hdfs_edge.log", 1, {"no format match": 1}, 9, None, log_format=True) == \
        "hdfs_edge.log: 1 bad lines {'no format match': 1}, first at line 9; to see where the log format stops " \
        "matching each 'no format match' line, read with a quarantine file (--quarantine FILE, run.toml [reader] " \
        "quarantine)"
    assert bad_lines_warning("hdfs_edge.log", 1, {"no format match": 1}, 9, "bad.jsonl", log_format=True) == \
        "hdfs_edge.log: 1 bad lines {'no format match': 1}, first at line 9, quarantined to bad.jsonl (each 'no " \
        "format match' line with where the log format stops matching it)"
    assert records_without_key_warning(3, "pid", 5) == \
        "3 records have no session key 'pid' (the first on line 5): they belong to no session and are not scored " \
        "(records_without_key)"
    assert carriage_return_warning("cr_only.log", 1, 1) == \
        "cr_only.log: 1 lines hold a carriage return (CR) that does not end them (the first on line 1): if the " \
        "file has CR line endings, its lines were read as one; convert them to LF (tr '\\r' '\\n' < in.log > out.log)"


@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_a_carriage_return_within_a_line_is_warned_about_and_read_as_before(caplog, tmp_path, chunk_lines):
    path = tmp_path / "cr_only.log"
    path.write_bytes(b"1: a\r2: b\r3: c\r\n4: d\r\n5: e\rf\n")   # CR endings, then CRLF (not warned about)
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.readers"):
        frame = TextReader("<n>: <msg>", chunk_lines=chunk_lines).read(path)
    assert frame["msg"].tolist() == ["a\r2: b\r3: c", "d", "e\rf"]   # what is read does not change
    assert [r.getMessage() for r in caplog.records] == [carriage_return_warning(str(path), 2, 1)]


def test_a_truncated_gz_says_what_its_lines_counted(caplog, tmp_path):
    path = tmp_path / "trunc.log.gz"
    whole = gzip.compress(("".join(f"{i}: line {i}\n" if i % 50 else "!bad\n" for i in range(1, 2000))).encode())
    path.write_bytes(whole[: len(whole) // 2])
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.readers"):
        with pytest.raises(SourceError):
            TextReader("<n>: <msg>", mode="lenient").read(path)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and " bad lines {'no format match': " in messages[0], messages
    assert ", first at line 50; to see where the log format stops matching" in messages[0]


# a stack trace holding a line the default continuation regex does not know (Spark's "Driver stacktrace:"), then a
# bad line after a record; JUnit TraceTrialReaderTest.aBadLineRightAfterAContinuationLineSaysToExtendContinuation
UNKNOWN_TRACE_LINE = ["1: a", "java.io.IOException: x", "  at y", "Driver stacktrace:", "  at z", "2: b", "!other"]
AFTER_CONTINUATION = ("line does not match the log format; it comes right after a continuation line, inside a "
                      "multi-line record (a stack trace?): if it belongs there, as Spark's 'Driver stacktrace:' does, "
                      "make the reader's continuation regex match it too (run.toml [reader] continuation: the "
                      "default, dl4j_bridge.etl.readers.DEFAULT_CONTINUATION, then |Driver stacktrace:); a saved "
                      "model keeps the continuation regex it was trained with (score, evaluate and update read with "
                      "it): train it again after the change")


@pytest.mark.parametrize("chunk_lines", [1, 3, 100_000])
def test_a_bad_line_right_after_a_continuation_line_says_to_extend_continuation(tmp_path, chunk_lines):
    """loghub Spark with a job failure: 'Driver stacktrace:' inside the trace was 'line does not match the log
    format' (train: 'check log_format'), though the format is right and the continuation regex is what to change."""
    from dl4j_bridge.etl.readers import DEFAULT_CONTINUATION

    with pytest.raises(BadLineError) as error:
        TextReader("<n>: <msg>", chunk_lines=chunk_lines).read(UNKNOWN_TRACE_LINE)
    assert (error.value.line, error.value.reason) == (4, "no format match: " + AFTER_CONTINUATION)
    quarantine = tmp_path / "q.jsonl"
    reader = TextReader("<n>: <msg>", mode="lenient", quarantine=quarantine, chunk_lines=chunk_lines)
    reader.read(UNKNOWN_TRACE_LINE)
    assert [(r["line"], r["reason"], r["text"]) for r in _quarantine(quarantine)] == \
        [(4, "no format match: " + AFTER_CONTINUATION + "; not even the format's first part, '<n>: ', matches the "
             "start of the line, 'Driver stacktrace:': check the first field and the text after it (another "
             "separator?)", "Driver stacktrace:\n  at z"),
         (7, "no format match: line does not match the log format; not even the format's first part, '<n>: ', "
             "matches the start of the line, '!other': check the first field and the text after it (another "
             "separator?)", "!other")]   # after a record: where the format stops matching, as for any bad line
    # the advice works: the trace is the record's
    reader = TextReader("<n>: <msg>", continuation=DEFAULT_CONTINUATION + "|Driver stacktrace:")
    frame = reader.read(UNKNOWN_TRACE_LINE[:-1])
    assert frame["msg"].tolist() == ["a\n" + "\n".join(UNKNOWN_TRACE_LINE[1:5]), "b"]
