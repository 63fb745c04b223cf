"""``%f`` reads its digits as a decimal fraction: loghub HealthApp's ``20171223-22:15:29:98`` (98 milliseconds written
without zero padding) reads as 29.98 s, so such times, their order and their deltas are silently wrong. A fit whose
times' ``%f`` took fewer than 3 digits where others took 3 warns, naming the first and how it was read."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from dl4j_bridge.etl import Pipeline, Template, TextReader, Timestamp, Windows

HEALTH_FORMAT = r"<Time>\|<Component>\|<Pid>\|<Content>"   # loghub's HealthApp
TIME_FORMAT = "%Y%m%d-%H:%M:%S:%f"


def _fit_warnings(lines, caplog, time_format=TIME_FORMAT):
    pipeline = Pipeline(TextReader(HEALTH_FORMAT), [Template("Content"), Timestamp("Time", format=time_format)],
                        sequence=Windows(length=2))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.transforms"):
        pipeline.fit(lines)
    return [r.getMessage() for r in caplog.records if "%f" in r.getMessage()]


def test_a_fraction_shorter_than_the_others_is_warned_about_with_how_it_was_read(caplog):
    lines = [f"20171223-22:15:29:{ms}|Step_LSC|30002312|onStandStepChanged {i}"
             for i, ms in enumerate(["606", "615", "633", "98", "7", "990"])]
    assert _fit_warnings(lines, caplog) == [
        "Timestamp(['Time']): 2 of 6 times have a %f of fewer than 3 digits where the others have 3 (first: line 4, "
        "'20171223-22:15:29:98', its %f '98' read as 0.98 s): %f reads its digits as a decimal fraction; if the log "
        "writes a count of milliseconds without zero padding ('98' for 0.098 s, as loghub's HealthApp does), these "
        "times, their order and their deltas are wrong: pad the count to 3 digits before reading (e.g. sed -E "
        "'s/:([0-9])\\|/:00\\1|/; s/:([0-9]{2})\\|/:0\\1|/' for HealthApp's 'HH:MM:SS:f|')"]


def test_fractions_of_one_width_are_not_warned_about(caplog):
    padded = [f"20171223-22:15:29:{ms}|Step_LSC|1|x {i}" for i, ms in enumerate(["606", "098", "007"])]
    tenths = [f"20171223-22:15:{s}:{f}|Step_LSC|1|x" for s, f in [(29, 5), (30, 1), (31, 9)]]   # one digit each
    assert _fit_warnings(padded, caplog) == [] and _fit_warnings(tenths, caplog) == []


def test_loghubs_healthapp_sample_is_warned_about(caplog, shared_data):
    log = shared_data / "loghub_2k" / "HealthApp" / "HealthApp_2k.log"
    said = _fit_warnings(log.read_text(encoding="utf-8").splitlines(), caplog)
    assert len(said) == 1 and said[0].startswith("Timestamp(['Time']): 75 of 2000 times have a %f of fewer than 3 "
                                                 "digits where the others have 3 (first: line 68, "
                                                 "'20171223-22:15:35:11', its %f '11' read as 0.11 s)")


@pytest.mark.parametrize("time_format", [TIME_FORMAT, "%Y-%m-%d %H:%M:%S.%f%z", "%d/%b/%Y:%H:%M:%S,%f",
                                         "(%H:%M:%S.%f)? %p"])
def test_the_fraction_digits_are_those_the_format_regex_takes_matching_each_time_whole(time_format):
    """The width count reads every time in one regex pass (a Python call per time cost 0.24 s per 200,000): the
    digits it takes are those of the format's regex matched against each time alone, for formats with unnamed
    groups (pandas' %z), names (%b, %p: case ignored), literal brackets and '?', blanks, and times that do not match
    whole, are empty, or hold a NUL (each then matched alone)."""
    from dl4j_bridge.etl.transforms import _fraction_digits, _strptime_pattern

    pattern = _strptime_pattern(time_format)
    times = pd.to_datetime(["2017-12-23 22:15:29.098", "2017-01-02 03:04:05.5", "2017-12-23 22:15:29.123456"])
    times = times.tz_localize("Europe/Paris")   # %z: +0100
    written = [t.strftime(time_format.replace("%f", f)) for t in times for f in ("%f", "98", "7", "1234567890")]
    texts = written + [w.upper() for w in written] + [w.lower() for w in written] + [w + "x" for w in written] + [
        w.replace(" ", "   ") for w in written] + ["", "98", "not a time", "\n", written[0] + "\n"]
    expected = [found.group("f") if (found := pattern.fullmatch(t)) else "" for t in texts]
    assert sum(map(bool, expected)) > len(written)   # most match, some do not
    assert _fraction_digits(pattern, texts) == expected
    assert _fraction_digits(pattern, texts + ["a\x00b", written[1]]) == expected + ["", expected[1]]   # one by one
    assert _fraction_digits(pattern, []) == []


def test_times_of_two_columns_are_counted_as_the_text_they_are_parsed_from(caplog):
    lines = [f"20171223|22:15:29:{ms}|Step_LSC|30002312|onStandStepChanged {i}"
             for i, ms in enumerate(["606", "615", "633", "98", "7", "990"])]
    pipeline = Pipeline(TextReader(r"<Date>\|<Time>\|<Component>\|<Pid>\|<Content>"),
                        [Template("Content"), Timestamp(["Date", "Time"], format="%Y%m%d %H:%M:%S:%f")],
                        sequence=Windows(length=2))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.transforms"):
        pipeline.fit(lines)
    said = [r.getMessage() for r in caplog.records if "%f" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("Timestamp(['Date', 'Time']): 2 of 6 times have a %f of fewer than "
                                                 "3 digits where the others have 3 (first: line 4, '20171223 "
                                                 "22:15:29:98', its %f '98' read as 0.98 s)")
