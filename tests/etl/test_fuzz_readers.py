"""Fuzz tests (hypothesis) of every reader and of the whole ETL pipeline.

The properties: bad input never crashes (only the ETL's typed errors, which name file, line and field),
never hangs (each example is bounded by a deadline and the inputs by size), and in lenient mode every
physical line is accounted for (``ReadReport.unaccounted_lines == 0``; the quarantine names the line and
the reason of every rejected one).

``make test`` runs the ``ci`` profile (bounded and derandomized, so CI is reproducible; see
tests/conftest.py). For a long local search::

    python -m pytest -p no:faulthandler --hypothesis-profile=thorough tests/etl/test_fuzz_readers.py
"""

from __future__ import annotations

import gzip
import itertools
import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings  # a dev dependency: pip install -e ".[dev]"
from hypothesis import strategies as st

from dl4j_bridge.etl import (
    SYSLOG_FORMAT, AbsentFieldError, BadRecordError, Categorical, CsvReader, EncodingError, EtlError, IpAddress, JsonLinesReader, Label,
    Numeric, Pipeline, Port, Sessions, Template, TextReader, Timestamp, Windows)
from dl4j_bridge.etl import readers
from dl4j_bridge.etl.readers import format_capture, format_guard, format_to_regex

# files on disk per example: hypothesis' function-scoped-fixture check does not apply (fresh names)
FILES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------------
#: Characters that break parsers: separators, quotes, escapes, control characters, a BOM, U+FFFD,
#: Unicode line separators (lines are split on "\n" only), a lone CR, astral and combining characters.
NASTY = list(" \t,;:|[]{}()\"'\\/-@=*?.$^+<>") + ["\r", "\x00", "\x0b", "\x0c", "\x1c", "\x85", "\u2028",
                                                  "\ufeff", "\ufffd", "\U0001f600", "\u0301", "\u00e9"]
nasty_text = st.text(alphabet=st.sampled_from(NASTY) | st.characters(codec="utf-8", exclude_characters="\n"),
                     max_size=40)

#: Raw bytes: random, invalid UTF-8 sequences, BOMs, CRLF / CR, NUL, long runs.
byte_pieces = st.one_of(
    st.binary(max_size=30),
    st.sampled_from([b"\n", b"\r\n", b"\r", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3", b"\xe2\x82",
                     b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b'"', b",", b"{", b"}", b"[", b"]", b" ",
                     b"\t"]),
    st.text(max_size=20).map(lambda s: s.encode("utf-8")),
)
raw_bytes = st.lists(byte_pieces, max_size=40).map(b"".join)

JSON_FIELDS = ["t", "s", "m", "b", "ip", "p", "l"]
JSON_LITERALS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" * 400, "-" + "9" * 30, "1e308", "true",
                 "null", "[]", "{}", '[1, {"a": null}]', '{"x": {"y": [1, 2]}}', '""', '"\\u0000"', '"\\ud800"',
                 "0.1", "-0", "2e-400", '"2024-01-01T00:00:00Z"', '"0001-01-01T00:00:00Z"', '"10.0.0.1"', '"::1"',
                 '"65536"', '"-1"', '"nan"', '"inf"', '"1e400"']


@st.composite
def json_value(draw):
    """A JSON literal text: the odd ones above, or a random JSON value."""
    if draw(st.booleans()):
        return draw(st.sampled_from(JSON_LITERALS))
    value = draw(st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | nasty_text,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
        max_leaves=6))
    return json.dumps(value)


@st.composite
def json_line(draw):
    """A JSON object line with some of the pipeline's fields (odd types included), or a broken one."""
    fields = draw(st.lists(st.sampled_from(JSON_FIELDS + ["line", "x.y"]), max_size=8, unique=True))
    text = "{" + ", ".join(f'"{name}": {draw(json_value())}' for name in fields) + "}"
    mutation = draw(st.sampled_from(["none", "none", "none", "truncate", "garbage", "blank", "array", "deep"]))
    if mutation == "truncate":
        text = text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    elif mutation == "garbage":
        text = draw(nasty_text)
    elif mutation == "blank":
        text = draw(st.sampled_from(["", " ", "\t", "\r"]))
    elif mutation == "array":
        text = "[" + text + "]"
    elif mutation == "deep":
        text = "[" * 5000 + "]" * draw(st.integers(0, 3))  # deeper than Python's recursion limit
    return text


