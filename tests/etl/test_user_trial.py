"""Regression tests for the ETL defects a user trial found: mapped fields the input lacks, columns no
transform can find, NaN in int fields, and a quarantine that kept only the last read's lines."""

from __future__ import annotations

import json
import logging
import os

import numpy as np
import pytest

from dl4j_bridge.etl import (AbsentFieldError, BadLineError, ChronologicalSplit, CsvReader, EtlError,
                             JsonLinesReader, KeySplit, Label, Pipeline, SchemaError, Sessions, Template, TextReader,
                             Timestamp, Windows)

CSV_HEADER = "Day,Time,Pid,Content,label"


def csv_lines(n: int = 8) -> list[str]:
    return [CSV_HEADER] + [f"10,10:00:{i:02d},{100 + i % 3},Accepted password for u{i},{int(i == 5)}"
                           for i in range(n)]


# --------------------------------------------------------------------------------------------------
# 1. a mapped field the input does not have
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["strict", "lenient"])
def test_a_csv_field_the_header_lacks_is_an_error_naming_file_field_and_columns(tmp_path, mode):
    path = tmp_path / "train.csv"
    path.write_text("\n".join(csv_lines()) + "\n")
    reader = CsvReader({"message": "Content", "label": "Label"}, mode=mode)  # the header says 'label'
    with pytest.raises(AbsentFieldError) as caught:
        reader.read(path)
    error = caught.value
    assert (error.file, error.line, error.field, error.names) == (str(path), 1, "label", ["Label"])
    assert error.available == CSV_HEADER.split(",")
    assert str(error).startswith(f"{path}:1: the CSV header has no column 'Label' for field 'label'")
    assert str(CSV_HEADER.split(",")) in str(error) and "[reader] fields" in str(error)


def test_a_semicolon_separated_csv_read_with_commas_says_which_delimiter_to_use():
    """The header read as one column 'Date;Pid;Content' left the user to work out the delimiter; the message now says
    it, in the JVM reader's words (JUnit AbsentFieldTest), and also when no field mapping names the column."""
    expected = ("<lines>:1: the CSV header has no column 'Content' for field 'message'; its columns are "
                "['Date;Pid;Content']: map 'message' to one of them in the reader's fields (run.toml [reader] fields), "
                "or check that this is the right input; the header splits at ';' into ['Date', 'Pid', 'Content']: "
                "read the file with delimiter=';' (run.toml [reader] delimiter)")
    with pytest.raises(AbsentFieldError) as caught:
        CsvReader({"message": "Content"}, mode="lenient").read(["Date;Pid;Content", "Dec;1;x"])
    assert str(caught.value) == expected
    with pytest.raises(AbsentFieldError) as caught:   # no part is the column wanted: no hint
        CsvReader({"message": "Content"}).read(["Date\tMsg", "x"])
    assert str(caught.value).endswith("or check that this is the right input")
    pipeline = Pipeline(CsvReader(), [Template("Content")], sequence=Windows(length=2))
    with pytest.raises(SchemaError, match=r"the header splits at ';' into \['Date', 'Pid', 'Content'\]: read the file "
                                          r"with delimiter=';'"):
        pipeline.fit(["Date;Pid;Content", "Dec;1;x", "Dec;2;y"])


def test_a_field_mapped_to_a_json_object_is_said_at_fit_with_the_path_inside_it(caplog):
    """``msg = "msg"`` where each record's msg is ``{"text": ...}`` trained on the object's JSON text without a word
    (templates such as ``{"text":"Invalid user <*>"}``); the fit now says so and names a path inside it."""
    lines = [json.dumps({"msg": {"text": f"Invalid user u{i}"}, "host": ["a", "b"]}) for i in range(6)]
    pipeline = Pipeline(JsonLinesReader({"message": "msg", "host": "host"}), [Template("message")],
                        sequence=Windows(length=2))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.pipeline"):
        pipeline.fit(lines)
    assert ("<lines>: the field 'message' held a JSON object or array in 6 record(s) (the first on line 1), read as "
            "its JSON text: to read a value inside it, map the field to its path, e.g. 'msg.text' (run.toml [reader] "
            "fields)") in caplog.text
    assert "the field 'host' held a JSON object or array in 6 record(s) (the first on line 1), read as its JSON " \
           "text\n" in caplog.text + "\n"   # a list: no path to name
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.pipeline"):
        Pipeline(JsonLinesReader({"message": "msg.text"}), [Template("message")], sequence=Windows(length=2)).fit(lines)
    assert "JSON object" not in caplog.text


