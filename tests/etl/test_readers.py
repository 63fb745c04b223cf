import gzip
import json

import numpy as np
import pytest

from dl4j_bridge.etl import BadRecordError, CsvReader, JsonLinesReader, SpecError, TextReader, format_to_regex
from dl4j_bridge.etl.readers import java_regex_to_python, python_regex_to_java, reader_from_dict

HDFS_FORMAT = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
GOOD = "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865 terminating"


def test_format_to_regex_fields_and_anchoring():
    headers, pattern = format_to_regex(HDFS_FORMAT)
    assert headers == ["Date", "Time", "Pid", "Level", "Component", "Content"]
    assert pattern.startswith("^") and pattern.endswith("$")
    assert "\\s" not in pattern  # never matches across a newline


def test_a_field_inside_unescaped_brackets_is_refused_saying_how_to_escape_them():
    # syslog's `sshd[24200]:` written as in the log: `[<Pid>]` became a character class and Pid vanished
    # (a KeyError deep in the reader, exit 4 from train)
    with pytest.raises(SpecError, match=r"<Pid> is not a field.*unescaped '\['.*\\\[<Pid>\\\]") as caught:
        TextReader("<Month> <Day> <Time> <Host> sshd[<Pid>]: <Content>")
    assert "log_format '<Month> <Day>" in str(caught.value)
    reader = TextReader(r"<Month> <Day> <Time> <Host> sshd\[<Pid>\]: <Content>")
    frame = reader.read(["Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186"])
    assert frame.loc[0, "Pid"] == "24200" and frame.loc[0, "Content"].startswith("Invalid user")


def test_text_reader_parses_fields_and_line_numbers():
    frame = TextReader(HDFS_FORMAT).read([GOOD, GOOD.replace("148", "149")])
    assert list(frame.columns) == ["Date", "Time", "Pid", "Level", "Component", "Content", "line_number"]
    assert frame.loc[0, "Component"] == "dfs.DataNode$PacketResponder"
    assert frame.loc[0, "Content"] == "PacketResponder 1 for block blk_38865 terminating"
    assert frame["line_number"].tolist() == [1, 2]


def test_text_reader_with_named_group_regex_python_and_java_syntax():
    for pattern in (r"(?P<level>[A-Z]+) (?P<msg>.*)", r"(?<level>[A-Z]+) (?<msg>.*)"):
        frame = TextReader(regex=pattern).read(["INFO hello world", "WARN x"])
        assert frame["level"].tolist() == ["INFO", "WARN"]
        assert frame["msg"].tolist() == ["hello world", "x"]


def test_multiline_stack_trace_joined_to_its_record_across_chunks():
    lines = [GOOD, "java.io.IOException: boom"[0:0] + "  at a.b.C.d(C.java:10)", "Caused by: x.Y",
             "... 3 more", GOOD.replace("148", "150")]
    reader = TextReader(HDFS_FORMAT, chunk_lines=2)
    frame = reader.read(lines)
    assert len(frame) == 2
    assert frame.loc[0, "Content"].endswith("\n  at a.b.C.d(C.java:10)\nCaused by: x.Y\n... 3 more")
    assert frame["line_number"].tolist() == [1, 5]
    assert reader.report.continuation_lines == 3


LOG4J_FORMAT = "<Date> <Time> <Level> <Content>"
LOG4J = "2024-03-04 12:30:00,001 ERROR [DataXceiver] Failed to write block blk_42"
#: a Java stack trace whose frames the format would match too (empty Date and Time, or "Caused" and "by:")
TRACE = ["java.io.IOException: Connection reset by peer", "    at sun.nio.ch.FileDispatcherImpl.read0(Native Method)",
         "\tat org.apache.hadoop.Receiver.receivePacket(Receiver.java:512)", "Caused by: java.net.SocketException: x",
         "    ... 12 more"]


