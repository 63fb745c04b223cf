"""Sequences: fixed windows over a stream, or sessions grouped by a key.

Both builders consume *step arrays* chunk by chunk (features, template ids,
step labels, line numbers, keys, order values) and emit
:class:`SequenceBatch` objects:

* ``x``: float32 ``[batch, time, features]``;
* ``mask``: float32 ``[batch, time]`` (1 = real step, 0 = padding);
* ``labels``: int32 ``[batch]`` -- 1 when any step of the window / session
  is labelled anomalous (or the session label given by the caller);
* ``step_labels``: int32 ``[batch, time]`` (0 on padding);
* ``step_ids``: int32 ``[batch, time]`` template ids (0 on padding, which is
  also the OOV id -- use ``mask``);
* ``next_ids``: int32 ``[batch]`` template id of the record after each
  sequence: the step after each window (``Windows(next_event=True)``), or,
  for a part of a session split at ``Sessions(max_length=...)``, the first
  step of the session's next part; otherwise -1;
* ``next_lines``: int64 ``[batch]`` raw line number of that record (the
  line of the event ``next_ids`` names), -1 where ``next_ids`` is -1;
* ``line_numbers``: int64 ``[batch, time]`` raw line numbers (-1 on padding);
* ``keys``: object ``[batch]`` -- session key, or first line number of the
  window;
* ``parts``: int32 ``[batch]`` or None -- for a session longer than
  ``Sessions(max_length=...)``, split into parts, the index of each part
  (0, 1, ...); -1 for every other sequence.  None when no session of the
  batch was split.
* ``sessions``: int32 ``[batch]`` or None -- with ``Sessions(gap=...)``, for
  a key whose records a gap split into several sessions, the number of each
  session among its key's (0, 1, ... in time order; every part of a session
  has its number); -1 for every other sequence.  None when no key of the
  batch had more than one session.
"""

from __future__ import annotations

import math

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .distinct import exact_codes, exact_key
from .errors import SpecError
from .split import spec_repr

__all__ = ["SequenceBatch", "Steps", "SessionDelta", "Windows", "Sessions", "sequence_from_dict"]

logger = logging.getLogger(__name__)


@dataclass
class Steps:
    """Per-record arrays of one chunk (all of length n)."""

    x: np.ndarray             # float32 (n, features)
    ids: np.ndarray           # int32 (n,)
    labels: np.ndarray        # int8 (n,)
    line_numbers: np.ndarray  # int64 (n,)
    keys: np.ndarray | None = None   # object (n,)
    order: np.ndarray | None = None  # float64 (n,)
    #: bool (n,): whether the record's own time was given and parsed (its ``order`` is not the previous record's
    #: time taken for a missing one); None: every record's (no Timestamp transform, or built without it)
    timed: np.ndarray | None = None
    #: the timestamps whose deltas sessions measure in time order (``delta_by`` is the session key), or None
    deltas: list["SessionDelta"] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray | slice) -> "Steps":
        return Steps(self.x[index], self.ids[index], self.labels[index], self.line_numbers[index],
                     None if self.keys is None else self.keys[index],
                     None if self.order is None else self.order[index],
                     None if self.timed is None else self.timed[index],
                     None if self.deltas is None else [d.take(index) for d in self.deltas])

    @staticmethod
    def concat(parts: Sequence["Steps"]) -> "Steps":
        first = parts[0]
        return Steps(np.concatenate([p.x for p in parts]), np.concatenate([p.ids for p in parts]),
                     np.concatenate([p.labels for p in parts]),
                     np.concatenate([p.line_numbers for p in parts]),
                     None if first.keys is None else np.concatenate([p.keys for p in parts]),
                     None if first.order is None else np.concatenate([p.order for p in parts]),
                     None if all(p.timed is None for p in parts) else
                     np.concatenate([p.timed if p.timed is not None else np.ones(len(p), bool) for p in parts]),
                     None if first.deltas is None else
                     [SessionDelta.concat([p.deltas[j] for p in parts]) for j in range(len(first.deltas))])


@dataclass
class SessionDelta:
    """Per record of a chunk, what sessions need to measure a ``Timestamp`` transform's delta (``delta_by`` the
    session key) in time order: the step before each step in its session's order, not in read order."""

    transform: Any            # the Timestamp transform: it counts the times still backward in session order
    column: int               # its ``<name>_delta_log`` feature's column in ``x``
    seconds: np.ndarray       # float64 (n,): the record's time (a missing one: the previous record's)
    before: np.ndarray        # float64 (n,): the time of the key's previous record in read order (NaN: none)
    placeholder: np.ndarray   # bool (n,): no time at all yet in the stream (delta 0, nothing to measure from)
    parsed: np.ndarray        # bool (n,): the record's own time was given and parsed
    text: np.ndarray          # object (n,): the time text (None: missing)

    def take(self, index: np.ndarray | slice) -> "SessionDelta":
        return SessionDelta(self.transform, self.column, self.seconds[index], self.before[index],
                            self.placeholder[index], self.parsed[index], self.text[index])

    @staticmethod
    def concat(parts: Sequence["SessionDelta"]) -> "SessionDelta":
        return SessionDelta(parts[0].transform, parts[0].column,
                            *(np.concatenate([getattr(p, name) for p in parts])
                              for name in ("seconds", "before", "placeholder", "parsed", "text")))


