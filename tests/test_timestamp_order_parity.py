"""Times out of order: the launcher's TimestampTransform counts them and words the warning as Python does."""

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import Timestamp

CASES = [
    (["10:00:00", "10:00:05", "10:00:03", "junk", "10:00:09", None, "10:00:01"], None),
    (["10:00:09", "10:00:05", "10:00:03", "10:00:01"], None),
    (["10:00:00", "10:00:05", "10:00:03", "10:00:09", "10:00:01", "10:00:02"], "k"),
    (["junk", None, "10:00:05", "10:00:03", "10:00:09"], None),       # no time before the first real one
    (["junk", "10:00:05", "junk", "10:00:03", "10:00:09", "10:00:08"], "k"),
]


def _python(times, delta_by):
    t = Timestamp("t", format="%H:%M:%S", delta_by=delta_by)
    frame = pd.DataFrame({"t": pd.Series(times, dtype=object),
                          "k": pd.Series(["a", "b"] * len(times), dtype=object)[: len(times)],
                          "line_number": np.arange(1, len(times) + 1)})
    delta = t.features(frame)["time_delta_log"]
    return t.backward_times, delta, t.backward_warning("x.log")


def _java(times, delta_by):
    import jpype

    transform = jpype.JClass("io.dl4jbridge.etl.TimestampTransform")(
        jpype.java.util.ArrayList(["t"]), "%H:%M:%S", None, delta_by, "previous", None)
    Record = jpype.JClass("io.dl4jbridge.etl.Record")
    out = jpype.JArray(jpype.JFloat)(5)
    deltas = []
    for i, time in enumerate(times):
        values = jpype.java.util.HashMap()
        values.put("t", time)
        values.put("k", "ab"[i % 2])
        transform.write(Record(i + 1, values), out, 0)
        deltas.append(float(out[0]))
    warning = transform.backwardWarning("x.log")
    return int(transform.backwardTimes()), np.array(deltas, np.float32), None if warning is None else str(warning)


@pytest.mark.parametrize("times, delta_by", CASES)
def test_both_sides_count_and_word_times_out_of_order_alike(jvm, times, delta_by):
    count, delta, warning = _python(times, delta_by)
    j_count, j_delta, j_warning = _java(times, delta_by)
    assert count > 0
    assert (j_count, j_warning) == (count, warning)
    np.testing.assert_array_equal(j_delta, delta)


def test_a_missing_first_time_gives_no_delta_of_decades(jvm):
    """The first record's time did not parse: 0 (1970) stood in, and the next record's delta was log1p(1.7e9 s),
    about 21, a huge fake input on both sides."""
    for delta_by in (None, "k"):
        count, delta, _ = _python(["junk", None, "10:00:05", "10:00:07"], delta_by)
        _, j_delta, _ = _java(["junk", None, "10:00:05", "10:00:07"], delta_by)
        np.testing.assert_array_equal(j_delta, delta)
        assert delta.max() < 3 and delta[2] == 0.0, (delta_by, delta)


@pytest.mark.parametrize("bad", ["\ufeff10:00:01", "it's", "caf\u00e9 \x07", "tab\there", '"q"'])
def test_both_sides_quote_the_first_unparsable_time_as_python_repr_does(jvm, bad):
    """The launcher wrote the raw text between quotes (a BOM invisible, a quote unescaped) where Python's
    warning has repr()."""
    import jpype

    times = ["10:00:00", bad, "10:00:02"]
    t = Timestamp("t", format="%H:%M:%S")
    t.features(pd.DataFrame({"t": pd.Series(times, dtype=object), "line_number": np.arange(1, 4)}))
    python = [w for w in t.pass_warnings("x.log") if "do not parse" in w]
    transform = _java_timestamp_over(jpype, times, "%H:%M:%S", None)
    assert python == [str(transform.unparsableWarning("x.log"))]
    assert repr(bad) in python[0]


