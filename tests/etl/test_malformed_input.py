"""Regression tests for the bugs the fuzz tests (test_fuzz_readers.py) turned up, one per bug."""

from __future__ import annotations

import gzip
import json
import time

import numpy as np
import pytest

from dl4j_bridge.etl import (SYSLOG_FORMAT, BadRecordError, CsvReader, EtlError, JsonLinesReader, Numeric,
                             Pipeline, SourceError, SpecError, TextReader, Timestamp, Windows)

HDFS_FORMAT = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
GOOD = "081109 203615 148 INFO dfs.DataNode: Receiving block blk_1"


@pytest.mark.parametrize("line_rules", [1, 2])   # 1: the guard, then the regex; 2: the atomic capture regex
@pytest.mark.parametrize("chunk_lines", [1, 100_000])  # line by line, and the block fast path
def test_a_long_line_the_format_does_not_match_is_rejected_at_once(chunk_lines, line_rules):
    """The format's regex backtracked exponentially: 800 characters took 35 s, 10,000 would never end."""
    hostile = "a " * 5000  # many spaces, no ':' -- every split into fields is tried
    reader = TextReader(HDFS_FORMAT, mode="lenient", continuation=None, chunk_lines=chunk_lines,
                        line_rules=line_rules)
    assert (reader._line_capture is not None) == (line_rules == 2)
    start = time.perf_counter()
    frame = reader.read([GOOD, hostile, GOOD, "x " * 1_000_000])
    assert time.perf_counter() - start < 10
    assert frame["line_number"].tolist() == [1, 3]
    assert reader.report.bad_by_reason == {"no format match": 2}


ZOOKEEPER_FORMAT = r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>"   # loghub's


@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_a_long_run_of_blanks_before_literal_text_is_read_in_linear_time(chunk_lines):
    """The capture regex tried a separator that starts with a run (" - ", " end ") from every blank of a long
    run, each attempt scanning the rest of the run: one line of 40,000 blanks took 6 s (loghub's Zookeeper
    format) and 24 s (a format ending in a blank), quadratic; the guard before it was slower still."""
    blanks = " " * 60_000
    cases = [(ZOOKEEPER_FORMAT, ["2015-07-29 x" + blanks + "y",
                                 "2015-07-29 19:04:12,394" + blanks + "- INFO  [main:QuorumPeer@1] - hi"],
              [2], {"Time": ["19:04:12,394"]}),
             ("<A> <B> - <C> end ", ["a b" + blanks + "x", "a b - c" + blanks + "y end ", "a b - c" + blanks],
              [2], {"C": ["c" + blanks + "y"]}),
             ("<A> <B> ", ["a b" + blanks + "x", "a b" + blanks + "x "], [2], {"B": ["b" + blanks + "x"]})]
    for log_format, lines, numbers, fields in cases:
        reader = TextReader(log_format, mode="lenient", continuation=None, chunk_lines=chunk_lines)
        assert reader._line_capture is not None
        start = time.perf_counter()
        frame = reader.read(lines)
        assert time.perf_counter() - start < 5, log_format
        assert frame["line_number"].tolist() == numbers
        for name, values in fields.items():
            assert frame[name].tolist() == values