def test_a_csv_field_found_under_one_of_its_aliases_is_read():
    frame = CsvReader({"message": ["Message", "Content"]}).read(csv_lines(2))
    assert frame["message"].tolist() == ["Accepted password for u0", "Accepted password for u1"]


def test_a_json_field_in_no_record_is_an_error_and_one_in_some_records_is_kept():
    lines = ['{"msg": "a", "proc": {"pid": 1}}', '{"msg": "b", "proc": {"pid": 2}, "label": 1}']
    reader = JsonLinesReader({"message": "mesg", "pid": "proc.pid", "label": "label"}, mode="lenient")
    with pytest.raises(AbsentFieldError) as caught:
        reader.read(lines)
    error = caught.value
    assert (error.file, error.field, error.names, error.records) == ("<lines>", "message", ["mesg"], 2)
    assert error.available == ["msg", "proc.pid", "label"]
    assert str(error).startswith("<lines>: field 'message' (path 'mesg') is in none of its 2 JSON records")
    # decided per read: the same reader reads input holding the field; 'label' in one record of two is kept
    reader = JsonLinesReader({"message": "msg", "pid": "proc.pid", "label": "label"})
    frame = reader.read(lines)
    assert frame["label"].tolist() == [None, 1]
    with pytest.raises(AbsentFieldError, match="'label'"):
        reader.read(lines[:1])
    # a key present with null counts as present: the input has the field, its value is missing
    assert reader.read(['{"msg": "a", "proc": {"pid": 1}, "label": null}'])["label"].tolist() == [None]


def test_an_absent_json_field_is_an_error_in_fit_and_a_warning_when_a_fitted_pipeline_scores(caplog):
    lines = ['{"msg": "login %d", "label": 0}' % i for i in range(6)]
    pipeline = Pipeline(JsonLinesReader({"message": "mesg", "label": "label"}),
                        [Template("message"), Label("label")], sequence=Windows(2))
    with pytest.raises(AbsentFieldError, match="'message'"):
        pipeline.fit(lines)
    fitted = Pipeline(JsonLinesReader({"message": "msg", "label": "label"}),
                      [Template("message"), Label("label")], sequence=Windows(2)).fit(lines)
    # Scoring input routinely lacks the label: missing on every row, with a warning naming the field and the
    # report listing it, not a refused batch. The message, which every training record had, must be there.
    with caplog.at_level("DEBUG", logger="dl4j_bridge.etl.readers"):
        batch = fitted.transform(['{"msg": "login 1"}'] * 4)
    assert len(batch) == 3 and fitted.reader.report.absent_fields == ["label"]
    said = [r for r in caplog.records if "the field 'label' is absent from the input, so it is missing on every row; "
                                          "scored without it" in r.getMessage()]
    assert said and all(r.levelname == "DEBUG" for r in said)   # expected of logs to score: no warning
    with pytest.raises(AbsentFieldError, match="field 'message' \\(path 'msg'\\)"):
        fitted.transform(['{"text": "login 1", "label": 0}'] * 4)
    # a field some training records lacked may be absent from a whole (small) batch
    optional = Pipeline(JsonLinesReader({"message": "msg", "user": "user", "label": "label"}),
                        [Template("message"), Label("label")], sequence=Windows(2)
                        ).fit(lines + ['{"msg": "login 9", "user": "ann", "label": 0}'])
    assert optional.optional_fields == ["label", "user"]
    assert len(optional.transform(['{"msg": "login 1"}'] * 3)) == 2
    assert optional.reader.report.absent_fields == ["user", "label"]
    with caplog.at_level("WARNING", logger="dl4j_bridge.etl.readers"):
        caplog.clear()
        optional.transform(['{"msg": "login 1"}'] * 3)
    assert "the field 'user' is absent from the input" in caplog.text          # not a label: a warning
    assert "the field 'label' is absent" not in caplog.text
    with pytest.raises(AbsentFieldError, match="'label'"):   # a plain read (no pipeline) still refuses it
        fitted.reader.read(['{"msg": "login 1"}'])


