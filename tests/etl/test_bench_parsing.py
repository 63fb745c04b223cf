import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "bench"))

from parsing import grouping_accuracy  # noqa: E402


def test_grouping_accuracy_follows_loghub_definition():
    truth = pd.Series(["A", "A", "B", "B", "C", None])
    # A split across two predicted groups (wrong), B exact (right), C merged with nothing (right)
    predicted = pd.Series([1, 2, 3, 3, 4, 5])
    assert grouping_accuracy(truth, predicted) == 3 / 5
    assert grouping_accuracy(truth, pd.Series([1, 1, 1, 1, 1, 1])) == 0.0
    assert grouping_accuracy(truth, pd.Series([7, 7, 8, 8, 9, 0])) == 1.0


def test_line_rules_2_read_the_14_loghub_samples_as_rules_1_did(loghub_2k):
    """Line rules 2 (a run of spaces is a whole run of blanks; the continuation first) change how stack traces and
    split runs are read, not a log that has neither: on the 28,000 loghub lines both rules give the same fields."""
    from parsing import LOG_FORMATS

    from dl4j_bridge.etl import TextReader

    for system, log_format in LOG_FORMATS.items():
        path = str(loghub_2k / system / f"{system}_2k.log")
        frames = [TextReader(log_format, line_rules=rules, mode="lenient").read(path) for rules in (1, 2)]
        assert len(frames[0]) == 2000, system
        pd.testing.assert_frame_equal(frames[0], frames[1], obj=system)


def test_the_capture_regex_reads_the_loghub_samples_as_the_guard_and_regex_do(loghub_2k):
    """format_capture (one atomic scan) against the guard-then-regex path, on the 12 systems whose format has one."""
    from parsing import LOG_FORMATS

    from dl4j_bridge.etl import TextReader

    captured = 0
    for system, log_format in LOG_FORMATS.items():
        path = str(loghub_2k / system / f"{system}_2k.log")
        reader, plain = TextReader(log_format, mode="lenient"), TextReader(log_format, mode="lenient")
        plain._line_capture = plain._block_capture = None
        captured += reader._block_capture is not None
        pd.testing.assert_frame_equal(reader.read(path), plain.read(path), obj=system)
    assert captured == 12   # all but Linux and Mac (optional segments)


def test_the_read_regex_reads_the_loghub_samples_as_the_format_regex_does(loghub_2k):
    """format_read_regex (guard steps and fields that skip words and runs whole) against the format's own regex (a
    saved regex that differs by a no-op group is read with it, behind the plain guard), under both line rules."""
    from parsing import LOG_FORMATS

    from dl4j_bridge.etl import TextReader
    from dl4j_bridge.etl.readers import format_read_regex, format_to_regex, python_regex_to_java

    read = 0
    for system, log_format in LOG_FORMATS.items():
        path = str(loghub_2k / system / f"{system}_2k.log")
        for rules in (1, 2):
            reader = TextReader(log_format, mode="lenient", line_rules=rules)
            reader._line_capture = reader._block_capture = None
            raw = TextReader(log_format, mode="lenient", line_rules=rules,
                             saved_regex=python_regex_to_java(format_to_regex(log_format, rules)[1]) + "(?:)")
            assert raw._line_regex.pattern != reader._line_regex.pattern or format_read_regex(log_format, rules) is None
            read += format_read_regex(log_format, rules) is not None
            pd.testing.assert_frame_equal(reader.read(path), raw.read(path), obj=f"{system} line rules {rules}")
    assert read == 24   # all but Linux and Mac (optional segments)
