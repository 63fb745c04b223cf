"""Small generated sequence tasks for the demo and the tests (no files, no downloads)."""

from __future__ import annotations

from typing import Tuple

import numpy as np

EVENT_NAMES = ("login_ok", "login_fail", "other")


def failed_login_bursts(
    n_sequences: int, length: int = 30, *, window: int = 5, burst: int = 3, seed: int = 0
) -> Tuple[np.ndarray, np.ndarray]:
    """Sequences of login events where a step is "alert" once a failure burst is under way.

    Each step is one event, one-hot over ``EVENT_NAMES``. Step ``t`` is labelled 1 when at least
    ``burst`` of the last ``window`` events (``t`` included) were ``login_fail``, so the label needs
    memory of earlier steps: a per-step classifier without state cannot learn it.

    Returns
    -------
    X : numpy.ndarray
        float32 ``[n_sequences, length, 3]``.
    Y : numpy.ndarray
        int64 ``[n_sequences, length]``, 0 normal / 1 alert.
    """
    rng = np.random.default_rng(seed)
    # Half of the sequences come from a "brute force" regime with more failures.
    p_fail = np.where(rng.random(n_sequences) < 0.5, 0.45, 0.12)[:, None]
    u = rng.random((n_sequences, length))
    events = np.where(u < p_fail, 1, np.where(u < p_fail + 0.5, 0, 2))
    X = np.eye(3, dtype=np.float32)[events]
    fails = (events == 1).astype(np.int64)
    csum = np.concatenate([np.zeros((n_sequences, 1), np.int64), np.cumsum(fails, axis=1)], axis=1)
    recent = csum[:, 1:] - csum[:, np.maximum(0, np.arange(length) + 1 - window)]
    Y = (recent >= burst).astype(np.int64)
    return X, Y