@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_a_long_run_of_blanks_before_a_separator_led_by_a_space_class_or_a_tab_is_read_in_linear_time(chunk_lines):
    """A separator that starts with ``\\s`` (or a tab) and then a run (``<A>\\s - <B>``) was tried from every blank of a
    long run, each attempt scanning the rest of it: 10,000 blanks took 0.11 s, 100,000 took 11 s (quadratic)."""
    blanks, mixed = " " * 100_000, " \t" * 50_000
    cases = [(r"<A>\s - <B>", ["x" + blanks + "y", "x" + blanks + "y  - z"], {"A": "x" + blanks + "y", "B": "z"}),
             (r"<A>\s - <B>", ["x" + blanks + "-y", "x  - z" + blanks + "y"], {"A": "x", "B": "z" + blanks + "y"}),
             (r"<A>\s - <B>\s <C>\s ", ["x" + blanks + "y", "x \t- y\r" + blanks + "c\u00a0 "],
              {"A": "x", "B": "y", "C": "c"}),
             (r"<A>\t - <B>", ["x" + mixed + "y", "x" + mixed + "y\t - z"], {"A": "x" + mixed + "y", "B": "z"}),
             ("<A>\t - <B>\t  ", ["x" + mixed, "x\t - y" + mixed + "z\t  "], {"A": "x", "B": "y" + mixed + "z"})]
    for log_format, lines, fields in cases:
        reader = TextReader(log_format, mode="lenient", continuation=None, chunk_lines=chunk_lines)
        assert reader._line_capture is not None
        start = time.perf_counter()
        frame = reader.read(lines)
        assert time.perf_counter() - start < 5, log_format
        assert frame["line_number"].tolist() == [2], log_format
        assert {name: frame.loc[0, name] for name in fields} == fields, log_format


@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_a_long_run_of_blanks_before_a_run_and_space_class_or_in_an_old_spec_is_read_in_linear_time(chunk_lines):
    """``<A> \\s- <B>`` (no capture regex: the guard then the regex), ``\\s\\s - `` (a capture regex whose field tried
    the separator from every blank) and specs saved with line rules 1 (guard then regex) were quadratic in a run:
    10,000 blanks took 2.7 s, 0.24 s and 1.5 s, 100,000 minutes."""
    blanks = " " * 100_000
    cases = [(r"<A> \s- <B>", 2, ["x" + blanks + "y", "x" + blanks + "y  - z"], {"A": "x" + blanks + "y", "B": "z"}),
             (r"<A> \s- <B>", 2, ["x" + blanks + "y", "x \r- y" + blanks], {"A": "x", "B": "y" + blanks}),
             (r"<A>\s\s - <B>", 2, ["x" + blanks + "y", "x" + blanks + "y   - z"], {"A": "x" + blanks + "y", "B": "z"}),
             (r"<A>\s\s - <B>", 2, ["x" + blanks + "y  - ", "x" + blanks + "\r - z"],
              {"A": "x" + blanks[:-1], "B": "z"}),
             (r"<A>\s - <B>", 1, ["x" + blanks + "y", "x" + blanks + "y  - z"], {"A": "x" + blanks + "y", "B": "z"}),
             (r"<A> - <B>", 1, ["x" + blanks + "y", "x" + blanks + "y - z"], {"A": "x" + blanks + "y", "B": "z"}),
             (r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>", 1,
              ["d t - " + blanks + "y", "d t - INFO " + blanks + "[n:c@1] - z"], {"Level": "INFO", "Content": "z"})]
    for log_format, line_rules, lines, fields in cases:
        _assert_reads_the_second_line_only_and_soon(log_format, line_rules, chunk_lines, lines, fields)


@pytest.mark.parametrize("line_rules", [1, 2])
@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_a_long_run_of_tabs_before_a_separator_led_by_two_blank_classes_is_read_in_linear_time(line_rules,
                                                                                               chunk_lines):
    """``\\t\\t - `` and ``\\s\\t - `` (two ``\\s``/tabs, one a tab, then a run): the field before them tried the
    separator from every tab of a run of tabs, each attempt scanning the rest of it (quadratic: 30,000 tabs took
    2.7 s, 15 s under line rules 1), under both line rules (capture regex; guard and read regex); ``\\t - `` too
    under line rules 1 (its capture regex was linear already; 30,000 tabs took 15 s)."""
    tabs = "\t" * 100_000
    mixed = "\t\t " * 40_000
    cases = [(r"<A>\t\t - <B>", ["x" + tabs + "y", "x" + tabs + "y\t\t - z"], {"A": "x" + tabs + "y", "B": "z"}),
             (r"<A>\t\t - <B>", ["x" + tabs + "y", "x" + tabs + " - z"], {"A": "x", "B": "z"}),
             (r"<A>\s\t - <B>", ["x" + tabs + "y", "x" + tabs + "y \t - z"], {"A": "x" + tabs + "y", "B": "z"}),
             (r"<A>\s\t - <B>", ["x" + mixed + "y", "x" + mixed + "-  z"], {"A": "x", "B": "z"}),
             ("<A>\t\t - <B>", ["x" + mixed + "y", "x" + mixed + "y\t\t\t-\tz"], {"A": "x" + mixed + "y", "B": "z"}),
             (r"<A>\t - <B>", ["x" + tabs + "y", "x" + tabs + "y\t - z"], {"A": "x" + tabs + "y", "B": "z"})]
    for log_format, lines, fields in cases:
        _assert_reads_the_second_line_only_and_soon(log_format, line_rules, chunk_lines, lines, fields)