@pytest.mark.parametrize("chunk_lines", [1, 3, 100])
def test_a_stack_trace_continues_its_record_even_where_the_format_matches_its_lines(chunk_lines):
    for line in TRACE[:2] + TRACE[3:]:   # line rules 1 read each of these as a record of its own
        assert TextReader(LOG4J_FORMAT, line_rules=1).read([line]).shape[0] == 1
    reader = TextReader(LOG4J_FORMAT, chunk_lines=chunk_lines)
    frame = reader.read([LOG4J, *TRACE, LOG4J.replace("ERROR", "INFO")])
    assert frame["line_number"].tolist() == [1, 7]
    assert frame.loc[0, "Content"] == "[DataXceiver] Failed to write block blk_42\n" + "\n".join(TRACE)
    assert reader.report.continuation_lines == 5 and reader.report.records == 2

    old = TextReader(LOG4J_FORMAT, line_rules=1, chunk_lines=chunk_lines)
    assert old.read([LOG4J, *TRACE]).shape[0] == 5   # only the tab-indented frame (two blank runs) continued
    assert old.report.continuation_lines == 1


def test_a_run_of_blanks_is_one_separator_so_fields_are_not_emptied_to_make_a_line_match():
    # "ERROR   boom" used to be a record: Date "ERROR", Time "", Level "", Content "boom"
    with pytest.raises(BadRecordError) as caught:
        TextReader(LOG4J_FORMAT).read([LOG4J, "ERROR   boom"])
    assert caught.value.line == 2 and "no format match" in caught.value.reason
    assert TextReader(LOG4J_FORMAT, line_rules=1).read(["ERROR   boom"]).iloc[0, :4].tolist() == [
        "ERROR", "", "", "boom"]
    # padded columns and tabs still parse, and an empty last field is still a field
    frame = TextReader(HDFS_FORMAT).read(["081109  203615 \t 148   INFO dfs.DataNode: x  y", "081109 203615 1 INFO c: "])
    assert frame.iloc[0, :6].tolist() == ["081109", "203615", "148", "INFO", "dfs.DataNode", "x  y"]
    assert frame.iloc[1, 5] == ""


def test_a_blank_line_is_blank_not_a_continuation_and_an_unindented_exception_line_continues():
    reader = TextReader(LOG4J_FORMAT, mode="lenient")
    frame = reader.read([LOG4J, "  \t ", "ValueError: bad value", "Traceback (most recent call last):"])
    assert len(frame) == 1 and reader.report.blank_lines == 1 and reader.report.continuation_lines == 2
    # no record yet: nothing to continue, so the format decides (here: no match)
    reader = TextReader(LOG4J_FORMAT, mode="lenient")
    assert reader.read(["    at a.B.c(B.java:1)"]).empty and reader.report.bad_lines == 1


def test_line_rules_travel_with_the_spec_and_a_spec_saved_before_them_reads_as_it_did():
    new = TextReader(LOG4J_FORMAT)
    assert new.to_dict()["line_rules"] == 2
    assert reader_from_dict(new.to_dict()).line_rules == 2
    before = {k: v for k, v in TextReader(LOG4J_FORMAT, line_rules=1).to_dict().items() if k != "line_rules"}
    old = reader_from_dict(before)   # a version 1 or 2 spec has no line_rules
    assert old.line_rules == 1 and old.to_dict()["line_rules"] == 1   # saved again, it still reads the same
    assert old.read([LOG4J, *TRACE]).shape[0] == 5
    for bad in (3, 0, "2", 2.0, True):
        with pytest.raises(SpecError, match="line_rules"):
            reader_from_dict({**new.to_dict(), "line_rules": bad})


def test_strict_mode_raises_with_file_line_and_reason(tmp_path):
    path = tmp_path / "x.log"
    path.write_text(GOOD + "\nnot a log line\n" + GOOD + "\n")
    with pytest.raises(BadRecordError) as caught:
        TextReader(HDFS_FORMAT, continuation=None).read(str(path))
    error = caught.value
    assert error.file == str(path) and error.line == 2
    assert "no format match" in error.reason


def test_lenient_mode_counts_and_quarantines(tmp_path):
    quarantine = tmp_path / "q" / "bad.jsonl"
    lines = [GOOD, "garbage one", "", GOOD, "garbage two"]
    reader = TextReader(HDFS_FORMAT, continuation=None, mode="lenient", quarantine=quarantine)
    frame = reader.read(lines)
    assert frame["line_number"].tolist() == [1, 4]
    report = reader.report
    assert (report.lines, report.records, report.bad_lines, report.blank_lines) == (5, 2, 2, 1)
    assert report.bad_by_reason == {"no format match": 2}
    rows = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert [(r["line"], r["text"]) for r in rows] == [(2, "garbage one"), (5, "garbage two")]