#: (format, text): times a loghub trial parsed differently on the two sides (pandas/CPython is the reference)
TIME_CASES = [
    ("%Y-%m-%d %I:%M:%S", "2020-01-01 12:02:18"),      # %I without %p: 12 is hour 0, as CPython
    ("%Y-%m-%d %I:%M:%S", "2020-01-01 01:02:18"),
    ("%Y-%m-%d %I:%M:%S %p", "2020-01-01 12:02:18 AM"),
    ("%Y-%m-%d %I:%M:%S %p", "2020-01-01 12:02:18 PM"),
    ("%Y-%m-%d %H:%M:%S %z", "2020-01-01 12:02:18 +2400"),   # no such offset: unparsable
    ("%Y-%m-%d %H:%M:%S %z", "2020-01-01 12:02:18 +2359"),
    ("%Y-%m-%d %H:%M:%S %z", "2020-01-01 12:02:18 -05:30"),
    ("%Y-%m-%d %H:%M:%S", "2016-12-31 23:59:60"),      # leap seconds: unparsable on both sides
    ("%Y-%m-%d %H:%M:%S", "2016-12-31 23:59:61"),
    ("%Y %b %d %H:%M:%S", "2005 ſep 14 15:16:01"),     # long s: a month name only by Unicode case folding
    ("%Y %b %d %H:%M:%S", "2005 Sep 14 15:16:01"),
    # a trial of every directive against pandas (12-03)
    ("%Y-%m-%dT%H:%M:%S%z", "2024-01-05T10:00:00z"),     # %z takes a capital Z only
    ("%Y-%m-%dT%H:%M:%S%z", "2024-01-05T10:00:00Z"),
    ("%Y-%m-%d %H:%M:%S %z", "2024-01-05 10:00:00 +01:00:30"),   # pandas keeps whole minutes of an offset
    ("%Y-%m-%d %H:%M:%S %z", "2024-01-05 10:00:00 +010030"),
    ("%Y-%m-%d %H:%M:%S %z", "2024-01-05 10:00:00 +01:0008"),    # inconsistent colons: refused
    ("%Y %j %m %d", "2024 100 01 01"),                  # %j wins over %m / %d
    ("%m %j %Y", "02 060 2024"),
    ("%Y %j", "2023 366"),                              # the next 1 January
    ("%I %H", "03 15"),                                 # the later of %I and %H wins
    ("%H %I %p", "15 03 PM"),
    ("%H %M %S", "10\x1c11\x1d12"),                     # Python's \s takes U+001C-U+001F
    ("%a %b %d %H:%M:%S %Y", "ſun Jan 05 10:11:12 2024"),   # a weekday only by case folding
    ("%a %b %d %H:%M:%S %Y", "Fri Jan 05 10:11:12 2024"),
    ("%A %d %B %Y", "Tueſday 05 January 2024"),
    # ISO-shaped formats: pandas' own ISO parser took more than the format's regex (12-04)
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+00"),
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+1"),
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+013"),
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+1:00"),
    ("%Y-%m-%dT%H:%M:%S%z", "-2026-01-06T08:00:05+01:00"),
    ("%Y-%m-%dT%H:%M:%S%z", "2026-01-06T08:00:05+01:00"),
    ("%Y-%m-%dT%H:%M:%S.%f", "2026-01-06T08:00:05."),
    ("%Y-%m-%dT%H:%M:%S.%f", "2026-01-06T08:00:05.1234567891"),
    ("%Y-%m-%dT%H:%M:%S.%f", "2026-01-06T08:00:05.123456789"),
    ("%Y-%m-%d", "-26-01-06"),
    ("%Y-%m-%d %H:%M:%S", "2016-12-31 23:59:60"),
]


@pytest.mark.parametrize("time_format, text", TIME_CASES)
def test_both_sides_parse_a_time_alike(jvm, time_format, text):
    import jpype

    python = float(Timestamp("t", format=time_format).seconds(pd.DataFrame({"t": [text]}))[0])
    java = float(jpype.JClass("io.dl4jbridge.etl.TimeParser")(time_format).parseSeconds(text))
    assert (np.isnan(python) and np.isnan(java)) or python == java, (python, java)