def _assert_reads_the_second_line_only_and_soon(log_format, line_rules, chunk_lines, lines, fields):
    """``lines`` read leniently with ``log_format``: only line 2 is a record, with ``fields``, within 5 s (a hang
    guard, not a speed figure: the quadratic shapes took minutes at these lengths); a capture regex under line
    rules 2 only."""
    reader = TextReader(log_format, mode="lenient", continuation=None, chunk_lines=chunk_lines, line_rules=line_rules)
    assert (reader._line_capture is not None) == (line_rules == 2), log_format
    start = time.perf_counter()
    frame = reader.read(lines)
    assert time.perf_counter() - start < 5, (log_format, line_rules)
    assert frame["line_number"].tolist() == [2], (log_format, line_rules)
    assert {name: frame.loc[0, name] for name in fields} == fields, (log_format, line_rules)


LINUX_FORMAT = r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>"   # loghub's, optional PID


@pytest.mark.parametrize("line_rules", [1, 2])
@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_a_format_with_an_optional_segment_reads_hostile_lines_in_linear_time(line_rules, chunk_lines):
    """Such formats were matched without the guard: 200 characters of "a " took 10 s (~n^4), and a line of
    20,000 '[' took 10 s whether it matched (": x" at its end) or not (quadratic: each '[' was tried)."""
    good = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure"
    lines = [good, "a " * 5000, "Jun 14 15:16:01 combo " + "[" * 200_000, "Jun 14 15:16:01 combo " + "[" * 200_000
             + ": x", "Jun 14 15:16:01 combo " + "[" * 200_000 + "]: x", good.replace("[19939]", "")]
    reader = TextReader(LINUX_FORMAT, mode="lenient", continuation=None, chunk_lines=chunk_lines,
                        line_rules=line_rules)
    start = time.perf_counter()
    frame = reader.read(lines)
    assert time.perf_counter() - start < 10
    assert frame["line_number"].tolist() == [1, 4, 5, 6]
    assert frame["PID"].tolist() == ["19939", None, "[" * 199_999, None]
    assert frame["Component"].tolist() == ["sshd(pam_unix)", "[" * 200_000, "", "sshd(pam_unix)"]
    assert reader.report.bad_by_reason == {"no format match": 2}


MAC_FORMAT = r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>"   # loghub's


@pytest.mark.parametrize("line_rules", [1, 2])
@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_a_format_with_an_optional_segment_after_literal_text_reads_hostile_lines_in_linear_time(line_rules,
                                                                                                 chunk_lines):
    """loghub's Mac format (the segment after ``\\]``) had no guard: a line that does not match, with runs of
    blanks, took 1.8 s at 15 blanks and ~100 s at 25 (line rules 1; the JVM 5.3 s at 20)."""
    blanks = " " * 10_000
    good = "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::listenerCallback"
    address = "Jul  1 09:01:05 calvisitor-10-105-160-95 com.apple.CDScheduler[43]: Thermal pressure state: 1"
    with_address = "Jul  1 09:02:26 calvisitor-10-105-160-95 quicklookd[38023] (0x7f8c): Error returned"
    lines = [good, "Jul  7 12:15:44 host quicklookd[38023]" + blanks + ": Error ret" + blanks,
             "Jul  7 12:15:44 host quicklookd[38023]" + blanks + "(x) : Error ret" + blanks, address, with_address,
             "Jul  7 12:15:44 host quicklookd[38023] (0x1)" + blanks + ": ok" + blanks, "a " * 5000]
    reader = TextReader(MAC_FORMAT, mode="lenient", continuation=None, chunk_lines=chunk_lines, line_rules=line_rules)
    start = time.perf_counter()
    frame = reader.read(lines)
    assert time.perf_counter() - start < 5
    assert frame["line_number"].tolist() == [1, 4, 5]
    assert frame["Address"].tolist() == [None, None, "0x7f8c"]
    assert frame["PID"].tolist() == ["0", "43", "38023"]
    assert reader.report.bad_by_reason == {"no format match": 4}