def test_gzip_and_plain_files_read_the_same(tmp_path):
    lines = [GOOD.replace("148", str(100 + i)) for i in range(500)]
    plain, packed = tmp_path / "a.log", tmp_path / "a.log.gz"
    plain.write_text("\n".join(lines) + "\n")
    with gzip.open(packed, "wt") as handle:
        handle.write("\r\n".join(lines))
    a = TextReader(HDFS_FORMAT).read(str(plain))
    b = TextReader(HDFS_FORMAT).read(str(packed))
    assert len(a) == 500 and a.equals(b)


def test_chunks_are_bounded_and_cover_everything():
    lines = [GOOD] * 2500
    chunks = list(TextReader(HDFS_FORMAT, chunk_lines=1000).iter_chunks(lines))
    assert max(len(c) for c in chunks) <= 1000
    assert np.concatenate([c["line_number"].to_numpy() for c in chunks]).tolist() == list(range(1, 2501))


def test_jsonl_nested_paths_aliases_missing_keys_and_types(tmp_path):
    lines = [
        '{"src_ip": "1.2.3.4", "dst": {"port": 80}, "n": 1}',
        '{"srcIP": "5.6.7.8", "dst": {"port": "22"}}',
        '{"source": {"ip": "9.9.9.9"}, "dst": {"port": "http"}}',
        '{"bad json',
        '[1, 2]',
    ]
    quarantine = tmp_path / "bad.jsonl"
    reader = JsonLinesReader({"src": ["src_ip", "srcIP", "source.ip"], "port": "dst.port", "n": "n"},
                             types={"port": "int"}, mode="lenient", quarantine=quarantine)
    frame = reader.read(lines)
    assert frame["src"].tolist() == ["1.2.3.4", "5.6.7.8"]
    assert frame["port"].tolist() == [80, 22]
    assert frame["n"].tolist() == [1, None]
    assert reader.report.bad_by_reason == {"wrong type": 1, "invalid JSON": 1, "not a JSON object": 1}
    assert sorted(json.loads(l)["line"] for l in quarantine.read_text().splitlines()) == [3, 4, 5]


def test_jsonl_strict_wrong_type_names_the_field():
    with pytest.raises(BadRecordError) as caught:
        JsonLinesReader({"port": "port"}, types={"port": "int"}).read(['{"port": 1}', '{"port": "x"}'])
    assert (caught.value.line, caught.value.field) == (2, "port")


def test_jsonl_without_fields_flattens_everything():
    frame = JsonLinesReader().read(['{"a": 1, "b": {"c": "x"}}', '{"a": 2, "d": true}'])
    assert list(frame.columns) == ["a", "b.c", "d", "line_number"]
    assert frame["b.c"].tolist() == ["x", None]


def test_csv_header_aliases_quoted_newlines_and_bad_rows():
    lines = ["time,srcIP,bytes", "t1,1.1.1.1,10", 't2,"2.2.2.2",20', 't3,3.3.3.3', "t4,,x", 't5,"multi', 'line",5']
    reader = CsvReader({"time": "time", "src": ["src_ip", "srcIP"], "bytes": "bytes"}, types={"bytes": "int"},
                       mode="lenient")
    frame = reader.read(lines)
    assert frame["src"].tolist() == ["1.1.1.1", "2.2.2.2", "multi\nline"]
    assert frame["bytes"].tolist() == [10, 20, 5]
    assert frame["line_number"].tolist() == [2, 3, 6]
    assert reader.report.bad_by_reason == {"wrong column count": 1, "wrong type": 1}


def test_reader_spec_round_trip_uses_java_named_groups():
    reader = TextReader(HDFS_FORMAT, mode="lenient")
    spec = json.loads(json.dumps(reader.to_dict()))
    assert "(?P<" not in spec["regex"] and "(?<Content>" in spec["regex"]
    again = reader_from_dict(spec)
    assert again.read([GOOD]).equals(reader.read([GOOD]))
    assert java_regex_to_python(python_regex_to_java(r"(?P<a>x)(?<=y)(?<!z)")) == r"(?P<a>x)(?<=y)(?<!z)"


