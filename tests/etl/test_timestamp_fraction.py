"""``%f`` reads its digits as a decimal fraction: loghub HealthApp's ``20171223-22:15:29:98`` (98 milliseconds written
without zero padding) reads as 29.98 s, so such times, their order and their deltas are silently wrong. A fit whose
times' ``%f`` took fewer than 3 digits where others took 3 warns, naming the first and how it was read."""

from __future__ import annotations

import logging

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