def test_a_long_line_that_matches_is_read_whole():
    content = "word " * 200_000
    frame = TextReader(HDFS_FORMAT).read([GOOD, "081109 203615 148 INFO dfs.DataNode: " + content])
    assert frame.loc[1, "Content"] == content


def test_megabyte_lines_are_read_or_counted_in_every_reader(tmp_path):
    big = "x" * 2_000_000
    json_reader = JsonLinesReader(["a"], mode="lenient")
    assert json_reader.read(['{"a": "%s"}' % big, '{"a": 1}']).loc[0, "a"] == big
    csv_reader = CsvReader(["a", "b"], mode="lenient")
    frame = csv_reader.read(["a,b", big + ",1", "c,2"])
    # Python's csv refuses cells over csv.field_size_limit() (128 KiB): counted with its line, never lost
    assert frame["line_number"].tolist() == [3]
    assert csv_reader.report.bad_by_reason == {"malformed CSV": 1} and csv_reader.report.unaccounted_lines == 0


def test_deeply_nested_json_is_a_bad_line_not_a_recursion_error(tmp_path):
    quarantine = tmp_path / "bad.jsonl"
    reader = JsonLinesReader(["a"], mode="lenient", quarantine=quarantine)
    frame = reader.read(['{"a": 1}', "[" * 100_000, '{"a": ' + "[" * 5000 + "]" * 5000 + "}"])
    assert frame["a"].tolist() == [1]
    assert reader.report.bad_by_reason == {"invalid JSON": 2}
    reasons = [json.loads(line)["reason"] for line in quarantine.read_text().splitlines()]
    assert reasons == ["invalid JSON: nested deeper than 200 levels"] * 2


def test_json_nested_deeper_than_the_limit_is_bad_on_both_sides_whatever_the_recursion_limit(jvm):
    import jpype

    from dl4j_bridge.etl.readers import JSON_MAX_DEPTH

    def line(depth, inside_string=False):
        nested = "[" * (depth - 1) + "1" + "]" * (depth - 1)
        return '{"a": 1, "x": %s}' % (json.dumps(nested) if inside_string else nested)

    lines = [line(JSON_MAX_DEPTH), line(JSON_MAX_DEPTH + 1), line(900), line(5000, inside_string=True),
             '{"a": 2, "s": "\\"[[[", "x": %s}' % ("[" * 250 + "]" * 250)]
    reader = JsonLinesReader(["a"], mode="lenient")
    assert reader.read(lines)["line_number"].tolist() == [1, 4]     # brackets inside strings do not count
    assert reader.report.bad_by_reason == {"invalid JSON": 3}
    deeper = jpype.JClass("io.dl4jbridge.etl.JsonValues").nestedDeeperThan
    assert JSON_MAX_DEPTH == jpype.JClass("io.dl4jbridge.etl.JsonValues").MAX_DEPTH
    assert [bool(deeper(text, JSON_MAX_DEPTH)) for text in lines] == [False, True, True, False, True]


