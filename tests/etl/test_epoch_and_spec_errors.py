"""format = "%s" (epoch seconds, the shared table the JVM's TimeParser follows too), and config mistakes in the ETL
that pandas / re reported bare: a bad timestamp directive, a regex that does not compile."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import EtlError, Extract, TextReader, Timestamp
from dl4j_bridge.etl.timeparse import epoch_seconds

CASES = json.loads((Path(__file__).resolve().parents[1] / "resources" / "epoch_times.json").read_text("utf-8"))["cases"]


def test_epoch_seconds_follow_the_shared_table():
    got = epoch_seconds([c["text"] for c in CASES] + [None, 12])
    for case, value in zip(CASES, got):
        if case["nanos"] is None:
            assert np.isnan(value), case
        else:
            assert value == float(np.int64(case["nanos"])) / 1e9, case
    assert np.isnan(got[-2]) and np.isnan(got[-1])


def test_a_timestamp_transform_reads_epoch_seconds():
    frame = pd.DataFrame({"Time": ["1077804742", "1077804745", "1077804745", "bad", None]})
    seconds = Timestamp("Time", format="%s").seconds(frame)
    assert seconds[:3].tolist() == [1077804742.0, 1077804745.0, 1077804745.0]
    assert np.isnan(seconds[3]) and np.isnan(seconds[4])
    assert Timestamp.from_dict(Timestamp("Time", format="%s").to_dict()).format == "%s"


@pytest.mark.parametrize("fmt, year, words", [
    ("%Y %s", None, "%s (seconds since the epoch) must be the whole format"),
    ("%s", 2005, "year = 2005 has no use with format '%s'"),
    ("%Q", None, "format '%Q': 'Q' is a bad directive"),
    ("%b %d %", 2005, "format '%b %d %': stray %"),
])
def test_a_bad_timestamp_format_is_an_etl_error_naming_it(fmt, year, words):
    with pytest.raises(EtlError) as info:
        Timestamp("Time", format=fmt, year=year)
    assert words in str(info.value)


def test_literal_percent_s_is_text():
    Timestamp("Time", format="%Y%%s")   # an escaped percent then the letter s: no directive


def test_run_config_names_the_timestamp_table_and_the_regex_key():
    from dl4j_bridge.detectors.run import ConfigError, build_pipeline

    base = {"reader": {"kind": "text", "log_format": "<Time> <Content>"}, "sequence": {"kind": "windows"}}
    with pytest.raises(ConfigError) as info:
        build_pipeline({**base, "transforms": [{"kind": "template", "column": "Content"},
                                               {"kind": "timestamp", "column": "Time", "format": "%s %H"}]})
    assert str(info.value).startswith("[[transforms]] number 2 (timestamp): format '%s %H'")
    with pytest.raises(ConfigError) as info:
        build_pipeline({"reader": {"kind": "text", "regex": "(?P<Content>.*"}, "sequence": {"kind": "windows"}})
    assert str(info.value) == ("[reader]: regex '(?P<Content>.*' does not compile: missing ), unterminated "
                               "subpattern at position 0")
    build_pipeline({**base, "transforms": [{"kind": "timestamp", "column": "Time", "format": "%s"}]})


def test_regex_errors_name_the_setting_and_position():
    with pytest.raises(EtlError, match=r"^regex '\(\?<Content>\.\*\(' does not compile: missing \), unterminated "
                                       r"subpattern at position \d+ of its Python form"):
        TextReader(regex="(?<Content>.*(")
    with pytest.raises(EtlError, match=r"^continuation '\[' does not compile: unterminated character set"):
        TextReader("<Content>", continuation="[")
    with pytest.raises(EtlError, match=r"^pattern 'blk_\(' does not compile"):
        Extract("Content", "blk_(", "block")


def test_a_time_column_without_a_year_is_inferred_a_timestamp_whatever_the_pandas_version():
    """pandas 2 parses ``format="mixed"`` at nanoseconds only: a time without a year (year 1) was NaT, so the
    column was 'text' where pandas 3 (and the committed parity vectors) say 'timestamp'."""
    import pandas as pd

    from dl4j_bridge.etl.schema import Schema

    frame = pd.DataFrame({"stamp": ["Mar  4 10:00:00", "Mar 4 10:00:01", "Mar 14 09:59:59", "Dec 31 23:59:59"] * 30,
                          "junk": ["Mar 4 1x:00", "10:00 Qwerty", "1/2/3/4/5", "Feb 30 10:00:00"] * 30})
    types = {c.name: c.type for c in Schema.infer(frame, labels=()).columns}
    assert types == {"stamp": "timestamp", "junk": "categorical"}