def test_a_fitted_csv_pipeline_scores_logs_without_the_label_column_but_not_without_a_feature_column(caplog):
    fitted = Pipeline(CsvReader({"message": "Content", "label": "label"}), [Template("message"), Label("label")],
                      sequence=Windows(2)).fit(csv_lines())
    assert fitted.optional_fields == ["label"]
    unlabelled = ["Day,Time,Pid,Content"] + [row.rsplit(",", 1)[0] for row in csv_lines()[1:]]
    with caplog.at_level("DEBUG", logger="dl4j_bridge.etl.readers"):
        batch = fitted.transform(unlabelled)
    assert len(batch) == 7 and fitted.reader.report.absent_fields == ["label"]
    said = [r for r in caplog.records if "the field 'label' is absent from the input, so it is missing on every row; "
                                          "scored without it" in r.getMessage()]
    assert said and all(r.levelname == "DEBUG" for r in said)
    np.testing.assert_array_equal(batch.x, fitted.transform(csv_lines()).x)   # the same features
    renamed = ["Day,Time,Pid,Text,label"] + csv_lines()[1:]
    with pytest.raises(AbsentFieldError, match="has no column 'Content' for field 'message'"):
        fitted.transform(renamed)
    with pytest.raises(AbsentFieldError, match="'label'"):   # while fitting, every mapped field must be there
        Pipeline(CsvReader({"message": "Content", "label": "label"}), [Template("message"), Label("label")],
                 sequence=Windows(2)).fit(unlabelled)


# --------------------------------------------------------------------------------------------------
# 3. columns that no transform, session key or split key can find; fit_split without a split
# --------------------------------------------------------------------------------------------------
def test_a_transform_column_the_input_lacks_is_a_schema_error_naming_the_transform_and_the_columns():
    reader = CsvReader()
    with pytest.raises(SchemaError) as caught:
        Pipeline(reader, [Template("Message")], sequence=Windows(2)).fit(csv_lines())
    assert "Template('Message') needs column 'Message'" in str(caught.value)
    assert str(CSV_HEADER.split(",")) in str(caught.value)
    with pytest.raises(SchemaError, match=r"Sessions\(key='pid'\) needs column 'pid'"):
        Pipeline(reader, [Template("Content")], sequence=Sessions("pid")).fit(csv_lines())
    with pytest.raises(SchemaError, match=r"KeySplit\(key='host'\) needs column 'host'"):
        Pipeline(reader, [Template("Content")], split=KeySplit("host")).fit(csv_lines())
    with pytest.raises(SchemaError, match=r"delta_by='blk'\) needs column 'blk'"):
        Pipeline(reader, [Timestamp("Time", format="%H:%M:%S", delta_by="blk")]).fit(csv_lines())


def test_fit_split_without_a_split_is_a_typed_error_saying_what_to_do():
    pipeline = Pipeline(CsvReader(), [Template("Content")], sequence=Windows(2))
    with pytest.raises(EtlError, match="fit_split needs a split: .*ChronologicalSplit"):
        pipeline.fit_split(csv_lines())


# --------------------------------------------------------------------------------------------------
# 5. NaN in an int field
# --------------------------------------------------------------------------------------------------
def test_nan_in_an_int_json_field_is_a_wrong_type_like_a_fraction(tmp_path):
    lines = ['{"n": NaN, "x": NaN}', '{"n": 1.5, "x": 1}', '{"n": null, "x": 2}', '{"n": 3, "x": 3}']
    quarantine = tmp_path / "bad.jsonl"
    reader = JsonLinesReader(["n", "x"], types={"n": "int", "x": "float"}, mode="lenient", quarantine=quarantine)
    frame = reader.read(lines)
    assert frame["line_number"].tolist() == [3, 4]   # null is a missing value, NaN and 1.5 are not ints
    assert reader.report.bad_by_reason == {"wrong type": 2}
    rows = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert [(r["line"], r["field"], r["reason"]) for r in rows] == [
        (1, "n", "wrong type: expected int, got nan"), (2, "n", "wrong type: expected int, got 1.5")]
    with pytest.raises(BadLineError, match="<lines>:1: field 'n' wrong type: expected int, got nan"):
        JsonLinesReader(["n"], types={"n": "int"}).read(lines)
    # a float field keeps NaN as a missing value, as before
    assert np.isnan(JsonLinesReader(["x"], types={"x": "float"}).read(lines[:1])["x"].iloc[0])


# --------------------------------------------------------------------------------------------------
# 4. one quarantine per run, every source's bad lines once
# --------------------------------------------------------------------------------------------------
def quarantined(path) -> list[tuple[str, int]]:
    return [(os.path.basename(r["source"]), r["line"]) for r in map(json.loads, path.read_text().splitlines())]


