import json
import logging
import math

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import (BadRecordError, Categorical, EtlError, Extract, IpAddress, Label, Numeric, Port,
                             Template, Timestamp)
from dl4j_bridge.etl.transforms import STEP_LABEL, TEMPLATE_ID, transform_from_dict


def fitted(transform, frame):
    transform.partial_fit(frame)
    transform.finish()
    return transform


def frame(**columns):
    n = len(next(iter(columns.values())))
    out = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    out["line_number"] = np.arange(1, n + 1)
    return out


def test_categorical_onehot_with_unknown_bucket_and_explicit_order():
    t = fitted(Categorical("svc"), frame(svc=["b", "a", "b", "c", "b", "a"]))
    assert t.categories == ["b", "a", "c"]  # by count, then value
    assert t.feature_names == ["svc=<unknown>", "svc=b", "svc=a", "svc=c"]
    out = np.zeros((3, 4), np.float32)
    t.write_features(frame(svc=["a", "zzz", None]), out)
    assert out.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [1, 0, 0, 0]]
    again = transform_from_dict(t.to_dict())
    assert np.array_equal(again.indexes(frame(svc=["c", "a"])), [3, 2])


def test_categorical_index_max_categories_and_missing_policies():
    t = fitted(Categorical("h", encoding="index", max_categories=1), frame(h=["x", "x", "y"]))
    assert t.features(frame(h=["x", "y"]))["h"].tolist() == [1.0, 0.0]
    t = fitted(Categorical("h", missing="category"), frame(h=["x", None, ""]))
    assert "<missing>" in t.categories
    with pytest.raises(BadRecordError) as caught:
        fitted(Categorical("h", missing="error"), frame(h=["x", None]))
    assert caught.value.line == 2 and caught.value.field == "h"


def test_numeric_standard_minmax_log_and_missing():
    train = frame(b=["1", "2", "3", "4"])
    standard = fitted(Numeric("b"), train)
    assert standard.mean == 2.5 and math.isclose(standard.std, math.sqrt(1.25))
    values = standard.features(frame(b=["2.5", None, "x"]))["b"]
    assert values.dtype == np.float32 and values.tolist() == [0.0, 0.0, 0.0]
    minmax = fitted(Numeric("b", scaling="minmax", indicator=True, missing="zero"), train)
    out = minmax.features(frame(b=["4", None]))
    assert out["b"].tolist() == pytest.approx([1.0, -1 / 3])
    assert out["b_missing"].tolist() == [0.0, 1.0]
    logged = fitted(Numeric("b", scaling="none", log1p=True), train)
    assert logged.features(frame(b=["0", "1"]))["b"].tolist() == pytest.approx([0.0, math.log(2)])
    constant = fitted(Numeric("b"), frame(b=["5", "5"]))
    assert constant.std == 1.0


def test_timestamp_delta_and_cyclic_features():
    t = Timestamp(["d", "t"], format="%Y-%m-%d %H:%M:%S")
    out = t.features(frame(d=["2024-03-04", "2024-03-04", "2024-03-05"], t=["06:00:00", "06:00:09", "18:00:00"]))
    assert out["time_delta_log"].tolist() == pytest.approx([0.0, math.log(10), math.log1p(129591)])
    assert out["time_hour_sin"].tolist() == pytest.approx([1.0, math.sin(2 * math.pi * (6 + 9 / 3600) / 24), -1.0],
                                                          abs=1e-6)
    assert out["time_dow_sin"][0] == 0.0 and out["time_dow_cos"][0] == 1.0  # Monday
    assert out["time_dow_sin"][2] == pytest.approx(math.sin(2 * math.pi / 7))
    # deltas carry across chunks until reset_stream
    more = t.features(frame(d=["2024-03-05"], t=["18:00:01"]))
    assert more["time_delta_log"][0] == pytest.approx(math.log(2))
    t.reset_stream()
    assert t.features(frame(d=["2024-03-05"], t=["18:00:01"]))["time_delta_log"][0] == 0.0


def test_timestamp_delta_by_key_and_missing_policy():
    t = Timestamp("ts", delta_by="k")
    out = t.features(frame(ts=["2024-01-01T00:00:00", "2024-01-01T00:00:05", "2024-01-01T00:00:06"],
                           k=["a", "b", "a"]))
    assert out["time_delta_log"].tolist() == pytest.approx([0.0, 0.0, math.log1p(6)])
    with pytest.raises(BadRecordError):
        Timestamp("ts", missing="error").features(frame(ts=["2024-01-01T00:00:00", "nope"]))