def session_order_deltas(steps: Steps, codes: np.ndarray, first_before: list[np.ndarray]) -> None:
    """Measure each :class:`SessionDelta`'s delta of ``steps`` (sorted by key code, time, line) from the step
    before it in that order, in place in ``steps.x`` (``log(1 + max(0, delta))``, as ``Timestamp``): a key's first
    step from ``first_before[j][code]`` -- the key's time before its first record read here (NaN: none, delta 0);
    a stand-in without any time (placeholder) has delta 0 and is no step to measure from. The times still earlier
    than the step before them are counted on their transform, with the first of them (the JVM's
    ``SessionAssembler`` measures them alike)."""
    for d, before_key in zip(steps.deltas, first_before):
        real = np.flatnonzero(~d.placeholder)
        times, keys = d.seconds[real], codes[real]
        previous = np.empty_like(times)
        if len(times):
            previous[1:] = times[:-1]
            first = np.ones(len(times), bool)
            first[1:] = keys[1:] != keys[:-1]
            previous[first] = before_key[keys[first]]
        delta = np.zeros(len(steps))
        with np.errstate(invalid="ignore"):
            delta[real] = np.where(np.isnan(previous), 0.0, times - previous)
        backward = d.parsed & (delta < 0)
        if backward.any():
            row = int(np.flatnonzero(backward)[0])
            d.transform.count_backward(int(backward.sum()), int(steps.line_numbers[row]), d.text[row])
        steps.x[:, d.column] = np.log1p(np.maximum(delta, 0.0)).astype(np.float32)


@dataclass
class SequenceBatch:
    """Model-ready sequences (shapes in the module docstring)."""

    x: np.ndarray
    mask: np.ndarray
    labels: np.ndarray
    step_labels: np.ndarray
    step_ids: np.ndarray
    next_ids: np.ndarray
    line_numbers: np.ndarray
    keys: np.ndarray
    feature_names: list[str] = field(default_factory=list)
    parts: np.ndarray | None = None
    #: int64 ``[batch]``: line of the record after each sequence (``next_ids``' event), -1 when none; None given
    #: (batches built before it existed, or without line numbers) reads as all -1
    next_lines: np.ndarray | None = None
    #: int32 ``[batch]`` or None: with ``Sessions(gap=...)``, the number of each sequence's session among its key's
    #: sessions (0, 1, ...) when a gap split the key's records into several; -1 for every other sequence
    sessions: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.next_lines is None:
            self.next_lines = np.full(len(self.next_ids) if self.next_ids is not None else 0, -1, np.int64)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __repr__(self) -> str:
        """A summary, not the arrays (the dataclass repr printed them all: kilobytes in an error message)."""
        names = list(self.feature_names or [])
        shown = ", ".join(repr(n) for n in names[:4]) + (f", ... ({len(names)})" if len(names) > 4 else "")
        labels = np.asarray(self.labels) if self.labels is not None else np.zeros(0)
        return (f"SequenceBatch(x {list(np.shape(self.x))} [batch, time, features], "
                f"{int((labels > 0).sum())} labelled anomalous, features [{shown}])")

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.x.shape)  # type: ignore[return-value]

    @classmethod
    def empty(cls, n_features: int, feature_names: list[str], time: int = 0) -> "SequenceBatch":
        return cls(np.zeros((0, time, n_features), np.float32), np.zeros((0, time), np.float32),
                   np.zeros(0, np.int32), np.zeros((0, time), np.int32), np.zeros((0, time), np.int32),
                   np.zeros(0, np.int32), np.zeros((0, time), np.int64), np.zeros(0, object),
                   list(feature_names))

    @classmethod
    def concat(cls, batches: Sequence["SequenceBatch"], feature_names: list[str] | None = None
               ) -> "SequenceBatch":
        """Concatenate along the batch axis, padding to the longest time axis."""
        batches = [b for b in batches if len(b)]
        if not batches:
            return cls.empty(len(feature_names or []), feature_names or [])
        time = max(b.x.shape[1] for b in batches)

        def pad(array: np.ndarray, value: Any) -> np.ndarray:
            if array.ndim < 2 or array.shape[1] == time:
                return array
            widths = [(0, 0), (0, time - array.shape[1])] + [(0, 0)] * (array.ndim - 2)
            return np.pad(array, widths, constant_values=value)

        return cls(np.concatenate([pad(b.x, 0.0) for b in batches]),
                   np.concatenate([pad(b.mask, 0.0) for b in batches]),
                   np.concatenate([b.labels for b in batches]),
                   np.concatenate([pad(b.step_labels, 0) for b in batches]),
                   np.concatenate([pad(b.step_ids, 0) for b in batches]),
                   np.concatenate([b.next_ids for b in batches]),
                   np.concatenate([pad(b.line_numbers, -1) for b in batches]),
                   np.concatenate([b.keys for b in batches]),
                   list(batches[0].feature_names),
                   None if all(b.parts is None for b in batches) else
                   np.concatenate([b.parts if b.parts is not None else np.full(len(b), -1, np.int32)
                                   for b in batches]),
                   np.concatenate([b.next_lines for b in batches]),
                   None if all(b.sessions is None for b in batches) else
                   np.concatenate([b.sessions if b.sessions is not None else np.full(len(b), -1, np.int32)
                                   for b in batches]))

    def part_of(self, i: int) -> int | None:
        """Part index of sequence ``i`` of a split session (0, 1, ...), else None."""
        if self.parts is None or self.parts[i] < 0:
            return None
        return int(self.parts[i])

    def session_of(self, i: int) -> int | None:
        """Number of sequence ``i``'s session among its key's sessions (0, 1, ...) when ``Sessions(gap=...)``
        split the key's records into several, else None."""
        if self.sessions is None or self.sessions[i] < 0:
            return None
        return int(self.sessions[i])

    def to_frame(self) -> pd.DataFrame:
        """Long view for inspection: one row per real step.

        Columns: ``sequence``, ``step``, ``key`` (then ``session`` when a
        gap split a key's records into several sessions: -1 for the other
        sequences; then ``part`` when a session was split: -1 for sequences
        that are not parts),
        ``line_number``, ``template_id``, ``step_label``, ``label``, then one
        column per feature.
        """
        seq, step = np.nonzero(self.mask > 0)
        columns = {"sequence": seq, "step": step, "key": self.keys[seq] if len(self.keys) else []}
        if self.sessions is not None:
            columns["session"] = self.sessions[seq]
        if self.parts is not None:
            columns["part"] = self.parts[seq]
        columns.update({
            "line_number": self.line_numbers[seq, step], "template_id": self.step_ids[seq, step],
            "step_label": self.step_labels[seq, step], "label": self.labels[seq],
        })
        frame = pd.DataFrame(columns)
        features = pd.DataFrame(self.x[seq, step], columns=self.feature_names)
        return pd.concat([frame, features], axis=1)