def test_the_encoding_is_saved_by_its_codec_name_and_a_typo_is_refused_at_once(tmp_path):
    from dl4j_bridge.etl import CsvReader, EtlError, TextReader

    assert TextReader(log_format="<Content>", encoding="latin_1").encoding == "iso8859-1"
    assert CsvReader(encoding="UTF8").to_dict()["encoding"] == "utf-8"
    path = tmp_path / "l1.log"
    path.write_bytes("caf\xe9 ok\n".encode("latin-1"))
    assert TextReader(log_format="<Content>", encoding="Latin-1").read(str(path))["Content"].tolist() == ["caf\xe9 ok"]
    with pytest.raises(EtlError, match="unknown encoding 'utf-9'"):
        TextReader(log_format="<Content>", encoding="utf-9")


# --------------------------------------------------------------------------------------------------
# a live stream (score --input -): blocks end where the input pauses
# --------------------------------------------------------------------------------------------------
def _live(on_idle=None):
    """A pipe read live: (its write end's fd, the ByteStream over its read end)."""
    import os

    from dl4j_bridge.etl import ByteStream

    read_end, write_end = os.pipe()
    return write_end, ByteStream(os.fdopen(read_end, "rb"), "<stdin>", on_idle=on_idle or (lambda: None))


def test_a_live_stream_hands_out_its_complete_lines_when_it_pauses_and_says_so_before_waiting():
    import os

    from dl4j_bridge.etl.sources import IdleBlock, iter_line_blocks

    events: list = []
    write_end, source = _live(lambda: events.append("paused"))
    blocks = iter_line_blocks(source)
    os.write(write_end, b"a\r\nb\nc")            # 'c': a line still being written
    first = next(blocks)
    assert first == ["a", "b"] and isinstance(first, IdleBlock) and events == []
    os.write(write_end, b"d\n\xffe\n")
    assert next(blocks) == ["cd", "\ufffde"] and events == ["paused"]   # said before the read that waits
    os.write(write_end, b"f")
    os.close(write_end)
    last = next(blocks)
    assert last == ["f"] and not isinstance(last, IdleBlock)   # the end, not a pause
    assert list(blocks) == [] and events == ["paused", "paused"]
    source.stream.close()


def test_a_live_stream_gives_the_lines_a_file_gives_however_its_bytes_arrive(tmp_path):
    """The same lines as the file read, with a BOM, CRLF, undecodable bytes, a character split between writes
    and a last line without its newline."""
    import os
    import threading
    import time

    from dl4j_bridge.etl.sources import iter_line_blocks

    data = ("\ufeff" + "".join(f"line {i} é €\r\n" if i % 3 else f"line {i}\n" for i in range(2000))).encode()
    data = data[:500] + b"\xff\xfe bad\n" + data[500:] + b"\n\nlast"
    path = tmp_path / "file.log"
    path.write_bytes(data)
    counts = {"file": 0, "live": 0}

    def counter(name):
        return lambda n: counts.__setitem__(name, counts[name] + n)

    expected = [line for block in iter_line_blocks(path, on_undecodable=counter("file")) for line in block]
    write_end, source = _live()
    cuts = [0, 7, 1000, 1001, 1002, 5000, 20000, len(data)]   # 'é' and '€' split at some of them

    def write():
        for start, stop in zip(cuts, cuts[1:]):
            os.write(write_end, data[start:stop])
            time.sleep(0.05)
        os.close(write_end)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    blocks = list(iter_line_blocks(source, block_bytes=4096, on_undecodable=counter("live")))
    writer.join(10)
    assert [line for block in blocks for line in block] == expected
    assert counts["live"] == counts["file"] == 1 and expected[0] == "line 0" and expected[-1] == "last"
    assert len(blocks) >= 4   # a block at each pause that completed a line
    source.stream.close()