def test_template_transform_ids_onehot_and_oov():
    train = frame(msg=[f"open file {i}" for i in range(5)] + ["close all"] * 2)
    t = fitted(Template("msg"), train)
    ids = t.derive(frame(msg=["open file 99", "close all", "never seen before at all"]))[TEMPLATE_ID]
    assert ids.tolist() == [1, 2, 0]
    assert t.feature_names == ["template=<OOV>", "template=1", "template=2"]
    out = np.zeros((3, 3), np.float32)
    t.write_features(frame(msg=["open file 1", "close all", "zzz zzz zzz zzz"]), out)
    assert out.tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]


def test_ip_and_port_features():
    ip = fitted(IpAddress("ip", prefix=24), frame(ip=["10.0.1.5", "10.0.1.9", "8.8.8.8", None]))
    out = ip.features(frame(ip=["10.0.1.200", "1.1.1.1", "garbage"]))
    assert ip.feature_names[:3] == ["ip_net=<unknown>", "ip_net=10.0.1.0/24", "ip_net=8.8.8.0/24"]
    assert out["ip_net=10.0.1.0/24"].tolist() == [1, 0, 0]
    assert out["ip_private"].tolist() == [1, 0, 0] and out["ip_missing"].tolist() == [0, 0, 1]
    port = fitted(Port("p", max_categories=1), frame(p=["22", "22", "443", "51000"]))
    out = port.features(frame(p=["22", "8080", "60000", None]))
    assert out["p_well_known"].tolist() == [1, 0, 0, 0]
    assert out["p_registered"].tolist() == [0, 1, 0, 0]
    assert out["p_dynamic"].tolist() == [0, 0, 1, 0]
    assert out["p=22"].tolist() == [1, 0, 0, 0] and out["p_missing"].tolist() == [0, 0, 0, 1]


def test_label_and_extract():
    labels = Label("label").derive(frame(label=["0", "1", None, "anomaly", "normal", 1, 0]))[STEP_LABEL]
    assert labels.tolist() == [0, 1, 0, 1, 0, 1, 0]
    blocks = Extract("c", r"(blk_-?\d+)", "block").derive(frame(c=["x blk_-12 y blk_3", "none", None]))["block"]
    assert blocks.tolist() == ["blk_-12", None, None]


def test_every_transform_spec_is_json_round_trippable():
    import json
    train = frame(a=["x", "y"], n=["1", "2"], ip=["1.2.3.4", "5.6.7.8"], p=["1", "2"], m=["hi 1", "hi 2"],
                  ts=["2024-01-01T00:00:00", "2024-01-01T00:00:01"], label=["0", "1"])
    for t in (Categorical("a"), Numeric("n"), IpAddress("ip"), Port("p"), Template("m"), Timestamp("ts"),
              Label("label"), Extract("m", r"hi (\d)", "d")):
        if not t.fitted:
            fitted(t, train)
        again = transform_from_dict(json.loads(json.dumps(t.to_dict())))
        assert again.feature_names == t.feature_names
        a, b = t.features(train), again.features(train)
        assert all(np.array_equal(a[k], b[k]) for k in a)


def test_a_timestamp_format_that_parses_no_training_time_fails_the_fit_and_some_unparsable_are_warned(caplog):
    """A wrong format (run.toml's '%Y-%m-%d %H:%M:%S' for HDFS's '081109 203615') parsed nothing and silently made
    every time feature a constant; now the fit fails naming an example, and a few bad times are counted."""
    import logging

    from dl4j_bridge.etl import EtlError, Pipeline, TextReader, Windows

    lines = [f"081109 2036{i:02d} INFO dfs.DataNode: Receiving block blk_{i}" for i in range(30)]
    reader_format = "<Date> <Time> <Level> <Component>: <Content>"
    wrong = Pipeline(TextReader(reader_format), [Timestamp(["Date", "Time"], format="%Y-%m-%d %H:%M:%S")],
                     Windows(length=5))
    with pytest.raises(EtlError, match=r"the format '%Y-%m-%d %H:%M:%S' parses none of the 30 training times, e.g. "
                                       r"'081109 203600' \(line 1\), so every time feature would be a constant"):
        wrong.fit(lines)
    some_bad = lines[:10] + ["081109 99xx99 INFO dfs.DataNode: odd"] + lines[10:]
    right = Pipeline(TextReader(reader_format), [Timestamp(["Date", "Time"], format="%y%m%d %H%M%S")],
                     Windows(length=5))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.pipeline"):
        right.fit(some_bad)
        batch = right.transform(some_bad)
    warnings = [r.getMessage() for r in caplog.records]
    # said once: the transform of the training records repeats the fit's warning word for word (only at DEBUG)
    assert warnings == ["<lines>: 1 of 31 times in ['Date', 'Time'] do not parse with the format '%y%m%d %H%M%S' "
                        "(first: line 11, '081109 99xx99'); they take the previous record's time (missing='previous')"]
    assert batch.x.shape == (27, 5, 5)
    assert right.unparsable_times == 1
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.pipeline"):
        right.transform(lines)
    assert caplog.records == []   # counts start afresh with each pass
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.pipeline"):
        right.transform(some_bad[:20])   # other records: their own warning
        right.fit(some_bad)               # a refit says it again
    assert [r.getMessage()[:33] for r in caplog.records] == ["<lines>: 1 of 20 times in ['Date'", warnings[0][:33]]