def syslog_line(draw):
    month = draw(st.sampled_from(["Jan", "Feb", "Dec", "Foo", ""]))
    pid = draw(st.integers(-5, 10**30))
    return f"{month} {draw(st.integers(0, 40))} 10:0{draw(st.integers(0, 9))}:00 host{draw(nasty_text)} " \
           f"sshd[{pid}]: {draw(nasty_text)}"


@st.composite
def text_log_line(draw):
    kind = draw(st.sampled_from(["record", "record", "record", "continuation", "garbage", "blank", "long"]))
    if kind == "record":
        return syslog_line(draw)
    if kind == "continuation":
        return draw(st.sampled_from(["\tat x.y(Z.java:1)", "Caused by: boom", "... 3 more", "    more"]))
    if kind == "garbage":
        return draw(nasty_text)
    if kind == "blank":
        return draw(st.sampled_from(["", " ", "\t\t"]))
    # a long line with many separators that does not match the format (exponential for a backtracking regex)
    return draw(st.sampled_from(["a ", "a b ", "x\t", "[a] "])) * draw(st.integers(100, 3000))


def physical_lines(data: bytes) -> int:
    """Lines as the readers count them: split on b"\\n", a final terminator ends the last line."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def write(tmp_path, data: bytes, compressed: bool, name: str = "input"):
    path = tmp_path / (name + (".log.gz" if compressed else ".log"))
    path.write_bytes(gzip.compress(data, mtime=0) if compressed else data)
    return path


def make_readers(quarantine=None, mode="lenient"):
    options = {"mode": mode, "quarantine": quarantine, "chunk_lines": 3}
    return {
        "text format": TextReader(SYSLOG_FORMAT, **options),
        "text regex": TextReader(regex=r"(?<level>[A-Z]+) (?<msg>.*)", continuation=None, **options),
        "jsonl": JsonLinesReader({"m": "m", "b": ["b", "x.y"], "ok": "l"}, types={"b": "float", "ok": "bool"},
                                 **options),
        "jsonl all keys": JsonLinesReader(None, **options),
        "csv": CsvReader(["a", "b"], types={"b": "int"}, **options),
        "csv all columns": CsvReader(None, delimiter=";", **options),
    }


# --------------------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------------------
def check_absent_field(reader, source, error: AbsentFieldError) -> None:
    """A mapped field the input lacks: named with the file and the fields the input has, which lack it."""
    assert error.file == str(source) and error.field in reader.aliases, error
    assert error.names == reader.aliases[error.field]
    assert not set(error.names) & set(error.available), error
    if isinstance(reader, CsvReader):
        assert error.line == 1 and str(error).startswith(f"{source}:1: ")
    else:
        assert error.line is None and error.records >= 1 and str(error).startswith(f"{source}: ")


def check_lenient_read(reader, source, n_lines: int, quarantine) -> None:
    frame = None
    try:
        frame = reader.read(source)
    except AbsentFieldError as error:
        check_absent_field(reader, source, error)
        if isinstance(reader, CsvReader):
            return  # refused at the header
        # JSON lines: decided at the end of the read, which is complete (report and quarantine)
    except BadRecordError as error:
        # in both modes: a CSV header that cannot be used (there are no columns to read), or input naming
        # a field after the reserved line_number column
        assert (isinstance(reader, CsvReader) and error.line == 1) or error.field == "line_number", error
        return
    report = reader.report
    assert report.lines == n_lines
    assert report.unaccounted_lines == 0, report
    numbers = np.array([], dtype=np.int64)
    if frame is not None:
        assert len(frame) == report.records
        numbers = frame["line_number"].to_numpy()
    assert np.all(np.diff(numbers) > 0) and (len(numbers) == 0 or (numbers[0] >= 1 and numbers[-1] <= n_lines))
    rejected = [json.loads(line) for line in quarantine.read_text(encoding="utf-8").split("\n") if line]
    assert len(rejected) == report.bad_lines == sum(report.bad_by_reason.values())
    for row in rejected:
        assert 1 <= row["line"] <= n_lines and row["reason"] and row["source"] == report.source
        assert row["field"] is None or row["field"] in reader.fields
    assert not set(numbers) & {row["line"] for row in rejected}


def check_strict_read(reader, source, n_lines: int) -> None:
    try:
        reader.read(source)
    except AbsentFieldError as error:
        check_absent_field(reader, source, error)
        return
    except BadRecordError as error:
        assert 1 <= error.line <= max(n_lines, 1)
        assert error.file == str(source) and str(error).startswith(f"{source}:{error.line}:")
        assert error.field is None or error.field in reader.fields + ["line_number"]
        return
    assert reader.report.bad_lines == 0 and reader.report.unaccounted_lines == 0


# --------------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------------
@FILES
@given(data=raw_bytes, compressed=st.booleans())
@example(data=b"", compressed=False)  # an empty file
@example(data=b"", compressed=True)
@example(data=b"\n  \n\t\n\r\n", compressed=False)  # only blank lines
@example(data=b"\xef\xbb\xbf", compressed=False)  # only a byte order mark
@example(data=b"\xef\xbb\xbfa,b\r\n1,2\r\n", compressed=True)
@example(data=b"\xff\xfe\x00\x00\n\xc3", compressed=False)  # invalid UTF-8, NUL
def test_every_reader_accounts_for_every_line_of_random_bytes(tmp_path, data, compressed):
    path = write(tmp_path, data, compressed)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):   # a UTF-16 byte-order mark: refused in both modes, whole
        for reader in list(make_readers(tmp_path / "bad.jsonl").values()) + list(make_readers(mode="strict").values()):
            with pytest.raises(EncodingError, match="encoding='utf-16'"):
                reader.read(path)
        return
    quarantine = tmp_path / "bad.jsonl"
    for name, reader in make_readers(quarantine).items():
        check_lenient_read(reader, path, physical_lines(data), quarantine)
    for name, reader in make_readers(mode="strict").items():
        check_strict_read(reader, path, physical_lines(data))


@FILES
@given(lines=st.lists(json_line(), max_size=25), crlf=st.booleans())
def test_json_lines_with_odd_types_are_read_or_quarantined(tmp_path, lines, crlf):
    data = ("\r\n" if crlf else "\n").join(lines).encode("utf-8", "surrogatepass")
    path = write(tmp_path, data, compressed=False)
    quarantine = tmp_path / "bad.jsonl"
    for key in ("jsonl", "jsonl all keys"):
        check_lenient_read(make_readers(quarantine)[key], path, physical_lines(data), quarantine)
        check_strict_read(make_readers(mode="strict")[key], path, physical_lines(data))


@st.composite
def csv_text(draw):
    header = draw(st.sampled_from(["a,b", "a,b,c", "b,a", "\ufeffa,b", "a,a", "", '"a\nb",c', "line_number,a"]))
    cell = st.one_of(nasty_text.filter(lambda s: "\n" not in s), st.sampled_from(
        ['"x,y"', '"multi\nline"', '"unterminated', '""', '"a""b"', '"a"b', "1e400", "9" * 30, "-3", "x\ry"]))
    rows = draw(st.lists(st.lists(cell, max_size=4).map(",".join), max_size=20))
    return "\n".join([header] + rows)


@FILES
@given(text=csv_text())
def test_csv_rows_of_every_shape_are_read_or_quarantined(tmp_path, text):
    data = text.encode("utf-8", "surrogatepass")
    path = write(tmp_path, data, compressed=False)
    quarantine = tmp_path / "bad.jsonl"
    for fields in (["a", "b"], None):
        reader = CsvReader(fields, types={"b": "int"} if fields else None, mode="lenient", quarantine=quarantine,
                           chunk_lines=2)
        check_lenient_read(reader, path, physical_lines(data), quarantine)
        check_strict_read(CsvReader(fields, mode="strict"), path, physical_lines(data))


@settings(deadline=30_000)  # generous: long lines on a loaded machine; a backtracking hang takes minutes
@given(lines=st.lists(text_log_line(), max_size=30), chunk=st.integers(1, 7))
def test_text_records_and_continuations_are_the_same_in_any_chunking(lines, chunk):
    """The block fast path and the line-by-line path agree, and every line is accounted for."""
    one = TextReader(SYSLOG_FORMAT, mode="lenient", chunk_lines=chunk)
    whole = TextReader(SYSLOG_FORMAT, mode="lenient", chunk_lines=10_000)
    a, b = one.read(lines), whole.read(lines)
    assert a.equals(b)
    for report in (one.report, whole.report):
        assert report.lines == len(lines) and report.unaccounted_lines == 0, report


FORMATS = {
    "hdfs": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "hadoop": r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "zookeeper": r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
    "healthapp": r"<Time>\|<Component>\|<Pid>\|<Content>",
    "apache": r"\[<Time>\] \[<Level>\] <Content>",
    "syslog": SYSLOG_FORMAT,
    "literal end": "<A> <B> - <C> end ",
    "adjacent": "<A><B> <C>",
    "leading": " x <A>  <B>",
    "tab after a run": "<A> \\t<B> <C>",
    "tab before a run": "<A>\\t <B>",
    "trailing blanks": "<A> <B>: ",
    "optional segment": r"<A> <B>(\[<C>\])?: <D>",
    "optional segment at the end": r"<A> <B>(?:\[<C>\])?",
    "optional segment after text": r"<A> <B>\]( \[<C>\])?: <D>",   # loghub Mac's shape
}

#: Formats with an optional segment (readers.optional_segment): read with two plain formats' regexes.
SEGMENT_FORMATS = [r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>", r"<A> <B>(\[<C>\])? x <D>",
                   r"<A>(?:x<B>y)?<C> end", r"<A> <B>(\[<C>\])?", r"<A>(<<B>>)?: <C>:",
                   # after literal text, blanks in the segment (loghub's Mac format: `\]( \(<Address>\))?: `)
                   r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
                   r"<A> <B>:( \(<C>\))?: <D>", r"<A>x( y<B> z)?<C> end", r"<A>:(?: <B> -)?<C>:", r"<A> <B>\]( <C>)?"]


@given(name=st.sampled_from(sorted(FORMATS)), line_rules=st.sampled_from([1, 2]),
       line=st.text(alphabet=st.sampled_from(list("a  \t:[]-|@,ebx")), max_size=16))
def test_the_format_guard_accepts_exactly_the_lines_the_format_matches(name, line_rules, line):
    guard = re.compile(format_guard(FORMATS[name], line_rules))
    pattern = re.compile(format_to_regex(FORMATS[name], line_rules)[1])
    assert bool(guard.match(line)) == bool(pattern.match(line))


#: Formats whose guard and regex differ (a run of blanks before literal text that may match a blank): no capture
#: regex; "pipe" and loghub's bracketed formats have one (escaped punctuation after a run).  A back-reference
#: (``\1``: the separator matches what field A took, so a longer A may be what lets the line match): no capture
#: regex and no guard either.
CAPTURE_FORMATS = dict(FORMATS, **{"escaped blank": r"<A> \ <B>", "class escape": r"<A> \s<B>",
                                    "literal tab": "<A> \t<B>", "tabs": r"<A> \t<B>\t<C>",
                                    "pipe": r"<A> \| <B> \|", "hex": r"<A> \x20<B>",
                                    "back-reference": r"<A>:<B>=\1"})


def test_the_capture_regex_exists_where_it_is_known_to_be_safe():
    made = {name for name, log_format in CAPTURE_FORMATS.items() if format_capture(log_format, 2) is not None}
    assert made == {"hdfs", "hadoop", "zookeeper", "healthapp", "apache", "syslog", "literal end", "adjacent",
                    "leading", "tab before a run", "trailing blanks", "pipe"}
    assert format_capture(FORMATS["hdfs"], 1) is None   # line rules 1: a run before a field is split differently


@given(name=st.sampled_from(sorted(CAPTURE_FORMATS)), line_rules=st.sampled_from([1, 2]),
       line=st.text(alphabet=st.sampled_from(list("a  \t:[]-|@,ebx\\")), max_size=16))
@example(name="hdfs", line_rules=2, line="a b c d e: f")
@example(name="literal end", line_rules=2, line="a b - c end \t")
@example(name="tabs", line_rules=2, line="a \t\tc")   # the regex gives the run back to the second tab
@example(name="back-reference", line_rules=2, line="x:y:z=x:y")   # the regex takes A "x:y", not the first "x"
def test_the_capture_regex_finds_the_lines_and_fields_the_format_regex_finds(name, line_rules, line):
    """format_capture's atomic groups keep only the regex's first choice at each field: same lines, same fields."""
    capture = format_capture(CAPTURE_FORMATS[name], line_rules)
    if capture is None:
        return
    found = re.compile(capture).match(line)
    want = re.compile(format_to_regex(CAPTURE_FORMATS[name], line_rules)[1]).match(line)
    assert (found is None) == (want is None)
    if found is not None:
        assert found.groupdict() == want.groupdict()


#: Formats with a separator that starts with ``\\s`` or a tab and then a run of blanks: their capture regex's fields
#: skip the blanks inside a run (readers._FIELD_BEFORE_SPACE_RUN, _FIELD_BEFORE_TAB_RUN), in linear time.
SPACE_CLASS_FORMATS = [r"<A>\s - <B>", r"<A>\s <B>", r"<A>\s - <B>\s <C>\s ", r"<A>\t - <B>", "<A>\t - <B>\t  ",
                       r"<A>\t <B>", r"<A> <B>\s - <C> end", r"<A>\s-\s <B>\t :<C>"]


def _plain_field_capture(log_format: str) -> str:
    """format_capture as before the fields before ``\\s``- and tab-led runs were narrowed: each such field ``.*?``."""
    original = readers._capture_field
    readers._capture_field = lambda separator: (
        ".*?" if separator.startswith(("\\s", "\\t", "\t")) else original(separator))
    try:
        return format_capture(log_format)
    finally:
        readers._capture_field = original


@settings(max_examples=400)
@given(log_format=st.sampled_from(SPACE_CLASS_FORMATS),
       line=st.lists(st.sampled_from([" ", "  ", "\t", " \t ", "-", " - ", "x", "y", "\r", "\u00a0", ":", "end",
                                      "\\"]), max_size=14).map("".join))
@example(log_format=r"<A>\s - <B>", line="x \r  - y")         # \s takes the CR right after a run
@example(log_format=r"<A>\t - <B>", line="x \t \t - y")      # the run's first tab
def test_a_separator_led_by_a_space_class_or_a_tab_reads_the_lines_and_fields_it_read_before(log_format, line):
    """Differential: the narrowed capture regex, the capture regex as before (plain ``.*?`` fields) and the format's
    regex accept the same lines and give the same fields, on lines built from the format's pieces."""
    new = format_capture(log_format)
    assert new is not None and new != _plain_field_capture(log_format)
    found = [re.compile(pattern).match(line) for pattern in
             (new, _plain_field_capture(log_format), format_to_regex(log_format)[1])]
    assert len({m is None for m in found}) == 1
    if found[0] is not None:
        assert found[0].groupdict() == found[1].groupdict() == found[2].groupdict()