@pytest.mark.parametrize("kind", ["text", "jsonl", "csv"])
def test_every_reader_hands_out_the_records_of_a_live_stream_when_it_pauses(kind):
    """What the launcher does for --input -: the records complete when the input pauses come out before the
    read that waits; a text record is complete when the next line arrives (continuation lines may follow it).
    CSV collected records up to chunk_lines across blocks, so nothing came out of a slow stream."""
    import os
    import threading

    if kind == "text":
        reader = TextReader(HDFS_FORMAT)
        lines = [GOOD.replace("148", str(100 + i)) for i in range(5)]
        first_frame = 4   # the 5th line is held back until the next line arrives
    elif kind == "jsonl":
        reader = JsonLinesReader({"level": "level", "n": "n"})
        lines = [json.dumps({"level": "INFO", "n": i}) for i in range(5)]
        first_frame = 5
    else:
        reader = CsvReader()
        lines = ["level,n"] + [f"INFO,{i}" for i in range(5)]
        first_frame = 5
    write_end, source = _live()
    timer = threading.Timer(60, os.close, (write_end,))   # the end only comes if a frame never does
    timer.start()
    try:
        chunks = reader.iter_chunks(source)
        os.write(write_end, ("\n".join(lines) + "\n").encode())
        frame = next(chunks)
        assert timer.is_alive(), "the first frame came only at the end of the input"
        assert len(frame) == first_frame
        os.write(write_end, (lines[-1] + "\n").encode())
    finally:
        timer.cancel()
    os.close(write_end)
    rest = list(chunks)
    assert sum(len(f) for f in [frame] + rest) == first_frame + (2 if kind == "text" else 1)
    assert reader.report.lines == len(lines) + 1
    source.stream.close()


@pytest.mark.parametrize("chunk_lines", [1, 2, 100])
def test_strict_reading_ends_at_the_first_bad_line_whatever_follows_it(chunk_lines):
    """A continuation after the bad line used to join the record before it (whose int field then failed, line 1)
    when both were in one chunk; the JVM, line by line, names line 2."""
    reader = TextReader("<Date> <Time> <Level> <N>", types={"N": "int"}, chunk_lines=chunk_lines)
    with pytest.raises(BadRecordError) as caught:
        reader.read(["d t INFO 5", "garbage", "    at x", "d t INFO oops"])
    assert caught.value.line == 2 and "no format match" in caught.value.reason


def test_a_continuation_line_before_any_record_is_set_aside_not_read_as_a_record():
    """An input that starts inside a trace (a rotated log, a serve request body): the frame matched the format with
    an empty first field, and 'Caused by: x' read as Date 'Caused'."""
    lines = ["    at a.b.C.d(C.java:1) ~[c.jar:1.0]", "Caused by: java.io.IOException: x y", LOG4J, *TRACE]
    reader = TextReader(LOG4J_FORMAT, mode="lenient")
    frame = reader.read(lines)
    assert frame["line_number"].tolist() == [3] and reader.report.continuation_lines == len(TRACE)
    assert reader.report.bad_by_reason == {"no record to continue": 2}
    with pytest.raises(BadRecordError) as caught:
        TextReader(LOG4J_FORMAT).read(lines)
    assert caught.value.line == 1 and "no record comes before it to continue" in str(caught.value)
    assert TextReader(LOG4J_FORMAT, line_rules=1).read(lines).shape[0] == 7   # rules 1: frames are records


def test_blanks_that_start_a_line_pad_the_first_field_instead_of_emptying_it():
    lines = ["  12 INFO started", " 345 WARN slow disk", "6789 INFO done"]
    frame = TextReader("<Pid> <Level> <Content>", continuation=r"^(?:[ \t]+at |Caused by:)").read(lines)
    assert frame["Pid"].tolist() == ["12", "345", "6789"] and frame["Level"].tolist() == ["INFO", "WARN", "INFO"]
    # under the default continuation such lines continue the record before them: the first is set aside
    reader = TextReader("<Pid> <Level> <Content>", mode="lenient")
    assert reader.read(lines)["Content"].tolist() == ["done"] and reader.report.bad_lines == 2


def test_a_fit_logs_what_it_read_so_that_records_taken_for_continuations_show(caplog):
    """A right-aligned first column (" INFO" beside "ERROR") starts most records with a blank: under the default
    continuation they join the record before them. No warning can tell them from a traceback's indented lines
    (both match the format), so the fit's log line gives the counts: 60 records, 240 continuation lines."""
    from dl4j_bridge.etl import Pipeline, Template, Windows

    padded = [f"{'ERROR' if i % 5 == 0 else 'INFO':>5} {i} step {i % 7} done" for i in range(300)]
    with caplog.at_level("INFO", logger="dl4j_bridge.etl.pipeline"):
        Pipeline(TextReader("<Level> <Pid> <Content>", mode="lenient"), [Template("Content")], Windows(5)).fit(padded)
    assert "fitted on 60 training records" in caplog.text
    assert "read <lines>: lines 300, records 60, continuation_lines 240, blank_lines 0, bad_lines 0" in caplog.text
    caplog.clear()
    # what the README advises: a continuation only continuation lines start with
    with caplog.at_level("INFO", logger="dl4j_bridge.etl.pipeline"):
        Pipeline(TextReader("<Level> <Pid> <Content>", continuation=r"^(?:[ \t]+at |Caused by:)"),
                 [Template("Content")], Windows(5)).fit(padded)
    assert "records 300, continuation_lines 0" in caplog.text