def test_integers_beyond_int64_and_float64_are_wrong_types_not_crashes():
    lines = ['{"a": %d, "b": %d}' % (10**30, 10**400), '{"a": 1e300, "b": 5}', '{"a": 7, "b": -%d}' % 10**400,
             '{"a": 8, "b": %d}' % 10**300]
    reader = JsonLinesReader(["a", "b"], types={"a": "int", "b": "float"}, mode="lenient")
    frame = reader.read(lines)
    assert frame["a"].tolist() == [8] and frame["b"].tolist() == [1e300]   # beyond float64: no number at all
    assert reader.report.bad_by_reason == {"wrong type": 3}
    with pytest.raises(BadRecordError, match=r"<lines>:1: field 'a' wrong type: expected int"):
        JsonLinesReader(["a"], types={"a": "int"}).read(lines)


def test_a_lone_surrogate_escape_in_json_is_read_as_a_replacement_character_and_counted():
    reader = JsonLinesReader(["a"], mode="strict")
    lines = ['{"a": "x\\ud800y"}', '{"a": "\\ud83d\\ude00"}', '{"a": "\\\\ud800"}', '{"a": "\\udc00\\ud800"}']
    frame = reader.read(lines)   # strict: no bad line (the JVM reads the same)
    # a surrogate pair is one character; an escaped backslash is no escape; lone ones become U+FFFD
    assert frame["a"].tolist() == ["x\ufffdy", "\U0001f600", "\\ud800", "\ufffd\ufffd"]
    assert reader.report.undecodable_lines == 2 and reader.report.bad_lines == 0


def test_line_number_is_reserved_in_every_reader():
    with pytest.raises(SpecError, match="reserved for the line number"):
        JsonLinesReader({"line_number": "n"})
    with pytest.raises(SpecError, match="reserved"):
        TextReader(regex=r"(?P<line_number>\d+) (?P<msg>.*)")
    with pytest.raises(BadRecordError, match=r"<lines>:2: field 'line_number' is reserved"):
        JsonLinesReader(mode="lenient").read(['{"a": 1}', '{"line_number": "x"}'])  # was silently overwritten
    with pytest.raises(BadRecordError, match=r"<lines>:1: field 'line_number' is reserved"):
        CsvReader(mode="lenient").read(["line_number,b", "x,1"])
    # the way out the message names
    frame = JsonLinesReader({"line": "line_number"}).read(['{"line_number": "x"}'])
    assert frame[["line", "line_number"]].values.tolist() == [["x", 1]]


@pytest.mark.parametrize("kind", ["text", "jsonl", "csv"])
def test_a_byte_order_mark_is_not_part_of_the_first_line(tmp_path, kind):
    body = {"text": GOOD + "\n", "jsonl": '{"a": "x"}\n', "csv": "a,b\nx,1\n"}[kind]
    path = tmp_path / "bom.log"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    reader = {"text": TextReader(HDFS_FORMAT), "jsonl": JsonLinesReader(["a"]), "csv": CsvReader(["a", "b"])}[kind]
    frame = reader.read(path)
    first = {"text": "Date", "jsonl": "a", "csv": "a"}[kind]
    assert frame.loc[0, first] == {"text": "081109", "jsonl": "x", "csv": "x"}[kind]
    assert reader.read([body.splitlines()[0].join(["\ufeff", ""])] + body.splitlines()[1:]).loc[0, first] \
        == frame.loc[0, first]


@pytest.mark.parametrize("header, message", [
    ('"a,b', "malformed CSV header"),  # was an uncaught csv.Error
    ("", "the first line must be the CSV header and it is empty"),  # every row was "malformed"
    ("a,a", r"the CSV header names \['a'\] more than once"),  # the first 'a' column was silently lost
])
def test_a_csv_header_that_cannot_be_used_is_an_error_naming_line_1(header, message):
    with pytest.raises(BadRecordError, match=r"<lines>:1: " + message):
        CsvReader(mode="lenient").read([header, "x,1"])


