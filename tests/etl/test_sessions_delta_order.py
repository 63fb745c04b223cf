"""A ``Timestamp`` whose ``delta_by`` is the ``Sessions`` key: a session's steps are in time order, and each step's
delta is measured from the step before it in that order, not from the key's previous record in read order.

The JVM's ``SessionAssembler`` measures them alike (JUnit ``SessionDeltaOrderTest``, the parity vectors
``etl_csv_sessions`` and ``etl_csv_sessions_gap``, and ``tests/test_jvm_scorer_sessions.py`` for the launcher's rows).
"""

from __future__ import annotations

import logging

import numpy as np

from dl4j_bridge.etl import ChronologicalSplit, CsvReader, Pipeline, Sessions, Timestamp, Windows


def _pipeline(sequence, transforms=None, split=None):
    return Pipeline(CsvReader({"node": "node", "time": "time", "other": "other"}),
                    transforms or [Timestamp("time", format="%s", delta_by="node")], sequence=sequence, split=split)


def _gaps(batch, name="time_delta_log"):
    column = batch.feature_names.index(name)
    return [np.expm1(batch.x[i, batch.mask[i] > 0, column]).round(1).tolist() for i in range(len(batch))]


def _lines(*rows):
    return ["node,time,other"] + [f"{node},{time},{other}" for node, time, other in rows]


def test_a_sessions_gaps_are_measured_in_its_time_order_and_nothing_is_counted_backward(caplog):
    # node-1 at 1000, 3000, 2000 (lines 2, 4, 5), node-2 interleaved in order: in read order the gaps were
    # [0, 0, 2000] (line 5 measured from line 2, line 4 a "backward" 0)
    lines = _lines(("n1", 1000, 0), ("n2", 1500, 0), ("n1", 3000, 0), ("n1", 2000, 0), ("n2", 1600, 0))
    pipeline = _pipeline(Sessions("node"))
    pipeline.fit(lines)
    with caplog.at_level(logging.WARNING):
        batch = pipeline.transform(lines)
    assert batch.line_numbers[0, :3].tolist() == [2, 5, 4]
    assert _gaps(batch) == [[0.0, 1000.0, 1000.0], [0.0, 100.0]]
    assert pipeline.backward_times == 0
    assert "earlier than the record before them" not in caplog.text


def test_a_gap_session_and_the_parts_of_a_split_session_measure_from_the_keys_step_before_in_time_order():
    lines = _lines(("n1", 1000, 0), ("n1", 5000, 0), ("n1", 1010, 0), ("n1", 4990, 0), ("n1", 1020, 0))
    pipeline = _pipeline(Sessions("node", gap=600, max_length=2))
    pipeline.fit(lines)
    batch = pipeline.transform(lines)
    # sessions 0 (1000, 1010 | 1020) and 1 (4990, 5000): the first step of a later session or part is measured
    # from the key's step before it, as when the log is read in order
    assert [batch.line_numbers[i][batch.mask[i] > 0].tolist() for i in range(len(batch))] == [[2, 4], [6], [5, 3]]
    assert _gaps(batch) == [[0.0, 10.0], [10.0], [3970.0, 10.0]]
    assert pipeline.backward_times == 0


def test_windows_and_the_records_view_keep_the_read_order_and_count_the_times_that_go_back():
    lines = _lines(("n1", 1000, 0), ("n1", 3000, 0), ("n1", 2000, 0))
    windows = _pipeline(Windows(length=3))
    windows.fit(lines)
    assert _gaps(windows.transform(lines)) == [[0.0, 2000.0, 0.0]]
    assert windows.backward_times == 1
    sessions = _pipeline(Sessions("node"))
    sessions.fit(lines)
    sessions.transform(lines)
    records = sessions.records(lines)   # a read-order view: read-order deltas
    assert np.expm1(records["time_delta_log"].to_numpy()).round(1).tolist() == [0.0, 2000.0, 0.0]
    assert sessions.backward_times == 1


def test_a_delta_by_another_column_keeps_the_read_order_and_a_second_timestamp_counts_what_is_still_backward():
    lines = _lines(("n1", 1000, 1000), ("n1", 3000, 2000), ("n1", 2000, 3000))
    other = _pipeline(Sessions("node"), [Timestamp("time", format="%s", delta_by="other")])
    other.fit(lines)
    assert _gaps(other.transform(lines)) == [[0.0, 0.0, 0.0]]   # each 'other' value its own group
    # sessions are ordered by the first timestamp (time: lines 2, 4, 3); the second one's times in that order are
    # 1000, 3000, 2000: its delta of line 3 is still backward, counted and named
    two = _pipeline(Sessions("node"), [Timestamp("time", format="%s", delta_by="node"),
                                       Timestamp("other", format="%s", delta_by="node", name="other")])
    two.fit(lines)
    batch = two.transform(lines)
    assert _gaps(batch) == [[0.0, 1000.0, 1000.0]]
    assert _gaps(batch, "other_delta_log") == [[0.0, 2000.0, 0.0]]
    assert two.backward_times == 1
    assert "(first: line 3, '2000')" in two.transforms[1].backward_warning("x")


def test_a_chronological_split_keeps_a_keys_records_in_one_part_measured_in_time_order():
    # sessions go to the part of their key's first record: n2's session (read out of order) is the test part's
    lines = _lines(("n1", 1000, 0), ("n1", 1100, 0), ("n2", 1500, 0), ("n2", 1300, 0), ("n1", 1050, 0))
    pipeline = _pipeline(Sessions("node"), split=ChronologicalSplit(0.6))
    train, test = pipeline.fit_split(lines)
    assert train.line_numbers[0, :3].tolist() == [2, 6, 3] and _gaps(train) == [[0.0, 50.0, 50.0]]
    assert test.line_numbers[0, :2].tolist() == [5, 4] and _gaps(test) == [[0.0, 200.0]]
    assert pipeline.backward_times == 0
