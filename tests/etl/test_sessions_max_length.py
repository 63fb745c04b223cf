"""Sessions longer than ``max_length`` are split into parts: every record is in a sequence (never dropped)."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from dl4j_bridge.detectors import take
from dl4j_bridge.etl import JsonLinesReader, Label, Numeric, Pipeline, SequenceBatch, Sessions
from dl4j_bridge.etl.errors import SpecError
from dl4j_bridge.etl.sequences import Steps


def _steps(keys, order, labels=None):
    n = len(keys)
    return Steps(x=np.arange(n, dtype=np.float32).reshape(n, 1), ids=np.arange(1, n + 1, dtype=np.int32),
                 labels=np.asarray(labels if labels is not None else [0] * n, np.int8),
                 line_numbers=np.arange(1, n + 1, dtype=np.int64), keys=np.asarray(keys, object),
                 order=np.asarray(order, np.float64))


def _build(spec, chunks, session_labels=None):
    builder = spec.builder(["f"], session_labels)
    for chunk in chunks:
        builder.add(chunk)
    return builder, builder.finish()


def test_a_session_of_two_and_a_half_max_lengths_gives_three_parts_covering_every_line_in_order(caplog):
    # "a": 10 records (2.5 x max_length 4) interleaved with "b": 3 records; "a"'s times run backwards
    # for its first records, so parts follow time order, not line order
    keys = ["a", "b", "a", "a", "b", "a", "a", "a", "b", "a", "a", "a", "a"]
    order = [5.0, 0.0, 4.0, 6.0, 1.0, 7.0, 8.0, 9.0, 2.0, 10.0, 11.0, 12.0, 13.0]
    labels = [0] * 12 + [1]                       # the last record of "a" is the anomaly
    steps = _steps(keys, order, labels)
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.sequences"):
        builder, batch = _build(Sessions("a_key", max_length=4), [steps.take(slice(0, 6)), steps.take(slice(6, 13))])
    a_lines = [3, 1, 4, 6, 7, 8, 10, 11, 12, 13]  # time order
    assert len(batch) == 4 and list(batch.keys) == ["a", "a", "a", "b"]
    assert batch.parts.tolist() == [0, 1, 2, -1]
    assert [batch.part_of(i) for i in range(4)] == [0, 1, 2, None]
    got = [[int(v) for v in batch.line_numbers[i][batch.mask[i] > 0]] for i in range(4)]
    assert got == [a_lines[0:4], a_lines[4:8], a_lines[8:10], [2, 5, 9]]
    assert sorted(sum(got, [])) == list(range(1, 14))        # every line, once
    assert batch.shape == (4, 4, 1) and batch.mask.sum(axis=1).tolist() == [4, 4, 2, 3]
    assert batch.labels.tolist() == [0, 0, 1, 0]                # per part: any anomalous step
    assert batch.step_ids[2, :2].tolist() == [12, 13] and batch.x[2, 1, 0] == 12.0
    assert builder.split_sessions == 1 and builder.extra_parts == 2
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "max_length=4" in warnings[0].getMessage() \
        and "raise max_length" in warnings[0].getMessage()
    # the caller's session label describes the whole session: every part carries it
    _, labelled = _build(Sessions("a_key", max_length=4), [steps], session_labels={"a": 1})
    assert labelled.labels.tolist() == [1, 1, 1, 0]
    # take and concat keep the parts; to_frame shows them
    assert take(batch, [2, 3]).parts.tolist() == [2, -1]
    joined = SequenceBatch.concat([take(batch, [3]), batch])
    assert joined.parts.tolist() == [-1, 0, 1, 2, -1]
    assert list(batch.to_frame().columns[:4]) == ["sequence", "step", "key", "part"]


def test_sessions_within_max_length_are_unchanged(caplog):
    steps = _steps(["a", "b", "a", "b", "a"], [0, 1, 2, 3, 4])
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.sequences"):
        builder, limited = _build(Sessions("k", max_length=3), [steps])
    _, unlimited = _build(Sessions("k"), [steps])
    assert limited.parts is None and builder.split_sessions == 0 and builder.extra_parts == 0
    for name in ("x", "mask", "labels", "step_labels", "step_ids", "next_ids", "line_numbers", "keys"):
        assert np.array_equal(getattr(limited, name), getattr(unlimited, name)), name
    assert "part" not in limited.to_frame().columns and not caplog.records


def test_exactly_max_length_is_one_part_and_max_length_one_splits_every_step():
    steps = _steps(["a"] * 4, [0, 1, 2, 3])
    _, whole = _build(Sessions("k", max_length=4), [steps])
    assert len(whole) == 1 and whole.parts is None
    builder, single = _build(Sessions("k", max_length=1), [steps])
    assert single.parts.tolist() == [0, 1, 2, 3] and single.line_numbers[:, 0].tolist() == [1, 2, 3, 4]
    assert builder.split_sessions == 1 and builder.extra_parts == 3


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "10"])
def test_max_length_must_be_a_whole_number_of_at_least_one(bad):
    with pytest.raises(SpecError, match="max_length"):
        Sessions("k", max_length=bad)


def test_pipeline_counts_split_sessions_and_every_record_is_in_a_sequence():
    lines = [json.dumps({"ip": "10.0.0.1" if i % 5 else "10.0.0.2", "n": i, "label": int(i == 46)})
             for i in range(47)]
    pipeline = Pipeline(JsonLinesReader({"ip": "ip", "n": "n", "label": "label"}),
                        [Numeric("n"), Label("label")], Sessions("ip", max_length=15))
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    # 10.0.0.1: 37 records -> 15 + 15 + 7; 10.0.0.2: 10 records, whole
    assert [(k, batch.part_of(i), int(batch.mask[i].sum())) for i, k in enumerate(batch.keys)] == \
        [("10.0.0.2", None, 10), ("10.0.0.1", 0, 15), ("10.0.0.1", 1, 15), ("10.0.0.1", 2, 7)]
    assert sorted(int(v) for v in batch.line_numbers[batch.mask > 0]) == list(range(1, 48))
    assert pipeline.split_sessions == 1 and pipeline.extra_parts == 2
    assert batch.labels.tolist() == [0, 0, 0, 1]   # the anomaly on the last line is in the last part
    assert Pipeline.from_dict(json.loads(json.dumps(pipeline.to_dict()))).sequence.max_length == 15


def test_a_split_pass_names_the_part_each_split_sessions_warning_counts(caplog):
    """train (fit_split) said the split-sessions warning twice with different counts, neither saying of which part;
    and at score time its advice (raise max_length) did not say that the model must be retrained."""
    from dl4j_bridge.etl import ChronologicalSplit
    from dl4j_bridge.etl.sequences import split_sessions_warning

    keys = ["10.0.0.1"] * 50 + ["10.0.0.2"] * 20 + ["10.0.0.3"] * 30   # sessions of 50, 20 and 30 records
    lines = [json.dumps({"ip": key, "n": i, "label": 0}) for i, key in enumerate(keys)]
    pipeline = Pipeline(JsonLinesReader({"ip": "ip", "n": "n", "label": "label"}),
                        [Numeric("n"), Label("label")], Sessions("ip", max_length=15), split=ChronologicalSplit(0.3))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.sequences"):
        pipeline.fit_split(lines)
    said = [r.getMessage() for r in caplog.records if "longer than max_length" in r.getMessage()]
    # a session is in the part of its first record: training 10.0.0.1 and .2 (4 + 2 parts), test 10.0.0.3 (2 parts)
    assert said == ["train part: " + split_sessions_warning(2, 15, 4), "test part: " + split_sessions_warning(1, 15, 1)]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.sequences"):
        pipeline.transform(lines)   # scoring: all of the input, no part to name
    assert [r.getMessage() for r in caplog.records] == [split_sessions_warning(3, 15, 5)]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.sequences"):
        pipeline.transform(lines, part_name="test")   # a separate test file (train's [data] test): named by the caller
    assert [r.getMessage() for r in caplog.records] == ["test part: " + split_sessions_warning(3, 15, 5)]
    assert split_sessions_warning(3, 15, 5).endswith("raise max_length (run.toml: [sequence] max_length) and retrain")


# ----------------------------------------------------------------------------------------------------------------
# overflow: "split" (new specs) or "truncate" (specs saved before overflow existed): never silent


def test_truncate_keeps_the_first_steps_in_time_order_and_counts_and_warns_what_is_cut(caplog):
    keys = ["a", "b", "a", "a", "b", "a", "a", "a", "b", "a", "a", "a", "a"] + ["c"] * 5
    order = [50.0] + [float(i) for i in range(2, 19)]   # line 1 is "a"'s last step in time
    labels = [0] * 12 + [1] + [0] * 5                   # the anomaly (line 13) is cut off
    steps = _steps(keys, order, labels)
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.sequences"):
        builder, batch = _build(Sessions("k", max_length=4, overflow="truncate"),
                                [steps.take(slice(0, 7)), steps.take(slice(7, 18))])
    assert list(batch.keys) == ["a", "b", "c"] and batch.parts is None
    got = [[int(v) for v in batch.line_numbers[i][batch.mask[i] > 0]] for i in range(3)]
    assert got == [[3, 4, 6, 7], [2, 5, 9], [14, 15, 16, 17]]
    assert batch.shape == (3, 4, 1) and batch.labels.tolist() == [0, 0, 0]
    # "a": 10 steps, 6 cut; "c": 5 steps, 1 cut
    assert builder.truncated_sessions == 2 and builder.truncated_records == 7
    assert builder.split_sessions == 0 and builder.extra_parts == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "2 session(s)" in message and "7 record(s)" in message and "not scored" in message
    assert 'overflow = "split"' in message and "larger max_length" in message


def test_truncate_within_max_length_changes_nothing():
    steps = _steps(["a", "b", "a"], [1.0, 2.0, 3.0])
    builder, batch = _build(Sessions("k", max_length=4, overflow="truncate"), [steps])
    assert builder.truncated_sessions == 0 and builder.truncated_records == 0
    assert batch.shape == (2, 2, 1)


def test_a_saved_spec_without_overflow_reads_as_truncate_and_new_specs_save_split():
    from dl4j_bridge.etl.sequences import sequence_from_dict

    old = sequence_from_dict({"kind": "sessions", "key": "ip", "max_length": 15})   # a model saved before overflow
    assert old.overflow == "truncate" and old.max_length == 15
    assert Sessions("ip", max_length=15).overflow == "split"
    assert Sessions("ip", max_length=15).to_dict() == {"kind": "sessions", "key": "ip", "max_length": 15,
                                                       "overflow": "split", "gap": None}
    assert sequence_from_dict(Sessions("ip", max_length=15, overflow="truncate").to_dict()).overflow == "truncate"

    lines = [json.dumps({"ip": "10.0.0.1" if i % 5 else "10.0.0.2", "n": i, "label": int(i == 46)})
             for i in range(47)]
    pipeline = Pipeline(JsonLinesReader({"ip": "ip", "n": "n", "label": "label"}),
                        [Numeric("n"), Label("label")], Sessions("ip", max_length=15))
    pipeline.fit(lines)
    spec = json.loads(json.dumps(pipeline.to_dict()))
    assert spec["sequence"]["overflow"] == "split"
    del spec["sequence"]["overflow"]
    loaded = Pipeline.from_dict(spec)
    batch = loaded.transform(lines)
    # 10.0.0.1: 37 records -> its first 15; 10.0.0.2: 10 records, whole
    assert [(k, int(batch.mask[i].sum())) for i, k in enumerate(batch.keys)] == [("10.0.0.2", 10), ("10.0.0.1", 15)]
    assert batch.parts is None
    assert loaded.truncated_sessions == 1 and loaded.truncated_records == 22
    assert loaded.split_sessions == 0 and loaded.extra_parts == 0
    assert batch.labels.tolist() == [0, 0]   # the anomaly on the last line was cut (counted, warned)


@pytest.mark.parametrize("bad", ["drop", "Split", None, 1])
def test_overflow_must_be_split_or_truncate(bad):
    from dl4j_bridge.etl.sequences import sequence_from_dict

    with pytest.raises(SpecError, match="overflow"):
        Sessions("k", max_length=4, overflow=bad)
    with pytest.raises(SpecError, match="overflow"):
        sequence_from_dict({"kind": "sessions", "key": "k", "max_length": 4, "overflow": bad})


def test_each_part_but_the_last_has_the_next_parts_first_event_as_its_next_event():
    """A next-event model judges the first event of every later part from the part before it: part k's
    ``next_ids`` / ``next_lines`` are part k+1's first step (the trial: a never-seen event opening part 1 was
    judged by nothing and counted nowhere)."""
    keys = ["a", "b", "a", "a", "b", "a", "a", "a", "b", "a", "a", "a", "a"]
    order = [5.0, 0.0, 4.0, 6.0, 1.0, 7.0, 8.0, 9.0, 2.0, 10.0, 11.0, 12.0, 13.0]
    steps = _steps(keys, order)                 # template id = line number
    _, batch = _build(Sessions("k", max_length=4), [steps])
    # "a" in time order: lines 3 1 4 6 | 7 8 10 11 | 12 13; "b": 2 5 9 (not split)
    assert batch.parts.tolist() == [0, 1, 2, -1]
    assert batch.next_ids.tolist() == [7, 12, -1, -1]
    assert batch.next_lines.dtype == np.int64 and batch.next_lines.tolist() == [7, 12, -1, -1]
    # take and concat carry them with their sequences
    assert take(batch, [1, 3]).next_lines.tolist() == [12, -1]
    assert SequenceBatch.concat([take(batch, [3]), batch]).next_lines.tolist() == [-1, 7, 12, -1, -1]
    # max_length=1: every step is a part, and each but the last has the next one as its next event
    _, single = _build(Sessions("k", max_length=1), [_steps(["a"] * 3, [0, 1, 2])])
    assert single.next_ids.tolist() == [2, 3, -1] and single.next_lines.tolist() == [2, 3, -1]
    # sessions not split, and truncated ones, have no next event (a session has no event after it)
    _, whole = _build(Sessions("k"), [steps])
    assert whole.next_ids.tolist() == [-1, -1] and whole.next_lines.tolist() == [-1, -1]
    _, cut = _build(Sessions("k", max_length=4, overflow="truncate"), [steps])
    assert cut.next_ids.tolist() == [-1, -1] and cut.next_lines.tolist() == [-1, -1]