# ----------------------------------------------------------------------
class Windows:
    """Fixed-length windows over the time-ordered record stream.

    Parameters
    ----------
    length : int
        Steps per window.
    stride : int
        Steps between window starts.
    next_event : bool
        Only emit windows followed by another record, and report that
        record's template id in ``next_ids`` and its line number in
        ``next_lines`` (DeepLog-style training data).
    pad_last : bool
        If the stream (one split part) is shorter than ``length``, emit it as
        one padded window instead of nothing.

    Notes
    -----
    Window ``k`` of a part covers steps ``k*stride .. k*stride+length-1`` of
    that part (and, with ``next_event``, the step after them).  Windows never
    cross the train/test split (each part is its own stream).  The window label
    is 1 when any step label is 1.

    A record in no window is never scored (nor trained on): those after the
    last full window when ``(records - length) % stride`` is not 0, those
    between windows when ``stride`` is longer than a window, and every record
    of a stream shorter than one window without ``pad_last``.  They are counted
    in ``unwindowed_records`` (the pipeline's, the ``score`` summaries') with a
    warning naming the first, never dropped silently; ``stride=1`` leaves none
    but a stream's shortness.
    """

    kind = "windows"

    def __init__(self, length: int = 10, stride: int = 1, *, next_event: bool = False, pad_last: bool = False):
        for name, value in (("length", length), ("stride", stride)):   # 2.5 is refused, not truncated to 2
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1 \
                    or value > _INT_MAX:   # the JVM scorer refuses a spec beyond its int: refused here first
                shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + f"... ({len(repr(value))} characters)"
                raise SpecError(f"Windows {name} must be a whole number from 1 to {_INT_MAX}, got {shown}")
        self.length = int(length)
        self.stride = int(stride)
        self.next_event = bool(next_event)
        self.pad_last = bool(pad_last)

    def builder(self, feature_names: list[str], *, next_event_scored: bool = True) -> "_WindowBuilder":
        """``next_event_scored``: whether the model judges each window's next event (a next-event detector
        does, a classifier scoring these windows does not), for the count of records in no window."""
        return _WindowBuilder(self, feature_names, next_event_scored=next_event_scored)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "length": self.length, "stride": self.stride,
                "next_event": self.next_event, "pad_last": self.pad_last}

    __repr__ = spec_repr


def unwindowed_warning(records: int, first_line: int, length: int, stride: int, next_event: bool,
                       windows: int, *, covers: int | None = None) -> str:
    """The warning for records in no window (the launcher's ``WindowAssembler.unwindowedWarning``, word for word).

    ``windows`` is the number of windows the input gave: 0 when it is shorter than one; ``covers`` the steps a
    window covers (its own, and its next event when the model judges it; by default as ``next_event``).
    """
    covers = length + (1 if next_event else 0) if covers is None else covers
    head = (f"{records} record(s) are in no window, so they were neither trained on nor scored (unwindowed_records; "
            f"the first on line {first_line}): ")
    need = f"length={length}" + (" plus the next event" if next_event else "")
    if windows == 0:
        return head + (f"the input is shorter than one window ({need}); with pad_last = true ([sequence] pad_last) "
                       "and retrained, a model scores such an input as one padded window")
    between = stride > covers
    if stride == 1:   # then only a model that does not judge the next event leaves records out: stride is no help
        return (head + f"windows of {need}, stride=1 end one record before the input ends, and this model does not "
                "judge a window's next event (a classifier scores the window's own steps): windows without the next "
                "event ([sequence] next_event = false), retrained, leave no record out")
    return (head + f"windows of {need}, stride={stride} leave out the records after the last full window"
            + (" and those between windows (the stride is longer than a window)" if between else "")
            + ". To use every record, use stride = 1 ([sequence] stride) and retrain")