def test_csv_rows_spanning_lines_are_accounted_for_and_bad_rows_keep_their_text(tmp_path):
    quarantine = tmp_path / "bad.jsonl"
    reader = CsvReader(["a", "b"], mode="lenient", quarantine=quarantine)
    frame = reader.read(["a,b", '"multi', 'line",1', '"x"y,2', "", "c,3"])
    assert frame["line_number"].tolist() == [2, 6]
    report = reader.report
    assert (report.lines, report.header_lines, report.records, report.continuation_lines, report.blank_lines,
            report.bad_lines, report.unaccounted_lines) == (6, 1, 2, 1, 1, 1, 0)
    (row,) = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert row["line"] == 4 and row["text"] == '"x"y,2' and row["reason"].startswith("malformed CSV")


def test_a_truncated_gzip_is_a_source_error_naming_the_file(tmp_path):
    whole = gzip.compress((GOOD + "\n").encode() * 50_000)
    truncated = tmp_path / "cut.log.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SourceError, match=r"cut\.log\.gz: cannot read past line \d+: EOFError.*truncated"):
        TextReader(HDFS_FORMAT, mode="lenient").read(truncated)
    garbage = tmp_path / "garbage.gz"
    garbage.write_bytes(b"\x1f\x8b\x08not gzip at all")
    with pytest.raises(SourceError, match="garbage.gz: cannot read past line 0"):
        JsonLinesReader(mode="lenient").read(garbage)


def test_a_gz_is_read_member_by_member_and_data_after_its_gzip_stream_is_refused(tmp_path):
    """cat a.gz b.gz is valid gzip (every member read, zero padding skipped); cat a.gz; printf junk is refused
    with a TrailingDataError saying so (the JVM scorer says the same; its GZIPInputStream used to drop the junk)."""
    import io

    from dl4j_bridge.etl import ByteStream, TrailingDataError
    from dl4j_bridge.etl.sources import GzipInput

    first, second = [f"{GOOD} {i}" for i in range(3)], [f"{GOOD} {i}" for i in range(3, 5)]
    a, b = gzip.compress(("\n".join(first) + "\n").encode()), gzip.compress("\n".join(second).encode())
    members = tmp_path / "members.log.gz"
    members.write_bytes(a + gzip.compress(b"") + b + b"\0" * 4)
    reader = TextReader(HDFS_FORMAT, mode="lenient")
    assert reader.read(members)["Content"].tolist() == [line.split(": ", 1)[1] for line in first + second]
    for tail in (b"junk", b"j", b"\x1f", b"\0\0x"):
        junk = tmp_path / "junk.log.gz"
        junk.write_bytes(a + b + tail)
        with pytest.raises(TrailingDataError, match=r"junk\.log\.gz: cannot read past line \d+: the data after the "
                           r"gzip stream is not gzip .* decompress the gzip part with 'zcat FILE > FILE\.txt'"):
            reader.read(junk)
        with pytest.raises(TrailingDataError, match=r"^pipe\.gz: cannot read past line"):   # a stream, as a pipe
            reader.read(ByteStream(GzipInput(io.BufferedReader(io.BytesIO(a + b + tail))), "pipe.gz"))
    not_gzip = tmp_path / "plain.log.gz"   # no gzip at all: the general message, not this one
    not_gzip.write_bytes(GOOD.encode())
    with pytest.raises(SourceError, match=r"cannot read past line 0: BadGzipFile: Not a gzipped file") as raised:
        reader.read(not_gzip)
    assert not isinstance(raised.value, TrailingDataError)


def test_undecodable_bytes_are_counted_and_replaced_as_python_would(tmp_path):
    data = GOOD.encode() + b"\n" + GOOD.encode() + b" \xff\xe2\x82 end\r\n" + GOOD.encode() + b"\xc3"
    path = tmp_path / "latin.log"
    path.write_bytes(data)
    reader = TextReader(HDFS_FORMAT)
    frame = reader.read(path)
    assert reader.report.undecodable_lines == 2 and reader.report.records == 3
    expected = data.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    assert frame["Content"].tolist() == [TextReader(HDFS_FORMAT).read([line]).loc[0, "Content"] for line in expected]