def test_every_rejected_line_of_a_run_is_quarantined_once_and_warned_once(tmp_path, caplog):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text("\n".join(csv_lines(10) + ["too,few"]) + "\n")          # bad line 12
    test.write_text("\n".join(csv_lines(6)[:3] + ["x", "y,z"] + csv_lines(6)[3:]) + "\n")  # bad lines 4, 5
    quarantine = tmp_path / "q" / "bad.jsonl"
    quarantine.parent.mkdir()
    quarantine.write_text('{"stale": "from an earlier run"}\n')
    pipeline = Pipeline(CsvReader(mode="lenient", quarantine=quarantine), [Template("Content")],
                        sequence=Windows(2), split=ChronologicalSplit(0.25))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.readers"):
        pipeline.fit(train)                # reads train twice (count, fit)
        pipeline.transform(train)
        pipeline.transform(test)
        pipeline.transform(train, part="test")   # train twice more
        pipeline.transform(test)
    assert quarantined(quarantine) == [("train.csv", 12), ("test.csv", 4), ("test.csv", 5)]
    warnings = [r.getMessage() for r in caplog.records if "bad lines" in r.getMessage()]
    assert len(warnings) == 2 and "train.csv: 1 bad lines" in warnings[0] and "test.csv: 2 bad lines" in warnings[1]
    # a new pipeline is a new run: the quarantine starts afresh
    Pipeline(CsvReader(mode="lenient", quarantine=quarantine), [Template("Content")], sequence=Windows(2)).fit(test)
    assert quarantined(quarantine) == [("test.csv", 4), ("test.csv", 5)]


def test_a_source_that_changed_or_other_lines_of_the_same_name_are_quarantined_again(tmp_path):
    quarantine = tmp_path / "bad.jsonl"
    reader = TextReader("<Level> <Content>", mode="lenient", quarantine=quarantine, continuation=None)
    first, second = ["INFO a", "garbage1"], ["INFO b", "INFO c", "garbage2"]
    reader.read(first)
    reader.read(list(first))   # the same lines again (another list): not written twice
    reader.read(second)        # other in-memory lines, also named <lines>: written
    reader.read(iter(first))   # a one-shot iterable cannot be recognised: written again rather than lost
    assert quarantined(quarantine) == [("<lines>", 2), ("<lines>", 3), ("<lines>", 2)]
    path = tmp_path / "app.log"
    path.write_text("INFO a\ngarbage3\n")
    reader.read(path)
    reader.read(path)
    path.write_text("INFO a\nINFO b\ngarbage4\n")  # the file changed: its bad lines are written again
    reader.read(path)
    assert quarantined(quarantine)[3:] == [("app.log", 2), ("app.log", 3)]


def test_the_warnings_of_a_source_read_several_times_are_logged_once(tmp_path, caplog):
    path = tmp_path / "app.log"
    path.write_bytes(b"INFO a\nINFO caf\xe9\ngarbage\nINFO b\n")
    pipeline = Pipeline(TextReader("<Level> <Content>", mode="lenient", continuation=None), [Template("Content")],
                        sequence=Windows(1), split=ChronologicalSplit(0.3))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.readers"):
        pipeline.fit_split(path)   # four reads
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "1 bad lines" in messages[0] and "1 lines hold bytes that are not valid utf-8" in messages[1]


def test_records_without_a_session_key_are_counted_and_warned_about(caplog):
    fitted = Pipeline(CsvReader(), [Template("Content")], sequence=Sessions("Pid")).fit(csv_lines())
    keyless = [CSV_HEADER] + [",".join(c if j != 2 or i % 2 == 0 else "" for j, c in enumerate(row.split(",")))
                              for i, row in enumerate(csv_lines()[1:])]   # every other Pid blanked
    with caplog.at_level("WARNING", logger="dl4j_bridge.etl.sequences"):
        batch = fitted.transform(keyless)
    assert fitted.records_without_key == 4 and int(batch.mask.sum()) == 4
    assert ("4 records have no session key 'Pid' (the first on line 3): they belong to no session and are not "
            "scored") in caplog.text