class _WindowBuilder:
    def __init__(self, spec: Windows, feature_names: list[str], *, next_event_scored: bool = True):
        self.spec = spec
        #: steps a window covers for the count: its own, and its next event when the model judges it
        self.covers = spec.length + (1 if spec.next_event and next_event_scored else 0)
        self.feature_names = feature_names
        self.buffer: Steps | None = None
        self.emitted = 0
        self.seen = 0
        self.skip = 0  # steps still to skip when the stride is longer than the buffer
        #: records in no emitted window (nor its next event): never scored; and the line of the first
        self.unwindowed_records = 0
        self.first_unwindowed_line: int | None = None

    @property
    def _need(self) -> int:
        return self.spec.length + (1 if self.spec.next_event else 0)

    def _account(self, first_index: int, line_numbers: np.ndarray, emitted: int) -> None:
        """Count the records at stream indices ``first_index ..`` that no window can cover any more (they are
        leaving the buffer) and none of the first ``emitted`` windows covers."""
        if not len(line_numbers):
            return
        index = first_index + np.arange(len(line_numbers), dtype=np.int64)
        stride = self.spec.stride
        lowest = np.maximum(0, (index - self.covers) // stride + 1)   # the first window that can reach the record
        highest = np.minimum(emitted - 1, index // stride)            # the last window starting at or before it
        out = lowest > highest
        if out.any():
            self.unwindowed_records += int(out.sum())
            if self.first_unwindowed_line is None:
                self.first_unwindowed_line = int(line_numbers[np.argmax(out)])

    def add(self, steps: Steps) -> SequenceBatch | None:
        if not len(steps):
            return None
        self.seen += len(steps)
        if self.skip:
            skipped = min(self.skip, len(steps))
            self.skip -= skipped
            self._account(self.seen - len(steps), steps.line_numbers[:skipped], self.emitted)
            steps = steps.take(slice(skipped, None))
            if not len(steps):
                return None
        buffer = steps if self.buffer is None else Steps.concat([self.buffer, steps])
        buffer_start = self.seen - len(buffer)   # the stream index of buffer[0]: the buffer ends at the last step
        stride = self.spec.stride
        last_start = len(buffer) - self._need
        if last_start < 0:
            self.buffer = buffer
            return None
        starts = np.arange(0, last_start + 1, stride)
        batch = self._windows(buffer, starts)
        self.emitted += len(starts)
        dropped = min(int(starts[-1]) + stride, len(buffer))   # before the next window's start: final now
        self._account(buffer_start, buffer.line_numbers[:dropped], self.emitted)
        self.buffer = buffer.take(slice(int(starts[-1]) + stride, None))
        self.skip = max(0, int(starts[-1]) + stride - len(buffer))
        return batch

    def finish(self) -> SequenceBatch | None:
        batch = None
        rest = self.buffer
        if self.spec.pad_last and self.emitted == 0 and rest is not None and len(rest):
            n = min(len(rest), self.spec.length)
            batch = self._pad(rest.take(slice(0, n)))
            self.emitted += 1
        elif rest is not None and len(rest):
            self._account(self.seen - len(rest), rest.line_numbers, self.emitted)
        self.buffer = None
        return batch

    def warning(self) -> str | None:
        """The warning for :attr:`unwindowed_records` after :meth:`finish` (the pipeline logs it), or None."""
        if not self.unwindowed_records:
            return None
        return unwindowed_warning(self.unwindowed_records, self.first_unwindowed_line, self.spec.length,
                                  self.spec.stride, self.spec.next_event, self.emitted, covers=self.covers)

    def _windows(self, buffer: Steps, starts: np.ndarray) -> SequenceBatch:
        length = self.spec.length
        index = starts[:, None] + np.arange(length)[None, :]
        step_labels = buffer.labels[index].astype(np.int32)
        next_ids = (buffer.ids[starts + length].astype(np.int32) if self.spec.next_event
                    else np.full(len(starts), -1, np.int32))
        next_lines = (buffer.line_numbers[starts + length].astype(np.int64) if self.spec.next_event
                      else np.full(len(starts), -1, np.int64))
        return SequenceBatch(
            x=buffer.x[index], mask=np.ones(index.shape, np.float32),
            labels=step_labels.max(axis=1).astype(np.int32), step_labels=step_labels,
            step_ids=buffer.ids[index].astype(np.int32), next_ids=next_ids,
            line_numbers=buffer.line_numbers[index],
            keys=buffer.line_numbers[starts].astype(object), feature_names=list(self.feature_names),
            next_lines=next_lines)

    def _pad(self, steps: Steps) -> SequenceBatch:
        length, n = self.spec.length, len(steps)
        x = np.zeros((1, length, steps.x.shape[1]), np.float32)
        x[0, :n] = steps.x
        mask = np.zeros((1, length), np.float32)
        mask[0, :n] = 1
        step_labels = np.zeros((1, length), np.int32)
        step_labels[0, :n] = steps.labels
        ids = np.zeros((1, length), np.int32)
        ids[0, :n] = steps.ids
        lines = np.full((1, length), -1, np.int64)
        lines[0, :n] = steps.line_numbers
        return SequenceBatch(x, mask, step_labels.max(axis=1).astype(np.int32), step_labels, ids,
                             np.full(1, -1, np.int32), lines, np.array([steps.line_numbers[0]], object),
                             list(self.feature_names))


# ----------------------------------------------------------------------
class Sessions:
    """Sequences grouped by a key column, ordered by time, padded with masks.

    Parameters
    ----------
    key : str
        Column (usually derived with :class:`~dl4j_bridge.etl.transforms.Extract`)
        holding the session key, e.g. the HDFS ``blk_`` id.
    max_length : int, optional
        At most this many steps per sequence.  With ``overflow="split"`` (the
        default) a longer session is split into
        consecutive parts of ``max_length`` steps (the last one shorter), in
        time order, each a sequence of its own with the same key and its own
        line numbers, so every record is scored (and trained on).  Each part
        but the last carries the first event of the next part as its next
        event (``next_ids``, ``next_lines``, as a window's), so a next-event
        model judges the first event of every later part from the part before
        it; only the session's own first event is never judged.  Splits are
        counted in :attr:`split_sessions` (sessions split) and
        :attr:`extra_parts` (sequences beyond one per session) and logged once
        per pass as a warning (naming the part, train or test, when a pass
        builds both); raise ``max_length`` and retrain to keep such sessions
        whole.
    overflow : {"split", "truncate"}
        What a session longer than ``max_length`` becomes: ``"split"`` (the
        default) into parts as above; ``"truncate"``: its first
        ``max_length`` steps only -- the records beyond them are not scored
        (nor trained on); they are counted in :attr:`truncated_sessions`
        (sessions cut) and :attr:`truncated_records` (records left out) and
        logged once per pass as a warning.  Saved specs always carry it; a
        spec saved without it (before ``overflow`` existed, when long sessions
        were truncated) is read as ``"truncate"``, so a model scores the
        sequences it was trained on.
    gap : float, optional
        Seconds of silence that end a session: when the next record of a key
        comes more than ``gap`` seconds after the key's previous record (by
        the time of the pipeline's first
        :class:`~dl4j_bridge.etl.transforms.Timestamp` transform, which the
        pipeline then requires), it starts a new session of that key -- a
        session of its own, not a part: its first event is judged by nothing
        before it, as any session's first event, and ``max_length`` applies to
        each session apart.  The sessions of one key keep its key and are
        numbered 0, 1, ... in time order (``SequenceBatch.sessions``; rows:
        ``session``) when there are several; a key with one session shows no
        number, as a session that was not split shows no part.  A record
        whose time is missing or does not parse (it takes the previous
        record's time) never starts a session: it stays in the session it
        sorts into, and the gap after it is measured from the last record
        with a time of its own.  Sessions a gap started (beyond one per key)
        are counted in :attr:`gap_sessions`.  None (the default, and every
        spec saved before ``gap`` existed): a key's records are one session,
        split only by ``max_length``.  Must be a finite number > 0.

    Notes
    -----
    Sessions appear in order of their first record, the sessions of one key
    (``gap``) one after the other, the parts of a split
    session one after the other (``SequenceBatch.parts``: 0, 1, ...; -1 for
    sessions that were not split); steps are ordered by the time of the
    :class:`~dl4j_bridge.etl.transforms.Timestamp` transform when there is
    one, then by line number; a ``Timestamp`` whose ``delta_by`` is ``key``
    has each step's delta measured from the step before it in that order (a
    key's first step: 0), and only times still backward in it are counted.
    Keys are told apart by type and text, as the JVM tells them apart: JSON
    ``1``, ``1.0`` and ``true`` are three sessions (``0``, ``0.0``, ``-0.0``
    and ``false`` four), each keyed by its own value, and ``session_labels``
    are looked up alike (a label for ``1`` is not one for ``1.0``).  Records
    without a key belong to no session and
    are counted in :attr:`records_without_key`.  The label of a session (of
    each of its parts) is the caller's label for that key
    (``session_labels``) when given -- it describes the whole session, so
    every part of a session labelled anomalous is labelled anomalous -- else
    1 when any step of that session (part) is labelled anomalous.  The batch
    is padded to its longest sequence.
    """

    kind = "sessions"

    #: what a session longer than ``max_length`` becomes
    OVERFLOWS = ("split", "truncate")

    def __init__(self, key: str, *, max_length: int | None = None, overflow: str = "split",
                 gap: float | None = None):
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer))
                                       or max_length < 1):
            raise SpecError(f"Sessions max_length must be a whole number >= 1 (or None: no limit), got {max_length!r}")
        if not isinstance(overflow, str) or overflow not in self.OVERFLOWS:
            raise SpecError(f"Sessions overflow must be one of {list(self.OVERFLOWS)} (what a session longer than "
                            f"max_length becomes), got {overflow!r}")
        if gap is not None and (isinstance(gap, (bool, np.bool_)) or not isinstance(gap, (int, float, np.integer,
                                                                                          np.floating))
                                or not math.isfinite(_as_float(gap)) or gap <= 0):
            raise SpecError(f"Sessions gap must be a number of seconds > 0 (or None: no gap ends a session; run.toml: "
                            f"[sequence] gap), got {gap!r}")
        self.key = key
        self.max_length = max_length
        self.overflow = overflow
        self.gap = None if gap is None else float(gap)

    def builder(self, feature_names: list[str], session_labels: Mapping[Any, int] | None = None, *,
                idle_lines: int = 0) -> "_SessionBuilder":
        """``idle_lines``: close a session after that many lines without a record for its key (0: every session
        closes at the end of the input); see :class:`_SessionBuilder`."""
        return _SessionBuilder(self, feature_names, session_labels, idle_lines=idle_lines)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "max_length": self.max_length, "overflow": self.overflow,
                "gap": self.gap}

    __repr__ = spec_repr


