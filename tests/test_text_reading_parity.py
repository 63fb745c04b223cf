"""The text reader of both sides, line for line, on random logs with stack traces (through the running JVM).

The parity vectors fix a few inputs; this draws many: records, padded records, indented and unindented trace
lines, blank lines and garbage, in any order, under both line rules and three continuation settings. Python's
``TextReader`` and Java's ``TextRecordReader`` (built from the same saved spec) must give the same records (line
numbers and every field, continuation lines included) and the same counts.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge_testing import read_with_java_reader
from dl4j_bridge.etl import TextReader
from dl4j_bridge.etl.readers import DEFAULT_CONTINUATION

PIECES = [
    "2024-03-04 12:30:00,001 ERROR [DataXceiver] Failed to write block blk_42",
    "2024-03-04 12:30:01,002 INFO [main] started",
    "2024-03-04  12:30:02,003   WARN   padded   columns",
    "  2024-03-04 12:30:03,004 INFO [main] a padded first column",
    "java.io.IOException: Connection reset by peer",
    "\tat sun.nio.ch.FileDispatcherImpl.read0(Native Method)",
    "    at org.apache.Foo.bar(Foo.java:10) ~[foo.jar:1.0]",
    "Caused by: java.net.SocketException: Broken pipe",
    "    ... 12 more",
    "Traceback (most recent call last):",
    '  File "job.py", line 3, in <module>',
    "ValueError: bad value",
    "ERROR   boom",
    "INFO x",
    "",
    "   ",
    "\t",
    "garbage",
]
FORMATS = ["<Date> <Time> <Level> <Content>", "<Level> <Content>", r"<Date> <Time> <Level> \[<Thread>\] <Content>"]
CONTINUATIONS = [DEFAULT_CONTINUATION, None, r"^(?:[ \t]+at |Caused by:)"]


def _java_read(reader: TextReader, lines: list[str]):
    import jpype

    spec = reader.to_dict()
    java = jpype.JClass("io.dl4jbridge.etl.TextRecordReader")(
        spec["regex"], jpype.java.util.ArrayList(spec["fields"]), spec["continuation"], None, spec["log_format"],
        spec["line_rules"])
    return read_with_java_reader(java, lines, lambda record: (int(record.line),
                                                              [str(record.get(name)) for name in spec["fields"]]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.sampled_from(PIECES), max_size=25), log_format=st.sampled_from(FORMATS),
       line_rules=st.sampled_from([1, 2]), continuation=st.sampled_from(CONTINUATIONS),
       chunk_lines=st.sampled_from([1, 3, 1000]))
def test_both_sides_read_the_same_records_from_logs_with_stack_traces(jvm, lines, log_format, line_rules,
                                                                       continuation, chunk_lines):
    reader = TextReader(log_format, continuation=continuation, line_rules=line_rules, mode="lenient",
                        chunk_lines=chunk_lines)
    frame = reader.read(lines)
    fields = reader.fields
    python = [(int(row["line_number"]), [str(row[name]) for name in fields]) for _, row in frame.iterrows()]
    report = reader.report
    python_counts = {"lines": report.lines, "records": report.records,
                     "continuation_lines": report.continuation_lines, "blank_lines": report.blank_lines,
                     "bad_lines": report.bad_lines, "bad_by_reason": dict(report.bad_by_reason),
                     "duplicate_key_lines": report.duplicate_key_lines}
    java, java_counts = _java_read(reader, lines)
    assert java == python
    assert java_counts == python_counts


#: Formats whose separators start with a run of blanks followed by ``\\s`` or a tab and a literal, or with ``\\s`` more
#: than once before a run: capture regexes (rules 2) and guards and read regexes (rules 1) that skip a run's blanks.
BLANK_RUN_FORMATS = [r"<A> \s- <B>", r"<A> \t- <B> \s-", r"<A>\s\s - <B>", r"<A>\s\s\s - <B>\s\s -<C> end",
                     r"<A>\s - <B>", r"<A> - <B>", r"<A> \s<B>\t<C>"]
BLANK_PIECES = [" ", "  ", "\t", " \t ", "-", " - ", "x", "\r", "\u00a0", "end"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(st.sampled_from(BLANK_PIECES), max_size=12).map("".join), max_size=30),
       log_format=st.sampled_from(BLANK_RUN_FORMATS), line_rules=st.sampled_from([1, 2]))
def test_both_sides_read_the_same_records_with_runs_before_space_classes(jvm, lines, log_format, line_rules):
    _assert_both_sides_read_alike(jvm, lines, log_format, line_rules)



def _assert_both_sides_read_alike(jvm, lines, log_format, line_rules):
    """The same records (line numbers, fields) and bad-line count from Python's and the JVM's lenient readers."""
    lines = [line for line in lines if not line.endswith("\r")]   # a CR ending a line is its terminator (CRLF)
    reader = TextReader(log_format, continuation=None, line_rules=line_rules, mode="lenient")
    frame = reader.read(lines)
    python = [(int(row["line_number"]), [str(row[name]) for name in reader.fields]) for _, row in frame.iterrows()]
    java, java_counts = _java_read(reader, lines)
    assert java == python
    assert java_counts["bad_lines"] == reader.report.bad_lines

#: Formats whose separators start with two or more ``\\s``, ``\\t`` or tabs, one a tab, before a run: fields that go
#: from a run's first possible end to its last ends in one step (readers._field_before_blank_classes) on both sides.
TAB_CLASS_FORMATS = [r"<A>\t\t - <B>", r"<A>\s\t - <B>", "<A>\t\\s - <B>\t\t", r"<A>\s\t\t - <B>\t\t-<C> end",
                     r"<A>\t - <B>"]
TAB_PIECES = [" ", "  ", "\t", "\t\t", "\t\t\t", " \t ", "-", " - ", "x", "\r", "\u00a0", "end", "\t" * 40,
              "\t\t " * 15]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(st.sampled_from(TAB_PIECES), max_size=12).map("".join), max_size=30),
       log_format=st.sampled_from(TAB_CLASS_FORMATS), line_rules=st.sampled_from([1, 2]))
def test_both_sides_read_the_same_records_with_tabs_before_two_blank_classes(jvm, lines, log_format, line_rules):
    _assert_both_sides_read_alike(jvm, lines, log_format, line_rules)


#: Formats with an optional segment after literal text (loghub's Mac format first), read by two plain formats'
#: regexes behind their guards on each side; pieces of Mac-like lines that make the segment fit, or nearly.
SEGMENT_FORMATS = [r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
                   r"<A> <B>:( \(<C>\))?: <D>", r"<A>  <B>x(  <C> \]x)?  <D>"]
SEGMENT_PIECES = ["Jul  1 09:00:55 host kernel[0]", "Jul", "  ", " ", "\t", "[", "]", "(", ")", " (0x7f8c)", ": ",
                  ":", "Error", "x", "]x", "a"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(st.sampled_from(SEGMENT_PIECES), max_size=12).map("".join), max_size=30),
       log_format=st.sampled_from(SEGMENT_FORMATS), line_rules=st.sampled_from([1, 2]))
def test_both_sides_read_the_same_records_with_an_optional_segment_after_literal_text(jvm, lines, log_format,
                                                                                      line_rules):
    reader = TextReader(log_format, continuation=None, line_rules=line_rules, mode="lenient")
    assert reader._segment is not None
    frame = reader.read(lines)
    python = [(int(row["line_number"]), [str(row[name]) for name in reader.fields]) for _, row in frame.iterrows()]
    java, java_counts = _java_read(reader, lines)
    assert java == python
    assert java_counts["bad_lines"] == reader.report.bad_lines


def test_the_drawn_logs_hold_what_the_rules_read_differently(jvm):
    """The pieces exercise every branch: under rules 2 a trace continues its record, a leading frame is set aside,
    a split run is a bad line; under rules 1 the same lines are records."""
    lines = [PIECES[6], PIECES[0], *PIECES[4:9], PIECES[12]]
    new = TextReader(FORMATS[0], mode="lenient")
    new.read(lines)
    old = TextReader(FORMATS[0], mode="lenient", line_rules=1)
    old.read(lines)
    assert new.report.bad_by_reason == {"no record to continue": 1, "no format match": 1}
    assert new.report.continuation_lines == 5 and new.report.records == 1
    assert old.report.records > 4
    for reader in (new, old):
        assert _java_read(reader, lines)[1]["records"] == reader.report.records


if __name__ == "__main__":   # pragma: no cover
    pytest.main([__file__, "-p", "no:faulthandler"])
