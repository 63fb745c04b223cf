"""What both detectors share: PyOD conventions, the JVM scoring call, thresholds, explanations.

PyOD conventions: ``fit`` returns the detector; :meth:`BaseDetector.decision_function` gives one score per
sequence, higher = more anomalous; ``threshold_`` is set by ``fit``; :meth:`BaseDetector.predict` flags
scores strictly above it (0/1); scoring before ``fit`` raises :class:`~dl4j_bridge.errors.NotFittedError`.
Scores are computed on the JVM by ``io.dl4jbridge.DetectorScoring``, the code a JVM-only service runs too.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import json
import logging
import math
from typing import Any, Optional

import numpy as np

from .. import arrays, shapes
from ..config import LSTMConfig
from ..errors import NotFittedError, ShapeError
from ..etl import SequenceBatch
from ..javaerrors import interruptible, java_errors
from ..network import FitHistory, Network
from . import thresholds
from .batches import check_batch, take
from .evaluation import check_labels

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Scores:
    """Scores of a batch, with what explains each (arrays ``[batch]`` unless stated).

    Attributes
    ----------
    scores : numpy.ndarray
        float64 anomaly scores, higher = more anomalous.
    scored_steps, unexpected_steps : numpy.ndarray
        int: steps that counted; steps that were unexpected (next event) or had P(anomalous) >= 0.5.
    detail_step : numpy.ndarray
        int: the step explaining the score (-1 when none was scored).
    detail_actual : numpy.ndarray
        int: the actual next event at that step (next event) or the most probable class (classifier).
    detail_probability : numpy.ndarray
        float64: the probability the model gave that event / P(anomalous) there.
    expected : numpy.ndarray
        int ``[batch, g]``: the top-g expected events at ``detail_step``, -1 padded (next event only).
    step_scores : numpy.ndarray or None
        float32 ``[batch, time]``: per-step NLL (next event) or P(anomalous); NaN where not scored.
    step_flags : numpy.ndarray or None
        bool ``[batch, time]``.
    step_ranks : numpy.ndarray or None
        int ``[batch, time]``, next event only: a step is unexpected exactly when ``top_g <= step_ranks``
        (the candidates ranked above the actual event; ``n_events`` when unexpected for every g, 0 when
        expected for every g; -1 where not scored).
    unexpected_from : numpy.ndarray or None
        int ``[batch + 1]``, next event: sequence ``i``'s listed unexpected steps are entries
        ``unexpected_from[i]:unexpected_from[i + 1]`` of the three arrays below: its first
        (Java's ``DetectorScores.MAX_LISTED_UNEXPECTED``, 50) unexpected steps in step order (``unexpected_steps`` counts them all).
    unexpected_at, unexpected_actual, unexpected_probability : numpy.ndarray or None
        int time index, int actual event id and float64 probability given to that event, of each listed step.
    detail_value, detail_prediction, detail_deviation : numpy.ndarray or None
        Next value, float64: at ``detail_step``, the actual (normalised) value of the target furthest from its
        prediction (``detail_actual``: its index among the targets; ``detail_probability``: the step's score), the
        prediction, and their difference in residual standard deviations; NaN where no step was scored.
    """

    scores: np.ndarray
    scored_steps: np.ndarray
    unexpected_steps: np.ndarray
    detail_step: np.ndarray
    detail_actual: np.ndarray
    detail_probability: np.ndarray
    expected: np.ndarray
    step_scores: Optional[np.ndarray] = None
    step_flags: Optional[np.ndarray] = None
    step_ranks: Optional[np.ndarray] = None
    unexpected_from: Optional[np.ndarray] = None
    unexpected_at: Optional[np.ndarray] = None
    unexpected_actual: Optional[np.ndarray] = None
    unexpected_probability: Optional[np.ndarray] = None
    detail_value: Optional[np.ndarray] = None
    detail_prediction: Optional[np.ndarray] = None
    detail_deviation: Optional[np.ndarray] = None


def _np(java_array, dtype) -> np.ndarray:
    return np.array(java_array, dtype=dtype)


class BaseDetector:
    """Common machinery; use :class:`~dl4j_bridge.detectors.NextEventDetector`,
    :class:`~dl4j_bridge.detectors.NextValueDetector` or :class:`~dl4j_bridge.detectors.SequenceClassifier`.

    Every parameter is checked by the constructor (a ``ValueError`` naming it); what depends on two of them or
    on the data (the ``top_g`` rule needs a count or share score; ``best_f1`` needs labelled validation
    sequences of both classes) is checked at the start of :meth:`fit`, before any training.

    :meth:`fit` always trains a new network from scratch (scikit-learn's convention), whereas
    :meth:`dl4j_bridge.Network.fit` continues from the network's current weights and updater state.

    Copies and pickling: ``pickle.dumps(det)`` / ``joblib.dump`` and ``copy.deepcopy(det)`` give an independent
    detector with the same parameters, threshold, scores and fitted state; the trained network travels as the
    project's own zip (``Network.__reduce__``: saved with :meth:`dl4j_bridge.Network.save`, restored with
    ``Network.load(..., trusted=True)`` -- unpickling runs code anyway, so only unpickle data you trust), and
    unpickling needs the JVM (:func:`dl4j_bridge.start_jvm`, else ``JVMNotStartedError``). ``copy.copy(det)``
    is shallow: the copy shares ``network_`` (as :meth:`with_params` does). That is safe for fitting (``fit``
    replaces ``network_``, never trains it in place) but not for training ``det.network_`` yourself: use
    ``copy.deepcopy`` for that.

    Parameters (shared)
    -------------------
    hidden_sizes : int or tuple of int
        Recurrent layer sizes (an int: one layer).
    layer_type : {"GravesLSTM", "LSTM"}
        The recurrent layer, as in :class:`~dl4j_bridge.LSTMConfig` (GravesLSTM: the reference design).
    epochs, batch_size : int
        Training length and minibatch size, >= 1 (large minibatches are cheap: DL4J's cost is per minibatch).
    learning_rate, updater, momentum, l2, dropout, lr_schedule, seed :
        As in :class:`~dl4j_bridge.LSTMConfig`.
    patience : int
        Early stopping: stop after this many epochs without a better validation loss and keep the best
        weights (0 = train all epochs). Needs validation sequences.
    validation_fraction : float
        Share of the training sequences held out for early stopping and the threshold when ``fit`` gets
        no validation batch, in [0, 1) (0 = none; the threshold is then chosen on the training data). A batch
        of fewer than 10 sequences is not split (a warning says so).
    threshold : str
        How ``fit`` chooses ``threshold_``: one of :data:`~dl4j_bridge.detectors.thresholds.METHODS`.
    k : float
        ``k_sigma``: mean + k standard deviations of the scores of the normal validation sequences, k >= 0
        (sequences labelled anomalous -- ``batch.labels``, or from ``y`` -- are left out; a validation set with
        no normal one is refused).
    contamination : float
        ``contamination``: the share of validation scores flagged, in (0, 0.5). As PyOD's, the expected share
        of outliers in the data: every validation sequence counts, labelled anomalous or not.
    threshold_value : float, optional
        ``fixed``: the threshold itself (default 0.5).
    normalize : bool
        Fit a DL4J ``NormalizerStandardize`` on the training features (applied in Java, saved in the zip).

    Attributes
    ----------
    network_ : dl4j_bridge.Network or None
        The trained network.
    threshold_ : float or None
        Scores strictly above it are flagged; ``threshold_method_`` records how it was chosen.
    decision_scores_, labels_ : numpy.ndarray or None
        PyOD's training scores and 0/1 flags, when :meth:`fit` chose the threshold on the training sequences
        themselves (no validation sequences) with a method that scores them (``k_sigma``, ``contamination``,
        ``best_f1``); otherwise None (not computed: that would be one more pass over the training data).
    history_ : dl4j_bridge.FitHistory or None
    updates_ : list of dict or None
        One entry per :meth:`update` since the fit (``sequences``, ``epochs``, ``learning_rate``, ``loss_first``,
        ``loss_last``: the training loss of its first and last epoch, ``flagged_before``, ``flagged_after``: how
        many of its sequences it should find normal -- all for a next-event detector, those labelled normal for a
        classifier -- were flagged before and after it, ``nd4j_threads``, ``nd4j_cpu_build``); saved with the
        detector.
    trained_on_ : dict or None
        ``{"nd4j_threads", "nd4j_cpu_build"}`` of the JVM that ran :meth:`fit` (as ``jvm_info`` reports them): the
        same seed and data train the same bits only with the same ones. Saved with the detector (``trained_on``),
        None for a file saved before it was recorded.
    """

    kind = "base"

    def __init__(self, *, hidden_sizes=(10,), layer_type: str = "GravesLSTM", epochs: int = 20, batch_size: int = 256, learning_rate: float = 0.005,
                 updater: str = "nesterovs", momentum: float = 0.9, l2: float = 0.0, dropout: float = 0.0,
                 lr_schedule: Optional[dict] = None, seed: int = 123, patience: int = 3,
                 validation_fraction: float = 0.1, threshold: str = "fixed", k: float = 3.0,
                 contamination: float = 0.01, threshold_value: Optional[float] = None, normalize: bool = True,
                 progress: Optional[bool] = False, **unknown):
        if unknown:   # (Python said "BaseDetector.__init__() got an unexpected keyword argument", no list)
            names = self._param_names()
            guesses = {k: difflib.get_close_matches(k, names, n=1) for k in unknown}
            raise TypeError(f"{type(self).__name__}() has no parameter "
                            + ", ".join(repr(k) + (f" (did you mean {g[0]!r}?)" if g else "") for k, g in guesses.items())
                            + f"; its parameters are: {', '.join(names)}")
        if threshold not in thresholds.METHODS:
            raise ValueError(f"threshold must be one of {thresholds.METHODS}, got {threshold!r}")
        if not _is_number(validation_fraction) or not 0 <= validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {validation_fraction!r}")
        for name, value, minimum in (("epochs", epochs, 1), ("batch_size", batch_size, 1), ("patience", patience, 0)):
            if not _is_number(value) or value != int(value) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
        thresholds.check_parameters(k=k, contamination=contamination, value=threshold_value)
        # every network setting is checked now, not when fit builds the network (sizes stand in for the data's)
        checked = LSTMConfig(n_in=1, n_out=2, hidden_sizes=hidden_sizes, layer_type=layer_type, seed=seed, learning_rate=learning_rate,
                             updater=updater, momentum=momentum, l2=l2, dropout=dropout, lr_schedule=lr_schedule)
        self.hidden_sizes = _kept(hidden_sizes, checked.hidden_sizes)
        self.layer_type = layer_type
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.learning_rate = checked.learning_rate
        self.updater = updater
        self.momentum = checked.momentum
        self.l2 = checked.l2
        self.dropout = checked.dropout
        self.lr_schedule = lr_schedule
        self.seed = checked.seed
        self.patience = int(patience)
        self.validation_fraction = float(validation_fraction)
        self.threshold = threshold
        self.k = float(k)
        self.contamination = float(contamination)
        self.threshold_value = threshold_value
        self.normalize = bool(normalize)
        self.progress = progress
        self.network_: Optional[Network] = None
        self.threshold_: Optional[float] = None
        self.threshold_method_: Optional[dict] = None
        self.feature_names_: list = []
        self.history_: Optional[FitHistory] = None
        self.pipeline_ = None
        self.decision_scores_: Optional[np.ndarray] = None
        self.labels_: Optional[np.ndarray] = None
        self.updates_: Optional[list] = None
        self.trained_on_: Optional[dict] = None

    def _lstm_config(self, n_in: int, n_out: int, class_weights) -> LSTMConfig:
        """The network's :class:`LSTMConfig` (raises ``ValueError`` naming a bad setting)."""
        return LSTMConfig(n_in=n_in, n_out=n_out, hidden_sizes=self.hidden_sizes, layer_type=self.layer_type,
                          seed=self.seed,
                          learning_rate=self.learning_rate, updater=self.updater, momentum=self.momentum,
                          l2=self.l2, dropout=self.dropout, lr_schedule=self.lr_schedule,
                          class_weights=class_weights)

    # -- what subclasses define ----------------------------------------------------------------
    def scoring(self) -> dict:
        """The ``"scoring"`` object of the detector file: everything DetectorScoring needs."""
        raise NotImplementedError

    def _n_out(self, batch: SequenceBatch, y) -> int:
        raise NotImplementedError

    def _warn_unread_threshold_settings(self) -> None:
        """A threshold setting given for a method fit will not use (``threshold="best_f1"`` with
        ``threshold_value=0.3``) was ignored without a word: a warning says which method decides."""
        defaults = {name: inspect.signature(type(self).__init__).parameters.get(name) for name in
                    ("threshold_value", "k", "contamination")}
        base = inspect.signature(BaseDetector.__init__).parameters
        for name, reader in (("threshold_value", "fixed"), ("k", "k_sigma"), ("contamination", "contamination")):
            parameter = defaults[name] if defaults[name] is not None else base[name]
            value = getattr(self, name)
            if self.threshold != reader and value is not None and value != parameter.default:
                log.warning("%s: %s=%r is used only by threshold=%r (or calibrate(method=%r)); fit chooses the "
                            "threshold by %r", type(self).__name__, name, value, reader, reader, self.threshold)

    def _check_training_batch(self, batch: SequenceBatch) -> None:
        """Refuse training data this kind of detector cannot learn from (a ValueError saying what to do)."""

    def _training_targets(self, batch: SequenceBatch, y) -> np.ndarray:
        """Class id per step ``[batch, time]``, -1 where a step is not trained on."""
        raise NotImplementedError

    def _check_targets(self, batch: SequenceBatch, y) -> None:
        """Refuse, before the validation split, targets :meth:`_training_targets` would refuse after it (a
        ShapeError naming ``[batch i, step t]`` of the batch the caller gave, not of its training part)."""

    def _class_weights(self, targets: np.ndarray, n_out: int, sample_weight) -> tuple:
        return tuple([1.0] * n_out)

    def _weighed_sequences(self, batch: SequenceBatch) -> np.ndarray:
        """bool ``[batch]``: the sequences a weight counts for (trained on, validated and measured); a next-value
        detector's: those with a step with a next one."""
        return np.ones(len(batch), dtype=bool)

    def _validation_weighs(self) -> bool:
        """Whether the validation sequences' weights decide anything: early stopping (``patience``) or a threshold
        chosen from their scores (a next-value detector's residual variances are then measured on the training
        sequences instead: see :meth:`_weightless_validation_note`)."""
        return self.patience > 0 or self.threshold in ("k_sigma", "contamination", "best_f1")

    def _weightless_validation_note(self) -> str:
        """What the fit does instead when every validation sequence weighs 0 and nothing else reads them, for the
        warning that says so ("" : nothing)."""
        return ""

    def _check_weights_left(self, batch: SequenceBatch, weights, validation: Optional[SequenceBatch],
                            validation_weight, calibration_labels, split_from) -> None:
        """Refuse, before training, weights that leave a part of the fit with nothing to weigh.

        ``batch`` / ``weights`` are the training part, ``validation`` / ``validation_weight`` the validation part
        (given, or the automatic split's: ``split_from`` is then ``(n, indices)``, the size of the batch as given
        and the validation indices in it), ``calibration_labels`` the 0/1 labels the threshold is chosen with.
        Weight 0 means "does not count", so a part whose every sequence weighs 0 has no loss to learn or to stop
        early on, and no statistics to choose a threshold from (NaN; the fit failed in the threshold after the
        whole training); choosing it unweighted instead would count the very sequences the weights excluded. A
        validation part that decides nothing (``patience=0`` and a ``fixed`` or ``top_g`` threshold) is only warned
        about (its loss in ``history_`` is 0).

        Raises
        ------
        ShapeError
            Naming the weights, the part, how many sequences it holds, and what to do.
        """
        name = type(self).__name__
        split = split_from is not None
        if weights is not None:
            counted = self._weighed_sequences(batch)
            if counted.any() and not (weights[counted] > 0).any():
                if split and (validation_weight > 0).any():   # the split took every weighted sequence
                    n, val_idx = split_from
                    raise ShapeError(
                        f"{name}.fit: sample_weight gives weight 0 to every one of the {int(counted.sum())} training "
                        f"sequences left after the automatic validation split (validation_fraction="
                        f"{self.validation_fraction:g}: {len(val_idx)} of the {n} sequences, drawn with seed="
                        f"{self.seed}, hold every weight > 0), so training would have nothing to learn: give more "
                        "sequences a weight > 0, pass validation=... yourself, or set validation_fraction=0")
                every = counted.sum() + (0 if not split else self._weighed_sequences(validation).sum())
                raise ShapeError(f"{name}.fit: sample_weight gives weight 0 to every training sequence "
                                 f"({int(every)}), so training would have nothing to learn: give some of "
                                 "them a weight > 0")
        if validation is None:   # the threshold is chosen on the training part, checked above
            v_weights, labels = weights, calibration_labels
            part = "training"
            counted = None if weights is None else self._weighed_sequences(batch)
        else:
            v_weights, labels = validation_weight, calibration_labels
            part = "validation"
            counted = None if v_weights is None else self._weighed_sequences(validation)
        if v_weights is None:
            return
        if validation is not None and counted.any() and not (v_weights[counted] > 0).any():
            if not self._validation_weighs():
                log.warning("%s.fit: %s gives weight 0 to every validation sequence (%d), so the validation loss in "
                            "history_ is 0 at every epoch and says nothing (nothing else reads it: patience=0, "
                            "threshold=%r)%s", name, "validation_weight" if not split else
                            "sample_weight, in the automatic validation split,", int(counted.sum()), self.threshold,
                            self._weightless_validation_note())
                return
            if split:
                n, val_idx = split_from
                shown = ", ".join(str(int(i)) for i in val_idx[:10]) + (", ..." if len(val_idx) > 10 else "")
                raise ShapeError(
                    f"{name}.fit: the automatic validation split (validation_fraction={self.validation_fraction:g}: "
                    f"{len(val_idx)} of the {n} sequences, drawn with seed={self.seed}: batch indices {shown}) holds "
                    "only sequences of sample_weight 0, so its loss (early stopping) and the threshold would have "
                    "nothing to weigh: give some of those sequences a weight > 0, pass validation=... with "
                    "validation_weight > 0, or set validation_fraction=0 (no early stopping; the threshold is then "
                    "chosen on the training sequences)")
            raise ShapeError(f"{name}.fit: validation_weight gives weight 0 to every validation sequence "
                             f"({int(counted.sum())}), so the validation loss (early stopping) and the threshold would "
                             "have nothing to weigh: give some of them a weight > 0, or leave validation_weight out "
                             "(each validation sequence then weighs 1)")
        what = ("validation_weight" if validation is not None and not split else "sample_weight")
        labels = np.asarray(labels).reshape(-1) > 0
        needed = {"k_sigma": [("normal", ~labels)], "best_f1": [("normal", ~labels), ("anomalous", labels)]}
        for kind, members in needed.get(self.threshold, []):
            members = members & counted
            if members.any() and not (v_weights[members] > 0).any():
                use = ("the mean and standard deviation of the normal ones' scores" if self.threshold == "k_sigma"
                       else "the F1 of both classes")
                raise ShapeError(
                    f"{name}.fit: threshold={self.threshold!r} takes {use}, but {what} gives weight 0 to every "
                    f"{kind} {part} sequence ({int(members.sum())})"
                    + (" of the automatic validation split" if split and part == "validation" else "")
                    + ": give some of them a weight > 0"
                    + (", pass validation=... with validation_weight > 0 on both classes" if part == "validation"
                       else "") + ", or use another threshold")

    def _check_validation_batch(self, validation: SequenceBatch, given: bool) -> None:
        """Refuse validation sequences (``given``: passed as ``validation=``, else the held-out block) this kind
        cannot validate or choose its threshold on, before the training (ValueError)."""

    def _fit_plan(self, batch: SequenceBatch, pipeline) -> dict:
        """What a subclass decides from the training batch and pipeline before training (checked first):
        ``{"n_out": width, "fit": {Network.fit options}, "learned": {fitted attribute: value}}``, each optional."""
        return {}

    def _fit_options(self) -> dict:
        """Further :meth:`dl4j_bridge.Network.fit` options of an :meth:`update` (a next-value fit's targets)."""
        return {}

    def _after_training(self, batch: SequenceBatch, validation: Optional[SequenceBatch], weights=None,
                        validation_weight=None) -> dict:
        """Fitted attributes a subclass measures with the trained network (called on the new state, before the
        threshold is chosen), as ``{name: value}``; ``weights`` and ``validation_weight`` (``[batch]`` or None) are
        the sequences' weights of the fit."""
        return {}

    def _learn_targets(self, targets: np.ndarray, n_out: int) -> dict:
        """Fitted attributes a subclass takes from the training targets ``[batch, time]`` (-1 = none), as
        ``{name: value}``: computed (and checked) before training, set once training succeeded."""
        return {}

    def _restore_fitted(self, scoring: dict, document: Optional[dict] = None) -> None:
        """Fitted state a subclass keeps in its saved ``scoring`` object (see :meth:`scoring`) or in the keys of
        :meth:`_saved_state` of the saved ``document``."""

    def _saved_state(self) -> dict:
        """Fitted state, beyond the scoring, that a subclass saves as keys of its detector document."""
        return {}

    def get_params(self, deep: bool = True) -> dict:
        """Constructor parameters (saved with the model), as scikit-learn's ``get_params``.

        Parameters
        ----------
        deep : bool
            Accepted for scikit-learn (``sklearn.base.clone``); no parameter is an estimator, so it changes
            nothing.

        Returns
        -------
        dict
            ``{name: value}``; ``type(self)(**get_params())`` is an unfitted detector with the same settings.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    #: Parameters that only shape training: changing them leaves a fitted detector's scores and threshold as
    #: they are (they take effect at the next :meth:`fit`).
    TRAINING_PARAMS = frozenset({"hidden_sizes", "layer_type", "epochs", "batch_size", "learning_rate", "updater", "momentum",
                                 "l2", "dropout", "lr_schedule", "seed", "patience", "validation_fraction",
                                 "normalize", "progress", "class_weight", "n_classes", "n_events", "target_columns"})

    def set_params(self, **params) -> "BaseDetector":
        """Change constructor parameters, checked as the constructor checks them (scikit-learn's
        ``set_params``). A fitted network is kept.

        Training parameters (:attr:`TRAINING_PARAMS`) take effect at the next :meth:`fit`. Any other change
        (how sequences are scored, how the threshold is chosen) takes effect at once, so a fitted detector's
        ``threshold_`` -- chosen for the old scores -- is unset (with a warning), as :meth:`with_params` does:
        call :meth:`calibrate` (or :meth:`fit`) before :meth:`predict` or :meth:`save`.

        Returns
        -------
        self
        """
        names = self._param_names()
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no parameters {unknown}; its parameters are {names}")
        checked = type(self)(**{**self.get_params(), **params})
        self._check_scoring_change(checked)
        changed = {name for name in names if getattr(checked, name) != getattr(self, name)}
        for name in names:
            setattr(self, name, getattr(checked, name))
        if self.network_ is not None and changed - self.TRAINING_PARAMS:
            self._scoring_params_changed(changed)
            if self.threshold_ is not None:
                log.warning("%s: set_params changed %s, so the threshold %s chosen for the old scores is unset: "
                            "call calibrate(batch) before predict or save", type(self).__name__,
                            sorted(changed - self.TRAINING_PARAMS), self.threshold_)
            self.threshold_ = self.threshold_method_ = None
            self.decision_scores_ = self.labels_ = None
        return self

    def _check_scoring_change(self, new: "BaseDetector") -> None:
        """Refuse (``ValueError``) scoring parameters of ``new`` that this detector's fitted network cannot
        take, before :meth:`set_params` changes anything."""

    def _scoring_params_changed(self, changed: set) -> None:
        """Fitted state a subclass derives from scoring parameters that :meth:`set_params` just changed."""

    def __sklearn_is_fitted__(self) -> bool:
        """For ``sklearn.utils.validation.check_is_fitted``: a trained network (the threshold may still be
        missing; scoring says so)."""
        return self.network_ is not None

    #: scikit-learn < 1.6's is_outlier_detector reads this; 1.6 and later read __sklearn_tags__.
    _estimator_type = "outlier_detector"

    def __sklearn_tags__(self):
        """scikit-learn's estimator tags (scikit-learn >= 1.6 asks for them in ``check_is_fitted`` and
        ``clone``): an outlier detector that needs no target and takes a ``SequenceBatch``, not a 2-D array.
        Defined here rather than by inheriting ``BaseEstimator`` because scikit-learn is optional."""
        try:
            from sklearn.utils import InputTags, Tags, TargetTags
        except ImportError as error:  # older scikit-learn has no tags and never asks for them
            raise AttributeError("__sklearn_tags__ needs scikit-learn >= 1.6") from error
        return Tags(estimator_type="outlier_detector", target_tags=TargetTags(required=False),
                    input_tags=InputTags(two_d_array=False), non_deterministic=False)

    def __repr__(self) -> str:
        """``NextEventDetector(top_g=9, hidden_sizes=(64, 64))``: the parameters that differ from the defaults, as
        scikit-learn shows an estimator."""
        try:
            defaults = type(self)().get_params()
        except Exception:   # noqa: BLE001 - a subclass whose constructor needs arguments: show every parameter
            defaults = {}
        changed = {k: v for k, v in self.get_params().items() if k not in defaults or not _same_value(defaults[k], v)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _param_names(self):
        import inspect

        names = []
        for cls in type(self).__mro__:
            if "__init__" in cls.__dict__:
                names += [p for p in inspect.signature(cls.__init__).parameters
                          if p not in ("self", "kwargs", "args", "unknown")]
        return list(dict.fromkeys(names))

    # -- training -----------------------------------------------------------------------------
    def fit(self, batch: SequenceBatch, y=None, *, sample_weight=None, validation: Optional[SequenceBatch] = None,
            validation_weight=None, pipeline=None) -> "BaseDetector":
        """Train the network, then choose ``threshold_`` on the validation data.

        Everything that can be checked without training is checked first: the batches, the weights, the
        threshold method against the score (``top_g``) and the validation labels (``best_f1``).

        Parameters
        ----------
        batch : SequenceBatch
            Training sequences (``x [batch, time, features]``, ``mask``, ids, labels).
        y : numpy.ndarray, optional
            Per-step classes ``[batch, time]`` (classifier; default ``batch.step_labels``). When given, the
            sequence labels of the training batch come from it too (1 where a real step is one of
            ``positive_classes``), for the validation split, ``best_f1`` and ``k_sigma``, instead of
            ``batch.labels``.
        sample_weight : numpy.ndarray, optional
            ``[batch]``: e.g. the count of each deduplicated sequence. The threshold statistics are weighted
            exactly as if the sequences were repeated. In training, a sequence's loss and gradient are ``w``
            times its own, but DL4J divides a minibatch's loss by its number of sequences, not by their total
            weight, so each step is also scaled by the minibatch's mean weight (see
            :meth:`dl4j_bridge.Network.fit`): Adam (the next-event default) hardly notices; with ``sgd`` or
            ``nesterovs`` pass ``w / w.mean()`` to keep the unweighted step size.
        validation : SequenceBatch, optional
            For early stopping and the threshold (its ``labels`` are used by ``best_f1`` and ``k_sigma``). Default: a
            seeded ``validation_fraction`` of ``batch`` (none for fewer than 10 sequences: a warning says so).
        validation_weight : numpy.ndarray, optional
            ``[batch]`` weights of ``validation``.
        pipeline : dl4j_bridge.etl.Pipeline, optional
            The fitted ETL that made the batches; saved with the model and used to name templates.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            ``batch`` (or ``validation``) is not a :class:`~dl4j_bridge.etl.SequenceBatch`.
        ValueError
            A setting that cannot work with this detector or data (before any training); a
            :class:`~dl4j_bridge.errors.ShapeError` (a ValueError) for arrays of other shapes or values, and for
            validation features other than the batch's.
        TrainingDivergedError
            The loss or the parameters stopped being finite: lower ``learning_rate``, or, when the message says
            the weights' scale can overflow the float32 loss, normalise ``sample_weight`` (``w / w.mean()``). The
            detector keeps its previous state (unfitted, or its previous network).
        """
        self._check_threshold_method(self.threshold)
        self._warn_unread_threshold_settings()
        batch = check_batch(batch)
        given_validation = validation is not None
        if validation is not None:  # checked now, not after the training it would end
            validation = check_batch(validation, n_in=batch.x.shape[2], name="validation")
            _check_same_features(list(batch.feature_names or []), validation,
                                 None if pipeline is None else list(pipeline.feature_names), "validation")
        weights = None if sample_weight is None else shapes.check_per_sequence(
            sample_weight, len(batch), what="sample_weight", non_negative=True).astype(np.float64)
        y_all = None if y is None else shapes.check_steps(y, batch.x.shape[:2], what="y")
        # 0/1 per sequence, from y when given (the validation split, best_f1 and k_sigma read the same labels
        # the network trains on)
        seq_labels = self._sequence_labels(batch, y_all)
        self._check_training_batch(batch)
        self._check_targets(batch, y_all)   # on the batch as given: an error names its indices, not the split's
        plan = self._fit_plan(batch, pipeline)
        # the network's width from every sequence given, before any is held out for validation
        if "n_out" in plan:
            n_out = int(plan["n_out"])
        else:
            n_out = self._n_out(batch, y_all)
            if validation is not None:
                n_out = max(n_out, self._n_out(validation, None))
        split_from = None   # the batch as given and the indices of the automatic validation split, if any
        if validation is not None and validation_weight is not None:   # before the split below, which sets it
            validation_weight = shapes.check_per_sequence(validation_weight, len(validation), what="validation_weight",
                                                          non_negative=True).astype(np.float64)
        if validation is None and self.validation_fraction > 0 and len(batch) >= 10:
            val_idx, train_idx = self._validation_split(batch, seq_labels)
            split_from = (len(batch), val_idx)
            validation = take(batch, val_idx)
            validation_weight = None if weights is None else weights[val_idx]
            batch = take(batch, train_idx)
            weights = None if weights is None else weights[train_idx]
            y_val = None if y_all is None else y_all[val_idx]
            y_all = None if y_all is None else y_all[train_idx]
            val_labels = seq_labels[val_idx]
            seq_labels = seq_labels[train_idx]
        else:
            y_val = None
            val_labels = None if validation is None else self._sequence_labels(validation, None)
            if validation is None and self.validation_fraction > 0:
                log.warning("%s.fit: only %d training sequences, so no validation_fraction=%g is held out (that "
                            "needs >= 10): no early stopping (patience=%d is ignored) and the threshold is chosen "
                            "on the training sequences; pass validation=... to have both",
                            type(self).__name__, len(batch), self.validation_fraction, self.patience)
        # the labels the threshold is chosen with (validation sequences, else the training ones)
        calibration_labels = seq_labels if validation is None else val_labels
        # weights of 0 on every sequence of a part: the fit failed in the threshold's statistics after the training
        self._check_weights_left(batch, weights, validation, validation_weight, calibration_labels, split_from)
        what = "validation.labels" if given_validation else "y" if y is not None else "batch.labels"
        if self.threshold == "best_f1":   # checked now, not after the training it would end
            if not (np.any(calibration_labels) and not np.all(calibration_labels)):
                raise ValueError(f"threshold='best_f1' needs validation sequences of both classes (sequence labels 0 "
                                 f"and 1, from {what}): pass validation=... holding both, or use another threshold")
        if self.threshold == "k_sigma" and np.all(calibration_labels):
            raise ValueError(f"threshold='k_sigma' takes mean + k standard deviations over normal validation "
                             f"sequences, but all {len(calibration_labels)} are labelled anomalous (from {what}): "
                             "pass validation=... holding normal sequences, or use threshold='best_f1' or "
                             "'contamination'")
        if validation is not None:   # checked now, not after the training
            self._check_validation_batch(validation, given_validation)
        targets = self._training_targets(batch, y_all)
        learned = {**self._learn_targets(targets, n_out), **plan.get("learned", {})}
        config = self._lstm_config(int(batch.x.shape[2]), n_out, self._class_weights(targets, n_out, weights))
        net = Network(config)
        step_w = None if weights is None else np.repeat(weights[:, None], batch.x.shape[1], axis=1)
        val = None
        if validation is not None:
            validation = check_batch(validation)
            v_targets = self._training_targets(validation, y_val)
            v_w = None if validation_weight is None else np.repeat(
                np.asarray(validation_weight, np.float64)[:, None], validation.x.shape[1], axis=1)
            if v_w is None and step_w is not None:   # [batch, time] of the validation (a next-value fit has no
                v_w = np.ones(validation.x.shape[:2])   # targets array: they are built on the JVM)
            val = (validation.x, v_targets, validation.mask, v_w) if v_w is not None \
                else (validation.x, v_targets, validation.mask)
        history = net.fit(batch.x, targets, batch.mask, epochs=self.epochs, batch_size=self.batch_size,
                          validation=val, shuffle=True, patience=self.patience if val is not None else 0,
                          progress=self.progress, sample_weight=step_w, fit_normalizer=self.normalize,
                          **plan.get("fit", {}))
        # A fit is all or nothing, and so is what other threads see: the new state is built on a shallow copy
        # (its threshold chosen there) and becomes this detector's in one step. An error or Ctrl-C while choosing
        # the threshold leaves the previous network and threshold; a thread scoring meanwhile sees the previous
        # detector or the new one whole, never a new network without its threshold.
        new = object.__new__(type(self))
        new.__dict__.update(vars(self))
        for name, value in learned.items():
            setattr(new, name, value)
        new.history_ = history
        new.network_ = net
        # what the network was trained with: saved as its params, whatever set_params changes before a refit
        new._trained_with_ = {k: v for k, v in self.get_params().items() if k in self.TRAINING_PARAMS}
        new.feature_names_ = list(batch.feature_names)
        new.pipeline_ = pipeline
        # the pipeline's features now: a pipeline refitted since makes other ones, which are refused
        new._pipeline_names_ = None if pipeline is None else list(pipeline.feature_names)
        new.threshold_ = new.threshold_method_ = new.decision_scores_ = new.labels_ = None
        new.updates_ = None
        new.trained_on_ = nd4j_runtime()
        for name, value in new._after_training(batch, validation, weights, validation_weight).items():
            setattr(new, name, value)
        log.info("%s: %d epochs (best %d) in %.1fs", type(self).__name__, history.epochs_completed,
                 history.best_epoch + 1, history.seconds)
        if validation is not None:
            new._calibrate(validation, self.threshold, val_labels, validation_weight, {})
        else:
            scores = new._calibrate(batch, self.threshold, seq_labels, weights, {})
            if scores is not None:   # PyOD's training scores, when choosing the threshold computed them
                new.decision_scores_ = scores
                new.labels_ = (scores > new.threshold_).astype(np.int64)
        vars(self).update(vars(new))   # one dict update: no Python code runs between its keys
        return self

    def update(self, batch: SequenceBatch, y=None, *, sample_weight=None, epochs: int = 20,
               learning_rate: Optional[float] = None, batch_size: Optional[int] = None) -> "BaseDetector":
        """Train the fitted network further on ``batch``, keeping ``threshold_``: DeepLog's online update.

        For sequences a user found normal although they were flagged (false positives), so that they and
        sequences like them stop being flagged without training from scratch. The network trains on a copy of
        itself, with its own training settings but ``learning_rate``, and the result becomes a new ``network_``
        (as :meth:`fit` makes one) only when that training succeeded: an error or Ctrl-C leaves the detector
        as it was. Each update is recorded in ``updates_`` and saved with the detector.

        A network trained on the new sequences alone can forget what it learned before: pass them together with
        (a sample of) the normal training data, or keep ``epochs`` and ``learning_rate`` small, and check the
        updated detector on held-out normal data before saving it.

        The result depends only on what the detector file holds and on this update's data and settings: the copy
        is the network a save and load would give, with a fresh updater (Adam's moments and momentum zero; a
        detector file holds none; its iteration and epoch counts at 0 with them, so that Adam's bias correction
        fits its zeroed moments and every step is of ``learning_rate``, a ``lr_schedule`` not followed; the saved
        counts stay the fit's) and, for dropout, the random state of a network restored from a file (the one
        after a build of its configuration), never the fit's or a previous update's. So ``fit``, ``update(a)``,
        ``update(b)`` in memory save the same bytes as saving and loading before each update.

        Parameters
        ----------
        batch : SequenceBatch
            Sequences to learn, ``x [batch, time, features]`` with the features of the fit (from the detector's
            own pipeline: ``detector.pipeline_.transform(...)``).
        y : numpy.ndarray, optional
            Per-step classes ``[batch, time]`` (classifier; default ``batch.step_labels``), each one of the classes
            the network was trained with.
        sample_weight : numpy.ndarray, optional
            ``[batch]``, as in :meth:`fit`.
        epochs : int
            Passes over ``batch`` (default 20). A few sequences make one minibatch: one update of the weights
            per epoch.
        learning_rate : float, optional
            Default: the detector's own ``learning_rate``.
        batch_size : int, optional
            Default: the detector's ``batch_size``.

        Returns
        -------
        self

        Raises
        ------
        NotFittedError
            Before :meth:`fit` (or without a threshold).
        ValueError
            Features other than the fit's, a target the network has no output for (an event id or class beyond
            its ``n_out``), or a bad setting; checked before any training.
        TrainingDivergedError
            The copy's loss stopped being finite: lower ``learning_rate``. The detector is unchanged.
        """
        self._update(batch, y, sample_weight=sample_weight, epochs=epochs, learning_rate=learning_rate,
                     batch_size=batch_size)
        return self

    def _update(self, batch: SequenceBatch, y=None, *, sample_weight=None, epochs: int = 20,
                learning_rate: Optional[float] = None, batch_size: Optional[int] = None) -> tuple:
        """:meth:`update`; returns the 0/1 flags ``[batch]`` of every sequence before and after it (the command
        line splits them by file without scoring the batch twice more)."""
        self._check_fitted()
        net = self.network_
        net._refuse_if_diverged("be updated")
        batch = check_batch(batch, n_in=net.config.n_in)
        self._check_feature_names(batch)
        epochs = shapes.check_count(epochs, "epochs")
        batch_size = self.batch_size if batch_size is None else shapes.check_count(batch_size, "batch_size")
        base_rate = float((getattr(self, "_trained_with_", None) or {}).get("learning_rate", self.learning_rate))
        rate = base_rate if learning_rate is None else learning_rate
        if not _is_number(rate) or rate <= 0 or rate > shapes.FLOAT32_MAX:   # DL4J's float32: 1e39 did nothing
            raise ValueError(f"learning_rate must be a number > 0 within float32's range, got {learning_rate!r}")
        weights = None if sample_weight is None else shapes.check_per_sequence(
            sample_weight, len(batch), what="sample_weight", non_negative=True).astype(np.float64)
        if weights is not None:   # as fit: weights of 0 everywhere trained nothing, and said "update again"
            counted = self._weighed_sequences(batch)
            if counted.any() and not (weights[counted] > 0).any():
                raise ShapeError(f"{type(self).__name__}.update: sample_weight gives weight 0 to every sequence "
                                 f"({int(counted.sum())}), so the update would learn nothing: give the sequences to "
                                 "learn a weight > 0")
        y_all = None if y is None else shapes.check_steps(y, batch.x.shape[:2], what="y")
        self._check_training_batch(batch)
        targets = self._update_targets(self._training_targets(batch, y_all))
        # the sequences whose flags say whether the update worked: those it should find normal
        judged = self._normal_for_update(batch, y_all)
        n_out = int(net.config.n_out)
        if targets is not None and targets.size and int(targets.max()) >= n_out:
            raise ValueError(f"a target of the update batch is {int(targets.max())}, but the network has {n_out} "
                             f"outputs (0 to {n_out - 1}): an update cannot add {self._output_word()}; fit anew "
                             "with data that holds it")
        learned = self._learned_by_update(targets)
        flags_before = self.predict(batch)
        flagged_before = int(flags_before[judged].sum())
        # One rule: an update depends only on what the detector file holds (parameters, configuration, normalizer,
        # threshold, ...) and on its data and settings. So it trains the network a save and load would give, even
        # right after fit: no updater state (Adam's moments and momentum start at zero, as after a load; a file
        # holds none) and the random state of a network restored from a file, not the fit's or a previous
        # update's, which no file holds.
        # Its iteration and epoch counts start at 0 with its new updater state: Adam's bias correction then fits its
        # zeroed moments and every step is of the given rate (the fit's count made the first ones 0.64 times it
        # after 40 iterations, several times it after thousands); a lr_schedule is dropped for that fixed rate.
        work = net._update_copy(float(rate))
        step_w = None if weights is None else np.repeat(weights[:, None], batch.x.shape[1], axis=1)
        history = work.fit(batch.x, targets, batch.mask, epochs=epochs, batch_size=batch_size, shuffle=True,
                           progress=self.progress, sample_weight=step_w, **self._fit_options())
        # the trained weights in a network with the original settings (learning rate), as a load of the saved
        # result gives it: no updater or random state of its own (the next update starts from the same ones)
        updated = net._restarted_copy()
        with java_errors(), updated.lock, work.lock:
            updated.java.setParams(work.java.params())
        # a new network, as fit makes: a copy.copy or with_params sibling keeps the network it shared; the new
        # state is built aside and becomes this detector's in one step, as in fit
        new = object.__new__(type(self))
        new.__dict__.update(vars(self))
        new.network_ = updated
        for name, value in learned.items():
            setattr(new, name, value)
        # PyOD's training scores were those of the network before the update
        new.decision_scores_ = new.labels_ = None
        flags_after = new.predict(batch)
        flagged_after = int(flags_after[judged].sum())
        new.updates_ = list(getattr(self, "updates_", None) or []) + [{
            "sequences": int(len(batch)), "epochs": int(history.epochs_completed), "learning_rate": float(rate),
            "loss_first": float(history.epoch_scores[0]) if len(history.epoch_scores) else None,
            "loss_last": float(history.epoch_scores[-1]) if len(history.epoch_scores) else None,
            "flagged_before": flagged_before, "flagged_after": flagged_after, **nd4j_runtime()}]
        vars(self).update(vars(new))
        log.info("%s.update: %d sequences, %d epochs at learning rate %g, loss %s -> %s; flagged %d -> %d",
                 type(self).__name__, len(batch), history.epochs_completed, rate, self.updates_[-1]["loss_first"],
                 self.updates_[-1]["loss_last"], flagged_before, flagged_after)
        if flagged_after > flagged_before:   # worse: the only advice is to step less far
            log.warning("%s.update: %d of the %d sequences it should find normal are flagged after it, %d before: the "
                        "update went too far; update the previous model with fewer epochs or a smaller learning_rate",
                        type(self).__name__, flagged_after, int(judged.sum()), flagged_before)
        elif flagged_after:
            unknown = self._flagged_for_unknown_events(take(batch, np.flatnonzero(judged)))
            advice = ""
            if unknown:
                advice += (f"; {unknown} of them for an event the ETL does not know (the unknown-template id is always "
                           "unexpected, and no update changes that: fit anew with a pipeline fitted on logs holding it)")
            if flagged_after > unknown:
                advice += ("; " if unknown else ": ") + ("the others: " if unknown else "") + \
                    "update again, with more epochs or a larger learning_rate"
            log.warning("%s.update: %d of the %d sequences it should find normal are still flagged (%d before)%s",
                        type(self).__name__, flagged_after, int(judged.sum()), flagged_before, advice)
        return flags_before, flags_after

    def _flagged_for_unknown_events(self, batch: SequenceBatch) -> int:
        """How many flagged sequences of ``batch`` an event outside the vocabulary decides (0 for a classifier)."""
        return 0

    def _output_word(self) -> str:
        return "an output"

    def _update_targets(self, targets: np.ndarray) -> np.ndarray:
        """The targets ``[batch, time]`` :meth:`update` trains on (-1: no loss at that step)."""
        return targets

    def _normal_for_update(self, batch: SequenceBatch, y) -> np.ndarray:
        """bool ``[batch]``: the sequences of an update batch the detector should find normal, whose flags before
        and after say whether the update worked (a classifier: those labelled normal)."""
        return self._sequence_labels(batch, y) == 0

    def _learned_by_update(self, targets: np.ndarray) -> dict:
        """Fitted attributes a subclass changes when :meth:`update` trains on ``targets`` ``[batch, time]``."""
        return {}

    def _sequence_labels(self, batch: SequenceBatch, y) -> np.ndarray:
        """0/1 per sequence (1 = anomalous): ``batch.labels`` (a subclass that trains on ``y`` derives them from
        it when given)."""
        return (np.asarray(batch.labels).reshape(-1) > 0).astype(np.int64)

    def _validation_split(self, batch: SequenceBatch, labels=None) -> tuple:
        """(validation indices, training indices): a seeded ``validation_fraction`` of the sequences. For
        ``best_f1``, when that draw holds one class only but the batch holds both (``labels``, default
        ``batch.labels``), the fraction is drawn from each class instead (at least one of each)."""
        rng = np.random.default_rng(self.seed)
        n_val = max(1, int(round(self.validation_fraction * len(batch))))
        val_idx = np.sort(rng.permutation(len(batch))[:n_val])
        labels = np.asarray(batch.labels if labels is None else labels).reshape(-1) > 0
        drawn = labels[val_idx]
        if self.threshold == "best_f1" and labels.any() and not labels.all() and (drawn.all() or not drawn.any()):
            picked = []
            for members in (np.flatnonzero(labels), np.flatnonzero(~labels)):
                share = max(1, int(round(self.validation_fraction * len(members))))
                picked.append(rng.permutation(members)[:min(share, max(1, len(members) - 1))])
            val_idx = np.sort(np.concatenate(picked))
        return val_idx, np.setdiff1d(np.arange(len(batch)), val_idx)

    def calibrate(self, batch: SequenceBatch, *, method: Optional[str] = None, labels=None, sample_weight=None,
                  k: Optional[float] = None, contamination: Optional[float] = None,
                  threshold_value: Optional[float] = None) -> "BaseDetector":
        """Choose ``threshold_`` again, on ``batch``.

        Parameters
        ----------
        batch : SequenceBatch
            Clean data for ``k_sigma`` (or labelled: only the normal sequences count) and ``contamination``;
            labelled data for ``best_f1``. A threshold that flags nothing (at or above the largest score the
            detector can give, or above every validation score while some are labelled anomalous) is kept,
            with a warning.
        method : str, optional
            One of :data:`~dl4j_bridge.detectors.thresholds.METHODS`; default: the ``threshold`` parameter.
        labels : numpy.ndarray, optional
            ``[batch]`` 0/1 labels (default ``batch.labels``) for ``best_f1``, and for ``k_sigma``, whose mean
            and standard deviation are taken over the normal (0) sequences only. ``contamination`` counts every
            sequence. Other values (class ids, -1/+1) are a ValueError, as in ``evaluation.metrics``.
        sample_weight : numpy.ndarray, optional
            ``[batch]`` weights of the sequences (as if repeated).
        k, contamination, threshold_value : float, optional
            For this calibration, instead of the detector's ``k`` (``k_sigma``), ``contamination``
            (``contamination``) and ``threshold_value`` (``fixed``) parameters, which stay as they are;
            ``threshold_method_`` records the value used.

        Returns
        -------
        self
        """
        self._check_fitted(threshold=False)
        method = method or self.threshold
        self._check_threshold_method(method)
        thresholds.check_parameters(k=k, contamination=contamination, value=threshold_value)
        overrides = {"k": k, "contamination": contamination, "value": threshold_value}
        self._calibrate(batch, method, labels, sample_weight, {n: v for n, v in overrides.items() if v is not None})
        return self

    def _calibrate(self, batch: SequenceBatch, method: str, labels, sample_weight, overrides: dict):
        """Set ``threshold_`` by ``method`` on ``batch``; returns the scores it computed (None for ``top_g`` and
        ``fixed``, which need none)."""
        batch = check_batch(batch, n_in=self.network_.config.n_in)
        labels = self._sequence_labels(batch, None) if labels is None else \
            check_labels(shapes.check_per_sequence(_numeric(labels), len(batch), what="labels")).astype(np.int64)
        if method == "best_f1" and not (np.any(labels) and not np.all(labels)):   # before the scores are computed
            raise ValueError("best_f1 needs labelled sequences of both classes (labels 0 and 1)")
        if method == "k_sigma" and np.all(labels):
            raise ValueError(f"k_sigma takes mean + k standard deviations over normal sequences, but all {len(labels)} "
                             "sequences are labelled anomalous: calibrate on data holding normal sequences (labels "
                             "0), or use best_f1 or contamination")
        if sample_weight is not None:
            sample_weight = shapes.check_per_sequence(sample_weight, len(batch), what="sample_weight",
                                                      non_negative=True)
        scores = None if method in ("top_g", "fixed") else self.decision_function(batch)
        value = overrides.get("value", self.threshold_value)
        chosen = thresholds.choose(method, scores, labels=labels if method in ("best_f1", "k_sigma") else None,
                                   sample_weight=sample_weight,
                                   score=self.scoring().get("score", ""), k=overrides.get("k", self.k),
                                   contamination_share=overrides.get("contamination", self.contamination),
                                   value=value if value is not None else 0.5)
        self.threshold_ = chosen.value
        self.threshold_method_ = chosen.method
        self._warn_if_nothing_flagged(chosen, scores, labels)
        return scores

    def _max_score(self) -> Optional[float]:
        """The largest score this detector's scoring can give (None: unbounded or depends on the batch)."""
        return None

    def _warn_if_nothing_flagged(self, chosen: "thresholds.Threshold", scores, labels) -> None:
        """Warn when the threshold just chosen flags nothing: at or above the largest score the detector can
        give, or, on validation data holding sequences labelled anomalous, above every validation score."""
        name = type(self).__name__
        how = chosen.method.get("name")
        if how == "k_sigma":
            how = (f"k_sigma: mean {chosen.method['mean']:.4g} + {chosen.method['k']:g} x std "
                   f"{chosen.method['std']:.4g} over {chosen.method['n']} normal sequences")
        top = self._max_score()
        if top is not None and chosen.value >= top:
            log.warning("%s: the threshold %.6g (%s) is at or above %g, the largest score this detector can give "
                        "(%s), so predict will flag nothing. Choose another threshold (a lower k or "
                        "threshold_value, best_f1 or contamination) with calibrate(batch, method=...)",
                        name, chosen.value, how, top, self._score_range())
            return
        if scores is None or how == "contamination":   # contamination warns about its own flagged share
            return
        anomalous = np.asarray(labels).reshape(-1) > 0
        if anomalous.any() and chosen.value >= float(np.max(scores)):
            log.warning("%s: the threshold %.6g (%s) is above every one of the %d validation scores (the largest "
                        "is %.6g), so none of the %d sequences labelled anomalous there is flagged (recall 0). "
                        "Choose another threshold (a lower k, best_f1 or contamination) with calibrate(batch, "
                        "method=...)", name, chosen.value, how, len(scores), float(np.max(scores)),
                        int(anomalous.sum()))

    def _score_range(self) -> str:
        return "scores are at most 1"

    def _check_threshold_method(self, method: str) -> None:
        """Refuse a threshold method that cannot work with this detector's scores (before any training or
        scoring)."""
        if method not in thresholds.METHODS:
            raise ValueError(f"threshold method must be one of {thresholds.METHODS}, got {method!r}")
        if method == "top_g":
            score = self.scoring().get("score")
            if score is None:
                raise ValueError(f"{type(self).__name__} has no top-g rule (it is NextEventDetector's, for the count "
                                 "and share scores): use threshold='fixed', 'k_sigma', 'contamination' or 'best_f1'")
            thresholds.top_g(score)   # raises for the NLL scores, saying what to use instead

    def with_params(self, **changes) -> "BaseDetector":
        """A detector with other scoring parameters (e.g. ``score="max_nll"``) sharing this one's trained
        network; its threshold is unset until :meth:`calibrate`."""
        other = type(self)(**{**self.get_params(), **changes})
        self._check_scoring_change(other)   # as set_params: settings this network cannot take are refused now
        other.network_, other.feature_names_, other.pipeline_ = self.network_, self.feature_names_, self.pipeline_
        other._pipeline_names_ = getattr(self, "_pipeline_names_", None)
        other.history_ = self.history_
        other.updates_ = None if self.updates_ is None else [dict(u) for u in self.updates_]
        if getattr(self, "_trained_with_", None) is not None:
            other._trained_with_ = dict(self._trained_with_)
        other.trained_on_ = None if getattr(self, "trained_on_", None) is None else dict(self.trained_on_)
        return other

    # -- scoring ------------------------------------------------------------------------------
    def _ids(self, batch: SequenceBatch):
        return None, None

    def _state(self) -> "BaseDetector":
        """A shallow copy of this detector as it is now (one dict copy): a call that reads several fitted attributes
        reads them from it, so a refit or update in another thread (which swaps them in at once) gives it the old
        ones or the new ones, never a mix."""
        state = object.__new__(type(self))
        state.__dict__.update(vars(self))
        state._is_state = True
        return state

    def score_batch(self, batch: SequenceBatch, *, with_steps: bool = False) -> Scores:
        """Scores and explanations of every sequence: one call into the JVM."""
        if not getattr(self, "_is_state", False):   # score with the state of one moment (see _state)
            return type(self).score_batch(self._state(), batch, with_steps=with_steps)
        self._check_fitted(threshold=False)
        batch = check_batch(batch, n_in=self.network_.config.n_in)
        self._check_feature_names(batch)
        import jpype

        step_ids, next_ids = self._ids(batch)
        net = self.network_
        net._refuse_if_diverged("score")
        with interruptible() as stop, java_errors(), net.lock:   # Ctrl-C stops it before its next chunk
            result = jpype.JClass("io.dl4jbridge.DetectorScoring").score(
                net.java, net.normalizer, arrays.sequences_to_indarray(batch.x),
                arrays.steps_to_indarray(batch.mask, "mask"),
                None if step_ids is None else arrays.steps_to_indarray(step_ids, "step ids"),
                None if next_ids is None else arrays.to_indarray(np.asarray(next_ids, np.float32)),
                json.dumps(self.scoring()), bool(with_steps), stop)
        n, t = batch.x.shape[:2]
        g = int(result.expectedPerRow)
        return Scores(
            scores=_np(result.scores, np.float64), scored_steps=_np(result.scoredSteps, np.int64),
            unexpected_steps=_np(result.unexpectedSteps, np.int64), detail_step=_np(result.detailStep, np.int64),
            detail_actual=_np(result.detailActual, np.int64),
            detail_probability=_np(result.detailProbability, np.float64),
            expected=_np(result.expected, np.int64).reshape(n, g) if g else np.zeros((n, 0), np.int64),
            step_scores=_np(result.stepScores, np.float32).reshape(n, t) if with_steps else None,
            step_flags=_np(result.stepFlags, np.int8).reshape(n, t).astype(bool) if with_steps else None,
            step_ranks=_np(result.stepRanks, np.int64).reshape(n, t) if result.stepRanks is not None else None,
            unexpected_from=_np(result.unexpectedFrom, np.int64), unexpected_at=_np(result.unexpectedStep, np.int64),
            unexpected_actual=_np(result.unexpectedActual, np.int64),
            unexpected_probability=_np(result.unexpectedProbability, np.float64),
            detail_value=_np(result.detailValue, np.float64) if len(result.detailValue) else None,
            detail_prediction=_np(result.detailPrediction, np.float64) if len(result.detailPrediction) else None,
            detail_deviation=_np(result.detailDeviation, np.float64) if len(result.detailDeviation) else None)

    def _check_feature_names(self, batch: SequenceBatch) -> None:
        """Named features must be those of the fit, in its order (as scikit-learn checks): the same width with
        other features (another pipeline, reordered columns) was scored without a word. Names left at
        ``sequence_batch``'s default (``f0``, ``f1``, ...) on either side are not compared, nor a batch the
        detector's own pipeline made (what the JVM scorer scores with)."""
        _check_same_features(list(self.feature_names_ or []), batch, getattr(self, "_pipeline_names_", None), "batch")

    def decision_function(self, batch: SequenceBatch) -> np.ndarray:
        """Anomaly score per sequence, float64 ``[batch]``; higher = more anomalous."""
        return self.score_batch(batch).scores

    def predict(self, batch: SequenceBatch) -> np.ndarray:
        """1 where the score is above ``threshold_``, else 0: int ``[batch]``."""
        state = self._state()   # the network and threshold of one moment (a refit elsewhere swaps both at once)
        state._check_fitted()
        return (state.decision_function(batch) > state.threshold_).astype(np.int64)

    def step_scores(self, batch: SequenceBatch) -> np.ndarray:
        """Per-step scores, float32 ``[batch, time]`` (NaN where not scored)."""
        return self.score_batch(batch, with_steps=True).step_scores

    def explain(self, batch: SequenceBatch, *, flagged_only: bool = True, scores: Optional[Scores] = None) -> list:
        """Traceability: for every (flagged) sequence, its raw line numbers and what made it anomalous.

        Returns
        -------
        list of dict
            ``index``, ``key`` (then ``session``, for one of a key's sessions separated by ``Sessions(gap=...)``:
            0, 1, ...; then ``part``, for a part of a session split at ``max_length``: 0, 1, ...),
            ``score``, ``flagged``, ``line_numbers`` (real steps), ``unexpected_steps``,
            ``step`` (the explaining step) and ``line_number`` (its line); next event: ``actual_event``
            (the id that came), ``actual_line`` (its line: for the last step, the line of the record after
            the sequence, ``batch.next_lines``; None when that line is unknown, -1),
            ``expected_events`` (top-g ids, most probable first) and ``probability``; with a pipeline,
            ``actual_template`` / ``expected_templates`` texts; when ``unexpected_steps`` > 0, ``unexpected_lines``:
            every unexpected step in step order, ``{"line", "event", "probability"}`` (the line as ``actual_line``
            is found, None when unknown), the first 50 (Java's ``DetectorScores.MAX_LISTED_UNEXPECTED``) of them, with
            ``unexpected_lines_more`` (how many are not listed) when there were more.
            Classifier: ``predicted_class``, then ``predicted_label`` (that class's name, the label transform's
            ``classes[predicted_class]``; None when ``predicted_class`` is None; absent when the pipeline's label
            transform has no ``classes``, or there is no pipeline), ``probability``.
        """
        self._check_fitted()
        s = scores if scores is not None else self.score_batch(batch)
        flagged = s.scores > self.threshold_
        rows = []
        for i in np.flatnonzero(flagged) if flagged_only else range(len(s.scores)):
            real = batch.mask[i] > 0
            lines = batch.line_numbers[i][real]
            step = int(s.detail_step[i])
            row: dict[str, Any] = {"index": int(i), "key": _plain(batch.keys[i])}
            if getattr(batch, "sessions", None) is not None and batch.sessions[i] >= 0:
                row["session"] = int(batch.sessions[i])   # one of a key's sessions a gap separated (0, 1, ...)
            if getattr(batch, "parts", None) is not None and batch.parts[i] >= 0:
                row["part"] = int(batch.parts[i])   # a part of a session longer than max_length (0, 1, ...)
            row.update({
                "score": float(s.scores[i]), "flagged": bool(flagged[i]),
                "line_numbers": [int(v) for v in lines if v >= 0], "unexpected_steps": int(s.unexpected_steps[i]),
                "step": step,
                "line_number": int(batch.line_numbers[i, step]) if step >= 0 and batch.line_numbers[i, step] >= 0 else None,
            })
            row.update(self._explain_step(batch, s, int(i), step))
            rows.append(row)
        return rows

    def _explain_step(self, batch, s: Scores, i: int, step: int) -> dict:
        return {}

    # -- persistence --------------------------------------------------------------------------
    def save(self, path, *, pipeline=None, jvm_check: bool = True):
        """One ModelSerializer zip: network, normalizer, ETL spec, threshold (see :mod:`.persistence`).

        With a pipeline, the JVM scorer's own spec reader loads the ETL spec first (``jvm_check``, the default):
        a spec the JVM would refuse raises :class:`dl4j_bridge.jvmcheck.JVMIncompatibleSpecError`, naming the
        setting, and nothing is written; ``jvm_check=False`` saves a model for Python only."""
        from .persistence import save_detector

        return save_detector(self, path, pipeline=pipeline if pipeline is not None else self.pipeline_,
                             jvm_check=jvm_check)

    @classmethod
    def load(cls, path, *, trusted: bool = False) -> "BaseDetector":
        """Restore a detector saved by :meth:`save`.

        ``BaseDetector.load`` (like :func:`~dl4j_bridge.detectors.load_detector`) takes any kind;
        ``NextEventDetector.load``, ``NextValueDetector.load`` and ``SequenceClassifier.load`` refuse a file of another kind
        (:class:`~dl4j_bridge.detectors.persistence.DetectorFileError`, before the network is read); a subclass's
        ``load`` (``MyDetector(NextEventDetector)``) takes a file of its base's kind and returns a ``MyDetector``.
        """
        from .persistence import load_detector

        expected = None if cls is BaseDetector else cls
        return load_detector(path, trusted=trusted, _expected=expected)

    def _check_fitted(self, threshold: bool = True) -> None:
        if self.network_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(batch) first")
        if threshold and self.threshold_ is None:
            raise NotFittedError(f"{type(self).__name__} has no threshold: call calibrate(batch) first")


