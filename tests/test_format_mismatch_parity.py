"""A lenient text reader's quarantine says why each rejected line does not fit its ``log_format`` (where the format
stops matching: the fields read, its next part, the rest of the line), in the same words on the JVM.

Before, a quarantined line said only "line does not match the log format", so a user whose format was slightly
wrong for 30% of the lines could not see why; a strict fit said where the format stops, a lenient read did not.
"""

from __future__ import annotations

import json
import random
import re

import pytest

from bridge_testing import read_with_java_reader
from dl4j_bridge.etl import TextReader
from dl4j_bridge.etl.readers import DEFAULT_CONTINUATION, NO_FORMAT_MATCH_AFTER_CONTINUATION, format_mismatch

SSH = "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186"   # loghub's OpenSSH
SSH_FORMAT = r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>"
LINUX_FORMAT = r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>"   # an optional segment

#: (format, line rules, lines): a format slightly wrong for some lines, and lines no prefix of it reads
CASES = [
    (SSH_FORMAT, 2, [SSH, "Dec 10 06:55:46 LabSZ su[1]: other", SSH.replace("]:", "]"), "  indented",
                     "\u00e9t\u00e9 " + "\U0001F600" * 70, "Dec 10 06:55:46 LabSZ sshd[1]: " + "x" * 3000,
                     "Dec 10 06:55:46 LabSZ sshd[" + "\U0001F600" * 2500, "Dec 10 'quoted' \"both\" \t\\ sshd[x", "Dec"]),
    (r"<Date> <Day> <Time> <Host> <Component> sshd\[<Pid>\]: <Content>", 2, [SSH, SSH, "x", SSH, "Caused by: y"]),
    ("<Time>,<Component>,<Pid>,<Content>", 2, ["20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
                                             "a,b,c,d", "a,b"]),
    (r"\[<Time>\] \[<Level>\] <Content>", 1, ["[Sun Dec 04 04:47:44 2005] [notice] ok",
                                              "Sun Dec 04 04:47:44 2005 notice ok", "[x] y"]),
    (LINUX_FORMAT, 2, ["Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure", "Jun 14 15:16:01 combo",
                       "Jun 14 15:16:01 combo [" + "[" * 50, "Jun 14"]),
    (r"<A>\s - <B>", 2, ["x" + " " * 5000 + "y", "x  - y", "x - y"]),
    # loghub's Mac format: an optional segment after literal text
    *[(r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>", rules,
       ["Jul  1 09:02:26 host quicklookd[38023] (0x7f8c): Error", "Jul  7 12:15:44 host quicklookd[38023]"
        + " " * 5000 + ": Error ret" + " " * 5000, "Jul  7 12:15:44 host q[1] (0x1" + " " * 5000 + ": ok",
        "Jul  7 12:15:44 host q[1] (x: y", "Jul 7 x"]) for rules in (1, 2)],
]


def _read_both(log_format: str, line_rules: int, lines: list[str], tmp_path):
    import jpype

    quarantine = tmp_path / "python.jsonl"
    quarantine.unlink(missing_ok=True)
    reader = TextReader(log_format, mode="lenient", quarantine=quarantine, line_rules=line_rules)
    frame = reader.read(lines)
    spec = reader.to_dict()
    written = jpype.java.io.StringWriter()
    java_reader = jpype.JClass("io.dl4jbridge.etl.TextRecordReader")(
        spec["regex"], jpype.java.util.ArrayList(spec["fields"]), spec["continuation"], jpype.java.util.HashMap(),
        log_format, line_rules)
    records, counts = read_with_java_reader(java_reader, [part for line in lines for part in line.split("\n")],
                                            lambda record: int(record.line), written)
    python = [json.loads(line) for line in quarantine.read_text(encoding="utf-8").splitlines()]
    java = [json.loads(line) for line in str(written.toString()).splitlines()]
    return (frame["line_number"].tolist(), reader.report.bad_by_reason, python), (records, counts["bad_by_reason"],
                                                                                  java)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_both_readers_quarantine_a_line_with_where_the_format_stops_matching_it(jvm, tmp_path, case):
    log_format, line_rules, lines = CASES[case]
    python, java = _read_both(log_format, line_rules, lines, tmp_path)
    assert python == java
    _, by_reason, quarantined = python
    assert quarantined and set(by_reason) == {"no format match"}
    physical = [part for line in lines for part in line.split("\n")]
    for record in quarantined:   # the diagnosis of the line's first line, as a fit gives it
        first = record["text"].split("\n")[0]
        if record["line"] > 2 and re.match(DEFAULT_CONTINUATION, physical[record["line"] - 2]):
            # right after a continuation line (case 0's "  indented"): the continuation hint, then the diagnosis
            assert record["reason"] == ("no format match: " + NO_FORMAT_MATCH_AFTER_CONTINUATION + "; "
                                        + format_mismatch(log_format, first, line_rules))
        else:
            assert record["reason"] == ("no format match: line does not match the log format; "
                                        + format_mismatch(log_format, first, line_rules))


