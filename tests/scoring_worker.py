"""A scorer process for the spawn-pool test: its own JVM, one saved detector, scores per batch.

Imported by name in the spawned workers (multiprocessing passes the parent's ``sys.path``).
"""

from __future__ import annotations

import os

import numpy as np

_detector = None


def start(detector_path: str) -> None:
    """Pool initializer: start this process's JVM and load the detector once."""
    global _detector
    import dl4j_bridge as db
    from dl4j_bridge.detectors import load_detector

    db.start_jvm(heap="1g", threads=1)
    _detector = load_detector(detector_path)


def score(arrays: dict) -> tuple:
    """(pid, scores) of one batch given as plain arrays (``x``, ``step_ids``, ``next_ids``)."""
    from dl4j_bridge.detectors import sequence_batch

    batch = sequence_batch(arrays["x"], step_ids=arrays["step_ids"], next_ids=arrays["next_ids"])
    return os.getpid(), np.asarray(_detector.decision_function(batch))