#: Formats with a separator that starts with two or more ``\\s``, ``\\t`` or tabs, one a tab, and then a run
#: (readers._blank_classes): their capture regex, read regex and guard steps go from a field's first end before a run of
#: tabs to the run's last ends in one step (readers._field_before_blank_classes), in linear time; so do the read regex
#: and guard steps (line rules 1) before one tab and a run (``\\t - ``; its capture regex has _FIELD_BEFORE_TAB_RUN).
TAB_CLASS_FORMATS = [r"<A>\t\t - <B>", r"<A>\s\t - <B>", "<A>\t\t - <B>", r"<A>\t\s - <B>", r"<A>\t\t <B>",
                     r"<A>\s\t\t - <B>\t\t-<C> end", "<A>\t\\s - <B>\t\t", r"<A>\t\t - <B>\s\t <C>",
                     r"<A>\s\s\t -<B>", r"<A> \s\t - <B>\t\t -", r"<A>\t - <B>", "<A>\t - <B>\t  "]


def _plain_tab_class_fields(make, *args):
    """``make(*args)`` with the fields before such separators ``.*?``, as before (each tried from every tab)."""
    original_capture, original_before = readers._capture_field, readers._field_before
    readers._capture_field = lambda separator: ".*?" if readers._blank_classes(separator) \
        else original_capture(separator)
    readers._field_before = lambda separator, possessive=True: ".*?" if readers._blank_classes(separator, 1) \
        else original_before(separator, possessive)
    try:
        return make(*args)
    finally:
        readers._capture_field, readers._field_before = original_capture, original_before


