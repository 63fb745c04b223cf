"""Fitted detectors shared by the detector tests (small generated data; fitted once per session)."""

from __future__ import annotations

import numpy as np
import pytest

N_EVENTS = 7   # 0 = OOV, 1..4 the normal cycle, 5 a rare-but-normal event, 6 never seen in training


def cycle_windows(n: int, *, anomalous: bool = False, seed: int = 0, oov: bool = False):
    """Windows of the cycle 1 2 3 4 1 2 ...; anomalous ones hold event 6 (or the OOV id 0) once."""
    from dl4j_bridge.detectors import sequence_batch

    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 4, size=n)
    ids = (starts[:, None] + np.arange(11)[None, :]) % 4 + 1
    labels = np.zeros((n, 11), np.int32)
    if anomalous:
        pos = rng.integers(2, 10, size=n)
        ids[np.arange(n), pos] = 0 if oov else 6
        labels[np.arange(n), pos] = 1
    x = np.eye(N_EVENTS, dtype=np.float32)[ids[:, :10]]
    lines = 100 * np.arange(n)[:, None] + np.arange(10)[None, :] + 1
    return sequence_batch(x, step_ids=ids[:, :10], next_ids=ids[:, 10], step_labels=labels[:, :10],
                          line_numbers=lines, labels=labels.max(axis=1))


@pytest.fixture(scope="session")
def next_event_detector(jvm):
    from dl4j_bridge.detectors import NextEventDetector

    det = NextEventDetector(top_g=2, hidden_sizes=(12,), epochs=25, batch_size=512, n_events=N_EVENTS,
                            learning_rate=0.05, patience=0, validation_fraction=0.2, seed=1)
    return det.fit(cycle_windows(300, seed=1))
