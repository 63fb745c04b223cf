"""DeepLog's protocol for sessions of event keys (e.g. HDFS block sessions).

Every key of every session is predicted from the ``h`` keys before it. A session is padded in front with
``h`` start symbols, so the first keys (and sessions no longer than ``h``) are predicted too, from the start
of the session. With ``end=True`` (the default) the end of the session is predicted too: after its last
``h`` keys comes an end symbol, so a session cut short (a failed block operation that never reached its
usual last events) is unexpected although each of its transitions is normal. On DeepLog's HDFS data
6,177 of the 16,838 abnormal sessions consist only of transitions seen in training and differ from
normal ones only in where they end. Keys not seen in training map to the out-of-vocabulary id 0, which the next-event detector
always counts as unexpected. A session's score aggregates the scores of its windows (``max``: flagged when
any key was unexpected).

Identical windows are scored once (and trained on once, weighted by their count): HDFS's 4,855 training
sessions hold 95,125 windows but only 4,570 distinct ones.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import numpy as np

from ..etl import SequenceBatch
from .batches import sequence_batch

OOV_ID = 0


@dataclasses.dataclass(frozen=True)
class KeyVocabulary:
    """Training keys -> event ids 1..K; 0 = unseen key; K + 1 = the start symbol (input only); K + 2 = the end
    of a session (target only)."""

    keys: tuple

    @classmethod
    def fit(cls, sessions: Iterable[Sequence[int]]) -> "KeyVocabulary":
        return cls(tuple(sorted({int(k) for s in sessions for k in s})))

    @property
    def start_id(self) -> int:
        return len(self.keys) + 1

    @property
    def end_id(self) -> int:
        return len(self.keys) + 2

    @property
    def n_events(self) -> int:
        """Ids 0..K+2 (the network's input and output size)."""
        return len(self.keys) + 3

    def ids(self, session: Sequence[int]) -> np.ndarray:
        lookup = {k: i + 1 for i, k in enumerate(self.keys)}
        return np.array([lookup.get(int(k), OOV_ID) for k in session], dtype=np.int32)


@dataclasses.dataclass
class SessionWindows:
    """Distinct DeepLog windows of a set of sessions.

    Attributes
    ----------
    batch : SequenceBatch
        One row per distinct (window, next key): ``x`` one-hot ``[n, h, K + 3]`` (ids 0..K+2), ``step_ids`` (-1 on start
        padding), ``next_ids`` (the key to predict).
    counts : numpy.ndarray
        ``[n]`` how many times each distinct window occurs (training weight).
    window_row : numpy.ndarray
        ``[n_windows]`` the distinct row of every window of every session, in session order.
    session_start : numpy.ndarray
        ``[n_sessions + 1]`` offsets of each session's windows in ``window_row``.
    """

    batch: SequenceBatch
    counts: np.ndarray
    window_row: np.ndarray
    session_start: np.ndarray

    def session_scores(self, row_scores: np.ndarray, how: str = "max") -> np.ndarray:
        """Aggregate per-row scores to sessions: ``max`` or ``sum`` over each session's windows."""
        per_window = np.asarray(row_scores)[self.window_row]
        starts = self.session_start[:-1]
        if how == "max":
            return np.maximum.reduceat(per_window, starts)
        if how == "sum":
            return np.add.reduceat(per_window, starts)
        raise ValueError(f"how must be 'max' or 'sum', got {how!r}")


def session_windows(sessions: Sequence[Sequence[int]], vocabulary: KeyVocabulary, h: int = 10, *,
                    end: bool = True) -> SessionWindows:
    """DeepLog windows of every session (each session must hold at least one key); with ``end``, one more
    window per session predicts its end."""
    rows = []
    lengths = []
    for number, session in enumerate(sessions):
        ids = vocabulary.ids(session)
        if len(ids) == 0:
            raise ValueError(f"session {number} is empty: nothing to predict")
        tail = [vocabulary.end_id] if end else []
        padded = np.concatenate([np.full(h, vocabulary.start_id, np.int32), ids, np.array(tail, np.int32)])
        n_windows = len(ids) + len(tail)
        index = np.arange(n_windows)[:, None] + np.arange(h + 1)[None, :]
        rows.append(padded[index])
        lengths.append(n_windows)
    all_rows = np.concatenate(rows)
    distinct, inverse, counts = np.unique(all_rows, axis=0, return_inverse=True, return_counts=True)
    window = distinct[:, :h]
    x = np.eye(vocabulary.n_events, dtype=np.float32)[window]
    step_ids = np.where(window == vocabulary.start_id, -1, window)
    batch = sequence_batch(x, step_ids=step_ids, next_ids=distinct[:, h],
                           feature_names=["<OOV>"] + [f"key={k}" for k in vocabulary.keys] + ["<START>", "<END>"])
    return SessionWindows(batch, counts.astype(np.float64), inverse.reshape(-1),
                          np.concatenate([[0], np.cumsum(lengths)]))
