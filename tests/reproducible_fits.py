"""Tiny detectors of every kind fitted and saved with one seed, for the reproducibility tests: imported by the test
session and by fresh processes (``tests/detectors/test_reproducible_files.py``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np


def batch(n: int, seed: int, anomalous: bool = False):
    """Windows of 8 steps over 6 event ids (one-hot) beside one numeric value; ``anomalous``: event 5 in ~30% of
    them (step label 1)."""
    from dl4j_bridge.detectors import sequence_batch

    rng = np.random.default_rng(seed)
    ids = (rng.integers(0, 4, size=n)[:, None] + np.arange(9)[None, :]) % 4 + 1
    labels = np.zeros((n, 9), np.int32)
    if anomalous:
        hit = np.flatnonzero(rng.random(n) < 0.3)
        pos = rng.integers(2, 8, size=hit.size)
        ids[hit, pos] = 5
        labels[hit, pos] = 1
    value = (ids[:, :8, None] + rng.normal(size=(n, 8, 1))).astype(np.float32)
    x = np.concatenate([np.eye(6, dtype=np.float32)[ids[:, :8]], value], axis=2)
    return sequence_batch(x, step_ids=ids[:, :8], next_ids=ids[:, 8], step_labels=labels[:, :8],
                          line_numbers=100 * np.arange(n)[:, None] + np.arange(8)[None, :] + 1,
                          labels=labels.max(axis=1))


def fit_and_save(out) -> dict:
    """Fit one detector of each kind (dropout; early stopping on a validation split; class weights), save each as
    ``out/<kind>.zip`` and return ``{kind: [SHA-256 of the file, SHA-256 of its scores of a test batch]}``."""
    from dl4j_bridge.detectors import NextEventDetector, NextValueDetector, SequenceClassifier

    normal, mixed, test = batch(120, 1), batch(120, 2, anomalous=True), batch(60, 3, anomalous=True)
    small = dict(hidden_sizes=(6,), epochs=3, batch_size=32, seed=5)
    detectors = {
        "next_event": NextEventDetector(n_events=6, dropout=0.3, score="nll", threshold="k_sigma", patience=1,
                                        validation_fraction=0.3, **small).fit(normal),
        "next_value": NextValueDetector(dropout=0.3, **small).fit(normal),
        "classifier": SequenceClassifier(class_weight="balanced", dropout=0.2, threshold="best_f1", patience=1,
                                         validation_fraction=0.3, updater="adam", learning_rate=0.02,
                                         **small).fit(mixed),
    }
    digests = {}
    for kind, det in detectors.items():
        path = Path(out) / f"{kind}.zip"
        det.save(path)
        scores = np.ascontiguousarray(det.decision_function(test), dtype=np.float64)
        digests[kind] = [hashlib.sha256(path.read_bytes()).hexdigest(), hashlib.sha256(scores.tobytes()).hexdigest()]
    return digests