def test_the_reason_names_the_fields_read_and_the_part_of_the_format_that_does_not_fit(tmp_path):
    quarantine = tmp_path / "bad.jsonl"
    wrong = r"<Date> <Day> <Time> <Host> <Component> sshd\[<Pid>\]: <Content>"   # a field too many
    reader = TextReader(wrong, mode="lenient", quarantine=quarantine)
    reader.read([SSH.replace("LabSZ", "LabSZ host"), SSH])
    (record,) = [json.loads(line) for line in quarantine.read_text(encoding="utf-8").splitlines()]
    assert record["line"] == 2 and record["reason"] == (
        "no format match: line does not match the log format; the format matches the line up to <Host> (Date='Dec', "
        "Day='10', Time='06:55:46', Host='LabSZ'); the format's next part, '<Component> sshd\\[', does not match the "
        "rest of the line, 'sshd[24200]: Invalid user webmaster from 173.234.31.186': is a field too many or missing "
        "there, or the text between the fields different?")
    assert reader.report.bad_by_reason == {"no format match": 1}   # the count's key stays the category


def test_a_regex_reader_and_strict_reading_keep_the_short_reason(jvm, tmp_path):
    import jpype

    quarantine = tmp_path / "bad.jsonl"
    reader = TextReader(regex=r"(?P<A>\S+) (?P<B>.*)", mode="lenient", quarantine=quarantine)
    reader.read(["a b", "ab"])
    written = jpype.java.io.StringWriter()
    read_with_java_reader(jpype.JClass("io.dl4jbridge.etl.TextRecordReader")(
        reader.to_dict()["regex"], jpype.java.util.ArrayList(["A", "B"]), None, jpype.java.util.HashMap()),
        ["a b", "ab"], lambda record: int(record.line), written)
    for text in (quarantine.read_text(encoding="utf-8"), str(written.toString())):
        assert json.loads(text)["reason"] == "no format match: line does not match the log format"


@pytest.mark.parametrize("seed", [1, 2])
def test_both_readers_give_the_same_reasons_for_random_lines_built_from_the_formats_pieces(jvm, tmp_path, seed):
    rng = random.Random(seed)
    log_format = r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>"   # loghub's Zookeeper
    pieces = ["2015-07-29", "19:04:12,394", " ", "  ", "\t", "-", " - ", "INFO", "[", "]", ":", "@", "main", "x",
              "'", "\u00e9", "\\"]
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(400)]
    python, java = _read_both(log_format, 2, lines, tmp_path)
    assert python == java
    assert len(python[2]) > 100


@pytest.mark.parametrize("mode", ["lenient", "strict"])
def test_an_in_memory_item_holding_a_line_feed_is_the_same_bad_line_on_both_sides(jvm, tmp_path, mode):
    """Java's ``LogAnomalyScorer.score(Iterable)`` hands its items to the reader as they are, as Python's in-memory
    sources do: an item holding a line feed (a record with its stack trace) is one bad line with the advice to
    split the items, on both sides (the JVM read it as a line its format does not match)."""
    import jpype

    from dl4j_bridge.etl.errors import BadLineError
    from dl4j_bridge.etl.readers import LINE_FEED_IN_LINE

    lines = [SSH, SSH + "\nCaused by: y", "  at z", SSH]
    spec_reader = TextReader(SSH_FORMAT)
    spec = spec_reader.to_dict()
    java_reader = jpype.JClass("io.dl4jbridge.etl.TextRecordReader")(
        spec["regex"], jpype.java.util.ArrayList(spec["fields"]), spec["continuation"], jpype.java.util.HashMap(),
        SSH_FORMAT, 2)
    if mode == "strict":
        with pytest.raises(BadLineError) as python:
            TextReader(SSH_FORMAT).read(lines)
        with pytest.raises(jpype.JException) as java:
            read_with_java_reader(java_reader, lines, lambda record: int(record.line), None, mode="strict")
        assert python.value.line == java.value.line() == 2
        assert python.value.reason == str(java.value.reason()) == "no format match: " + LINE_FEED_IN_LINE
        return
    quarantine = tmp_path / "python.jsonl"
    frame = TextReader(SSH_FORMAT, mode="lenient", quarantine=quarantine).read(lines)
    written = jpype.java.io.StringWriter()
    records, counts = read_with_java_reader(java_reader, lines, lambda record: int(record.line), written)
    python = [json.loads(line) for line in quarantine.read_text(encoding="utf-8").splitlines()]
    java = [json.loads(line) for line in str(written.toString()).splitlines()]
    assert frame["line_number"].tolist() == records == [1, 4]
    assert python == java and [(r["line"], r["reason"], r["text"]) for r in python] == [
        (2, "no format match: " + LINE_FEED_IN_LINE, SSH + "\nCaused by: y\n  at z")]