def nd4j_runtime() -> dict:
    """``{"nd4j_threads", "nd4j_cpu_build"}`` of this process's JVM (strings, as :func:`~dl4j_bridge.jvm_info`
    reports them): what trained weights depend on besides the seed and the data (another thread count can sum in
    another order), recorded with a fit and each update."""
    from ..session import jvm_info

    info = jvm_info()
    return {"nd4j_threads": str(info.get("nd4j.omp.threads", "?")),
            "nd4j_cpu_build": str(info.get("nd4j.cpu.build", "?"))}


def _same_value(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:   # noqa: BLE001 - arrays and other values without a plain ==
        return a is b


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)) \
        and math.isfinite(value)


def _numeric(values):
    """``values`` as an array, booleans as 0/1."""
    a = np.asarray(values)
    return a.astype(np.int8) if a.dtype == bool else a


def _kept(given, normalized):
    """``given`` itself when it already is its normalized form (same type and value, element types included),
    else ``normalized``: a constructor given its own :meth:`BaseDetector.get_params` then stores the very same
    objects, as ``sklearn.base.clone`` checks."""
    if type(given) is not type(normalized) or given != normalized:
        return normalized
    if isinstance(normalized, tuple) and any(type(a) is not type(b) for a, b in zip(given, normalized)):
        return normalized
    return given


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def _default_names(names: list) -> bool:
    """The names ``sequence_batch`` gives features it was given no names for: f0, f1, ..."""
    return names == [f"f{i}" for i in range(len(names))]


def _check_same_features(fitted: list, batch: SequenceBatch, pipeline_names: Optional[list], name: str) -> None:
    """``batch``'s named features must be ``fitted`` (or, for a file saved with another pipeline's features
    before such saves were refused, its pipeline's ``pipeline_names``, which the JVM scores with)."""
    given = list(batch.feature_names or [])
    if not fitted or not given or fitted == given or _default_names(fitted) or _default_names(given):
        return
    if pipeline_names is not None and given == pipeline_names:
        return
    at = next(i for i, (a, b) in enumerate(zip(fitted, given)) if a != b)
    raise ShapeError(f"the {name}'s features are not those the detector was fitted on: feature {at} is {given[at]!r} "
                     f"where the fit had {fitted[at]!r}: make the {name} with the detector's own pipeline "
                     "(detector.pipeline_.transform(...)), or with the features of the fit in its order")
