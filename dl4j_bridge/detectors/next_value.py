"""The unsupervised detector of numeric fields: a model of normal behaviour that flags values it did not expect."""

from __future__ import annotations

import logging
from typing import Optional, Sequence

import numpy as np

from .. import arrays, shapes
from ..config import LSTMConfig
from ..etl import SequenceBatch
from ..javaerrors import java_errors
from .base import BaseDetector, Scores, _kept
from .batches import check_batch

log = logging.getLogger(__name__)

#: The smallest residual variance a target is standardised by (normalised units): a target the network predicts
#: exactly on normal data (a constant column) would otherwise divide by 0.
MIN_RESIDUAL_VARIANCE = 1e-6


class NextValueDetector(BaseDetector):
    """Next-value model of numeric fields (DeepLog's parameter value model; Malhotra et al. 2015, "LSTM-based
    anomaly detection in time series"), trained on normal data only.

    The reference GravesLSTM stack with an ``RnnOutputLayer`` of MSE loss and identity activation predicts, at
    every step, the target features of the next real step of the same sequence, normalised as the inputs are (the
    detector's ``NormalizerStandardize``); the last real step of a sequence has no target (a session's last record
    has no next one; the record after a window, or a split session's next part, is not carried to this detector:
    unlike :class:`~dl4j_bridge.detectors.NextEventDetector` it judges nothing across parts). After the fit, the mean
    squared prediction error of every target on normal data (the validation sequences, else the training ones)
    is its *residual variance*. A step's score is each target's squared error divided by its residual variance,
    averaged over the targets (about 1 on normal data); a sequence's score aggregates its steps' scores. Unlike
    :class:`~dl4j_bridge.detectors.NextEventDetector` it needs no template: metrics (numeric-only data) and
    anomalies that live in a field's value (a normal message with an abnormal byte count) are what it is for.

    Parameters
    ----------
    target_columns : sequence of str, optional
        The features to predict, by name (``batch.feature_names``). Default: the value column of every
        ``Numeric`` transform of the pipeline given to :meth:`fit`; without a pipeline, every feature that is not
        an indicator (0/1 only on the training steps). Fitted value: ``target_columns_`` (names) and
        ``target_indices_``.
    aggregation : {"max", "mean", "last"}
        Sequence score from its steps' scores (as :class:`~dl4j_bridge.detectors.SequenceClassifier`'s).
    **kwargs
        Training and threshold parameters of :class:`~dl4j_bridge.detectors.base.BaseDetector`; the threshold
        defaults to ``"k_sigma"`` with ``k = 3`` (mean + 3 standard deviations of the normal validation scores).
        :meth:`fit` and :meth:`update` take ``sample_weight`` (e.g. the counts of deduplicated sequences): a
        sequence of weight ``w`` weighs in the loss, the residual variances and the threshold as ``w`` copies of it.

    Attributes
    ----------
    residual_variances_ : tuple of float
        Per target, the mean squared prediction error on normal data (at least :data:`MIN_RESIDUAL_VARIANCE`),
        saved with the model.

    Examples
    --------
    >>> det = NextValueDetector(hidden_sizes=(32,), epochs=10).fit(train_batch, pipeline=pipeline)
    >>> det.decision_function(test_batch), det.predict(test_batch), det.explain(test_batch)
    """

    kind = "next_value"

    def __init__(self, *, target_columns: Optional[Sequence[str]] = None, aggregation: str = "max",
                 hidden_sizes=(32,), epochs: int = 20, batch_size: int = 256, learning_rate: float = 0.01,
                 updater: str = "adam", threshold: str = "k_sigma", **kwargs):
        if aggregation not in ("max", "mean", "last"):
            raise ValueError(f"aggregation must be max, mean or last, got {aggregation!r}")
        if target_columns is not None:
            if isinstance(target_columns, str) or not all(isinstance(c, str) and c for c in target_columns) \
                    or not len(target_columns):
                raise ValueError(f"target_columns must be None or a non-empty list of feature names, got "
                                 f"{target_columns!r}")
            if len(set(target_columns)) != len(target_columns):
                raise ValueError(f"target_columns names a feature twice: {list(target_columns)!r}")
        super().__init__(hidden_sizes=hidden_sizes, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, updater=updater, threshold=threshold, **kwargs)
        self.target_columns = None if target_columns is None else _kept(target_columns, tuple(target_columns))
        self.aggregation = aggregation
        self.target_columns_: tuple = ()
        self.target_indices_: tuple = ()
        self.residual_variances_: tuple = ()
        self._check_threshold_method(self.threshold)   # no top-g rule

    _OWN_PARAMS = ("target_columns", "aggregation")

    def _param_names(self):
        return list(self._OWN_PARAMS) + [p for p in super()._param_names() if p not in self._OWN_PARAMS]

    # -- training ---------------------------------------------------------------------------
    def fit(self, batch: SequenceBatch, y=None, *, sample_weight=None, validation: Optional[SequenceBatch] = None,
            validation_weight=None, pipeline=None) -> "NextValueDetector":
        """Train on normal sequences (see :meth:`BaseDetector.fit`); ``y`` is refused (a next-value model learns
        the features themselves). ``sample_weight`` (``[batch]``) weighs each sequence's steps in the MSE loss
        exactly as that many copies of it (``io.dl4jbridge.Trainer.weighNextValueLabels``), and, with
        ``validation_weight``, in the residual variances and the threshold."""
        self._refuse_y(y)
        # before any training: weights that leave no step with a next one would give NaN residual variances
        self._refuse_weightless(batch, sample_weight, "sample_weight", "training")
        if validation is not None:
            self._refuse_weightless(validation, validation_weight, "validation_weight", "validation")
        return super().fit(batch, None, sample_weight=sample_weight, validation=validation,
                           validation_weight=validation_weight, pipeline=pipeline)

    @staticmethod
    def _refuse_weightless(batch, weights, what: str, name: str) -> None:
        """Refuse ``weights`` (``[batch]``) that give 0 to every sequence of ``batch`` with two steps or more.

        Only a step with a next one is learned from and measured (residual variances, threshold): with all of them
        weighing 0 there is nothing to learn and the residual variances are not numbers.

        Raises
        ------
        ValueError
            Naming ``what`` and what to do (a :class:`~dl4j_bridge.errors.ShapeError` for a weight array of another
            shape or a negative or non-finite weight).
        """
        if weights is None or not isinstance(batch, SequenceBatch):   # check_batch says what a batch must be
            return
        w = shapes.check_per_sequence(weights, len(batch), what=what, non_negative=True)
        judged = (np.asarray(batch.mask) > 0).sum(axis=1) >= 2
        if judged.any() and not (w[judged] > 0).any():
            raise ValueError(f"{what} gives weight 0 to every {name} sequence of two steps or more "
                             f"({int(judged.sum())}): a next-value detector learns from and measures only steps with a "
                             "next one, so it would have nothing to learn or measure; give some of them a weight > 0")

    def _weightless_validation_note(self) -> str:
        """The residual variances need no weighted validation sequence: with none they are measured on the training
        sequences (:meth:`_after_training`), so a fit with ``patience=0`` and a ``fixed`` threshold goes on."""
        return "; the residual variances are measured on the training sequences instead"

    def _weighed_sequences(self, batch: SequenceBatch) -> np.ndarray:
        """The sequences of two steps or more: only a step with a next one is learned from and measured."""
        return (np.asarray(batch.mask) > 0).sum(axis=1) >= 2

    def update(self, batch: SequenceBatch, y=None, *, sample_weight=None, epochs: int = 20,
               learning_rate: Optional[float] = None, batch_size: Optional[int] = None) -> "NextValueDetector":
        """Train further on normal ``batch`` (see :meth:`BaseDetector.update`), its sequences weighed by
        ``sample_weight`` as in :meth:`fit`; the residual variances and the threshold stay as they are. No ``y``."""
        self._refuse_y(y)
        return super().update(batch, sample_weight=sample_weight, epochs=epochs, learning_rate=learning_rate,
                              batch_size=batch_size)

    def _refuse_y(self, y) -> None:
        if y is not None:
            raise ValueError(f"{type(self).__name__} takes no y: it learns the next step's features of normal "
                             "sequences, which are its own targets")

    def _targets_of(self, batch: SequenceBatch, pipeline) -> tuple:
        """(names, indices) of the features to predict in ``batch`` (see ``target_columns``)."""
        names = list(batch.feature_names or [])
        if self.target_columns is not None:
            missing = [c for c in self.target_columns if c not in names]
            if missing:
                raise ValueError(f"target_columns {missing} are not features of the batch; its features are "
                                 f"{names}")
            chosen = list(self.target_columns)
        elif pipeline is not None:
            from ..etl import Numeric

            chosen = [t.column for t in pipeline.transforms if isinstance(t, Numeric) and t.column in names]
            if not chosen:
                raise ValueError(
                    "the pipeline has no numeric transform, so a next-value detector has no value to predict: add "
                    "Numeric(<column>) (run.toml: a [[transforms]] table with kind = \"numeric\"), or name the "
                    f"features to predict with target_columns (the pipeline's features: {names})")
        else:
            real = np.asarray(batch.mask) > 0
            values = np.asarray(batch.x)[real]
            binary = ((values == 0) | (values == 1)).all(axis=0) if len(values) else np.ones(len(names), bool)
            chosen = [n for n, b in zip(names, binary) if not b]
            if not chosen:
                raise ValueError("every feature of the batch is an indicator (0/1 only): a next-value detector has "
                                 "no value to predict; name the features to predict with target_columns")
        return tuple(chosen), tuple(names.index(c) for c in chosen)

    def _fit_plan(self, batch: SequenceBatch, pipeline) -> dict:
        names, indices = self._targets_of(batch, pipeline)
        log.info("%s: predicts %s", type(self).__name__, list(names))
        return {"n_out": len(indices), "fit": {"next_values": indices},
                "learned": {"target_columns_": names, "target_indices_": indices}}

    def _check_training_batch(self, batch: SequenceBatch) -> None:
        if not ((np.asarray(batch.mask) > 0).sum(axis=1) >= 2).any():
            raise ValueError("no training sequence holds two steps: a next-value detector predicts each step's "
                             "values from the steps before it, so a sequence of one step gives it nothing to learn")

    def _check_validation_batch(self, validation: SequenceBatch, given: bool) -> None:
        """Validation sequences of one step only all score 0: the threshold (``k_sigma``: mean + k std) would be 0,
        flagging every sequence with a judged step. Refused before the training."""
        if not ((np.asarray(validation.mask) > 0).sum(axis=1) >= 2).any():
            advice = "pass validation=... holding sequences of two steps or more, or none" if given else \
                f"raise validation_fraction (now {self.validation_fraction:g}) so that the held-out block holds " \
                "sequences of two steps or more, or set validation_fraction=0"
            raise ValueError(f"none of the {len(validation)} validation sequences holds two steps, so a next-value "
                             f"detector has nothing to validate or choose its threshold on (every score would be 0): "
                             f"{advice} (the threshold then chosen on the training sequences)")

    def _training_targets(self, batch: SequenceBatch, y):
        return None   # built on the JVM from the features themselves (Trainer.fitNextValues)

    def _class_weights(self, targets, n_out: int, sample_weight):
        return None

    def _lstm_config(self, n_in: int, n_out: int, class_weights) -> LSTMConfig:
        return LSTMConfig(n_in=n_in, n_out=n_out, hidden_sizes=self.hidden_sizes, layer_type=self.layer_type,
                          seed=self.seed, learning_rate=self.learning_rate, updater=self.updater,
                          momentum=self.momentum, l2=self.l2, dropout=self.dropout, lr_schedule=self.lr_schedule,
                          loss="MSE", output_activation="identity")

    def _fit_options(self) -> dict:
        return {"next_values": tuple(self.target_indices_)}

    def _after_training(self, batch: SequenceBatch, validation: Optional[SequenceBatch], weights=None,
                        validation_weight=None) -> dict:
        """The residual variances, on the validation sequences (else, or when none of them has a step with a next
        one, the training sequences), weighted by their sequences' weights."""
        variances = None
        for part, w in ((validation, validation_weight), (batch, weights)):
            if part is None:
                continue
            variances = self.residual_variances(part, sample_weight=w)
            if all(np.isfinite(variances)):
                break
        if not all(np.isfinite(variances)):   # e.g. the weighted sequences all went to the validation split
            raise ValueError("no step with a next one weighs more than 0 in the validation or training sequences "
                             "(sample_weight, validation_weight): a next-value detector cannot measure its residual "
                             "variances; give more sequences of two steps or more a weight > 0")
        floored = tuple(max(float(v), MIN_RESIDUAL_VARIANCE) for v in variances)
        log.info("%s: residual variances %s", type(self).__name__,
                 {n: round(v, 6) for n, v in zip(self.target_columns_, floored)})
        return {"residual_variances_": floored}

    def residual_variances(self, batch: SequenceBatch, *, sample_weight=None) -> np.ndarray:
        """Per target, the mean squared prediction error over the steps of ``batch`` that have a next step (NaN for
        none), in normalised units: what ``residual_variances_`` was measured as after the fit. float64 ``[n]``.
        ``sample_weight`` (``[batch]``, >= 0): the weighted mean, as if a sequence of weight ``w`` were there ``w``
        times (NaN when every step with a next one weighs 0)."""
        self._check_fitted(threshold=False)
        batch = check_batch(batch, n_in=self.network_.config.n_in)
        self._check_feature_names(batch)
        weights = None if sample_weight is None else shapes.check_per_sequence(
            sample_weight, len(batch), what="sample_weight", non_negative=True).astype(np.float64)
        import jpype

        net = self.network_
        with java_errors(), net.lock:
            out = jpype.JClass("io.dl4jbridge.DetectorScoring").nextValueResidualVariances(
                net.java, net.normalizer, arrays.sequences_to_indarray(batch.x),
                arrays.steps_to_indarray(batch.mask, "mask"), jpype.JArray(jpype.JInt)(list(self.target_indices_)),
                None if weights is None else jpype.JArray(jpype.JDouble)(np.ascontiguousarray(weights)))   # one buffer copy
        return np.array(out, dtype=np.float64)

    def _update_targets(self, targets):
        return targets

    def _normal_for_update(self, batch, y) -> np.ndarray:
        return np.ones(len(batch), bool)   # every sequence given is to be learned as normal

    def _output_word(self) -> str:
        return "a target feature"

    # -- scoring ----------------------------------------------------------------------------
    def scoring(self) -> dict:
        return {"kind": "next_value", "targets": [int(i) for i in self.target_indices_],
                "target_names": list(self.target_columns_),
                "residual_variances": [float(v) for v in self.residual_variances_], "aggregation": self.aggregation}

    def _restore_fitted(self, scoring: dict, document: Optional[dict] = None) -> None:
        targets, names, variances = (scoring.get(k) for k in ("targets", "target_names", "residual_variances"))
        if not (isinstance(targets, list) and isinstance(names, list) and isinstance(variances, list)
                and len(targets) == len(names) == len(variances) and targets
                and all(type(i) is int and i >= 0 for i in targets) and all(isinstance(n, str) for n in names)
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and v > 0
                        for v in variances)):
            raise ValueError("the next-value scoring must hold targets (feature indices), target_names and "
                             "residual_variances (numbers > 0), one of each per target")
        self.target_indices_ = tuple(targets)
        self.target_columns_ = tuple(names)
        self.residual_variances_ = tuple(float(v) for v in variances)

    def with_params(self, **changes) -> "NextValueDetector":
        other = super().with_params(**changes)
        other.target_indices_, other.target_columns_ = self.target_indices_, self.target_columns_
        other.residual_variances_ = self.residual_variances_
        return other

    def _score_range(self) -> str:
        return f"the {self.aggregation} of the steps' standardised squared errors"

    def _explain_step(self, batch: SequenceBatch, s: Scores, i: int, step: int) -> dict:
        if step < 0:
            return {"actual_line": None, "feature": None, "actual_value": None, "predicted_value": None,
                    "deviation": None}
        real = np.flatnonzero(batch.mask[i] > 0)
        later = real[real > step]
        line = int(batch.line_numbers[i, later[0]]) if len(later) else -1
        return {"actual_line": line if line >= 0 else None,
                "feature": self.target_columns_[int(s.detail_actual[i])],
                "actual_value": float(s.detail_value[i]), "predicted_value": float(s.detail_prediction[i]),
                "deviation": float(s.detail_deviation[i])}