def test_huge_numbers_fail_the_fit_with_what_to_do_and_saturate_when_scored():
    lines = ['{"b": %s}' % value for value in ("1", "2", "1e300")]
    etl = Pipeline(JsonLinesReader(["b"]), [Numeric("b")], sequence=Windows(length=1))
    with pytest.raises(EtlError, match=r"Numeric\('b'\).*too large to scale.*log1p=True"):  # was OverflowError
        etl.fit(lines)
    fitted = Pipeline(JsonLinesReader(["b"]), [Numeric("b")], sequence=Windows(length=1)).fit(lines[:2])
    x = fitted.transform(lines + ['{"b": %d}' % 10**400]).x[:, 0, 0]  # 10**400: missing -> the mean
    assert np.all(np.isfinite(x)) and x[2] == np.finfo(np.float32).max and x[3] == 0.0


def test_timestamps_outside_the_nanosecond_range_do_not_crash():
    lines = ['{"t": "2024-01-01T00:00:00Z"}', '{"t": "0001-01-01T00:00:00Z"}', '{"t": "9999-12-31T00:00:00Z"}']
    etl = Pipeline(JsonLinesReader(["t"]), [Timestamp("t")], sequence=Windows(length=1)).fit(lines)
    seconds = etl.transforms[0].seconds(etl.records(lines))
    assert seconds.tolist() == [1704067200.0, -62135596800.0, 253402214400.0]


def test_a_transform_error_names_the_source_file_not_records(tmp_path):
    path = tmp_path / "app.jsonl"
    path.write_text('{"b": 1}\n{"c": 2}\n')
    etl = Pipeline(JsonLinesReader(["b", "c"]), [Numeric("b", missing="error")], sequence=Windows(length=1))
    with pytest.raises(BadRecordError, match=rf"{path}:2: field 'b' missing value"):
        etl.fit(path)


def test_no_training_records_says_why_and_what_to_do():
    etl = Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"), [Numeric("Pid")], sequence=Windows(length=1))
    with pytest.raises(EtlError, match=r"no training records in <lines> \(3 lines: 0 records, 2 bad .*1 blank\)"
                                       r".*quarantine"):
        etl.fit(["nope", "", "nope again"])


def test_strict_mode_names_the_first_bad_line_whichever_check_finds_it():
    """The checks run check by check over a whole chunk (column counts before types), so strict mode named
    line 21 (a wrong column count) before line 10 (a wrong type); the JVM, reading line by line, said 10."""
    lines = ["time,value"] + [f"2024-01-01T00:00:{i:02d},{i}.5" for i in range(1, 30)]
    lines[9] = "2024-01-01T00:00:09,abc"           # line 10: wrong type
    lines[20] = "2024-01-01T00:00:20,1.5,extra"    # line 21: one cell too many
    with pytest.raises(BadRecordError) as error:
        CsvReader(types={"value": "float"}, mode="strict").read(lines)
    assert (error.value.line, error.value.field) == (10, "value"), str(error.value)
    only_late = lines[:9] + ["2024-01-01T00:00:09,9.5"] + lines[10:]
    with pytest.raises(BadRecordError) as error:
        CsvReader(types={"value": "float"}, mode="strict").read(only_late)
    assert error.value.line == 21
    with pytest.raises(BadRecordError, match=r"<lines>:3: .*wrong type"):   # a chunk of bad lines only
        CsvReader(types={"value": "float"}, mode="strict", chunk_lines=1).read(lines[:1] + ["t,1", "t,x"])


def test_non_finite_numbers_in_a_float_field_are_a_wrong_type_as_nan_is():
    """'inf', '-Infinity' and 1e400 (float64 overflow) passed the float check and then became the training mean,
    silently, while 'NaN' was a bad line: all are bad lines now, in CSV and JSON lines."""
    lines = ["time,value", "t,1.5", "t,NaN", "t,inf", "t,-Infinity", "t,1e400", "t,", "t,2.5"]
    reader = CsvReader(types={"value": "float"}, mode="lenient")
    frame = reader.read(lines)
    assert frame["value"].tolist()[:1] == [1.5] and len(frame) == 3 and frame["value"].isna().sum() == 1
    assert reader.report.bad_lines == 4 and reader.report.bad_by_reason == {"wrong type": 4}
    json_reader = JsonLinesReader(["v"], types={"v": "float"}, mode="lenient")
    json_frame = json_reader.read(['{"v": 1e400}', '{"v": -1e999}', '{"v": 2.0}', '{"v": null}'])
    assert len(json_frame) == 2 and json_reader.report.bad_lines == 2


