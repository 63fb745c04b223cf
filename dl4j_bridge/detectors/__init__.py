"""Anomaly detectors on the DL4J LSTM.

* :class:`NextEventDetector`: unsupervised (normal data only), DeepLog-style next-event model.
* :class:`NextValueDetector`: unsupervised (normal data only), predicts the next step's numeric fields.
* :class:`SequenceClassifier`: supervised, per-step classes (the reference network).

All follow PyOD's conventions (``fit`` returns self, ``decision_function``, ``threshold_``, ``predict``),
score on the JVM (``io.dl4jbridge.DetectorScoring``) and save as one ModelSerializer zip.
"""

from .base import BaseDetector, Scores
from .batches import sequence_batch, take
from .classifier import SequenceClassifier
from .next_event import NextEventDetector
from .next_value import NextValueDetector
from .persistence import DetectorFileError, load_detector, read_document, save_detector
from .thresholds import METHODS as THRESHOLD_METHODS
from .thresholds import Threshold

__all__ = ["BaseDetector", "Scores", "NextEventDetector", "NextValueDetector", "SequenceClassifier", "sequence_batch", "take",
           "DetectorFileError", "load_detector", "read_document", "save_detector", "THRESHOLD_METHODS",
           "Threshold"]