def test_flagged_classifier_rows_do_not_speak_of_unexpected_steps():
    from dl4j_bridge.detectors.report import explanations_markdown

    row = {"score": 0.9, "line_numbers": [3, 4], "unexpected_steps": 2, "predicted_class": 1, "line_number": 4,
           "probability": 0.9}
    text = explanations_markdown([row])
    assert "2 steps with P(anomalous) >= 0.5" in text and "unexpected" not in text
    next_event = {"score": 1, "line_numbers": [3, 4], "unexpected_steps": 1, "actual_event": 5, "actual_line": 5,
                  "expected_events": [1, 2], "probability": 0.01}
    assert "(1 unexpected steps)" in explanations_markdown([next_event])


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_a_utf16_file_read_as_another_encoding_is_refused_naming_the_encoding_to_give(tmp_path, encoding):
    path = tmp_path / "windows.log"
    path.write_text("Accepted password for ann\nAccepted password for bob\n", encoding="utf-16")
    from dl4j_bridge.etl import EncodingError

    with pytest.raises(EncodingError, match=r"starts with a UTF-16 \(little-endian\) byte-order mark .*: convert it "
                                            r"\(iconv -f UTF-16 .*encoding='utf-16'"):
        TextReader("<Content>", encoding=encoding).read(path)
    assert TextReader("<Content>", encoding="utf-16").read(path)["Content"].tolist() == [
        "Accepted password for ann", "Accepted password for bob"]


def test_a_flagged_window_lists_its_raw_lines_as_runs_not_one_span():
    """'lines 12-22' showed a quarantined line 18 as part of the window."""
    from dl4j_bridge.detectors.report import explanations_markdown, line_ranges

    assert line_ranges([12, 13, 14, 15, 16, 17, 19, 20, 21, 22]) == "12-17, 19-22"
    assert line_ranges([5]) == "5" and line_ranges([1, 3, 4]) == "1, 3-4"
    row = {"score": 5, "line_numbers": [12, 13, 14, 15, 16, 17, 19, 20], "unexpected_steps": 1, "actual_event": 5,
           "actual_line": 21, "expected_events": [1], "probability": 0.01}
    assert "score 5, lines 12-17, 19-20 (1 unexpected steps)" in explanations_markdown([row])


@pytest.mark.parametrize("encoding, codec, says", [
    ("utf-16", "utf-16-le", "it looks like UTF-16 little-endian without one: convert it (iconv -f UTF-16LE -t UTF-8 "
                            "FILE > FILE.utf8) and read it as UTF-8, or read it as it is (encoding='utf-16-le'; run.toml "
                            "[reader] encoding = \"utf-16-le\"), to train and to score alike"),
    ("utf-16", "utf-16-be", "it looks like UTF-16 big-endian without one"),
    ("utf16", "utf-8", "its first bytes do not look like UTF-16 without one either"),
    ("utf-32", "utf-32-le", "it looks like UTF-32 little-endian without one: convert it (iconv -f UTF-32LE "),
    ("utf-32", "utf-32-be", "it looks like UTF-32 big-endian without one"),
])
@pytest.mark.parametrize("gz", [False, True])
def test_a_file_without_the_byte_order_mark_utf16_needs_is_refused_saying_what_it_looks_like(tmp_path, encoding,
                                                                                           codec, says, gz):
    """Python said "UTF-16 stream does not start with BOM": no file, no line, nothing to do."""
    import gzip

    from dl4j_bridge.etl import EncodingError

    data = "Accepted password for ann\nAccepted password for bob\n".encode(codec)
    path = tmp_path / ("unmarked.log.gz" if gz else "unmarked.log")
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(EncodingError) as caught:
        TextReader("<Content>", encoding=encoding, mode="lenient").read(path)
    name = "utf-32" if "32" in encoding else "utf-16"
    assert str(caught.value).startswith(f"{path}: line 1: the file has no byte-order mark, which encoding {name!r} "
                                        "needs to tell the byte order; "), str(caught.value)
    assert says in str(caught.value)
    marked = "Accepted password for ann\n".encode(name)   # with its mark: read
    path.write_bytes(gzip.compress(marked) if gz else marked)
    assert TextReader("<Content>", encoding=encoding).read(path)["Content"].tolist() == ["Accepted password for ann"]


def test_standard_input_without_the_byte_order_mark_utf16_needs_is_refused(tmp_path):
    import io

    from dl4j_bridge.etl import EncodingError
    from dl4j_bridge.etl.sources import ByteStream

    data = "Accepted password for ann\n".encode("utf-16-le")
    for live in (None, lambda: None):
        source = ByteStream(io.BufferedReader(io.BytesIO(data)), "<stdin>", on_idle=live)
        with pytest.raises(EncodingError, match=r"^<stdin>: line 1: the file has no byte-order mark.* little-endian"):
            TextReader("<Content>", encoding="utf-16").read(source)