@pytest.mark.parametrize("kind", ["text", "jsonl", "csv"])
def test_strict_mode_stops_within_a_block_of_the_first_bad_line_even_when_no_line_is_good(kind):
    """Deferring the strict error to the end of a chunk must not read on: a wrong format or a file of another
    kind is refused after the first block, not after the whole input (or never, on a stream left open)."""
    read = {"n": 0}

    def garbage():
        if kind == "csv":
            yield "a,b"
        for number in range(10 ** 9):   # "endless": the reader must stop long before
            read["n"] = number
            yield "1,2,3" if kind == "csv" else "}} not a record {{"

    reader = {"text": TextReader("<Level> <Pid> <Content>", types={"Pid": "int"}, chunk_lines=1000),
              "jsonl": JsonLinesReader(["a"], chunk_lines=1000),
              "csv": CsvReader(["a", "b"], chunk_lines=1000)}[kind]
    with pytest.raises(BadRecordError) as error:
        reader.read(garbage())
    assert error.value.line == (2 if kind == "csv" else 1) and read["n"] < 5000


def test_strict_mode_checks_the_held_back_text_record_before_naming_a_later_bad_line():
    lines = ["A 1 ok", "A 2 ok", "A abc ok", "garbage", "A 5 ok"]
    with pytest.raises(BadRecordError) as error:
        TextReader("<Level> <Pid> <Content>", types={"Pid": "int"}).read(lines)
    assert (error.value.line, error.value.field) == (3, "Pid")
    with pytest.raises(BadRecordError) as error:
        TextReader("<Level> <Pid> <Content>", types={"Pid": "int"}).read(["A 1 ok", "A abc ok", "garbage"])
    assert (error.value.line, error.value.field) == (2, "Pid")   # the held-back record, checked first


def test_bad_lines_by_reason_are_in_the_order_of_each_reasons_first_line(caplog):
    """As the JVM counts them (line by line): Python's chunk checks run one after the other, so a wrong type on line 1
    was counted after an invalid JSON line below it, and the warning's (and 'every line was bad''s) dict differed."""
    lines = ['{"msg": "x", "n": "a"}', "not json", '{"msg": "y", "n": "b"}', "[1]", '{"msg": "z", "n": 3}']
    reader = JsonLinesReader({"msg": "msg", "n": "n"}, types={"n": "int"}, mode="lenient")
    with caplog.at_level("WARNING"):
        reader.read(lines)
    assert list(reader.report.bad_by_reason.items()) == [("wrong type", 2), ("invalid JSON", 1),
                                                          ("not a JSON object", 1)]
    assert "4 bad lines {'wrong type': 2, 'invalid JSON': 1, 'not a JSON object': 1}" in caplog.text


@pytest.mark.parametrize("make", [lambda **o: TextReader(SYSLOG_FORMAT, **o), lambda **o: JsonLinesReader(**o),
                                  lambda **o: CsvReader(**o)], ids=["text", "json", "csv"])
def test_a_quarantine_with_strict_reading_is_refused_before_any_file_is_made(tmp_path, make):
    # strict reading raised at the first bad line and quarantined nothing, yet created the (empty) file
    quarantine = tmp_path / "bad.jsonl"
    with pytest.raises(EtlError, match=r"needs mode='lenient'.*pass mode='lenient', or leave out quarantine"):
        make(quarantine=quarantine)
    with pytest.raises(EtlError, match="needs mode='lenient'"):
        make(quarantine=quarantine, mode="strict")
    assert not quarantine.exists()
    assert make(quarantine=quarantine, mode="lenient").quarantine == str(quarantine)