@pytest.mark.parametrize("time_format, year", [("%Y %b %d", 2024), ("%H %H:%M", None), ("%b %d %b", None),
                                               ("%%%Y %m", 2024)])
def test_both_sides_refuse_year_with_a_year_format_and_a_directive_given_twice(jvm, time_format, year):
    """The JVM took them (the later directive won) where Python refuses the transform."""
    import jpype

    from dl4j_bridge.etl import EtlError

    with pytest.raises(EtlError):
        Timestamp("t", format=time_format, year=year)
    with pytest.raises(jpype.JException, match=r"remove year|given twice"):
        jpype.JClass("io.dl4jbridge.etl.TimestampTransform")(
            jpype.java.util.ArrayList(["t"]), time_format, None if year is None else jpype.JInt(year), None,
            "previous", None)


def test_a_literal_percent_before_y_is_no_year_on_either_side(jvm):
    import jpype

    Timestamp("t", format="%%Y %m %d", year=2024)
    jpype.JClass("io.dl4jbridge.etl.TimestampTransform")(
        jpype.java.util.ArrayList(["t"]), "%%Y %m %d", jpype.JInt(2024), None, "previous", None)


#: (format, year): times without a year (1900 assumed, or ``year``), a leap year, and times that carry their year
YEAR_CASES = [("%b %d %H:%M:%S", None), ("%b %d %H:%M:%S", 2023), ("%b %d %H:%M:%S", 2024), (None, 2023),
              ("%H:%M:%S %d %b", None), ("%Y %b %d %H:%M:%S", None), ("%y %b %d %H:%M:%S", None)]


@pytest.mark.parametrize("time_format, year", YEAR_CASES)
def test_both_sides_name_the_assumed_year_and_year_rollover_alike(jvm, time_format, year):
    """A syslog time without a year was read as in 1900 without a word: a 29 February did not parse and a log
    running into January went 'back in time', and neither warning said the missing year was why."""
    import jpype

    times = ["Feb 28 10:00:00", "Feb 29 10:00:00", "junk", "Dec 31 23:59:00", "Jan 01 00:01:00", "Jan 01 00:02:00"]
    if time_format == "%H:%M:%S %d %b":
        times = [" ".join(reversed(t.split(" "))) if t != "junk" else t for t in times]
    elif time_format is not None and time_format.startswith(("%Y", "%y")):
        times = [("2023 " if time_format.startswith("%Y") else "23 ") + t for t in times]
    t = Timestamp("t", format=time_format, year=year)
    t.features(pd.DataFrame({"t": pd.Series(times, dtype=object), "line_number": np.arange(1, len(times) + 1)}))
    python = t.pass_warnings("x.log")
    transform = _java_timestamp_over(jpype, times, time_format, year)
    assert python == [str(transform.unparsableWarning("x.log")), str(transform.backwardWarning("x.log"))]
    unparsable, backward = python
    no_year = time_format is None or "%Y" not in time_format and "%y" not in time_format
    assert ("the format has no year" in unparsable) == no_year, unparsable
    assert ("which has no 29 February: set year to the log's year" in unparsable) == (no_year and year != 2024)
    if no_year:
        assumed = "1900 is assumed (strptime's default)" if year is None else f"year = {year} is assumed"
        assert assumed in unparsable, unparsable
    assert ("(year rollover)" in backward) == no_year, backward


def _java_timestamp_over(jpype, times, time_format, year):
    """The JVM's timestamp transform of field ``t`` after it has written the records of ``times`` (lines 1, 2, ...):
    its warnings are then those of that pass."""
    transform = jpype.JClass("io.dl4jbridge.etl.TimestampTransform")(
        jpype.java.util.ArrayList(["t"]), time_format, None if year is None else jpype.JInt(year), None,
        "previous", None)
    Record = jpype.JClass("io.dl4jbridge.etl.Record")
    out = jpype.JArray(jpype.JFloat)(5)
    for i, time in enumerate(times):
        values = jpype.java.util.HashMap()
        values.put("t", time)
        transform.write(Record(i + 1, values), out, 0)
    return transform