def test_a_separator_led_by_blank_classes_with_a_tab_gets_the_narrowed_fields():
    for log_format in TAB_CLASS_FORMATS:
        for line_rules in (1, 2):
            made = [format_capture(log_format, line_rules), readers.format_read_regex(log_format, line_rules),
                    format_guard(log_format, line_rules)]
            before = [_plain_tab_class_fields(make, log_format, line_rules)
                      for make in (format_capture, readers.format_read_regex, format_guard)]
            assert made != before, (log_format, line_rules)
    assert readers._blank_classes("\\s\\s[ \\t]+-") == [] and readers._blank_classes("\\t[ \\t]+-") == []
    assert readers._blank_classes("\\t[ \\t]+-", 1) == ["\\t"] and readers._blank_classes("\\s[ \\t]+-", 1) == []
    assert readers._blank_classes("\\s\t[ \\t]+-") == ["\\s", "\t"]


def test_no_regex_a_reader_makes_repeats_a_group_possessively():
    """``(?:X)++`` is ``(?>(?:X)+)`` in a correct engine, but Python 3.11.0-3.11.4 (Debian 12's python3 is 3.11.2)
    match a possessive repeat of a subpattern that backtracks wrongly (CPython gh-106052, fixed in 3.11.5): the
    guard of ``<A>\\s\\s\\t -<B>`` refused a line its format matches there. The readers write the atomic group."""
    import json

    from bridge_testing import REPO

    vectors = REPO / "java" / "src" / "test" / "resources" / "parity" / "format_guards.json"
    formats = sorted(set(json.loads(vectors.read_text())) | set(TAB_CLASS_FORMATS))
    assert len(formats) > 20
    for log_format in formats:
        for line_rules in (1, 2):
            for make in (format_capture, readers.format_read_regex, format_guard):
                pattern = make(log_format, line_rules) or ""
                assert not re.search(r"\)[*+?]\+|\}\+", pattern), (make.__name__, log_format, line_rules, pattern)


