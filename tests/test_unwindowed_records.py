"""Records in no window are counted on both sides (unwindowed_records), never dropped silently.

A window stride longer than 1 leaves out the records after the last full window (and, longer than a window,
those between windows); an input shorter than one window gives none. Python's ``_WindowBuilder`` and the
launcher's ``WindowAssembler`` must cover the same records with the same windows and count the rest the same way.
"""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dl4j_bridge.etl.sequences import Steps, Windows, unwindowed_warning


def _steps(n: int) -> Steps:
    return Steps(np.arange(n, dtype=np.float32).reshape(n, 1), (np.arange(n) % 5).astype(np.int32),
                 np.zeros(n, np.int8), np.arange(1, n + 1, dtype=np.int64) * 2)   # lines 2, 4, 6, ...


def _python(n, length, stride, next_event, pad_last, chunks, scored=True):
    builder = Windows(length, stride, next_event=next_event, pad_last=pad_last).builder(["f"], next_event_scored=scored)
    steps, windows, start, turn = _steps(n), [], 0, 0
    while start < n:
        size = chunks[turn % len(chunks)]
        turn += 1
        batch = builder.add(steps.take(slice(start, start + size)))
        start += size
        if batch is not None:
            windows += _rows(batch)
    batch = builder.finish()
    if batch is not None:
        windows += _rows(batch)
    return windows, builder


def _rows(batch):
    return [([int(line) for line, real in zip(lines, mask) if real], int(next_id))
            for lines, mask, next_id in zip(batch.line_numbers, batch.mask, batch.next_ids)]


def _java(n, length, stride, next_event, pad_last, scored=True):
    import jpype

    assembler = jpype.JClass("io.dl4jbridge.etl.WindowAssembler")(length, stride, next_event, pad_last, 1)
    assembler.nextEventScored(scored)
    Step = jpype.JClass("io.dl4jbridge.etl.Step")
    windows = []

    @jpype.JImplements("java.util.function.Consumer")
    class Collect:
        @jpype.JOverride
        def accept(self, sequence):
            lines = [int(v) for v in sequence.lineNumbers][:int(sequence.length)]
            windows.append(([v for v in lines if v >= 0], int(sequence.nextId)))

    collect = Collect()
    for i in range(n):
        assembler.add(Step(jpype.JArray(jpype.JFloat)([float(i)]), i % 5, 0, (i + 1) * 2, None, 0.0), collect)
    assembler.finish(collect)
    return windows, assembler


def _brute_force(n, windows, next_event, scored=True):
    covered = set()
    for lines, next_id in windows:
        covered.update(lines)
        if next_event and scored and next_id >= 0:
            covered.add(lines[-1] + 2)
    missing = [line for line in range(2, 2 * n + 1, 2) if line not in covered]
    return len(missing), (missing[0] if missing else None)


@pytest.mark.parametrize("n,length,stride,next_event,pad_last", list(itertools.product(
    [0, 1, 4, 10, 11, 23, 61], [1, 3, 10], [1, 2, 3, 10, 13], [False, True], [False, True])))
def test_python_counts_exactly_the_records_no_window_holds(n, length, stride, next_event, pad_last):
    for chunks, scored in itertools.product(((1,), (7,), (4, 9), (1000,)), (True, False)):
        windows, builder = _python(n, length, stride, next_event, pad_last, chunks, scored)
        count, first = _brute_force(n, windows, next_event, scored)
        assert (builder.unwindowed_records, builder.first_unwindowed_line) == (count, first), (chunks, scored)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(0, 80), length=st.integers(1, 12), stride=st.integers(1, 16), next_event=st.booleans(),
       pad_last=st.booleans(), chunk=st.integers(1, 30), scored=st.booleans())
def test_the_launchers_assembler_makes_the_same_windows_and_counts(jvm, n, length, stride, next_event, pad_last,
                                                                   chunk, scored):
    python, builder = _python(n, length, stride, next_event, pad_last, (chunk,), scored)
    java, assembler = _java(n, length, stride, next_event, pad_last, scored)
    assert java == python
    assert int(assembler.unwindowedRecords()) == builder.unwindowed_records
    if builder.unwindowed_records:
        assert str(assembler.unwindowedWarning()) == builder.warning()


def test_the_warning_says_what_was_left_out_and_what_to_do():
    _, builder = _python(1049, 50, 50, False, False, (100,))
    assert builder.unwindowed_records == 49 and builder.first_unwindowed_line == 2002
    assert builder.warning() == (
        "49 record(s) are in no window, so they were neither trained on nor scored (unwindowed_records; the first on "
        "line 2002): windows of length=50, stride=50 leave out the records after the last full window. To use every "
        "record, use stride = 1 ([sequence] stride) and retrain")
    _, builder = _python(5, 10, 1, True, False, (100,))
    assert builder.warning() == (
        "5 record(s) are in no window, so they were neither trained on nor scored (unwindowed_records; the first on "
        "line 2): the input is shorter than one window (length=10 plus the next event); with pad_last = true "
        "([sequence] pad_last) and retrained, a model scores such an input as one padded window")
    _, builder = _python(500, 10, 1, False, False, (100,))
    assert builder.warning() is None
    # a classifier on next-event windows leaves the last record out even at stride 1: "use stride = 1" was no help
    _, builder = _python(500, 10, 1, True, False, (100,), False)
    assert builder.unwindowed_records == 1
    assert builder.warning() == (
        "1 record(s) are in no window, so they were neither trained on nor scored (unwindowed_records; the first on "
        "line 1000): windows of length=10 plus the next event, stride=1 end one record before the input ends, and "
        "this model does not judge a window's next event (a classifier scores the window's own steps): windows "
        "without the next event ([sequence] next_event = false), retrained, leave no record out")


def test_a_split_input_names_the_part_in_the_warning(caplog):
    from dl4j_bridge.etl import ChronologicalSplit, JsonLinesReader, Pipeline, Template

    lines = [f'{{"m": "event {i % 3}"}}' for i in range(103)]
    pipeline = Pipeline(JsonLinesReader(["m"]), [Template("m")], Windows(length=5, stride=5),
                        split=ChronologicalSplit(test_fraction=0.2))
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.etl.pipeline"):
        pipeline.fit_split(lines)
    parts = [m for m in caplog.messages if "unwindowed_records" in m]
    assert parts and all(m.startswith(("train part: ", "test part: ")) for m in parts), caplog.messages


def test_stride_one_leaves_nothing_out():
    for next_event in (False, True):
        _, builder = _python(500, 10, 1, next_event, False, (33,))
        assert builder.unwindowed_records == 0