def test_a_message_with_its_stack_trace_is_mined_by_its_first_line_unless_asked_for_all():
    import pandas as pd

    from dl4j_bridge.etl import Template
    from dl4j_bridge.etl.transforms import transform_from_dict

    messages = ["Failed to write block blk_1", "Failed to write block blk_2\njava.io.IOException: reset\n\tat a.B.c(B.java:1)",
                "Failed to write block blk_3\njava.lang.OutOfMemoryError\n\tat x.Y.z(Y.java:9)\n\t... 3 more"]
    frame = pd.DataFrame({"Content": messages})
    first = Template("Content")
    first.partial_fit(frame)
    first.finish()
    ids = first.derive(frame)["template_id"]
    assert first.miner.n_templates == 1 and len(set(ids)) == 1 and ids[0] != 0
    every = Template("Content", message_lines="all")
    every.partial_fit(frame)
    every.finish()
    assert len(set(every.derive(frame)["template_id"])) == 3
    saved = first.to_dict()
    assert saved["message_lines"] == "first" and transform_from_dict(saved).message_lines == "first"
    del saved["message_lines"]   # a spec saved before the key: every line was mined, and still is
    assert transform_from_dict(saved).message_lines == "all"
    with pytest.raises(Exception, match="message_lines must be 'first' or 'all'"):
        Template("Content", message_lines="last")


def test_numeric_counts_and_names_values_that_are_not_numbers(caplog):
    from dl4j_bridge.etl import JsonLinesReader, Numeric, Pipeline, Template, Windows

    lines = [json.dumps({"m": f"event {i % 3}", "b": ("abc" if i == 4 else "inf" if i == 9 else None if i == 5
                                                      else i)}) for i in range(30)]
    pipeline = Pipeline(JsonLinesReader(["m", "b"]), [Template("m"), Numeric("b", missing="zero")], Windows(length=3))
    with caplog.at_level("WARNING"):
        pipeline.fit(lines)
    assert ("<lines>: 2 of 29 values of 'b' are not numbers (first: line 5, 'abc'); they were read as "
            "missing (0): declare the field's type") in caplog.text
    pipeline.transform(lines[:12])
    assert pipeline.non_numeric_values == 2
    pipeline.transform(lines[12:])
    assert pipeline.non_numeric_values == 0   # counted per pass


@pytest.mark.parametrize("offset, spread", [(1e7, 0.05), (1e9, 3.0), (1e12, 1000.0), (-5e9, 0.5), (0.0, 1.0)])
def test_numeric_scaling_keeps_the_spread_of_values_with_a_large_offset(offset, spread):
    """E[x^2] - E[x]^2 of the raw values lost the variance: 1e9 + N(0, 3) was fitted with std 19.6 (a user trial on
    metrics); the sums are now of the values less the first one."""
    values = offset + np.random.default_rng(3).normal(0.0, spread, 5000)
    chunks = np.array_split(values, 7)   # fitted chunk by chunk, as the pipeline feeds it
    numeric = Numeric("v")
    for chunk in chunks:
        numeric.partial_fit(frame(v=[repr(float(v)) for v in chunk]))
    numeric.finish()
    assert numeric.std == pytest.approx(float(np.std(values)), rel=1e-6)
    assert numeric.mean == pytest.approx(float(np.mean(values)), rel=1e-12, abs=1e-9)
    scaled = numeric.features(frame(v=[repr(float(v)) for v in values]))["v"]
    assert float(np.std(scaled)) == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("cells, words", [
    ([None, None, None], r"Numeric\('v'\): no training record has a number in 'v'\. Check that the reader maps the "
                       r"field"),
    (["n/a", "n/a", None], r"no training record has a number in 'v'; the 2 values given are no numbers \(first: line "
                           r"1, 'n/a'\)"),
])
def test_numeric_refuses_a_column_without_a_single_training_number(cells, words):
    """It trained a constant feature (blank column) or only warned (n/a everywhere), where Timestamp refuses."""
    from dl4j_bridge.etl import EtlError

    with pytest.raises(EtlError, match=words):
        fitted(Numeric("v"), frame(v=cells))


