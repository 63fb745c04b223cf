"""Sessions closed after ``idle_lines`` lines without a record (``score --session-idle-lines N``).

The cases of the JVM's JUnit ``AssemblerTest`` (``sessionsOrderByTimeThenLineAndCloseWhenIdle``,
``aKeyBackAfterIdleLinesOfNoRecordStartsANewSession``); ``tests/test_jvm_scorer_idle.py`` compares the rows of both
``score`` commands.
"""

from __future__ import annotations

import numpy as np
import pytest

from dl4j_bridge.etl import SequenceBatch, Sessions
from dl4j_bridge.etl.errors import SpecError
from dl4j_bridge.etl.sequences import Steps


def _steps(keys, lines, order=None):
    n = len(keys)
    return Steps(x=np.arange(n, dtype=np.float32).reshape(n, 1), ids=np.arange(1, n + 1, dtype=np.int32),
                 labels=np.zeros(n, np.int8), line_numbers=np.asarray(lines, np.int64),
                 keys=np.asarray(keys, object),
                 order=np.zeros(n) if order is None else np.asarray(order, np.float64))


def _shape(batch: SequenceBatch) -> list[tuple]:
    return [(batch.keys[i], batch.part_of(i), [int(v) for v in batch.line_numbers[i] if v > 0])
            for i in range(len(batch))]


def _run(spec, idle, *chunks):
    """``(builder, [batch add or finish returned, ...])``: the batches in the order they came out."""
    builder = spec.builder(["f"], idle_lines=idle)
    out = [builder.add(chunk) for chunk in chunks] + [builder.finish()]
    return builder, [b for b in out if b is not None and len(b)]


def test_sessions_idle_for_n_lines_close_before_the_next_record_least_recent_first():
    steps = _steps(["a", "b", "b", "b", "a"], [1, 2, 3, 4, 9], order=[0, 0, 0, 0, 0])
    builder, batches = _run(Sessions("k", max_length=2), 3, steps)
    assert [_shape(b) for b in batches] == [
        [("a", None, [1]), ("b", 0, [2, 3]), ("b", 1, [4])],   # line 4 closes a; line 9 closes b
        [("a", None, [9])]]                                      # a new a, closed at the end
    assert builder.closed_early == 2 and builder.split_sessions == 1 and builder.extra_parts == 1


def test_a_key_back_after_n_lines_of_no_record_starts_a_new_session():
    # lines 3, 4: blank or bad (no record): a, last on line 1, and b (line 2) are closed by line 5's record
    builder, batches = _run(Sessions("k"), 3, _steps(["a", "b", "a"], [1, 2, 5]))
    assert [_shape(b) for b in batches] == [[("a", None, [1]), ("b", None, [2])], [("a", None, [5])]]


def test_records_without_a_key_close_idle_sessions_too_and_are_counted():
    builder, batches = _run(Sessions("k"), 2, _steps(["a", None, None, "a"], [1, 2, 3, 4]))
    assert [_shape(b) for b in batches] == [[("a", None, [1])], [("a", None, [4])]]
    assert builder.records_without_key == 2


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_the_sessions_do_not_depend_on_how_the_records_are_chunked(size):
    rng = np.random.default_rng(5)
    keys = rng.choice(["a", "b", "c", "d"], 60).tolist()
    lines = np.cumsum(rng.integers(1, 4, 60)).tolist()   # gaps of blank / bad lines between records
    order = rng.permutation(60).astype(float)
    steps = _steps(keys, lines, order)
    spec = Sessions("k", max_length=4)
    _, whole = _run(spec, 5, steps)
    _, chunked = _run(spec, 5, *[steps.take(slice(i, i + size)) for i in range(0, 60, size)])
    assert [s for b in chunked for s in _shape(b)] == [s for b in whole for s in _shape(b)]
    flat = SequenceBatch.concat(whole, ["f"])
    assert sorted(int(v) for v in flat.line_numbers.ravel() if v > 0) == lines   # every record, once


@pytest.mark.parametrize("idle", [-1, 1.5, True])
def test_idle_lines_must_be_a_whole_number_from_0(idle):
    with pytest.raises(SpecError, match="idle_lines must be a whole number >= 0"):
        Sessions("k").builder(["f"], idle_lines=idle)


def test_keys_logging_in_turn_every_n_lines_keep_their_sessions():
    """The JVM's ``aKeysOwnRecordExactlyIdleLinesLaterJoinsItsSession``: a key's own record N lines after its last
    one has N - 1 lines without a record in between, so it joins the session (three keys in turn with N = 3 were
    one session per record); N + 1 lines later it starts a new one."""
    keys = ["a", "b", "c"] * 4
    builder, batches = _run(Sessions("k"), 3, _steps(keys, list(range(1, 13))))
    assert [_shape(b) for b in batches] == [[("a", None, [1, 4, 7, 10]), ("b", None, [2, 5, 8, 11]),
                                             ("c", None, [3, 6, 9, 12])]]
    assert builder.closed_early == 0
    builder, batches = _run(Sessions("k"), 3, _steps(["a", "a", "a"], [1, 4, 8]))
    assert [_shape(b) for b in batches] == [[("a", None, [1, 4])], [("a", None, [8])]]
