"""``Sessions(gap=...)``: a silence longer than ``gap`` seconds ends a key's session; the next record starts a new one.

The JVM's ``SessionAssembler`` makes the same sessions (JUnit ``SessionGapTest``, the parity vector
``etl_csv_sessions_gap``, and ``tests/test_jvm_scorer_sessions.py`` for the launcher's rows).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from dl4j_bridge.detectors import take
from dl4j_bridge.etl import JsonLinesReader, Pipeline, SequenceBatch, Sessions, Template, Timestamp
from dl4j_bridge.etl.errors import SpecError
from dl4j_bridge.etl.sequences import Steps


def _steps(keys, order, timed=None):
    n = len(keys)
    return Steps(x=np.arange(n, dtype=np.float32).reshape(n, 1), ids=np.arange(1, n + 1, dtype=np.int32),
                 labels=np.zeros(n, np.int8), line_numbers=np.arange(1, n + 1, dtype=np.int64),
                 keys=np.asarray(keys, object), order=np.asarray(order, np.float64),
                 timed=None if timed is None else np.asarray(timed, bool))


def _shape(batch: SequenceBatch) -> list[tuple]:
    return [(batch.keys[i], batch.session_of(i), batch.part_of(i),
             [int(v) for v in batch.line_numbers[i] if v > 0]) for i in range(len(batch))]


def _build(spec, *chunks):
    builder = spec.builder(["f"])
    for chunk in chunks:
        builder.add(chunk)
    return builder, builder.finish()


def test_a_silence_longer_than_the_gap_starts_a_new_session_of_the_same_key():
    steps = _steps(["a", "b", "a", "a", "b", "a"], [0, 5, 60, 121, 30, 130])
    builder, batch = _build(Sessions("k", gap=60), steps.take(slice(0, 3)), steps.take(slice(3, 6)))
    # 60 s after the record before is not more than the gap; 61 s is. The key's sessions come one after the other
    assert _shape(batch) == [("a", 0, None, [1, 3]), ("a", 1, None, [4, 6]), ("b", None, None, [2, 5])]
    assert builder.gap_sessions == 1 and builder.split_sessions == 0
    assert batch.sessions.tolist() == [0, 1, -1] and batch.parts is None
    assert batch.next_ids.tolist() == [-1, -1, -1] and batch.next_lines.tolist() == [-1, -1, -1]   # not a part


def test_each_session_is_split_at_max_length_apart_and_parts_carry_events_only_within_it():
    steps = _steps(["k"] * 4, [0, 1, 2, 100])
    builder, batch = _build(Sessions("k", max_length=2, gap=10), steps)
    assert _shape(batch) == [("k", 0, 0, [1, 2]), ("k", 0, 1, [3]), ("k", 1, None, [4])]
    assert batch.next_lines.tolist() == [3, -1, -1]
    assert (builder.gap_sessions, builder.split_sessions, builder.extra_parts) == (1, 1, 1)
    builder, cut = _build(Sessions("k", max_length=2, overflow="truncate", gap=10), steps)
    assert _shape(cut) == [("k", 0, None, [1, 2]), ("k", 1, None, [4])] and builder.truncated_records == 1


def test_a_record_without_its_own_time_starts_no_session_and_the_gap_is_measured_across_it():
    # line 2's time is missing: it took another record's (50) and sorts there, in the first session; line 3 is
    # 100 s after line 1, the last record with a time of its own
    _, batch = _build(Sessions("k", gap=60), _steps(["a"] * 3, [0, 50, 100], timed=[True, False, True]))
    assert _shape(batch) == [("a", 0, None, [1, 2]), ("a", 1, None, [3])]
    # records without a time before the first timed one stay in the first session
    _, batch = _build(Sessions("k", gap=60), _steps(["a"] * 3, [0, 0, 1000], timed=[False, False, True]))
    assert _shape(batch) == [("a", None, None, [1, 2, 3])]


def test_sessions_numbers_survive_take_concat_and_to_frame():
    _, batch = _build(Sessions("k", gap=1), _steps(["a", "a", "b"], [0, 5, 0]))
    assert take(batch, [1, 2]).sessions.tolist() == [1, -1]
    _, plain = _build(Sessions("k"), _steps(["c"], [0]))
    assert plain.sessions is None
    assert SequenceBatch.concat([plain, batch]).sessions.tolist() == [-1, 0, 1, -1]
    assert list(batch.to_frame().columns[:4]) == ["sequence", "step", "key", "session"]
    assert "session" not in plain.to_frame().columns


@pytest.mark.parametrize("gap", [0, -1, True, float("nan"), float("inf"), "600", 10**400])
def test_a_gap_that_is_no_positive_finite_number_is_refused(gap):
    with pytest.raises(SpecError, match=r"Sessions gap must be a number of seconds > 0 .*\[sequence\] gap"):
        Sessions("k", gap=gap)


def _lines():
    def iso(s):
        return f"2026-01-07T{8 + s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    rows = [(0, "a"), (5, "b"), (10, "a"), (600, "a"), (None, "a"), (700, "b"), (1300, "a")]
    return [json.dumps({"ip": k, "msg": f"hello {k}", **({"ts": iso(t)} if t is not None else {})}) for t, k in rows]


def _pipeline(**sessions):
    return Pipeline(JsonLinesReader({"time": "ts", "ip": "ip", "message": "msg"}),
                    [Template("message"), Timestamp("time")], Sessions("ip", **sessions))


def test_the_pipeline_makes_sessions_by_the_record_times_saves_gap_and_an_old_spec_has_none(tmp_path):
    pipeline = _pipeline(gap=300).fit(_lines())
    batch = pipeline.transform(_lines())
    # a: 0, 10 | 600, (no time: stays), | 1300; b: 5 | 700
    assert _shape(batch) == [("a", 0, None, [1, 3]), ("a", 1, None, [4, 5]), ("a", 2, None, [7]),
                             ("b", 0, None, [2]), ("b", 1, None, [6])]
    assert pipeline.gap_sessions == 3
    pipeline.save(tmp_path / "spec.json")
    spec = json.loads((tmp_path / "spec.json").read_text())
    assert spec["version"] == 4 and spec["sequence"]["gap"] == 300.0
    loaded = Pipeline.load(tmp_path / "spec.json")
    assert loaded.sequence.gap == 300.0 and _shape(loaded.transform(_lines())) == _shape(batch)
    del spec["sequence"]["gap"]   # a spec saved before gap existed: a key's records are one session
    spec["version"] = 3
    (tmp_path / "old.json").write_text(json.dumps(spec))
    old = Pipeline.load(tmp_path / "old.json")
    assert old.sequence.gap is None
    assert _shape(old.transform(_lines())) == [("a", None, None, [1, 3, 4, 5, 7]), ("b", None, None, [2, 6])]
    assert old.gap_sessions == 0


def test_gap_without_a_timestamp_transform_is_refused_naming_the_setting(tmp_path):
    with pytest.raises(SpecError, match=r"no timestamp transform.*\[sequence\] gap"):
        Pipeline(JsonLinesReader({"ip": "ip", "message": "msg"}), [Template("message")], Sessions("ip", gap=60))
    from dl4j_bridge.detectors.run import ConfigError, build_pipeline, load_config

    path = tmp_path / "run.toml"
    path.write_text('[reader]\nkind = "jsonl"\n[[transforms]]\nkind = "template"\ncolumn = "msg"\n'
                    '[sequence]\nkind = "sessions"\nkey = "ip"\ngap = 600\n')
    with pytest.raises(ConfigError, match=r'\[sequence\] gap = 600 .*no \[\[transforms\]\] table has kind = '
                                          r'"timestamp"'):
        build_pipeline(load_config(path))
    path.write_text(path.read_text() + '[[transforms]]\nkind = "timestamp"\ncolumn = "ts"\n')
    text = path.read_text().replace('[sequence]\nkind = "sessions"\nkey = "ip"\ngap = 600\n', "")
    path.write_text(text + '[sequence]\nkind = "sessions"\nkey = "ip"\ngap = 600\n')
    assert build_pipeline(load_config(path)).sequence.gap == 600.0
    path.write_text(text + '[sequence]\nkind = "sessions"\nkey = "ip"\ngap = "600"\n')
    with pytest.raises(ConfigError, match=r"\[sequence\]: gap must be"):
        build_pipeline(load_config(path))