def test_timestamp_counts_times_out_of_order_and_says_when_the_log_is_newest_first(caplog):
    def run(times, **options):
        t = Timestamp("t", format="%H:%M:%S", **options)
        t.reset_stream()
        chunk = frame(t=times, k=["a", "b"] * (len(times) // 2) + ["a"] * (len(times) % 2))
        delta = t.features(chunk)["time_delta_log"]
        return t, delta, "\n".join(t.pass_warnings("x.log"))

    t, delta, text = run(["10:00:00", "10:00:05", "10:00:03", "junk", "10:00:09", None, "10:00:01"])
    assert t.backward_times == 2 and delta[2] == 0 and delta[6] == 0
    assert ("x.log: 2 of 6 times in ['t'] are earlier than the record before them (first: line 3, '10:00:03'); their "
            "delta is taken as 0 (check that the log is in time order; a few are usual") in text
    t, _, text = run(["10:00:09", "10:00:05", "10:00:03", "10:00:01"])
    assert t.backward_times == 3 and ("more than half of them: is the log newest first? Reverse its lines before "
                                      "reading it, a CSV header staying first") in text
    t, _, text = run(["10:00:00", "10:00:05", "10:00:03", "10:00:09"], delta_by="k")   # a: 0, 3; b: 5, 9
    assert t.backward_times == 0 and text == ""


def test_a_split_fit_names_the_training_part_and_the_whole_pass_warns_with_its_own_counts(caplog):
    """With a split the fit sees only the training records: its warning says so, and the pass over both parts,
    whose counts cover the whole source, is a second and different warning -- never the same words twice."""
    import logging

    from dl4j_bridge.etl import ChronologicalSplit, CsvReader, Numeric, Pipeline, Windows

    rows = ["time,value"] + [f"2024-01-01T00:{i // 60:02d}:{i % 60:02d},{i}" if i % 17 else f"bad{i},{i}"
                             for i in range(200)]
    pipeline = Pipeline(CsvReader(), [Timestamp("time"), Numeric("value")], Windows(5, 1),
                        split=ChronologicalSplit(0.25))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.pipeline"):
        pipeline.fit_split(rows)
    said = [r.getMessage().split(" (first")[0] for r in caplog.records]
    assert said == ["<lines>, training part: 9 of 150 times in ['time'] do not parse with the ISO 8601 (format=None)",
                    "<lines>: 12 of 200 times in ['time'] do not parse with the ISO 8601 (format=None)"]


def test_a_month_name_only_unicode_case_folding_matches_is_an_unparsable_time_not_a_crash():
    """pandas matches %b / %a case-insensitively with Unicode folding, then raised KeyError('ſep') for the whole
    chunk (the CLI: exit 4, 'unexpected KeyError'); the JVM counts one unparsable time."""
    t = Timestamp(["M", "D", "T"], format="%b %d %H:%M:%S", year=2005)
    chunk = frame(M=["Jun", "ſep", "Jun"], D=["14", "14", "14"], T=["15:16:01", "15:16:01", "15:16:02"])
    seconds = t.seconds(chunk)
    assert np.isnan(seconds[1]) and seconds[2] - seconds[0] == 1.0
    t.features(chunk)
    assert t._counts["unparsable"] == 1
    weekday = Timestamp("t", format="%a %H:%M:%S")
    assert np.isnan(weekday.seconds(frame(t=["ſun 10:00:00", "Sun 10:00:00"]))).tolist() == [True, False]


def test_a_leap_second_is_an_unparsable_time_whatever_the_pandas_version():
    """pandas 3 rolled 23:59:60 over into the next minute (a 'backward' time at 04:47:60 in loghub's Apache),
    where the JVM, CPython's strptime and the ISO grammar refuse it: the two sides scored different windows."""
    t = Timestamp("t", format="%Y-%m-%d %H:%M:%S")
    seconds = t.seconds(frame(t=["2016-12-31 23:59:59", "2016-12-31 23:59:60", "2016-12-31 23:59:61",
                                 "2017-01-01 00:00:00", "2017-01-01 00:00:01"]))
    assert np.isnan(seconds).tolist() == [False, True, True, False, False]
    assert seconds[3] - seconds[0] == 1.0 and seconds[4] - seconds[3] == 1.0
    syslog = Timestamp("t", format="%b %d %H:%M:%S", year=2005)
    assert np.isnan(syslog.seconds(frame(t=["Jun 14 15:16:60", "Jun 14 15:17:00"]))).tolist() == [True, False]
    nine = Timestamp("t", format="%H:%M:%S.%f")   # pandas reads 9 digits, CPython 6: not a leap second
    assert not np.isnan(nine.seconds(frame(t=["10:00:01.123456789"]))).any()


def test_time_values_are_read_as_their_text_before_runs_and_duplicates_are_found():
    """A JSON number joined with the text of another time column was a TypeError (train: exit 4); 1, 1.0 and True,
    equal Python values, were one time (the text of whichever came first) where the JVM reads three."""
    days = Timestamp(["mon", "day", "hms"], format="%b %d %H:%M:%S", year=2024)
    seconds = days.seconds(frame(mon=["Jan", "Jan"], day=[5, 5], hms=["10:00:01", "10:00:02"]))
    assert seconds[1] - seconds[0] == 1.0
    epoch = Timestamp("t", format="%s")
    assert np.isnan(epoch.seconds(frame(t=[True, 1, 1.0]))).tolist() == [True, False, False]
    dates = Timestamp("t", format="%Y%m%d")
    assert np.isnan(dates.seconds(frame(t=["20240105", 20240105.0, 20240105]))).tolist() == [False, True, False]
    grouped = Timestamp("t", format="%H:%M:%S", delta_by="k")   # 1, 1.0, "1", True: four groups, as on the JVM
    delta = grouped.features(frame(t=["10:00:00", "10:00:01", "10:00:03", "10:00:06"], k=[1, 1.0, "1", True]))
    assert delta["time_delta_log"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_a_time_beyond_the_nanosecond_range_parses_whatever_else_its_chunk_holds():
    """pandas 3 parses a batch at nanoseconds once a time has digits below the microsecond; a year-2300 time in
    that batch was NaN, parsed alone (and on the JVM) it is a time."""
    t = Timestamp("t", format="%d/%m/%Y %H:%M:%S.%f")
    both = t.seconds(frame(t=["01/01/2024 00:00:00.123456789", "01/01/2300 00:00:00.5", "junk"]))
    alone = t.seconds(frame(t=["01/01/2300 00:00:00.5"]))
    assert both[1] == alone[0] == 10413792000.5 and np.isnan(both[2])
    assert both[0] == pytest.approx(1704067200.123456789, abs=1e-6)


def test_a_leap_second_with_a_long_fraction_or_beside_a_folded_month_name_is_unparsable():
    fraction = Timestamp("t", format="%H:%M:%S.%f")   # CPython's strptime failed first on the 9 digits
    assert np.isnan(fraction.seconds(frame(t=["10:00:60.123456789", "10:00:59.5"]))).tolist() == [True, False]
    folded = Timestamp("t", format="%Y %b %d %H:%M:%S")   # the KeyError path kept pandas' rollover
    seconds = folded.seconds(frame(t=["2016 Dec 31 23:59:60", "2005 ſep 14 15:16:01", "2016 Dec 31 23:59:59"]))
    assert np.isnan(seconds).tolist() == [True, True, False]


@pytest.mark.parametrize("options, words", [
    ({"format": "%Y-%m-%dT%H:%M:%S%z", "year": 2024}, r"the format reads the year itself; remove year"),
    ({"format": "%H:%M:%S %H"}, r"redefinition of group name 'H'.*give each directive once"),
])
def test_a_format_pandas_cannot_compile_is_an_etl_error_not_a_crash(options, words):
    """re.error is no ValueError: train printed 'unexpected error' and exited 4 instead of 3."""
    from dl4j_bridge.etl import EtlError

    with pytest.raises(EtlError, match=words):
        Timestamp("t", **options)


def test_json_integers_stay_integers_in_a_chunk_with_a_missing_value():
    """A chunk holding a line without the field made the column floats (7 -> 7.0): its delta_by group started
    afresh there and a time 203615 became '203615.0', where the JVM keeps 7 and '203615'."""
    from dl4j_bridge.etl import JsonLinesReader, Pipeline, Windows

    lines = ['{"t": "10:00:00", "pid": 7}', '{"t": "10:00:05", "pid": 7}', '{"t": "10:00:09", "pid": 7}',
             '{"t": "10:00:10"}']
    chunks = list(JsonLinesReader(["t", "pid"], chunk_lines=2).iter_chunks(lines))
    assert [type(v) for v in chunks[1]["pid"]] == [int, type(None)]
    pipeline = Pipeline(JsonLinesReader(["t", "pid"], chunk_lines=2),
                        [Timestamp("t", format="%H:%M:%S", delta_by="pid")], Windows(length=1))
    pipeline.fit(lines)
    delta = pipeline.records(lines)["time_delta_log"].to_numpy()
    np.testing.assert_allclose(np.expm1(delta), [0, 5, 4, 0], atol=1e-5)
    times = Timestamp("t", format="%H%M%S")
    frame_ = next(iter(JsonLinesReader(["t", "x"], chunk_lines=2).iter_chunks(['{"t": 203615}', '{"x": 1}'])))
    assert not np.isnan(times.seconds(frame_)[0])


def test_a_leap_second_before_more_text_is_unparsable_too():
    """CPython's %f takes 6 digits: with text after a 9-digit fraction its pattern did not match and pandas'
    rollover stood; the pattern is now pandas' own."""
    t = Timestamp("t", format="%H:%M:%S.%f %Y")
    assert np.isnan(t.seconds(frame(t=["10:00:60.123456789 2024", "10:00:59.5 2024"]))).tolist() == [True, False]
    zoned = Timestamp("t", format="%Y-%m-%d %H:%M:%S.%f%z")
    assert np.isnan(zoned.seconds(frame(t=["2016-12-31 23:59:60.123456789+00:00"]))).all()


@pytest.mark.parametrize("prefix", [24.0, True, "24"])
def test_an_ip_prefix_that_is_no_integer_is_refused(prefix):
    with pytest.raises(EtlError, match=r"ip 'src': prefix must be an integer from 0 to 32"):
        IpAddress("src", prefix=prefix)


def test_an_ip_prefix_outside_0_to_32_is_a_warning_and_a_saved_spec_with_it_scores_as_before(caplog):
    # ip_network("a.b.c.d/40") raises inside the parse: every IPv4 address reads as missing, which was silent;
    # a spec saved with it must still load and score the same (IPv6 addresses use min(4 * prefix, 128) bits)
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.transforms"):
        ip = transform_from_dict(fitted(IpAddress("ip", prefix=40), frame(ip=["10.0.1.5", "2001:db8::1"])).to_dict())
    assert "prefix 40 is outside 0 to 32, so every IPv4 address reads as missing: use 32" in caplog.text
    out = ip.features(frame(ip=["10.0.1.5", "2001:db8::1"]))
    assert list(out["ip_missing"]) == [1.0, 0.0] and out["ip_net=2001:db8::1/128"].tolist() == [0.0, 1.0]
    assert IpAddress("ip", prefix=np.int64(24)).prefix == 24


@pytest.mark.parametrize("delimiter", [";;", "", '"', "\n", 5])
def test_a_csv_delimiter_must_be_one_character(delimiter):
    from dl4j_bridge.etl import CsvReader

    with pytest.raises(EtlError, match=r"delimiter must be one character other than a quote or a line break"):
        CsvReader(["a"], delimiter=delimiter)


@pytest.mark.parametrize("chunk_lines", [0, -5, "100", 2.5, True])
def test_chunk_lines_must_be_a_positive_integer(chunk_lines):
    from dl4j_bridge.etl import JsonLinesReader

    with pytest.raises(EtlError, match=r"chunk_lines must be an integer >= 1"):
        JsonLinesReader(["a"], chunk_lines=chunk_lines)


def test_a_format_without_a_year_and_no_year_is_warned_about_at_fit(caplog):
    """Syslog's '%b %d %H:%M:%S' without year read every time as in 1900 without a word: weekday features of 1900,
    a 29 February unparsable, and the message about that 29 February did not say why."""
    from dl4j_bridge.etl import Pipeline, TextReader, Windows
    from dl4j_bridge.etl.transforms import reads_year

    lines = [f"Feb {day} 10:00:{second:02d} sshd: message {second}" for day in (28, 29) for second in range(10)]

    def fit(**options):
        caplog.clear()
        pipeline = Pipeline(TextReader("<Month> <Day> <Time> <Component>: <Content>"),
                            [Timestamp(["Month", "Day", "Time"], **options)], Windows(length=5))
        with caplog.at_level(logging.WARNING):
            pipeline.fit(lines)
        return [r.getMessage() for r in caplog.records]

    said = fit(format="%b %d %H:%M:%S")
    assert len(said) == 2, said
    assert said[0] == ("Timestamp(['Month', 'Day', 'Time']): the format '%b %d %H:%M:%S' has no year (%Y, %y, %G, %c, "
                       "%x) and year is not set, so every time is read as in 1900 (strptime's default): the weekday "
                       "features are that year's, a 29 February does not parse and a log running into a new year goes "
                       "back in time. Set year to the log's year (run.toml: year = 2024 in the timestamp's "
                       "[[transforms]] table; Python: Timestamp(..., year=2024))")
    assert said[1].startswith("<lines>: 10 of 20 times in ['Month', 'Day', 'Time'] do not parse with the format "
                              "'%b %d %H:%M:%S' (first: line 11, 'Feb 29 10:00:00')")
    assert said[1].endswith("(missing='previous'); the format has no year and year is not set, so 1900 is assumed "
                            "(strptime's default), which has no 29 February: set year to the log's year")
    assert fit(format="%b %d %H:%M:%S", year=2024) == []
    assert fit(format="%b %d %H:%M:%S", year=2023)[0].endswith(
        "; the format has no year, so year = 2023 is assumed, which has no 29 February: set year to the log's year")
    assert [reads_year(f) for f in (None, "%s", "%Y-%m-%d", "%y%m%d", "%G-W%V-%u", "%c", "%x", "%b %d %H:%M:%S",
                                    "%%Y %m %d", "%j %H")] == [True] * 7 + [False] * 3


def test_categorical_looks_each_value_up_by_its_own_text_not_by_a_python_equal_value_seen_first():
    """true, 1.0 and 1 (false, 0 and -0.0) are equal Python values: factorize grouped them and the group took
    the category of its first value's text, where the JVM looks each value up by its own (PyCompat.str)."""
    flag = fitted(Categorical("flag", encoding="index"), frame(flag=[1.0, True, 0, False, -0.0]))
    assert flag.categories == ["-0.0", "0", "1.0", "False", "True"]
    values = [True, 1.0, 1, False, 0, -0.0, 0.0, "True", None]
    assert flag.indexes(frame(flag=values)).tolist() == [5, 3, 0, 4, 2, 1, 0, 5, 0]
    assert flag.indexes(frame(flag=[1.0, True])).tolist() == [3, 5]   # in either order
    assert flag.indexes(frame(flag=[-0.0, 0.0, 0])).tolist() == [1, 0, 2]


def test_delta_by_keeps_zero_and_negative_zero_apart_as_the_jvm_does():
    grouped = Timestamp("t", format="%H:%M:%S", delta_by="k")
    delta = grouped.features(frame(t=["10:00:00", "10:00:01", "10:00:03", "10:00:06"], k=[0.0, -0.0, 0, False]))
    assert delta["time_delta_log"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_times_written_as_epoch_milliseconds_say_how_to_write_them():
    """A pandas user's datetime column through df.to_json(orient='records', lines=True) (the default date_format is
    'epoch': milliseconds) failed the fit with 'give the format of these times (strftime codes ...)', which no
    strftime format can do for milliseconds."""
    import pandas as pd

    from dl4j_bridge.etl import EtlError, JsonLinesReader, Pipeline, Template, Windows

    frame = pd.DataFrame({"time": pd.date_range("2015-07-29 17:41:44.747", periods=20, freq="s"),
                          "message": [f"event {i % 3}" for i in range(20)]})

    def fit(lines, time_format=None):
        Pipeline(JsonLinesReader({"time": "time", "message": "message"}),
                 [Template("message"), Timestamp("time", format=time_format)], sequence=Windows(5)).fit(lines)

    with pytest.raises(EtlError, match=r"e.g. '1438191704747' \(line 1\).*it looks like milliseconds since the epoch "
                                       r"\(pandas' to_json writes datetimes so\): write the times as ISO 8601, "
                                       r"df.to_json\(orient='records', lines=True, date_format='iso'\)"):
        fit(frame.to_json(orient="records", lines=True, date_format="epoch").splitlines())
    fit(frame.to_json(orient="records", lines=True, date_format="iso").splitlines())   # the advice works
    seconds = [f'{{"time": {1438191704 + i}, "message": "event {i % 3}"}}' for i in range(20)]
    with pytest.raises(EtlError, match=r"it looks like seconds since the epoch: give format = '%s'$"):
        fit(seconds)
    fit(seconds, "%s")


def _utc_seconds(*args, offset_hours=0, micros=0):
    """Seconds since the epoch as the JVM counts a time outside datetime64[ns]: whole microseconds / 1e6."""
    from datetime import datetime, timedelta, timezone

    when = datetime(*args, tzinfo=timezone(timedelta(hours=offset_hours))) + timedelta(microseconds=micros)
    return (when - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1) / 1e6


def test_a_time_outside_the_nanosecond_range_is_a_time_whatever_the_pandas_version():
    """pandas 2 parses with a format at nanoseconds only: a year before 1678 or after 2261 was NaN (Python) where
    the JVM (and pandas 3) read a time; the year is moved by 400-year cycles, parsed by pandas, moved back."""
    from dl4j_bridge.etl.transforms import _beyond_ns_seconds

    plain = Timestamp("t", format="%Y-%m-%d %H:%M:%S")
    assert plain.seconds(frame(t=["1500-06-01 12:00:00", "2026-01-01 00:00:00", "2300-02-29 00:00:00"])).tolist()[:2] \
        == [_utc_seconds(1500, 6, 1, 12), 1767225600.0]
    assert np.isnan(plain.seconds(frame(t=["2300-02-29 00:00:00"]))[0])     # 2300 is no leap year
    assert plain.seconds(frame(t=["2400-02-29 00:00:00"]))[0] == _utc_seconds(2400, 2, 29)
    syslog = Timestamp("t", year=2300)
    assert syslog.seconds(frame(t=["Jan 01 00:00:01"]))[0] == _utc_seconds(2300, 1, 1, 0, 0, 1)
    zoned = "%Y-%m-%d %H:%M:%S.%f%z"
    assert _beyond_ns_seconds(["0001-01-01 00:00:00.123456789+0100", "9999-12-31 23:59:59.5-0100"], zoned).tolist() \
        == [_utc_seconds(1, 1, 1, offset_hours=1, micros=123456), _utc_seconds(9999, 12, 31, 23, 59, 59,
                                                                                offset_hours=-1, micros=500000)]
    # in range (unparsable for another reason), a leap second, a day the month lacks: no time
    assert np.isnan(_beyond_ns_seconds(["2000-02-30 00:00:00.0+0000", "2400-02-29 10:00:60.0+0000",
                                        "2300-02-29 00:00:00.0+0000"], zoned)).all()


@pytest.mark.parametrize("as_python_313", [False, True])
def test_ipv4_mapped_networks_are_named_as_on_the_jvm_on_every_python(monkeypatch, as_python_313):
    """Python 3.13 prints an IPv4-mapped IPv6 address with a dotted tail (``::ffff:10.0.0.1``), 3.11 and the JVM in
    hex (``::ffff:a00:1``): a model trained on 3.13 named those networks so, which the JVM (and a model of 3.11)
    did not know. ``as_python_313`` gives this Python 3.13's ``str`` of such an address."""
    import ipaddress

    if as_python_313:
        plain = ipaddress.IPv6Address.__str__

        def dotted(self):
            mapped = self.ipv4_mapped
            return plain(self) if mapped is None else f"::ffff:{mapped}" + (f"%{self.scope_id}" if self.scope_id else "")

        monkeypatch.setattr(ipaddress.IPv6Address, "__str__", dotted)
    values = ["::ffff:10.0.0.1", "::ffff:10.0.0.9", "::ffff:8.8.8.8", "fe80::1%eth0", "10.0.0.1", "2001:db8::1"]
    ip = fitted(IpAddress("ip", prefix=30, private_networks=["10.0.0.0/8", "::ffff:10.0.0.0/104", "fe80::/10"]),
                frame(ip=values))
    assert ip.private_networks == ["10.0.0.0/8", "::ffff:a00:0/104", "fe80::/10"]
    assert sorted(ip.feature_names[1:-2]) == ["ip_net=10.0.0.0/30", "ip_net=2001:db8::/120", "ip_net=::ffff:808:800/120",
                                              "ip_net=::ffff:a00:0/120", "ip_net=fe80::/120"]
    out = ip.features(frame(ip=["::ffff:10.0.0.77", "::ffff:8.8.8.1", "::ffff:0a00:0001"]))
    assert out["ip_net=::ffff:a00:0/120"].tolist() == [1, 0, 1] and out["ip_private"].tolist() == [1, 0, 1]
    assert IpAddress.from_dict(ip.to_dict()).feature_names == ip.feature_names


def test_ip_forms_give_the_networks_the_jvms_table_expects_on_every_python():
    """PyCompatTest.ipFormsPythonAcceptsGivePythonsNetworks holds what ``IpAddress._parse`` gives (Python 3.11's
    networks); this Python gives the same (on 3.13, IPv4-mapped ones had a dotted tail)."""
    import re

    from bridge_testing import REPO

    java = (REPO / "java/src/test/java/io/dl4jbridge/etl/PyCompatTest.java").read_text(encoding="utf-8")
    body = java[java.index("public void ipFormsPythonAcceptsGivePythonsNetworks"):]
    body = body[:body.index("for (String[] c : cases)")]
    cases = re.findall(r'\{"((?:[^"\\]|\\.)*)", "(-?\d+)", (null|"[^"]*"), "([01])"\}', body)
    assert len(cases) > 30 and ("::ffff:10.0.0.1", "32", '"::ffff:a00:1/128"', "0") in cases
    for text, prefix, network, private in cases:
        networks, flags, _ = IpAddress("ip", prefix=int(prefix))._parse(frame(ip=[text]))
        assert (networks[0], flags[0]) == (None if network == "null" else network.strip('"'), float(private)), text