@settings(max_examples=1500)
@given(log_format=st.sampled_from(TAB_CLASS_FORMATS), line_rules=st.sampled_from([1, 2]),
       line=st.lists(st.sampled_from([" ", "  ", "\t", "\t\t", "\t\t\t", " \t ", "\t \t", "-", " - ", "x", "\r",
                                      "\u00a0", ":", "end", "\\", "\t" * 40, "\t\t " * 15]), max_size=16).map("".join))
@example(log_format=r"<A>\t\t - <B>", line_rules=2, line="x\t\t\t\t - y")       # the run's first tab
@example(log_format=r"<A>\s\t - <B>", line_rules=2, line="x\r\t\t - y")         # \s takes the CR before the run
@example(log_format=r"<A>\t\t - <B>", line_rules=2, line="x\t\t \t\t \t\t - y")  # tabs and spaces mixed
@example(log_format=r"<A>\s\s\t -<B>", line_rules=1, line="x \t\t\t  \t -y")
@example(log_format=r"<A>\s\s\t -<B>", line_rules=1, line="\t" * 40 + "\r\t\t-")   # Python 3.11.2: gh-106052
def test_a_separator_led_by_blank_classes_with_a_tab_reads_the_lines_and_fields_the_format_regex_finds(
        log_format, line_rules, line):
    """Differential: the capture regex, the read regex and the guard (as now and as before, with ``.*?`` fields)
    accept the lines the format's regex matches and give its fields."""
    want = re.compile(format_to_regex(log_format, line_rules)[1]).match(line)
    guard = format_guard(log_format, line_rules)
    assert bool(re.match(guard, line)) == (want is not None)
    assert bool(re.match(_plain_tab_class_fields(format_guard, log_format, line_rules), line)) == (want is not None)
    patterns = [readers.format_read_regex(log_format, line_rules), format_capture(log_format, line_rules),
                _plain_tab_class_fields(format_capture, log_format, line_rules)]
    for pattern in patterns:
        if pattern is not None:
            found = re.compile(pattern).match(line)
            assert (found is None) == (want is None), pattern
            if found is not None:
                assert found.groupdict() == want.groupdict(), pattern