def test_a_saved_spec_is_read_with_its_saved_regex_as_the_jvm_reads_it():
    """Python rebuilt the regex from log_format while the JVM reads the spec's regex: a change to format_to_regex
    would have split the two sides on every saved model. Both now read the saved one."""
    spec = TextReader(LOG4J_FORMAT, continuation=r"^Caused by:").to_dict()
    line = " 2024-03-04 12:00:00 INFO x"
    assert reader_from_dict(spec).read([line]).iloc[0, :4].tolist() == ["2024-03-04", "12:00:00", "INFO", "x"]
    spec["regex"] = spec["regex"].replace("^[ \\t]*(?![ \\t])", "^")   # as saved without the leading-blanks rule
    assert reader_from_dict(spec).read([line]).iloc[0, :4].tolist() == ["", "2024-03-04", "12:00:00", "INFO x"]
    spec["regex"] = "^(?<Date>.*?) (?<Time>.*)$"
    with pytest.raises(SpecError, match="lacks fields of log_format"):
        reader_from_dict(spec)


@pytest.mark.parametrize("reader", ["json", "csv", "text"])
def test_a_data_frame_or_a_dict_is_refused_with_how_to_pass_its_records_not_read_as_its_column_names(reader, tmp_path):
    """Iterating a DataFrame yields its column names: a lenient read scored nothing, with one 'bad line' per
    column, and a strict one said 'line 1: invalid JSON'."""
    import pandas as pd

    from dl4j_bridge.etl import CsvReader, JsonLinesReader, TextReader

    make = {"json": lambda: JsonLinesReader(["m"], mode="lenient"), "csv": lambda: CsvReader(mode="lenient"),
            "text": lambda: TextReader("<Level> <Content>", mode="lenient")}[reader]
    frame = pd.DataFrame({"m": ["a", "b"], "level": ["INFO", "WARN"]})
    with pytest.raises(TypeError, match=r"a pandas DataFrame is no source of log lines .*df\['line'\].tolist\(\).*"
                                        r"df.to_json\(orient='records', lines=True, date_format='iso'\)"
                                        r".splitlines\(\)"):
        list(make().iter_chunks(frame))
    with pytest.raises(TypeError, match=r"a dict is no source of log lines"):
        list(make().iter_chunks({"m": "a"}))
    text_lines = pd.DataFrame({"line": ["INFO a", "WARN b"]})["line"].tolist()
    if reader == "json":   # the advice works
        lines = frame.to_json(orient="records", lines=True, date_format="iso").splitlines()
    elif reader == "csv":
        path = tmp_path / "frame.csv"
        frame.to_csv(path, index=False)
        lines = path
    else:
        lines = text_lines
    assert sum(len(chunk) for chunk in make().iter_chunks(lines)) == 2



