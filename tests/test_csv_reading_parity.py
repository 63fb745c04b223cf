"""The CSV reader of both sides, line for line, on random files with line breaks outside quotes, quoted cells
spanning lines, stray quotes and wrong cell counts (through the running JVM).

Python's ``CsvReader`` and Java's ``CsvRecordReader`` must give the same records (line numbers and every field)
and the same counts, or the same error naming file, line and field (an unusable header: in both modes).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge_testing import read_with_java_reader
from dl4j_bridge.etl import CsvReader
from dl4j_bridge.etl.errors import BadRecordError
from dl4j_bridge.etl.readers import CR_OUTSIDE_QUOTES

ROWS = [
    "2024-03-04,web-01,hello,1",
    '2024-03-04,"web,02","said ""hi""",2',
    '2024-03-04,web-03,"a quoted cell',
    'that spans lines",3',
    "2024-03-04,web-04,bare\rcarriage return,4",       # a CR inside an unquoted cell
    "\r2024-03-04,web-05,after a leading CR,5",
    "2024-03-04,web-06,a trailing CR ends the row,6\r",
    '2024-03-04,web-07,"quoted"\rthen text,7',
    '2024-03-04,web-08,"a CR\rinside quotes",8',
    "\r",
    "\r\r",
    "",
    "too,few",
    '2024-03-04,web-09,"bad "quote,9',
]
HEADERS = ["time,host,message,bytes", "time,host,message,bytes,bytes", "time,host,host,bytes",
           "time\rhost,message,bytes", "time,host,message,bytes\r"]
FIELDS = [None, {"time": "time", "host": "host", "message": "message"},
          {"time": "time", "host": ["server", "host"], "message": "message"}]


def _java_read(reader: CsvReader, lines: list[str], quarantine=None):
    import jpype

    etl = "io.dl4jbridge.etl."
    aliases = None
    if reader.aliases is not None:
        aliases = jpype.java.util.LinkedHashMap()
        for name, names in reader.aliases.items():
            aliases.put(name, jpype.java.util.ArrayList(list(names)))
    types = jpype.java.util.HashMap()
    for name, kind in reader.types.items():
        types.put(name, kind)
    java = jpype.JClass(etl + "CsvRecordReader")(aliases, reader.delimiter, types)
    try:
        return read_with_java_reader(java, lines, lambda record: (int(record.line), {
            str(k): (None if v is None else str(v)) for k, v in record.values.items()}), quarantine)
    except jpype.JClass(etl + "BadRecordException") as error:
        return ("error", int(error.line()), None if error.field() is None else str(error.field()),
                str(error.reason()))


def _python_read(reader: CsvReader, lines: list[str]):
    try:
        frame = reader.read(lines)
    except BadRecordError as error:
        return ("error", error.line, error.field, error.reason)
    records = [(int(row["line_number"]), {name: (None if row[name] is None else str(row[name]))
                                          for name in reader.fields})
               for _, row in frame.iterrows()]
    r = reader.report
    counts = {"lines": r.lines, "records": r.records, "continuation_lines": r.continuation_lines,
              "blank_lines": r.blank_lines, "bad_lines": r.bad_lines, "bad_by_reason": dict(r.bad_by_reason),
              "duplicate_key_lines": r.duplicate_key_lines}
    return records, counts


def _as_split_lines(lines: list[str]) -> list[str]:
    """What the line splitter of either side passes on: each line without its LF and one CR before it."""
    return [line[:-1] if line.endswith("\r") else line for line in lines]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.sampled_from(ROWS), max_size=20), header=st.sampled_from(HEADERS),
       fields=st.sampled_from(FIELDS), chunk_lines=st.sampled_from([1, 3, 1000]))
def test_both_sides_read_the_same_csv_records(jvm, rows, header, fields, chunk_lines):
    lines = [header] + rows
    reader = CsvReader(fields, mode="lenient", chunk_lines=chunk_lines)
    python = _python_read(reader, lines)
    java = _java_read(CsvReader(fields, mode="lenient"), _as_split_lines(lines))
    assert python == java, lines


def test_a_file_with_cr_line_endings_is_refused_at_its_header_on_both_sides(jvm):
    lines = ["time,host,message,bytes\r2024-03-04,web-01,hello,1\r2024-03-04,web-02,hi,2\r"]
    for mode in ("lenient", "strict"):
        python = _python_read(CsvReader(None, mode=mode), lines)
        assert python == ("error", 1, None, "malformed CSV header: " + CR_OUTSIDE_QUOTES)
        assert _java_read(CsvReader(None, mode=mode), _as_split_lines(lines)) == python
    assert "tr '\\r' '\\n'" in CR_OUTSIDE_QUOTES


