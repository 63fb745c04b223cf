"""The supervised detector: a per-step classifier where anomalies (or attack classes) are labelled."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from ..etl import SequenceBatch
from ..etl.transforms import step_label
from .. import shapes
from .base import BaseDetector, Scores, _kept


def _n_classes_advice(largest: int) -> str:
    """What to do when the labels hold more classes than the detector: a pipeline's ``Label(classes=[...])`` gives
    one class per listed value, and the detector does not take its class count from the pipeline."""
    n = largest + 1
    return (f": build the detector with as many classes as the labels have, e.g. SequenceClassifier(n_classes={n}, "
            f"positive_classes={list(range(1, n))}) (a Label transform's classes = [...] gives len(classes) classes, "
            "class 0 normal; run.toml's train takes them from it)")


class SequenceClassifier(BaseDetector):
    """The reference network (GravesLSTM + RnnOutputLayer, softmax over label classes) as a detector.

    Every step gets a class (normal / anomalous, or attack classes); P(anomalous) of a step is the summed
    probability of ``positive_classes``, and a sequence's score aggregates it over its real steps.

    Parameters
    ----------
    n_classes : int
        Label classes per step (default 2: normal 0, anomalous 1).
    positive_classes : int or sequence of int
        The anomalous classes; a class given twice counts once (``(1, 1, 2)`` is ``(1, 2)``: P(anomalous) sums
        each class's probability once, so it stays within [0, 1]).
    aggregation : {"max", "mean", "last"}
        Sequence score from the steps' P(anomalous).
    class_weight : None, "balanced" or sequence of float
        Loss weight per class for imbalanced data ("balanced": ``n / (n_classes * n_c)`` over labelled steps).
    **kwargs
        Training and threshold parameters of :class:`~dl4j_bridge.detectors.base.BaseDetector`; by default the
        reference network (one GravesLSTM of 10, Nesterovs(0.005, 0.9)) and a fixed threshold of 0.5.
    """

    kind = "sequence_classifier"

    def __init__(self, *, n_classes: int = 2, positive_classes: Sequence[int] = (1,), aggregation: str = "max",
                 class_weight: Union[None, str, Sequence[float]] = None, threshold: str = "fixed",
                 threshold_value: Optional[float] = 0.5, **kwargs):
        if aggregation not in ("max", "mean", "last"):
            raise ValueError(f"aggregation must be max, mean or last, got {aggregation!r}")
        n_classes = shapes.check_count(n_classes, "n_classes", minimum=2)   # 2.5 is refused, not truncated
        if isinstance(positive_classes, (int, np.integer)):
            positive_classes = (int(positive_classes),)
        positive = list(dict.fromkeys(int(c) for c in positive_classes))   # each once, in the order given
        if not positive or min(positive) < 0 or max(positive) >= n_classes:
            raise ValueError(f"positive_classes must be classes in [0, {n_classes}), got {positive_classes}")
        if isinstance(class_weight, str) and class_weight != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or one number >= 0 per class, got {class_weight!r}")
        if class_weight is not None and not isinstance(class_weight, str) and (
                len(class_weight) != n_classes or not all(np.isfinite(w) and w >= 0 for w in class_weight)):
            raise ValueError(f"class_weight must be None, 'balanced' or n_classes={n_classes} numbers >= 0, got "
                             f"{class_weight!r}")
        super().__init__(threshold=threshold, threshold_value=threshold_value, **kwargs)
        self.n_classes = int(n_classes)
        self.positive_classes = _kept(positive_classes, tuple(positive))
        self.aggregation = aggregation
        self.class_weight = class_weight if class_weight is None or isinstance(class_weight, str) \
            else _kept(class_weight, tuple(float(w) for w in class_weight))
        self._check_threshold_method(self.threshold)   # no top-g rule for a classifier

    def _param_names(self):
        own = ["n_classes", "positive_classes", "aggregation", "class_weight"]
        return own + [p for p in super()._param_names() if p not in own]

    def _check_scoring_change(self, new: "SequenceClassifier") -> None:
        if self.network_ is not None:
            n_out = int(self.network_.config.n_out)
            outside = [c for c in new.positive_classes if c >= n_out]
            if outside:
                raise ValueError(f"positive_classes {outside} are not classes of the fitted network, which has "
                                 f"{n_out} (0..{n_out - 1}); a different n_classes takes effect at the next fit")

    def scoring(self) -> dict:
        return {"kind": "sequence_classifier", "positive_classes": list(self.positive_classes),
                "aggregation": self.aggregation}

    def _n_out(self, batch: SequenceBatch, y) -> int:
        return self.n_classes

    def _sequence_labels(self, batch: SequenceBatch, y) -> np.ndarray:
        """0/1 per sequence: 1 where a real step of ``y`` (by default ``batch.step_labels``, what ``fit`` trains on)
        is one of ``positive_classes`` (what the network learns to call anomalous, and its score is the probability
        of). A batch whose steps are all labelled 0 (sequence labels only) is judged by ``batch.labels``.

        With ``batch.labels`` (any class > 0) a detector of some attack classes had its threshold chosen, and its
        validation block searched, on windows of the other classes too: best F1 on 10 "positives" of another class
        flagged 44% of the test windows."""
        if y is None:
            steps = None if batch.step_labels is None else np.asarray(batch.step_labels)
            if steps is None or not (steps * (np.asarray(batch.mask) > 0)).any():
                return super()._sequence_labels(batch, None)
            y = steps
        positive = np.isin(np.asarray(y), list(self.positive_classes)) & (np.asarray(batch.mask) > 0)
        return positive.any(axis=1).astype(np.int64)

    def _max_score(self) -> Optional[float]:
        return 1.0   # max, mean or last of P(anomalous)

    def _score_range(self) -> str:
        return f"the {self.aggregation} of P(anomalous), a probability"

    def _training_targets(self, batch: SequenceBatch, y) -> np.ndarray:
        labels = shapes.check_steps(batch.step_labels if y is None else y, batch.x.shape[:2],
                                    what="batch.step_labels" if y is None else "y", classes=self.n_classes,
                                    owner="the detector has n_classes", advice=_n_classes_advice)
        return np.where(batch.mask > 0, labels.astype(np.int64), -1)

    def _check_targets(self, batch: SequenceBatch, y) -> None:
        self._training_targets(batch, y)   # numpy only: the class ids against n_classes

    def _class_weights(self, targets: np.ndarray, n_out: int, sample_weight) -> tuple:
        if self.class_weight is None:
            return tuple([1.0] * n_out)
        if self.class_weight == "balanced":
            w = np.ones(targets.shape) if sample_weight is None else np.repeat(
                np.asarray(sample_weight, np.float64)[:, None], targets.shape[1], axis=1)
            counts = np.array([w[targets == c].sum() for c in range(n_out)])
            present = counts > 0
            out = np.ones(n_out)
            out[present] = counts.sum() / (present.sum() * counts[present])
            return tuple(float(v) for v in out)
        if isinstance(self.class_weight, str):
            raise ValueError(f"class_weight must be None, 'balanced' or a list, got {self.class_weight!r}")
        if len(self.class_weight) != n_out:
            raise ValueError(f"class_weight needs {n_out} values, got {len(self.class_weight)}")
        return tuple(self.class_weight)

    def _explain_step(self, batch: SequenceBatch, s: Scores, i: int, step: int) -> dict:
        names = class_names(self.pipeline_)
        predicted = None if step < 0 else int(s.detail_actual[i])
        row: dict = {"predicted_class": predicted}
        if names is not None:   # the label value of that class; absent when the classes have no names
            row["predicted_label"] = names[predicted] if predicted is not None and 0 <= predicted < len(names) else None
        row["probability"] = None if step < 0 else float(s.detail_probability[i])
        return row


def class_names(pipeline) -> Optional[list]:
    """The class names of a pipeline's step labels: the ``classes`` of its last ``Label`` transform (each one
    overwrites the step label, on the JVM too: ``EtlSpec.classNames``), or None (no pipeline, no label transform,
    or a 0/1 label without ``classes``)."""
    label = step_label(pipeline.transforms) if pipeline is not None else None
    return list(label.classes) if label is not None and label.classes is not None else None
