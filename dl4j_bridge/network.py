"""A thin Python façade over a Deeplearning4j ``MultiLayerNetwork`` (GravesLSTM + RnnOutputLayer).

Every call crosses into Java once: a whole fit, a whole batch of predictions, one evaluation.
Arrays are ``[batch, time, features]`` here; :mod:`dl4j_bridge.arrays` converts them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import threading
from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np

from . import arrays, shapes
from .config import LSTMConfig
from .errors import TrainingDivergedError
from .javaerrors import interruptible, java_errors
from .progress import ProgressDisplay, ProgressFn, java_callback
from .session import require_jvm

log = logging.getLogger(__name__)

CONFIG_ENTRY = "dl4j_bridge.lstm_config.json"
#: The largest loss one step can have in DL4J's cross-entropy: -ln(1e-10), as ``LossMCXENT`` clips the softmax at
#: 1e-10 (its ``DEFAULT_SOFTMAX_CLIPPING_EPSILON``). A minibatch's loss is a float32 sum of weight x step loss over
#: its steps, so it can overflow float32 only when largest weight x steps x this x minibatch size exceeds
#: ``shapes.FLOAT32_MAX``: the bound beyond which a diverged weighted fit is blamed on the weights' scale.
MAX_STEP_LOSS = -math.log(1e-10)
PREDICT_CHUNK = 4096

Validation = Union[Tuple[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]]


@dataclasses.dataclass(frozen=True)
class FitHistory:
    """What one :meth:`Network.fit` did.

    Attributes
    ----------
    iteration_scores : numpy.ndarray
        Loss of every minibatch, ``[iterations]``.
    epoch_scores : numpy.ndarray
        Mean minibatch loss per finished epoch, ``[epochs_completed]``.
    validation_scores : numpy.ndarray
        Mean validation loss per finished epoch (empty without validation data).
    epochs_completed : int
    best_epoch : int
        The epoch whose weights the network holds (the best one after early stopping).
    cancelled, stopped_early : bool
    seconds : float
        Wall time of the Java training loop.
    """

    iteration_scores: np.ndarray
    epoch_scores: np.ndarray
    validation_scores: np.ndarray
    epochs_completed: int
    best_epoch: int
    cancelled: bool
    stopped_early: bool
    seconds: float


def _java(name: str):
    import jpype

    return jpype.JClass(f"io.dl4jbridge.{name}")


def _weighted_divergence(error: TrainingDivergedError, weights: np.ndarray, mask, config: LSTMConfig,
                         minibatch: int) -> TrainingDivergedError:
    """``error`` with the sample weights' largest and mean value (over real steps) in its message, and, when their
    scale alone can make a minibatch's float32 loss infinite, the advice to normalise them.

    The trigger: largest weight (times the largest class weight) x steps per sequence x :data:`MAX_STEP_LOSS` x
    minibatch size >= float32's largest number. Below it no weighted loss can overflow, so the weights are named but
    the learning-rate advice stands; above it no learning rate helps (the loss is a sum of weighted step losses,
    clipping caps the gradients, not the loss), while dividing the weights by their mean keeps their ratios, leaves
    Adam's steps as they were and brings every weight to at most the number of sequences.
    """
    w = np.asarray(weights, dtype=np.float64)
    real = w if mask is None else w[np.asarray(mask) > 0]
    largest, mean = float(w.max()), float(real.mean()) if real.size else float(w.mean())
    class_max = max(config.class_weights) if config.class_weights else 1.0
    bound = shapes.FLOAT32_MAX / (w.shape[1] * MAX_STEP_LOSS * minibatch * max(class_max, 1e-300))
    words = f"; sample weights: largest {largest:.4g}, mean {mean:.4g}"
    if largest >= bound:
        words += (f" -- at weights of {bound:.3g} or more a minibatch's loss ({minibatch} sequences x "
                  f"{w.shape[1]} steps x weight x a step loss of up to {MAX_STEP_LOSS:.3g}) can pass float32's largest "
                  f"number ({shapes.FLOAT32_MAX:.3g}), whatever the learning rate: normalise the weights to mean 1 "
                  "(w / w.mean(), which keeps their ratios) and train again")
    return type(error)(error.java_class, error.java_message + words, error.java_stacktrace)


def _same(value, default) -> bool:
    """Whether a setting is its default (a value without a plain ``==``, such as an array, counts as set)."""
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


class Network:
    """A Deeplearning4j ``MultiLayerNetwork`` built from an :class:`LSTMConfig`.

    Parameters
    ----------
    config : LSTMConfig
        The architecture and training settings.

    Examples
    --------
    >>> import dl4j_bridge as db
    >>> db.start_jvm()
    >>> net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    >>> history = net.fit(X, Y, epochs=5, batch_size=32)   # X [batch, time, 3], Y [batch, time]
    >>> net.classify(X)                                     # [batch, time] class ids

    A network may be shared between threads: its calls into Java (fit, predictions, evaluation, save)
    run one at a time under :attr:`lock`. For parallel scoring, give each thread its own network.

    A fit that diverges (:class:`~dl4j_bridge.errors.TrainingDivergedError`) leaves parameters that are not
    finite numbers: from then on the network refuses to train, predict, classify, evaluate, score or save,
    raising that error again (see :attr:`diverged`). Build a new network with a smaller learning rate.

    The state of ND4J's random generator, which dropout draws from, is part of the network's training state
    (see :class:`io.dl4jbridge.RandomStates`): taken right after DL4J initialised the network, set in the
    thread that runs every :meth:`fit` and kept from its end. So training does not depend on what other networks
    did in between nor on the thread that fits; copies and pickles carry it. A network restored from a file
    starts from the state a network of its configuration holds right after being built.
    """

    def __init__(self, config: LSTMConfig, *, normalizer=None, _java_network=None, _random_state=None):
        require_jvm()
        #: Held during every call into Java on this network (DL4J's ``MultiLayerNetwork`` is not safe to
        #: score while it trains or scores elsewhere). Re-entrant; hold it to make several calls one unit.
        self.lock = threading.RLock()
        self.config = config
        if _java_network is None:
            import jpype

            state = jpype.JArray(jpype.JLong)(2)
            with java_errors():   # the generator's state right after DL4J seeded it and drew the initial weights
                _java_network = _java("RandomStates").build(config.to_json(), state)
            _random_state = (int(state[0]), int(state[1]))
        self._net = _java_network
        #: ND4J's random generator state ``(root, node)`` the next fit starts from; None until first needed for
        #: a network given as a Java object (restored from a file): then the state after a build of its config.
        self._random_state: Optional[Tuple[int, int]] = None if _random_state is None else (
            int(_random_state[0]), int(_random_state[1]))
        #: The DL4J feature normalizer (``NormalizerStandardize``) applied in Java before every fit, prediction
        #: and score, or None. Set it with :meth:`fit_normalizer`; it is saved in the zip as ``normalizer.bin``.
        self.normalizer = normalizer
        self._diverged: Optional[TrainingDivergedError] = None

    # -- construction and persistence -------------------------------------------------------
    @classmethod
    def load(cls, path: os.PathLike, load_updater: bool = True, *, trusted: bool = False) -> "Network":
        """Restore a network saved by :meth:`save` (or any ModelSerializer zip of a MultiLayerNetwork).

        The zip is checked in Python before DL4J sees it, and DL4J reads a private read-only copy (see
        :mod:`dl4j_bridge.modelfile`); the file itself is only ever read.

        Parameters
        ----------
        load_updater : bool
            Restore the updater state too, so that training continues where it stopped.
        trusted : bool
            Skip the checks: unexpected entries (``preprocessor.bin``, ``objects/*``), zip-bomb limits, class
            names outside ``org.deeplearning4j.`` / ``org.nd4j.``, a custom (Java-serialised) normalizer, and
            the manifest. Loading such a file runs code it names, so only do it for files you trust.

        Raises
        ------
        UntrustedModelError
            The file holds something that would run code or exhaust memory (``trusted=False``).
        ModelIntegrityError
            An entry differs from the file's manifest: it was changed or damaged after it was saved.
        """
        from .modelfile import open_model

        require_jvm()
        with open_model(path, trusted=trusted) as model:
            return cls._from_model_file(model, load_updater, trusted)

    @classmethod
    def _from_model_file(cls, model, load_updater: bool, trusted: bool) -> "Network":
        """The network of a :class:`~dl4j_bridge.modelfile.ModelFile` (DL4J reads its private copy)."""
        from .errors import JavaError, JavaOutOfMemoryError, ModelFileError
        from .modelfile import _DAMAGE_HINT

        config_text = model.text(CONFIG_ENTRY)
        what = "the network (configuration.json, coefficients.bin)"
        try:   # DL4J's own errors on damaged bytes name its private copy, or no file at all (an EOFException)
            with java_errors():
                net = _java("ModelIO").load(str(model.path), bool(load_updater))
                what = "normalizer.bin"
                normalizer = _java("ModelIO").loadNormalizer(str(model.path), bool(trusted))
        except JavaOutOfMemoryError:
            raise
        except JavaError as error:
            message = (error.java_message or "(no message)").replace(str(model.path), str(model.source))
            raise ModelFileError(f"{model.source}: {what} cannot be restored: {error.java_class.rsplit('.', 1)[-1]}: "
                                 f"{message} ({_DAMAGE_HINT})") from error
        with java_errors():
            config = LSTMConfig.from_json(config_text) if config_text is not None else _config_from_java(net)
        return cls(config, normalizer=normalizer, _java_network=net)

    def save(self, path: os.PathLike, save_updater: bool = True, extra_entries: Optional[dict] = None, *,
             manifest: Optional[dict] = None) -> Path:
        """Write a ModelSerializer zip atomically (an interrupted save leaves the old file intact).

        The zip carries ``dl4j_bridge.manifest.json`` (versions, feature schema, SHA-256 of every entry; see
        :mod:`dl4j_bridge.modelfile`), which :meth:`load` checks.

        Parameters
        ----------
        path : path-like
            Target file; its directory is created when missing.
        save_updater : bool
            Keep the updater (momentum) state so that training can continue after :meth:`load`.
        extra_entries : dict of str to str, optional
            Further UTF-8 text entries (e.g. JSON) stored in the zip; names must be among the entries a
            checked load accepts (``dl4j_bridge/model_policy.json``). The normalizer, when there is one, is
            stored as DL4J's own ``normalizer.bin``.
        manifest : dict, optional
            The caller's manifest fields (e.g. ``{"features": {"names": [...]}, "detector": {...}}``), merged
            over :func:`dl4j_bridge.modelfile.manifest_fields`.

        Returns
        -------
        pathlib.Path
            The absolute path written.
        """
        import jpype

        self._refuse_if_diverged("be saved")
        require_jvm()  # before the first Java object below
        path = Path(path).absolute()
        entries = jpype.JClass("java.util.LinkedHashMap")()
        entries.put(CONFIG_ENTRY, self.config.to_json())
        for name, text in (extra_entries or {}).items():
            entries.put(str(name), str(text))
        from .modelfile import manifest_fields

        fields = manifest_fields()
        for key, value in (manifest or {}).items():
            both_dicts = isinstance(fields.get(key), dict) and isinstance(value, dict)
            fields[key] = {**fields[key], **value} if both_dicts else value
        with self._calling_java():
            _java("ModelIO").save(self._net, str(path), bool(save_updater), entries, self.normalizer,
                                  json.dumps(fields, allow_nan=False))
        return path

    # -- introspection ---------------------------------------------------------------------
    def __repr__(self) -> str:
        """``Network(n_in=3, n_out=2, hidden_sizes=(10,), ...)``: the configuration's sizes and every setting that
        differs from the reference design, without a call into Java (it showed an object address)."""
        config = self.config
        shown = [f"{f.name}={getattr(config, f.name)!r}" for f in dataclasses.fields(config)
                 if f.name in ("n_in", "n_out", "hidden_sizes") or not _same(getattr(config, f.name), f.default)]
        state = ", diverged" if getattr(self, "_diverged", None) is not None else ""
        return f"Network({', '.join(shown)}{state})"

    @property
    def java(self):
        """The underlying ``org.deeplearning4j.nn.multilayer.MultiLayerNetwork`` (as it is, also after a
        diverged fit: see :attr:`diverged`)."""
        return self._net

    @property
    def diverged(self) -> bool:
        """True after a fit stopped with :class:`~dl4j_bridge.errors.TrainingDivergedError`: the parameters are
        not finite numbers and every call that would use them raises that error again."""
        return self._diverged is not None

    def config_json(self) -> str:
        """DL4J's own JSON of the network configuration (``MultiLayerConfiguration.toJson()``)."""
        with self._calling_java():
            return str(self._net.getLayerWiseConfigurations().toJson())

    def summary(self) -> str:
        """DL4J's layer table."""
        with self._calling_java():
            return str(self._net.summary())

    @property
    def n_params(self) -> int:
        with self._calling_java():
            return int(self._net.numParams())

    def params(self) -> np.ndarray:
        """All parameters as one flat float32 vector (a copy)."""
        with self._calling_java():
            return arrays.to_numpy(self._net.params()).reshape(-1)

    # -- training ----------------------------------------------------------------------------
    def fit_normalizer(self, X: np.ndarray, mask: Optional[np.ndarray] = None) -> "Network":
        """Fit the feature normalizer in Java on training features (real steps only).

        A DL4J ``NormalizerStandardize``: numeric columns are standardised, indicator columns (0/1 only,
        e.g. one-hot template ids) pass through unchanged. It is applied in Java from then on.

        Parameters
        ----------
        X : numpy.ndarray
            ``[batch, time, n_in]``.
        mask : numpy.ndarray, optional
            ``[batch, time]``.
        """
        X, _, mask = self._check_xy(X, None, mask)
        with self._calling_java():
            self.normalizer = _java("Normalizers").fitStandardize(arrays.sequences_to_indarray(X), self._mask(mask))
        return self

    def fit(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        mask: Optional[np.ndarray] = None,
        *,
        epochs: int = 1,
        batch_size: int = 32,
        validation: Optional[Validation] = None,
        callback: Optional[ProgressFn] = None,
        shuffle: bool = False,
        patience: int = 0,
        progress: Optional[bool] = None,
        report_every: float = 0.5,
        sample_weight: Optional[np.ndarray] = None,
        fit_normalizer: bool = False,
        next_values: Optional[tuple] = None,
    ) -> FitHistory:
        """Train on labelled sequences; the epoch and minibatch loop runs in Java.

        Parameters
        ----------
        X : numpy.ndarray
            Features, ``[batch, time, n_in]``.
        Y : numpy.ndarray
            Class id per step, ``[batch, time]`` (integers in ``[0, n_out)``; a negative id marks an
            unlabelled step, which does not count in the loss).
        mask : numpy.ndarray, optional
            ``[batch, time]``, 1 for real steps and 0 for padding.
        epochs, batch_size : int
        validation : tuple, optional
            ``(X_val, Y_val)`` or ``(X_val, Y_val, mask_val)``; its loss is reported every epoch.
        callback : callable, optional
            Called with a :class:`~dl4j_bridge.progress.ProgressEvent` at most every ``report_every``
            seconds and at each epoch end; returning ``False`` cancels training.
        shuffle : bool
            Reshuffle the examples every epoch (seeded from the config's seed: reproducible).
        patience : int
            With ``validation``: stop after this many epochs without a better validation loss and keep
            the best epoch's weights. 0 trains all ``epochs``.
        progress : bool, optional
            Show progress: a bar on a terminal; otherwise a line per epoch, on stderr when ``True`` (a
            notebook), logged at INFO when left at ``None``. Default: on.
        sample_weight : numpy.ndarray, optional
            Loss weight per sequence ``[batch]`` or per step ``[batch, time]`` (e.g. counts of deduplicated
            sequences times class weights). Needs ``config.class_weights`` (ones for none); the weights scale
            the one-hot labels, so a step's loss and gradient are exactly ``w`` times its unweighted ones. This is
            *not* the same as repeating a sequence ``w`` times: DL4J divides a minibatch's summed loss by its
            number of sequences, not by their total weight, so every update (and every reported score) is
            scaled by the minibatch's mean weight, and an epoch makes fewer updates. With ``sgd`` or
            ``nesterovs`` the step size grows with the weights: pass ``w / w.mean()`` (mean 1) to keep the step
            size of unweighted training, or lower the learning rate. Adam is nearly insensitive to a constant
            scale. Gradient clipping (``ClipElementWiseAbsoluteValue``, 0.5 by default) caps the scaled
            gradients, and L2 is not scaled with the weights.
            Validation data may carry its own as a 4th element: ``(X, Y, mask, weights)``.
        fit_normalizer : bool
            First fit the feature normalizer on ``X`` (real steps only), as :meth:`fit_normalizer` does, from
            the same copy of ``X`` on the JVM: one conversion and one check of ``X`` instead of two.
        next_values : sequence of int, optional
            Train a next-value network instead (``loss="MSE"``, ``output_activation="identity"``, ``n_out`` =
            ``len(next_values)``): ``Y`` must be None (validation ``(X, None, mask)``), and the target of every step
            is the features ``next_values`` of the next real step of its sequence, normalised as the inputs are
            (built on the JVM: ``io.dl4jbridge.Trainer.fitNextValues``); the last real step has none.
            ``sample_weight`` (and validation's 4th element) weighs a step's squared error exactly as that many
            copies of it (no ``class_weights`` needed; the label mask and labels are scaled by the weight's cube root,
            since DL4J multiplies the output's pre-activations by the label mask too), with the minibatch caveat
            above.

        Returns
        -------
        FitHistory

        Raises
        ------
        ShapeError, ValueError
            An argument of another shape or a setting out of range, before anything reaches Java.
        TrainingDivergedError
            The loss or the parameters stopped being finite numbers. The network is then unusable (see
            :attr:`diverged`): build a new one with a smaller learning rate, gradient clipping on or
            normalized features, and train again. With ``sample_weight`` the message names the weights' largest
            and mean value, and says to normalise them (``w / w.mean()``) when their scale alone can make a
            minibatch's float32 loss infinite (see :data:`MAX_STEP_LOSS`).
        Exception
            What ``callback`` raised, once the fit stopped after its minibatch (the weights it trained, and with
            ``fit_normalizer`` the new normalizer, are kept); any other failure of the Java call with
            ``fit_normalizer=True`` restores the weights, updater state and normalizer of before the call.
        """
        self._refuse_if_diverged("be trained further")
        X, Y, mask = self._check_xy(X, Y, mask)
        if next_values is not None:
            next_values = self._check_next_values(next_values, Y)
        elif Y is None:
            raise ValueError("Y is required: the class id of every step, [batch, time] (fit trains on labelled "
                             "sequences; for a model of normal data use detectors.NextEventDetector)")
        epochs, batch_size = shapes.check_count(epochs, "epochs"), shapes.check_count(batch_size, "batch_size")
        if next_values is None:
            shapes.check_labelled(Y, mask, what="Y", purpose="train on")
        if patience and validation is None:
            raise ValueError("patience (early stopping) needs validation data")
        if isinstance(report_every, bool) or not isinstance(report_every, (int, float)) \
                or not math.isfinite(report_every) or report_every < 0:
            raise ValueError(f"report_every must be a number of seconds >= 0 (0: a callback after every "
                             f"minibatch, which slows training), got {report_every!r}")
        weights = self._check_weights(sample_weight, X.shape[:2], next_values=next_values is not None)
        vx = vy = vm = vw = None
        if validation is not None:  # every array is checked before the first one crosses into Java
            if len(validation) not in (2, 3, 4):
                raise ValueError("validation must be (X, Y), (X, Y, mask) or (X, Y, mask, weights)")
            v = self._check_xy(validation[0], validation[1], validation[2] if len(validation) > 2 else None,
                               prefix="validation ")
            if next_values is not None and v[1] is not None:
                raise ValueError("a next-value fit's validation is (X, None, mask) or (X, None, mask, weights): its "
                                 "targets are its own features")
            if next_values is None:
                shapes.check_labelled(v[1], v[2], what="validation Y", purpose="validate on")
            v_weights = self._check_weights(validation[3] if len(validation) > 3 else None, v[0].shape[:2],
                                            "validation sample_weight", next_values=next_values is not None)
            vx, vm = arrays.sequences_to_indarray(v[0]), self._mask(v[2])
            vy = None if next_values is not None else arrays.steps_to_indarray(v[1], "labels")
            vw = None if v_weights is None else arrays.steps_to_indarray(v_weights, "sample weights")
        jx, jm = arrays.sequences_to_indarray(X), self._mask(mask)
        jy = None if next_values is not None else arrays.steps_to_indarray(Y, "labels")
        jw = None if weights is None else arrays.steps_to_indarray(weights, "sample weights")
        display = (ProgressDisplay(epochs, math.ceil(len(X) / batch_size), asked=progress is True)
                   if progress is not False else None)
        cb = java_callback(callback, display)
        seed = self.config.seed if shuffle else -1
        normalizer, before = self.normalizer, None
        if fit_normalizer:   # all or nothing: the new normalizer never beside weights it did not train
            with self._calling_java():
                normalizer = _java("Normalizers").fitStandardize(jx, jm)
                before = self._snapshot()
        import jpype

        try:
            with self._calling_java():
                # Trainer sets this thread's generator to the network's state first and writes its end state back
                random_state = jpype.JArray(jpype.JLong)(list(self._training_random_state()))
                try:
                    if next_values is not None:
                        result = _java("Trainer").fitNextValues(
                            self._net, normalizer, jx, jm, jpype.JArray(jpype.JInt)(list(next_values)), jw, vx, vm,
                            vw, int(epochs), int(batch_size), int(seed), int(patience), cb, int(report_every * 1000),
                            random_state,
                        )
                    else:
                        result = _java("Trainer").fit(
                            self._net, normalizer, jx, jy, jm, jw, vx, vy, vm, vw, int(epochs), int(batch_size),
                            int(seed), int(patience), cb, int(report_every * 1000), random_state,
                        )
                finally:   # the draws the weights it kept went with (also after a cancel or an error)
                    self._random_state = (int(random_state[0]), int(random_state[1]))
        except TrainingDivergedError as error:
            if weights is not None:   # name the weights, and blame them when their scale can overflow the loss
                error = _weighted_divergence(error, weights, mask, self.config, min(int(batch_size), len(X)))
            self._diverged = error   # the parameters are NaN or infinite now: refuse every later use
            raise error from None
        except BaseException:
            if before is not None:   # the weights, updater and generator state the previous normalizer goes with
                with self._calling_java():
                    self._restore(before)
            raise
        self.normalizer = normalizer
        if cb.error is not None:
            raise cb.error
        history = FitHistory(
            iteration_scores=np.array(result.iterationScores, dtype=np.float64),
            epoch_scores=np.array(result.epochScores, dtype=np.float64),
            validation_scores=np.array(result.validationScores, dtype=np.float64),
            epochs_completed=int(result.epochsCompleted),
            best_epoch=int(result.bestEpoch),
            cancelled=bool(result.cancelled),
            stopped_early=bool(result.stoppedEarly),
            seconds=int(result.millis) / 1000.0,
        )
        log.debug("fit: %d epochs, %d iterations, %.2fs", history.epochs_completed,
                  len(history.iteration_scores), history.seconds)
        return history

    def _check_next_values(self, next_values, Y) -> tuple:
        """The target feature indices of a next-value fit, checked against this network (before any Java work)."""
        if Y is not None:
            raise ValueError("a next-value fit takes no Y: the target of every step is the next step's features "
                             "next_values")
        columns = tuple(int(c) for c in next_values)
        if not columns or any(not 0 <= c < self.config.n_in for c in columns):
            raise ValueError(f"next_values must be feature indices in [0, {self.config.n_in}), got {list(next_values)}")
        if len(columns) != self.config.n_out or self.config.loss.upper() != "MSE" \
                or self.config.output_activation.lower() != "identity":
            raise ValueError(f"a next-value network needs n_out = {len(columns)} (one output per target), loss='MSE' "
                             f"and output_activation='identity'; this one has n_out={self.config.n_out}, "
                             f"loss={self.config.loss!r}, output_activation={self.config.output_activation!r}")
        return columns

    def _restarted_copy(self) -> "Network":
        """A new network as saving this one without its updater and loading it would give, made in memory.

        The same configuration (iteration and epoch counts included), parameters and normalizer (the same Java
        object), but no updater state (the first fit starts it afresh: Adam's moments and momentum zero) and the
        random state of a restored network: the one after a build of its configuration. This network is left as
        it is. A detector's ``update`` trains such a copy, so its result depends only on what a detector file
        holds (see ``io.dl4jbridge.ModelIO.restartedCopy``).
        """
        self._refuse_if_diverged("be copied")
        with self._calling_java():
            java_network = _java("ModelIO").restartedCopy(self._net)
        return Network(self.config, normalizer=self.normalizer, _java_network=java_network)

    def _update_copy(self, learning_rate: float) -> "Network":
        """The network a detector's ``update`` trains: :meth:`_restarted_copy` with its iteration and epoch counts
        at 0 (its updater state is new, so Adam's bias correction must start anew too) and ``learning_rate`` fixed
        (a schedule is dropped): ``io.dl4jbridge.ModelIO.updateCopy``."""
        self._refuse_if_diverged("be copied")
        with self._calling_java():
            java_network = _java("ModelIO").updateCopy(self._net, float(learning_rate))
        return Network(self.config, normalizer=self.normalizer, _java_network=java_network)

    def _snapshot(self):
        """Copies of the parameters and the updater state (None before a first fit), and the random state."""
        updater = self._net.getUpdater()
        state = updater.getStateViewArray() if updater is not None else None
        return self._net.params().dup(), None if state is None else state.dup(), self._training_random_state()

    def _restore(self, snapshot) -> None:
        params, state, random_state = snapshot
        self._net.setParams(params)
        if state is not None:
            self._net.getUpdater().getStateViewArray().assign(state)
        self._random_state = random_state

    def _training_random_state(self) -> Tuple[int, int]:
        """ND4J's random generator state ``(root, node)`` the next :meth:`fit` starts from (dropout draws from it).

        Taken right after the network was built and kept from the end of every fit; a network restored from a
        file (which does not carry it) starts from the state a network of its configuration (and seed) holds
        right after being built, so saving an untrained network and loading it trains as the original would."""
        with self.lock:
            if self._random_state is None:
                with java_errors():
                    state = _java("RandomStates").afterInit(self._net)
                self._random_state = (int(state[0]), int(state[1]))
            return self._random_state

    # -- inference ---------------------------------------------------------------------------
    def predict_proba(self, X: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
        """Class probabilities per step.

        Parameters
        ----------
        X : numpy.ndarray
            ``[batch, time, n_in]``.
        mask : numpy.ndarray, optional
            ``[batch, time]``.

        Returns
        -------
        numpy.ndarray
            float32 ``[batch, time, n_out]``.
        """
        self._refuse_if_diverged("predict")
        X, _, mask = self._check_xy(X, None, mask)
        with interruptible() as stop, self._calling_java():   # Ctrl-C stops it before its next chunk
            out = _java("Predictor").predict(self._net, self.normalizer, arrays.sequences_to_indarray(X), self._mask(mask),
                                             PREDICT_CHUNK, stop)
        return arrays.sequences_from_indarray(out)

    def classify(self, X: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
        """Most probable class per step: int64 ``[batch, time]``, -1 on padded steps."""
        self._refuse_if_diverged("classify")
        X, _, mask = self._check_xy(X, None, mask)
        with interruptible() as stop, self._calling_java():   # Ctrl-C stops it before its next chunk
            ids = _java("Predictor").classify(self._net, self.normalizer, arrays.sequences_to_indarray(X), self._mask(mask),
                                              PREDICT_CHUNK, stop)
        return arrays.steps_from_indarray(ids).astype(np.int64)

    def evaluate(self, X: np.ndarray, Y: np.ndarray, mask: Optional[np.ndarray] = None) -> dict:
        """DL4J ``Evaluation`` over every labelled, unpadded step.

        Returns
        -------
        dict
            ``accuracy``, ``precision``, ``recall``, ``f1`` (DL4J's figures), ``per_class`` (list of
            dicts), ``confusion_matrix`` (``[actual][predicted]`` counts), ``n_classes``, ``n_evaluated``.
        """
        self._refuse_if_diverged("evaluate")
        X, Y, mask = self._check_xy(X, Y, mask)
        shapes.check_labelled(Y, mask, what="Y", purpose="evaluate")
        with interruptible() as stop, self._calling_java():   # Ctrl-C stops it before its next chunk
            text = _java("Evaluator").evaluate(
                self._net, self.normalizer, arrays.sequences_to_indarray(X), arrays.steps_to_indarray(Y, "labels"),
                self._mask(mask), PREDICT_CHUNK, stop,
            )
        return json.loads(str(text))

    # -- helpers -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _calling_java(self):
        """Checks the JVM, then holds :attr:`lock`; Java exceptions become :class:`JavaError` subclasses."""
        with java_errors(), self.lock:
            yield

    def _refuse_if_diverged(self, action: str) -> None:
        """Raise :class:`TrainingDivergedError` (again) when a fit of this network diverged."""
        error = self._diverged
        if error is not None:
            raise TrainingDivergedError(
                error.java_class,
                f"this network cannot {action}: its training diverged ({error.java_message}), so its parameters "
                "are not finite numbers. Build a new network (or fit the detector again) with a smaller "
                "learning_rate, gradient clipping on (gradient_normalization) or normalized features",
                error.java_stacktrace)

    def _mask(self, mask):
        return None if mask is None else arrays.steps_to_indarray(mask, "mask")

    def _check_weights(self, weights, shape, what: str = "sample_weight",
                       next_values: bool = False) -> Optional[np.ndarray]:
        """Sample weights ``[batch]`` or ``[batch, time]`` as float32 ``[batch, time]`` (None stays None); a
        next-value fit (``next_values``) weighs its labels without ``class_weights``."""
        if weights is None:
            return None
        if self.config.class_weights is None and not next_values:
            raise ValueError("sample weights need LSTMConfig(class_weights=...) (ones for none): DL4J's unweighted "
                             "MCXENT gradient assumes unit labels")
        w = np.asarray(weights)
        if w.ndim == 1:
            w = np.repeat(shapes.check_per_sequence(w, shape[0], what=what, non_negative=True)[:, None],
                          shape[1], axis=1)
        return shapes.check_steps(w, shape, what=what, non_negative=True).astype(np.float32)

    def _check_xy(self, X, Y, mask, prefix: str = ""):
        """Shapes, dtypes and values against this network, before anything reaches Java (:mod:`.shapes`)."""
        return shapes.check_xy(X, Y, mask, n_in=self.config.n_in, n_out=self.config.n_out, prefix=prefix)

    # -- pickling and copies -----------------------------------------------------------------
    def __reduce__(self):
        """Pickle (and ``copy.deepcopy``, ``copy.copy``) through the project's own zip: the network is saved
        with :meth:`save` (updater state and normalizer included) into a temporary directory and travels as
        those bytes; unpickling restores an independent network with :meth:`load` -- same parameters, scores
        and updater state, its own :attr:`lock`. Unpickling runs code anyway, so the bytes are loaded as
        trusted (``trusted=True``): unpickle only data you trust. Unpickling needs the JVM
        (:func:`dl4j_bridge.start_jvm`, else :class:`~dl4j_bridge.errors.JVMNotStartedError`); a diverged
        network cannot be pickled (:class:`~dl4j_bridge.errors.TrainingDivergedError`)."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="dl4j_bridge-pickle-") as tmp:
            path = self.save(Path(tmp) / "network.zip", save_updater=True)
            data = path.read_bytes()
        # the random generator's state travels beside the zip (which does not hold it): a copy trains on as the
        # original does, dropout included
        return (Network._from_pickled_zip, (data, self._training_random_state()))

    @classmethod
    def _from_pickled_zip(cls, data: bytes, random_state: Optional[Tuple[int, int]] = None) -> "Network":
        """The network of :meth:`__reduce__`'s zip bytes (the JVM must run), with its random generator state
        (None, as pickles of earlier versions hold: the state a file's network starts from)."""
        import tempfile

        from .errors import JVMNotStartedError

        try:
            require_jvm()
        except JVMNotStartedError as error:
            if type(error) is not JVMNotStartedError:   # shut down or forked: that error says what to do
                raise
            raise JVMNotStartedError(
                "unpickling a dl4j_bridge Network (or a fitted detector) needs this process's JVM: call "
                "dl4j_bridge.start_jvm() first. A worker process (multiprocessing spawn, concurrent.futures, "
                "joblib) unpickles its arguments before any of your code runs there, and each process needs its own "
                "JVM: start it as the workers start (Pool(initializer=dl4j_bridge.start_jvm), "
                "ProcessPoolExecutor(initializer=dl4j_bridge.start_jvm)), or pass the model file's path and load it "
                "in the worker (joblib's workers take no initializer)") from None
        with tempfile.TemporaryDirectory(prefix="dl4j_bridge-unpickle-") as tmp:
            path = Path(tmp) / "network.zip"
            path.write_bytes(data)
            net = cls.load(path, load_updater=True, trusted=True)
        if random_state is not None:
            net._random_state = (int(random_state[0]), int(random_state[1]))
        return net


def _config_from_java(net) -> LSTMConfig:
    """Best-effort LSTMConfig for a zip written by another program (sizes only)."""
    n_layers = int(net.getnLayers())
    sizes = [int(net.layerSize(i)) for i in range(n_layers)]
    n_in = int(net.layerInputSize(0))
    return LSTMConfig(n_in=n_in, n_out=sizes[-1], hidden_sizes=tuple(sizes[:-1]) or (10,))