def test_a_bare_cr_inside_an_unquoted_cell_is_a_bad_line_on_both_sides(jvm):
    lines = ["time,host,message", "2024-03-04,web-01,ok", "2024-03-04,web-02,bare\rcr", "2024-03-04,web-03,ok"]
    python = _python_read(CsvReader(None, mode="lenient"), lines)
    assert [n for n, _ in python[0]] == [2, 4]
    assert python[1]["bad_by_reason"] == {"malformed CSV": 1}
    assert _java_read(CsvReader(None, mode="lenient"), lines) == python


@pytest.mark.parametrize("fields, field, column", [({"host": "host", "time": "time"}, "host", "host"),
                                                   ({"server": ["srv", "host"]}, "server", "host")])
def test_a_header_naming_a_read_column_twice_is_an_error_naming_line_1_and_the_field(jvm, fields, field, column):
    lines = ["time,host,message,host", "2024-03-04,web-01,hello,44048"]
    expected = ("error", 1, field, f"the CSV header names {column!r} more than once (columns 2, 4), so field "
                                   f"{field!r} cannot tell which to read: rename the others")
    for mode in ("lenient", "strict"):
        assert _python_read(CsvReader(fields, mode=mode), lines) == expected
        assert _java_read(CsvReader(fields, mode=mode), lines) == expected
    # a repeated column no field reads is harmless
    assert _python_read(CsvReader({"time": "time"}, mode="strict"), lines)[0] == [(2, {"time": "2024-03-04"})]


TRICKY = ["12", " 12 ", "\t12\r", "12\x0b", "12\x0c", "12\x1c", "\x1f12", "12\x00", "\x0012", "12\xa0", "\u200b12",
          "\u300012", "1_0", "\uff11\uff12", "\u0661\u0662", "-5", "\u22125", "+7", "1e3", "1.5", "0x1F", "inf", "nan",
          "true", " yes ", "No\x1c", "true\x00", "\xa0false", "0", "1", ""]


@pytest.mark.parametrize("kind", ["int", "float", "bool"])
def test_both_sides_accept_and_refuse_the_same_typed_values(jvm, kind):
    """Java's trim() dropped NUL and every control character around a number, which pandas refuses ('12\\x1c'
    was an int on the JVM, a wrong type in Python); bools are stripped as Python's str.strip() strips."""
    lines = ["n,v"] + [f'{i},"{value}"' for i, value in enumerate(TRICKY)]
    python, counts = _python_read(CsvReader(None, types={"v": kind}, mode="lenient"), lines)
    java, java_counts = _java_read(CsvReader(None, types={"v": kind}, mode="lenient"), lines)
    assert [n for n, _ in python] == [n for n, _ in java]
    assert counts["bad_lines"] == java_counts["bad_lines"] > 0
    accepted = {TRICKY[int(record["n"])] for _, record in python}
    assert ("12\x1c" in accepted) is False and ("12\x00" in accepted) is False


REPR_CASES = ["12", "12\xa0", "\u200b12", "\u300012", "it's", 'say "hi"', "both ' and \"", "back\\slash", "tab\there",
              "line\nbreak", "cr\rhere", "\x00\x1c\x7f\x85", "\u2028\u2029", "\ue000 private", "\U000e0001 tag",
              "emoji \U0001f600", "caf\u00e9", "\u0661\u0662", "\uff11", "\u00ad soft hyphen", "\ufeff bom", ""]


def test_the_jvm_quotes_values_in_messages_as_python_repr_does(jvm):
    """The quarantine's reasons ('expected int, got ...') differed for non-ASCII values: Python escapes what it does
    not print ('12\\xa0'), the JVM wrote the raw character; and the JVM always used single quotes."""
    import jpype

    repr_java = jpype.JClass("io.dl4jbridge.etl.PyCompat").repr
    assert [str(repr_java(text)) for text in REPR_CASES] == [repr(text) for text in REPR_CASES]


def test_both_sides_quarantine_a_wrong_type_with_the_same_reason(jvm, tmp_path):
    import json

    import jpype

    lines = ["n,v"] + [f'{i},"{value}"' for i, value in enumerate(["12\xa0", "\u200b12", "x'y", "7"])]
    quarantine = tmp_path / "python.jsonl"
    CsvReader(None, types={"v": "int"}, mode="lenient", quarantine=quarantine).read(lines)
    written = jpype.java.io.StringWriter()
    _java_read(CsvReader(None, types={"v": "int"}, mode="lenient"), lines, quarantine=written)
    python_reasons = [json.loads(line)["reason"] for line in quarantine.read_text(encoding="utf-8").splitlines()]
    java_reasons = [json.loads(line)["reason"] for line in str(written.toString()).splitlines()]
    assert python_reasons == java_reasons == ["wrong type: expected int, got '12\\xa0'",
                                              "wrong type: expected int, got '\\u200b12'",
                                              "wrong type: expected int, got \"x'y\""]