def test_a_list_of_records_or_a_column_with_missing_values_is_refused_with_what_to_do():
    """A pandas user's df.to_dict("records") was refused with 'got dict at line 1 (decode bytes first, or pass the
    file's path)', and df['line'].tolist() with an empty cell with 'got float at line 2 (decode bytes first...)':
    advice about bytes for input that holds none."""
    import json

    import pandas as pd

    from dl4j_bridge.etl import JsonLinesReader, TextReader

    records = [{"level": "INFO", "message": "a"}, {"level": "WARN", "message": "b"}]
    with pytest.raises(TypeError, match=r"got dict at line 1 \(records are no lines: pass them as JSON lines, "
                                        r"\[json.dumps\(record\) for record in records\], to a JsonLinesReader\)"):
        list(JsonLinesReader(["level", "message"]).iter_chunks(records))
    assert sum(len(c) for c in JsonLinesReader(["level", "message"]).iter_chunks(
        [json.dumps(r) for r in records])) == 2   # the advice works
    column = pd.DataFrame({"line": ["INFO a", None, "WARN b"]})["line"]
    with pytest.raises(TypeError, match=r"got (NoneType|float) at line 2 \(a missing value.*fillna\(''\)"):
        list(TextReader("<Level> <Content>").iter_chunks(column.tolist()))
    with pytest.raises(TypeError, match=r"got float at line 2 \(a missing value"):
        list(TextReader("<Level> <Content>").iter_chunks(["INFO a", float("nan")]))
    with pytest.raises(TypeError, match=r"got bytes at line 1 \(decode bytes first"):
        list(TextReader("<Level> <Content>").iter_chunks([b"INFO a"]))
    reader = TextReader("<Level> <Content>", mode="lenient")
    frame = reader.read(column.fillna("").tolist())   # line N stays the frame's row N - 1
    assert frame["line_number"].tolist() == [1, 3] and reader.report.blank_lines == 1


def test_an_in_memory_item_holding_line_feeds_is_a_bad_line_never_read_as_the_next_items(tmp_path):
    """A pandas user's column of records whose cell holds a record with its stack trace ("...boom\\njava.io...")
    was read, in a block of matching lines, by one findall over the block joined at line feeds: the item's first
    line was the record (its trace dropped), and a second line the format matched was read as the *next* item's
    record, in place of that item (a garbage line after it vanished, uncounted, and the hidden record took its line
    number)."""
    import json

    from dl4j_bridge.etl import BadRecordError, TextReader

    fmt = r"<Date> <Time> <Level> <Component>: <Content>"
    lines = ["17/06/09 20:10:40 INFO a.B: one",
             "17/06/09 20:10:41 ERROR a.B: boom\n17/06/09 20:10:41 INFO a.B: hidden",
             "garbage",
             "17/06/09 20:10:42 INFO a.B: four\njava.io.IOException: x\n\tat a.b(C.java:1)",
             "\tat a.c(C.java:2)",
             "17/06/09 20:10:43 INFO a.B: six"]
    quarantine = tmp_path / "q.jsonl"
    reader = TextReader(fmt, mode="lenient", quarantine=str(quarantine))
    frame = reader.read(lines)
    assert frame[["line_number", "Content"]].values.tolist() == [[1, "one"], [6, "six"]]
    r = reader.report
    assert (r.lines, r.records, r.bad_lines, r.continuation_lines) == (6, 2, 3, 1)
    assert r.lines == r.records + r.bad_lines + r.continuation_lines + r.blank_lines
    bad = [json.loads(x) for x in quarantine.read_text().splitlines()]
    assert [b["line"] for b in bad] == [2, 3, 4]
    assert "holds a line feed" in bad[0]["reason"] and "item.split('\\n')" in bad[0]["reason"]
    assert bad[2]["text"] == lines[3] + "\n" + lines[4]   # the item and the line continuing it
    reader = TextReader(fmt, mode="lenient")   # no continuation line in the block: the block-wide findall path
    assert reader.read(lines[:3])[["line_number", "Content"]].values.tolist() == [[1, "one"]]
    assert (reader.report.records, reader.report.bad_lines) == (1, 2)
    with pytest.raises(BadRecordError, match=r"<lines>:2: no format match: the line holds a line feed"):
        TextReader(fmt).read(lines)
    from dl4j_bridge.etl import Pipeline, Template

    # no format diagnosis of an item of several lines
    with pytest.raises(BadRecordError, match=r"holds a line feed.*line N stays the frame's row N - 1$"):
        Pipeline(TextReader(fmt), [Template("Content")]).fit(lines)
    # split as the message says: every line read, the trace attached to its record
    split = [part for item in lines for part in item.split("\n")]
    reader = TextReader(fmt, mode="lenient")
    frame = reader.read(split)
    assert frame["Content"].tolist()[3] == "four\njava.io.IOException: x\n\tat a.b(C.java:1)\n\tat a.c(C.java:2)"
    assert (reader.report.records, reader.report.bad_lines, reader.report.continuation_lines) == (5, 1, 3)
    # or as JSON lines, the advice for a DataFrame's records: the trace stays in its field, line N is row N - 1
    import pandas as pd

    from dl4j_bridge.etl import JsonLinesReader

    frame = pd.DataFrame({"message": ["one", "boom\njava.io.IOException: x\n\tat a.b(C.java:1)", "three"]})
    json_lines = frame.to_json(orient="records", lines=True, date_format="iso").splitlines()
    read = JsonLinesReader(["message"]).read(json_lines)
    assert read["message"].tolist() == frame["message"].tolist() and read["line_number"].tolist() == [1, 2, 3]

