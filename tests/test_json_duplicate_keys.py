"""A JSON line naming a key twice: read with its last value on both sides, and counted, never silently."""

from __future__ import annotations

import json
import logging

import pytest

from bridge_testing import read_with_java_reader
from dl4j_bridge.etl import JsonLinesReader
from dl4j_bridge.etl.readers import duplicate_key_warning

LINES = [
    '{"level": "INFO", "msg": "a"}',
    '{"level": "INFO", "msg": "b", "msg": "c"}',              # 2: repeated at the top
    '{"level": "WARN", "ctx": {"x": "1", "x": "2"}, "msg": "d"}',  # 3: repeated in a nested object
    '[{"a": 1, "a": 2}]',                                       # 4: not an object: a bad line, not counted
    '{"level": "INFO", "msg": "e", "msg": ',                    # 5: invalid JSON, not counted
    '{"msg": "f", "level": "ERROR", "level": null}',            # 6: the last value is null
    '{"msg": "g"}',
    '',
]


def _python(fields):
    reader = JsonLinesReader(fields, mode="lenient")
    frame = reader.read(LINES)
    names = reader.fields
    records = [(int(row["line_number"]), [None if row[n] is None else str(row[n]) for n in names])
               for _, row in frame.iterrows()]
    return reader, records


def _java(reader, fields):
    import jpype

    aliases = None if fields is None else jpype.java.util.LinkedHashMap(
        {name: jpype.java.util.ArrayList(paths) for name, paths in reader.aliases.items()})
    java = jpype.JClass("io.dl4jbridge.etl.JsonLinesRecordReader")(aliases, jpype.java.util.HashMap())
    names = reader.fields

    def record_of(record):
        values = [record.get(name) for name in names]
        return int(record.line), [None if v is None else str(v) for v in values]

    return read_with_java_reader(java, LINES, record_of)


@pytest.mark.parametrize("fields", [["level", "msg", "ctx"], None])
def test_both_sides_keep_the_last_value_and_count_the_records(jvm, fields):
    reader, python = _python(fields)
    java, counts = _java(reader, fields)
    assert java == python
    by_line = dict(python)
    names = reader.fields
    assert by_line[2][names.index("msg")] == "c"
    assert by_line[6][names.index("level")] is None
    if fields is not None:
        assert json.loads(by_line[3][names.index("ctx")]) == {"x": "2"}
    else:
        assert by_line[3][names.index("ctx.x")] == "2"
    assert reader.report.duplicate_key_lines == counts["duplicate_key_lines"] == 3   # lines 2, 3 and 6
    assert reader.report.bad_lines == counts["bad_lines"] == 2


def test_the_warning_names_the_count_and_the_first_line(caplog):
    reader = JsonLinesReader(["level", "msg"], mode="lenient")
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.readers"):
        reader.read(LINES)
    assert duplicate_key_warning("<lines>", 3, 2) in caplog.messages
    assert "3 JSON lines name a key twice in one object (the first on line 2)" in caplog.text


def test_the_java_warning_is_word_for_word_pythons(jvm):
    import jpype

    report = jpype.JClass("io.dl4jbridge.etl.ReadReport")()
    report.source = "app.jsonl"
    report.duplicateKeyLines = 7
    report.firstDuplicateKeyLine = 12
    assert str(report.duplicateKeyWarning()) == duplicate_key_warning("app.jsonl", 7, 12)
    assert report.toMap()["duplicate_key_lines"] == 7


def test_a_file_without_repeats_counts_none():
    reader = JsonLinesReader(["msg"])
    reader.read(['{"msg": "a"}', '{"msg": "a", "other": "a"}'])
    assert reader.report.duplicate_key_lines == 0