#: Formats with a run of blanks, or ``\\s`` and then a run, before a separator's literal text: their guard steps, their
#: read regex (readers.format_read_regex: line rules 1, formats without a capture regex) and their capture regex
#: skip the blanks inside a run where the separator would match from the blank before.  `` \\s- `` (a run, one
#: ``\\s`` or tab, a literal) now has a capture regex; `` \\s<B>`` and `` \\s <B>`` (a field or a run after it) not.
BLANK_RUN_FORMATS = [r"<A> \s- <B>", r"<A> \t- <B>", "<A> \t- <B>", r"<A> \s\- <B>", r"<A> \s-<B> \s- <C>",
                     r"<A> \s- <B> \s-", r"<A>\s\s - <B>", r"<A>\s\s\s - <B>\s\s -<C> end", r"<A>\s - <B>",
                     r"<A> - <B>", r"<A> <B> <C>", r"<A> \s<B>\t<C>", r"<A> \s <B>", r"<A> \s<B> - <C>",
                     r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>"]


def _plain_guard(log_format: str, line_rules: int) -> str:
    """format_guard as before its steps' fields skipped the blanks inside a run: each step ``.*?``."""
    original = readers._field_before
    readers._field_before = lambda separator: ".*?"
    try:
        return format_guard(log_format, line_rules)
    finally:
        readers._field_before = original


def test_a_run_then_one_space_class_and_a_literal_gets_a_capture_regex():
    made = {log_format for log_format in BLANK_RUN_FORMATS if format_capture(log_format, 2) is not None}
    assert made == set(BLANK_RUN_FORMATS) - {r"<A> \s<B>\t<C>", r"<A> \s <B>", r"<A> \s<B> - <C>"}
    assert all(format_capture(log_format, 1) is None for log_format in BLANK_RUN_FORMATS)


@settings(max_examples=1500)
@given(log_format=st.sampled_from(BLANK_RUN_FORMATS + sorted(CAPTURE_FORMATS.values())),
       line_rules=st.sampled_from([1, 2]),
       line=st.lists(st.sampled_from([" ", "  ", "\t", " \t ", "-", " - ", "x", "\r", "\u00a0", ":", "end", "\\",
                                      "[", "]", "@"]), max_size=14).map("".join))
@example(log_format=r"<A> \s- <B>", line_rules=2, line="x \r- y")             # \s takes the CR after the run
@example(log_format=r"<A> \s<B>\t<C>", line_rules=2, line="x  \tc")          # the regex ends the run early
@example(log_format=r"<A>\s\s - <B>", line_rules=2, line="x  \r - y")        # a field ends on a run's blank
@example(log_format=r"<A>\s\s - <B>", line_rules=1, line="x \r\u00a0 - y")
def test_guards_read_and_capture_regexes_find_the_lines_and_fields_the_format_regex_finds(log_format, line_rules,
                                                                                          line):
    """Differential: the guard (as now and with plain ``.*?`` steps) accepts the lines the format's regex matches;
    the read regex and the capture regex (where the format has them) give the regex's fields."""
    want = re.compile(format_to_regex(log_format, line_rules)[1]).match(line)
    guard = format_guard(log_format, line_rules)
    if guard is not None:
        assert bool(re.match(guard, line)) == bool(re.match(_plain_guard(log_format, line_rules), line)) \
            == (want is not None)
    for pattern in (readers.format_read_regex(log_format, line_rules), format_capture(log_format, line_rules)):
        if pattern is not None:
            found = re.compile(pattern).match(line)
            assert (found is None) == (want is None), pattern
            if found is not None:
                assert found.groupdict() == want.groupdict(), pattern


@pytest.mark.parametrize("line_rules", [1, 2])
@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_a_format_with_a_back_reference_reads_the_fields_its_regex_finds(line_rules, chunk_lines):
    """A back-reference made the guard refer to its own group (it read neither line) and the capture regex keep
    A at its first end "x" (it lost the first line, which matches with A "x:y"): such a format has neither."""
    log_format = r"<A>:<B>=\1"
    assert format_guard(log_format, line_rules) is None and format_capture(log_format, line_rules) is None
    reader = TextReader(log_format, mode="lenient", continuation=None, chunk_lines=chunk_lines, line_rules=line_rules)
    frame = reader.read(["x:y:z=x:y", "x:y=x", "x:y=z"])
    assert frame["line_number"].tolist() == [1, 2]
    assert frame["A"].tolist() == ["x:y", "x"] and frame["B"].tolist() == ["z", "y"]


@given(log_format=st.sampled_from(SEGMENT_FORMATS), line_rules=st.sampled_from([1, 2]),
       lines=st.lists(st.text(alphabet=st.sampled_from(list("a  \t:[]()x<>yend")), max_size=16), max_size=8))
def test_a_format_with_an_optional_segment_reads_the_fields_its_regex_finds(log_format, line_rules, lines):
    """The reader does not run such a format's regex (it backtracks on long lines), yet finds its fields."""
    names, pattern = format_to_regex(log_format, line_rules)
    pattern = re.compile(pattern)
    reader = TextReader(log_format, mode="lenient", continuation=None, line_rules=line_rules)
    assert reader._segment is not None
    frame = reader.read(lines)
    want = [(number, [m.group(name) for name in names]) for number, m in
            enumerate(map(pattern.match, lines), 1) if m is not None]
    got = [(row["line_number"], [row[name] for name in names]) for _, row in frame.iterrows()]
    assert got == want


# --------------------------------------------------------------------------------------------------
# the whole ETL
# --------------------------------------------------------------------------------------------------
def pipeline(sequence, log1p: bool) -> Pipeline:
    reader = JsonLinesReader({"time": "t", "service": "s", "message": "m", "bytes": "b", "ip": "ip", "port": "p",
                              "label": "l"}, mode="lenient")
    return Pipeline(reader, [Template("message"), Categorical("service"), Numeric("bytes", log1p=log1p),
                             Timestamp("time"), IpAddress("ip"), Port("port"), Label("label")], sequence=sequence)


#: A record holding every field of pipeline() (null: missing values), so that no field is absent from the input.
EVERY_FIELD = "{" + ", ".join(f'"{name}": null' for name in JSON_FIELDS) + "}"


@settings(deadline=30_000, max_examples=max(settings.default.max_examples // 3, 10))
@given(lines=st.lists(json_line(), max_size=25), sessions=st.booleans(), log1p=st.booleans(),
       every_field=st.booleans())
def test_the_pipeline_turns_hostile_json_into_finite_arrays_or_a_typed_error(lines, sessions, log1p, every_field):
    if every_field:
        lines = [EVERY_FIELD] + lines
    etl = pipeline(Sessions("service") if sessions else Windows(length=3, stride=1), log1p)
    try:
        etl.fit(lines)
        batch = etl.transform(lines)
    except EtlError as error:  # no training records; values too large to scale; a field in no record
        assert str(error)
        assert not (every_field and isinstance(error, AbsentFieldError)), error
        return
    report = etl.report
    assert report.lines == len(lines) and report.unaccounted_lines == 0
    assert batch.x.dtype == np.float32 and np.all(np.isfinite(batch.x)), "the ETL made NaN or infinity"
    assert batch.x.shape[:2] == batch.mask.shape == batch.line_numbers.shape
    assert set(np.unique(batch.mask)) <= {0.0, 1.0}
    real = batch.line_numbers[batch.mask > 0]
    assert np.all((real >= 1) & (real <= len(lines)))
    if sessions:  # every record with a session key is in exactly one session
        keyed = etl.records(lines)
        keyed = keyed[[v is not None and v == v for v in keyed["service"]]]
        assert sorted(real.tolist()) == sorted(keyed["line_number"].tolist())
    elif report.records >= 3:
        assert len(batch) == report.records - 2



def test_the_guard_without_atomic_groups_accepts_the_same_lines(monkeypatch):
    """Before Python 3.11 (no atomic groups, no possessive quantifiers) the guard uses lookahead + backreference
    steps, the read regex fields without possessive quantifiers."""
    import random

    from dl4j_bridge.etl import readers

    real_compile = re.compile

    def no_atomic_groups(pattern, *args):
        if "(?>" in pattern or "*+" in pattern or "++" in pattern:
            raise re.error("unknown extension ?> or multiple repeat")
        return real_compile(pattern, *args)

    monkeypatch.setattr(readers.re, "compile", no_atomic_groups)
    rng = random.Random(0)
    for (name, log_format), line_rules in itertools.product(FORMATS.items(), (1, 2)):
        guard = format_guard(log_format, line_rules)
        assert "(?>" not in guard and "(?=(" in guard or "(?" not in guard
        guard, pattern = real_compile(guard), real_compile(format_to_regex(log_format, line_rules)[1])
        read = readers.format_read_regex(log_format, line_rules)   # without possessive quantifiers
        read = real_compile(read) if read is not None else pattern
        for _ in range(2000):
            line = "".join(rng.choice("a  \t:[]-|@,ebx") for _ in range(rng.randint(0, 14)))
            assert bool(guard.match(line)) == bool(pattern.match(line)), (name, line_rules, line)
            found, want = read.match(line), pattern.match(line)
            assert (found is None) == (want is None) and (found is None or found.groupdict() == want.groupdict())


# --------------------------------------------------------------------------------------------------
# JSON field extraction: the unrolled lookup of JsonLinesReader._extract against _resolve_path
# --------------------------------------------------------------------------------------------------
_KEY_PARTS = st.sampled_from(["a", "b", "a.b", "b.a", "c"])
_JSON_VALUES = st.recursive(st.none() | st.integers(-3, 3) | st.sampled_from(["x", ""]) | st.booleans(),
                            lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_KEY_PARTS, inner, max_size=3),
                            max_leaves=8)


@given(record=st.dictionaries(_KEY_PARTS, _JSON_VALUES, max_size=4),
       aliases=st.lists(st.lists(st.sampled_from(["a", "b", "c", "a.b", "b.a", "a.b.a", "a.a", "d.a"]),
                                 min_size=1, max_size=3), min_size=1, max_size=3))
def test_json_field_lookup_follows_the_dotted_path_rules(record, aliases):
    """A field takes the first of its paths whose value is present and not null; a literal key containing dots
    wins over the nested path (a literal key holding null does not fall back to the nested one); a path through
    a list or a scalar is absent. The reference is readers._resolve_path, the rule written out."""
    from dl4j_bridge.etl.readers import _resolve_path

    fields = {f"f{i}": paths for i, paths in enumerate(aliases)}
    reader = JsonLinesReader(fields=fields)
    expected = {}
    for name, paths in fields.items():
        expected[name] = None
        for path in paths:
            found, value = _resolve_path(record, path)
            if found and value is not None:
                expected[name] = value
                break
    assert reader._extract(record, 1) == expected