def test_an_optional_part_of_the_format_left_out_is_a_missing_field_in_any_block():
    """findall gave '' for a group that took no part (Linux's optional '[<PID>]'), the line-by-line path and the
    JVM None: with types PID = "int", a strict read of loghub's Linux_2k failed on line 16 ('got ''') unless a
    bad line in the same block sent it line by line."""
    from dl4j_bridge.etl import TextReader

    fmt = r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>"
    good = ["Jun 15 04:06:20 combo logrotate: ALERT exited abnormally with [1]",
            "Jun 15 04:06:21 combo sshd(pam_unix)[19939]: check pass; user unknown"]
    fast = TextReader(fmt, types={"PID": "int"}).read(good)
    slow = TextReader(fmt, types={"PID": "int"}, mode="lenient").read(good + ["garbage"])
    assert fast["PID"].isna().tolist() == slow["PID"].isna().tolist() == [True, False]
    assert fast["Content"].tolist() == slow["Content"].tolist()
    empty = TextReader("<Level>: <Content>").read(["INFO: ", "WARN: x"])   # a field that matched nothing stays ''
    assert empty["Content"].tolist() == ["", "x"]


def test_a_file_object_that_split_lines_at_bare_carriage_returns_is_named_in_a_warning(tmp_path, caplog):
    """open(path) splits at a lone CR too: the lines (and line numbers) then differ from the file read by its path,
    without a word."""
    from dl4j_bridge.etl.sources import iter_line_blocks

    path = tmp_path / "mac.log"
    path.write_bytes(b"one\rtwo\rthree\n")
    with caplog.at_level("WARNING", logger="dl4j_bridge.etl.sources"):
        assert [line for block in iter_line_blocks(str(path)) for line in block] == ["one\rtwo\rthree"]
        assert not caplog.records
        with open(path) as universal:
            assert [line for block in iter_line_blocks(universal) for line in block] == ["one", "two", "three"]
    assert "carriage returns without a line feed" in caplog.text and str(path) in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="dl4j_bridge.etl.sources"):
        with open(path, newline="\n") as exact:
            assert [line for block in iter_line_blocks(exact) for line in block] == ["one\rtwo\rthree"]
        clean = tmp_path / "unix.log"
        clean.write_bytes(b"one\r\ntwo\n")
        with open(clean) as universal:
            assert [line for block in iter_line_blocks(universal) for line in block] == ["one", "two"]
    assert not caplog.records


def test_decimal_text_is_read_as_the_nearest_float_as_on_the_jvm():
    """pandas < 3 reads about one in five 17-digit decimals one unit in the last place off ('13.700000000000001');
    the JVM's Double.parseDouble and CPython's float round correctly: Numeric features and typed fields differed."""
    import pandas as pd

    from dl4j_bridge.etl import Numeric
    from dl4j_bridge.etl.readers import to_numbers

    texts = [repr(float(v)) for v in np.arange(1, 400, dtype=np.float64) * 1.37] + ["9007199254740993", "1e-320", " 2.5 "]
    values = pd.Series(texts + ["x", None, "0x1F", "1_0"], dtype=object)
    got = to_numbers(values).to_numpy(dtype=np.float64)
    assert got[:len(texts)].tolist() == [float(t) for t in texts]
    assert np.isnan(got[len(texts):]).all()           # which texts are numbers is unchanged
    numeric = Numeric("v", scaling="none")
    frame = pd.DataFrame({"v": pd.Series(texts, dtype=object), "line_number": np.arange(1, len(texts) + 1)})
    numeric.partial_fit(frame)
    numeric.finish()
    assert numeric.mean == pytest.approx(np.mean([float(t) for t in texts]), rel=1e-12)
    assert numeric._raw(frame)[0].tolist() == [float(t) for t in texts]