#: Java's Integer.MAX_VALUE: the largest window length or stride the JVM scorer reads.
_INT_MAX = 2**31 - 1


def _as_float(value) -> float:
    """``value`` as a float, infinity for an integer beyond float's range (10**400: numpy's isfinite raised a
    TypeError)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def records_without_key_warning(records: int, key: str, first_line: int | None) -> str:
    """The warning of the records without a session key (the JVM's ``SessionAssembler.recordsWithoutKeyWarning``
    gives the same words).

    Parameters
    ----------
    records : int
        Records without a key.
    key : str
        The session key field.
    first_line : int or None
        The first such record's line (None: not known).

    Returns
    -------
    str
    """
    return (f"{records} records have no session key {key!r}"
            + (f" (the first on line {first_line})" if first_line is not None else "")
            + ": they belong to no session and are not scored (records_without_key)")


def split_sessions_warning(sessions: int, max_length: int, extra_parts: int) -> str:
    """The warning of the sessions longer than ``max_length``, split into parts (the JVM's ``ScoreSummary`` gives
    the same words).

    Parameters
    ----------
    sessions : int
        Sessions split (``split_sessions``).
    max_length : int
        The spec's ``max_length``.
    extra_parts : int
        The sequences their parts added (``extra_parts``).

    Returns
    -------
    str
    """
    return (f"{sessions} session(s) longer than max_length={max_length} steps: each was split into consecutive parts "
            f"of at most {max_length} steps, scored as sequences of their own ({extra_parts} more sequence(s); rows "
            "and summaries: part, split_sessions, extra_parts). To keep such sessions whole, raise max_length "
            "(run.toml: [sequence] max_length) and retrain")


class _OpenSession:
    """A session still open in an idle-closing builder: its key (the first record's value) and its records so far,
    the earlier chunks' as :class:`Steps`, the current chunk's as row positions."""

    __slots__ = ("key", "pieces", "rows")

    def __init__(self, key: Any):
        self.key = key
        self.pieces: list[Steps] = []
        self.rows: list[int] = []

    def steps(self, chunk: Steps) -> Steps:
        """Every record of the session, in read order (the current chunk's rows taken from ``chunk``)."""
        pieces = self.pieces + ([chunk.take(np.asarray(self.rows, dtype=np.intp))] if self.rows else [])
        return pieces[0] if len(pieces) == 1 else Steps.concat(pieces)


class _SessionBuilder:
    """Sessions of ``spec`` built from the chunks of a pass.

    By default every session closes at the end of the input (:meth:`finish`). With ``idle_lines`` > 0 (``score
    --session-idle-lines N``, as the JVM's ``SessionAssembler``), before each record is taken (one without a key
    too) the sessions with ``idle_lines`` lines or more without a record for their key are closed (another key's
    record ``idle_lines`` lines after the key's last one, or the key's own more than ``idle_lines`` lines after),
    least recently fed first, and :meth:`add` returns them: line numbers count every physical line, so blank, bad and continuation
    lines count. A later record of such a key starts a new session (its first step's ``delta_by`` delta measured
    from the key's last record read before it; with ``gap``, its session numbers start again at 0). Memory then
    holds only the sessions fed within the last ``idle_lines`` lines. :meth:`finish` closes the rest in order of
    their first record.
    """

    def __init__(self, spec: Sessions, feature_names: list[str], session_labels: Mapping[Any, int] | None, *,
                 idle_lines: int = 0):
        if isinstance(idle_lines, (bool, np.bool_)) or not isinstance(idle_lines, (int, np.integer)) \
                or idle_lines < 0:
            raise SpecError(f"session idle_lines must be a whole number >= 0 (0: sessions close at the end), "
                            f"got {idle_lines!r}")
        self.spec = spec
        self.feature_names = feature_names
        self.session_labels = session_labels
        self.idle_lines = int(idle_lines)
        self.parts: list[Steps] = []
        self.records_without_key = 0
        #: the line of the first record without a session key (None: none yet)
        self.first_without_key: int | None = None
        #: sessions longer than ``max_length`` (split into parts), and the sequences they added
        self.split_sessions = 0
        self.extra_parts = 0
        #: overflow "truncate": sessions longer than ``max_length`` (cut), and the records cut off (not scored)
        self.truncated_sessions = 0
        self.truncated_records = 0
        #: gap: sessions a gap started (beyond the first session of each key)
        self.gap_sessions = 0
        #: idle_lines: sessions closed before the end of the input
        self.closed_early = 0
        #: idle_lines: the open sessions by :func:`exact_key`, in order of their first record
        self._open: dict[Any, _OpenSession] = {}
        #: idle_lines: each open session's last line, least recently fed first
        self._last_line: dict[Any, int] = {}
        #: the part of the input this builder takes ("train", "test"), named in its warnings; None: all of it
        self.part: str | None = None

    def _part_prefix(self) -> str:
        """What starts this builder's warnings: the part it takes (``"train part: "``), or nothing."""
        return f"{self.part} part: " if self.part else ""

    def add(self, steps: Steps) -> SequenceBatch | None:
        """Take a chunk's records. Returns the sessions ``idle_lines`` closed (None: none, or no ``idle_lines``)."""
        if not len(steps):
            return None
        keys = steps.keys
        has_key = np.array([k is not None and k == k for k in keys], dtype=bool)
        self.records_without_key += int((~has_key).sum())
        if not has_key.all():
            first = int(np.min(np.asarray(steps.line_numbers)[~has_key]))
            if self.first_without_key is None or first < self.first_without_key:
                self.first_without_key = first
        if self.idle_lines:
            return self._add_idle(steps, has_key)
        if has_key.any():
            self.parts.append(steps.take(has_key) if not has_key.all() else steps)
        return None

    def _add_idle(self, steps: Steps, has_key: np.ndarray) -> SequenceBatch | None:
        """:meth:`add` with ``idle_lines``: record by record, in read order, as the JVM's ``SessionAssembler``."""
        codes, uniques = exact_codes(steps.keys)
        exact = [exact_key(u) for u in uniques]
        lines = np.asarray(steps.line_numbers).tolist()
        last_line, sessions, idle = self._last_line, self._open, self.idle_lines
        closed: list[_OpenSession] = []
        closed_steps: list[Steps] = []
        fed: list[_OpenSession] = []   # the sessions that got records of this chunk
        for i, code in enumerate(codes.tolist()):
            line = lines[i]
            own = exact[code] if code >= 0 else None
            while last_line:
                ekey = next(iter(last_line))
                gap = line - last_line[ekey]
                # the key's own record idle lines later has idle - 1 lines without one in between: not idle yet
                if gap < idle or (gap == idle and code >= 0 and ekey == own):
                    break   # the least recent first: none after it is idle
                del last_line[ekey]
                session = sessions.pop(ekey)
                closed.append(session)
                closed_steps.append(session.steps(steps))
            if code < 0:   # no key: counted in add
                continue
            ekey = exact[code]
            session = sessions.get(ekey)
            if session is None:
                session = sessions[ekey] = _OpenSession(uniques[code])
            if not session.rows:
                fed.append(session)
            session.rows.append(i)
            last_line.pop(ekey, None)
            last_line[ekey] = line   # re-inserted: the least recently fed come first
        for session in fed:   # the chunk's records of the sessions still open, kept for later (closed ones: dropped)
            if session.rows:
                session.pieces.append(steps.take(np.asarray(session.rows, dtype=np.intp)))
                session.rows = []
        if not closed:
            return None
        self.closed_early += len(closed)
        return self._closed_batch(closed, closed_steps)

    def _closed_batch(self, sessions: list[_OpenSession], steps: list[Steps]) -> SequenceBatch:
        """The batch of ``sessions`` (their records ``steps``), one after the other in this order."""
        codes = np.repeat(np.arange(len(sessions)), [len(s) for s in steps])
        keys = np.empty(len(sessions), dtype=object)
        keys[:] = [s.key for s in sessions]
        return self._assemble(Steps.concat(steps) if len(steps) > 1 else steps[0], codes, keys)

    def finish(self) -> SequenceBatch:
        if self.records_without_key:
            logger.warning("%s%s", self._part_prefix(), records_without_key_warning(
                self.records_without_key, self.spec.key, self.first_without_key))
        if self.idle_lines:
            remaining = list(self._open.values())
            self._open, self._last_line = {}, {}
            batch = (self._closed_batch(remaining, [s.steps(None) for s in remaining]) if remaining
                     else SequenceBatch.empty(len(self.feature_names), self.feature_names))
        elif not self.parts:
            batch = SequenceBatch.empty(len(self.feature_names), self.feature_names)
        else:
            steps = Steps.concat(self.parts)
            self.parts = []
            # keys grouped as the JVM's SessionAssembler groups them: 1, 1.0 and true are three sessions (factorize
            # alone merged values that are equal in Python)
            codes, uniques = exact_codes(steps.keys)
            batch = self._assemble(steps, codes, np.asarray(uniques, dtype=object))
        limit = self.spec.max_length
        if self.truncated_sessions:
            logger.warning("%s%d session(s) longer than max_length=%d steps were truncated to their first %d steps: "
                           "%d record(s) beyond them were not scored (truncated_sessions, truncated_records; the "
                           "spec's overflow is \"truncate\", as for every spec saved before overflow existed). To "
                           "score every record, retrain with overflow = \"split\" (run.toml: [sequence] overflow) "
                           "or a larger max_length", self._part_prefix(), self.truncated_sessions, limit, limit,
                           self.truncated_records)
        if self.split_sessions:
            logger.warning("%s%s", self._part_prefix(),
                           split_sessions_warning(self.split_sessions, limit, self.extra_parts))
        return batch

    def _assemble(self, steps: Steps, codes: np.ndarray, keys: np.ndarray) -> SequenceBatch:
        """The sequences of the sessions ``codes`` numbers (0, 1, ...: their order in the batch) with keys ``keys``,
        from their records ``steps`` in read order: sorted by time then line, deltas by the key measured in that
        order, split at gaps and at ``max_length``; the counts of what was split or cut are added to."""
        order = steps.order if steps.order is not None else np.zeros(len(steps))
        sort = np.lexsort((steps.line_numbers, order, codes))
        # a key's time before its first record read here (another part's record, in a split pass; the key's record
        # before an idle close): the delta of its first step in time order is measured from it
        first_before = None if steps.deltas is None else \
            [d.before[np.unique(codes, return_index=True)[1]] for d in steps.deltas]
        steps = steps.take(sort)
        codes = codes[sort]
        if steps.deltas:   # deltas by the session key: from the step before in time order, not in read order
            session_order_deltas(steps, codes, first_before)
        sessions = None
        if self.spec.gap is not None:   # a key's records become one session per run without a longer silence
            codes, keys, sessions = self._gap_sessions(steps, codes, keys)
        counts = np.bincount(codes, minlength=len(keys))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        position = np.arange(len(codes)) - starts[codes]
        time = int(counts.max())
        n_sessions = len(keys)
        row, parts = codes, None
        followed = None   # split sessions: per row, whether a later part of its session follows it
        limit = self.spec.max_length
        if limit is not None and time > limit and self.spec.overflow == "truncate":
            # the first ``limit`` steps of a longer session only (specs saved before ``overflow``): counted, warned
            keep = position < limit
            self.truncated_sessions += int((counts > limit).sum())
            self.truncated_records += int((~keep).sum())
            steps, codes, position = steps.take(keep), codes[keep], position[keep]
            row, time = codes, limit
        elif limit is not None and time > limit:
            # a longer session is split into consecutive parts of ``limit`` steps: every record is kept
            n_parts = -(-counts // limit)
            split = n_parts > 1
            self.split_sessions += int(split.sum())
            self.extra_parts += int(n_parts.sum()) - n_sessions
            first_row = np.concatenate([[0], np.cumsum(n_parts)[:-1]])
            part = position // limit
            row, position = first_row[codes] + part, position % limit
            session_of_row = np.repeat(np.arange(n_sessions), n_parts)
            part_of_row = np.arange(len(session_of_row)) - first_row[session_of_row]
            parts = np.where(split[session_of_row], part_of_row, -1).astype(np.int32)
            followed = part_of_row < n_parts[session_of_row] - 1
            keys = keys[session_of_row]
            if sessions is not None:
                sessions = sessions[session_of_row]
            n_sessions = len(keys)
            time = limit
        x = np.zeros((n_sessions, time, steps.x.shape[1]), np.float32)
        x[row, position] = steps.x
        mask = np.zeros((n_sessions, time), np.float32)
        mask[row, position] = 1.0
        step_labels = np.zeros((n_sessions, time), np.int32)
        step_labels[row, position] = steps.labels
        step_ids = np.zeros((n_sessions, time), np.int32)
        step_ids[row, position] = steps.ids
        lines = np.full((n_sessions, time), -1, np.int64)
        lines[row, position] = steps.line_numbers
        next_ids = np.full(n_sessions, -1, np.int32)
        next_lines = np.full(n_sessions, -1, np.int64)
        if followed is not None:
            # a part with a later part: its next event is that part's first step (the parts are consecutive rows),
            # so a next-event model judges every part's first event but the session's own first one
            ahead = np.flatnonzero(followed)
            next_ids[ahead] = step_ids[ahead + 1, 0]
            next_lines[ahead] = lines[ahead + 1, 0]
        if self.session_labels is not None:
            # looked up by type and text, as the sessions are told apart: a label for 1 is not one for 1.0 or true
            by_key = {exact_key(k): v for k, v in self.session_labels.items()}
            labels = np.array([int(by_key.get(exact_key(k), 0)) for k in keys], np.int32)
        else:
            labels = step_labels.max(axis=1).astype(np.int32)
        return SequenceBatch(x, mask, labels, step_labels, step_ids, next_ids, lines, keys,
                             list(self.feature_names), parts, next_lines, sessions)

    def _gap_sessions(self, steps: Steps, codes: np.ndarray, keys: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Split each key's records (``steps``, sorted by key code, time, line) at every silence longer than
        ``gap`` seconds (the JVM's ``SessionAssembler`` splits them alike).

        Returns the session code of each record (sessions numbered in key order, a key's sessions in time order),
        the key of each session, and each session's number among its key's (-1 for a key with one session; None
        when no key has several).
        """
        if steps.order is None:   # refused when the pipeline is made: no time to measure a gap by
            raise SpecError("Sessions gap needs a timestamp transform (run.toml: [sequence] gap)")
        timed = steps.timed if steps.timed is not None else np.ones(len(steps), bool)
        own = pd.Series(np.where(timed, steps.order, np.nan))
        # the time of the key's last record with a time of its own before each record (NaN: none yet)
        before = own.groupby(codes).ffill().groupby(codes).shift(1).to_numpy()
        with np.errstate(invalid="ignore"):
            starts = timed & (steps.order - before > self.spec.gap)   # NaN compares False: no session starts
        number = pd.Series(starts.astype(np.int64)).groupby(codes).cumsum().to_numpy()
        per_key = np.zeros(len(keys), np.int64)
        np.maximum.at(per_key, codes, number + 1)
        started = int(per_key.sum()) - len(keys)
        self.gap_sessions += started
        if not started:
            return codes, keys, None
        first = np.concatenate([[0], np.cumsum(per_key)[:-1]])
        key_of_session = np.repeat(np.arange(len(keys)), per_key)
        numbers = np.arange(len(key_of_session)) - first[key_of_session]
        numbers = np.where(per_key[key_of_session] > 1, numbers, -1).astype(np.int32)
        return first[codes] + number, keys[key_of_session], numbers


def sequence_from_dict(spec: Mapping[str, Any] | None) -> Windows | Sessions | None:
    """Rebuild :class:`Windows` / :class:`Sessions` from ``to_dict`` output."""
    if spec is None:
        return None
    if spec.get("kind") == "windows":
        return Windows(spec["length"], spec["stride"], next_event=spec.get("next_event", False),
                       pad_last=spec.get("pad_last", False))
    if spec.get("kind") == "sessions":
        # a spec saved before ``overflow`` existed truncated long sessions: it still does (with a warning)
        # a spec saved before ``gap`` existed (or with gap null): a key's records are one session, as they were
        return Sessions(spec["key"], max_length=spec.get("max_length"), overflow=spec.get("overflow", "truncate"),
                        gap=spec.get("gap"))
    raise SpecError(f"unknown sequence kind {spec.get('kind')!r}")
