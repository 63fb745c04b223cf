"""The network's configuration: the reference design by default, every part changeable."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Optional, Tuple

import numpy as np

_UPDATERS = ("nesterovs", "sgd", "adam")
#: The recurrent layers ``layer_type`` takes (any case): the reference design's GravesLSTM (peephole connections)
#: and DL4J's plain LSTM.
LAYER_TYPES = ("GravesLSTM", "LSTM")


@dataclasses.dataclass(frozen=True)
class LSTMConfig:
    """A stacked GravesLSTM + RnnOutputLayer network.

    The defaults are the reference design: seed 123, stochastic gradient descent, Xavier init,
    ``Nesterovs(0.005, 0.9)``, gradient normalization ``ClipElementWiseAbsoluteValue`` at 0.5, one
    GravesLSTM layer (tanh, 10 units), then an RnnOutputLayer (MCXENT loss, softmax).

    Every number may be a Python or a numpy number (stored as plain ``int`` / ``float``, so that the config is
    JSON); a setting out of range raises ``ValueError`` naming it, before any JVM work. Names of DL4J settings
    (``updater``, ``weight_init``, ``activation``, ``loss``, ...) are case-insensitive.

    Parameters
    ----------
    n_in : int
        Features per time step (>= 1).
    n_out : int
        Classes per time step (>= 1).
    hidden_sizes : int or tuple of int
        Units of each stacked recurrent layer (an int: one layer).
    layer_type : {"GravesLSTM", "LSTM"}
        The recurrent layer, in any case (stored as spelled here): ``GravesLSTM``, the reference design (LSTM with
        peephole connections), or DL4J's ``LSTM`` (no peepholes; the layer DL4J recommends, cuDNN-capable on CUDA).
    seed : int
        Seed of weight initialisation (and of shuffling, when asked for); >= 0.
    learning_rate, momentum : float
        Of the updater (> 0 and >= 0; momentum is used by Nesterovs only).
    updater : {"nesterovs", "sgd", "adam"}
    weight_init, optimization_algo, gradient_normalization, activation, loss, output_activation : str
        DL4J's ``WeightInit``, ``OptimizationAlgorithm``, ``GradientNormalization``, ``Activation`` (hidden and
        output layers) and ``LossFunction`` names, in any case; an unknown one is refused by
        ``io.dl4jbridge.NetworkFactory`` with the list of names it takes.
    gradient_normalization_threshold : float
        >= 0.
    l2 : float
        L2 regularisation coefficient (>= 0); 0 disables it.
    dropout : float
        Probability of *dropping* an LSTM layer's input activation during training, in [0, 1) (0 disables it).
        DL4J's own ``dropOut`` takes the retain probability, ``1 - dropout``.
    tbptt_length : int or None
        Truncated back-propagation through time, forward and backward length (>= 1); None for full BPTT.
    lr_schedule : dict or None
        ``{"type": "step", "decay": 0.5, "step": 10, "unit": "epoch"}`` (the rate times ``decay`` every
        ``step`` units) or ``{"type": "exponential", "gamma": 0.95, "unit": "iteration"}`` (times ``gamma``
        every unit). ``unit`` is ``"epoch"`` or ``"iteration"``; left out, ``decay`` = 0.5, ``step`` = 1,
        ``gamma`` = 0.95, ``unit`` = ``"epoch"``. Other keys are refused (:data:`LR_SCHEDULE_KEYS`).
    class_weights : tuple of float or None
        Loss weight of each class (MCXENT only: ``new LossMCXENT(weights)``), n_out numbers >= 0. Set it (ones
        for none) to train with per-example or per-step weights (see ``Network.fit``'s ``sample_weight``).
    """

    n_in: int
    n_out: int
    hidden_sizes: Tuple[int, ...] = (10,)
    layer_type: str = "GravesLSTM"
    seed: int = 123
    learning_rate: float = 0.005
    momentum: float = 0.9
    updater: str = "nesterovs"
    weight_init: str = "XAVIER"
    optimization_algo: str = "STOCHASTIC_GRADIENT_DESCENT"
    gradient_normalization: str = "ClipElementWiseAbsoluteValue"
    gradient_normalization_threshold: float = 0.5
    activation: str = "tanh"
    loss: str = "MCXENT"
    output_activation: str = "softmax"
    l2: float = 0.0
    dropout: float = 0.0
    tbptt_length: Optional[int] = None
    lr_schedule: Optional[dict] = None
    class_weights: Optional[Tuple[float, ...]] = None

    def __post_init__(self):
        problems: list = []

        def put(name, value):
            object.__setattr__(self, name, value)

        for name in ("n_in", "n_out"):
            put(name, _integer(name, getattr(self, name), problems, minimum=1))
        hidden = self.hidden_sizes
        if _is_integral_like(hidden) or isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
            hidden = (hidden,)
        hidden = tuple(_integer("hidden_sizes", h, problems, minimum=1) for h in hidden)
        if not hidden:
            problems.append("hidden_sizes must hold at least one layer size, got ()")
        put("hidden_sizes", hidden)
        spelled = self.layer_type.strip().lower() if isinstance(self.layer_type, str) else None
        known_layer = [t for t in LAYER_TYPES if t.lower() == spelled]
        if known_layer:
            put("layer_type", known_layer[0])
        else:
            problems.append(f"layer_type must be one of {LAYER_TYPES} (any case), got {self.layer_type!r}")
        put("seed", _integer("seed", self.seed, problems, minimum=0, maximum=2 ** 63 - 1))
        put("learning_rate", _real("learning_rate", self.learning_rate, problems, minimum=0.0, inclusive=False))
        for name in ("momentum", "l2", "gradient_normalization_threshold"):
            put(name, _real(name, getattr(self, name), problems, minimum=0.0))
        dropout = _real("dropout", self.dropout, problems, minimum=0.0)
        if isinstance(dropout, float) and dropout >= 1:   # not a number: recorded by _real
            problems.append(f"dropout (the probability of dropping an activation) must be in [0, 1), got {dropout}")
        put("dropout", dropout)
        if self.tbptt_length is not None:
            put("tbptt_length", _integer("tbptt_length", self.tbptt_length, problems, minimum=1, none="or None"))
        for name in ("updater", "weight_init", "optimization_algo", "gradient_normalization", "activation", "loss",
                     "output_activation"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{name} must be a name (a non-empty string), got {value!r}")
        if isinstance(self.updater, str) and self.updater.lower() not in _UPDATERS:
            problems.append(f"updater must be one of {_UPDATERS} (any case), got {self.updater!r}")
        if self.lr_schedule is not None:
            put("lr_schedule", _lr_schedule(self.lr_schedule, problems))
        if self.class_weights is not None:
            weights = self.class_weights
            if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
                problems.append(f"class_weights must be a list of n_out numbers >= 0, got {weights!r}")
            else:
                weights = tuple(_real("class_weights", w, problems, minimum=0.0) for w in weights)
                if len(weights) != self.n_out:
                    problems.append(f"class_weights must be n_out={self.n_out} numbers >= 0, got {len(weights)}: "
                                    f"{weights}")
                put("class_weights", weights)
            if isinstance(self.loss, str) and self.loss.upper() != "MCXENT":
                problems.append(f"class_weights need the MCXENT loss, not {self.loss}")
        if problems:
            raise ValueError("invalid LSTMConfig: " + "; ".join(problems))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["hidden_sizes"] = list(self.hidden_sizes)
        if self.class_weights is not None:
            d["class_weights"] = list(self.class_weights)
        return d

    def to_json(self) -> str:
        """The spec Java's ``io.dl4jbridge.NetworkFactory`` builds from."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "LSTMConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown LSTMConfig fields: {sorted(unknown)}")
        return cls(**d)

    @classmethod
    def from_json(cls, text: str) -> "LSTMConfig":
        return cls.from_dict(json.loads(text))


#: The keys each ``lr_schedule`` type takes (``type`` is required; the others default as in Java's NetworkFactory).
LR_SCHEDULE_KEYS = {"step": ("type", "decay", "step", "unit"), "exponential": ("type", "gamma", "unit")}
_SCHEDULE_UNITS = ("epoch", "iteration")


def _is_integral_like(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real_like(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _integer(name: str, value, problems: list, *, minimum: int, maximum: Optional[int] = None, none: str = ""):
    """``value`` as a plain int (numpy integers and integral floats such as ``3.0`` included); a problem is
    recorded, and the value returned unchanged, when it is not a whole number in ``[minimum, maximum]``."""
    expected = f"an integer >= {minimum}" + (f" {none}" if none else "")
    if _is_integral_like(value):
        number = int(value)
    elif _is_real_like(value) and math.isfinite(value) and float(value).is_integer():
        number = int(value)
    else:
        problems.append(f"{name} must be {expected}, got {value!r}"
                        + (" (a size cannot be fractional)" if _is_real_like(value) else ""))
        return value
    if number < minimum or (maximum is not None and number > maximum):
        problems.append(f"{name} must be {expected}" + (f" and <= {maximum}" if maximum is not None else "")
                        + f", got {number}")
    return number


def _real(name: str, value, problems: list, *, minimum: float, inclusive: bool = True):
    """``value`` as a plain float (numpy numbers included); a problem is recorded, and the value returned
    unchanged, when it is not a finite number ``>= minimum`` (``> minimum`` unless ``inclusive``)."""
    bound = f"{'>=' if inclusive else '>'} {minimum:g}"
    if not _is_real_like(value) or not math.isfinite(value):
        problems.append(f"{name} must be a finite number {bound}, got {value!r}")
        return value
    # a float32 0.01 is the float64 0.009999999776...: take the shortest decimal that reads back as it, as meant
    number = float(str(value)) if isinstance(value, np.floating) and value.itemsize < 8 else float(value)
    if number < minimum or (not inclusive and number == minimum):
        problems.append(f"{name} must be {bound}, got {number:g}")
    return number


def _lr_schedule(schedule, problems: list):
    """A checked copy of ``lr_schedule``: a dict whose keys are those of its type (:data:`LR_SCHEDULE_KEYS`),
    numbers as plain floats / ints, ``type`` and ``unit`` in lower case. A ``type`` that is none of
    :data:`LR_SCHEDULE_KEYS` (the types Java's NetworkFactory builds) is refused here, before any training."""
    accepted = "; ".join(f"{kind}: {', '.join(keys)}" for kind, keys in LR_SCHEDULE_KEYS.items())
    if not isinstance(schedule, dict):
        problems.append(f"lr_schedule must be None or a dict such as {{'type': 'step', 'decay': 0.5, 'step': 10}} "
                        f"(keys by type: {accepted}), got {schedule!r}")
        return schedule
    kind = schedule.get("type")
    if not isinstance(kind, str):
        problems.append(f"lr_schedule needs 'type': 'step' or 'exponential', got {kind!r}")
        return schedule
    kind = kind.lower()
    out = {str(key): value for key, value in schedule.items()}
    out["type"] = kind
    if kind not in LR_SCHEDULE_KEYS:
        problems.append(f"lr_schedule 'type' must be one of {list(LR_SCHEDULE_KEYS)} (any case), got "
                        f"{schedule.get('type')!r}; keys by type: {accepted}")
        return out
    unknown = sorted(set(out) - set(LR_SCHEDULE_KEYS[kind]), key=str)
    if unknown:
        problems.append(f"lr_schedule of type {kind!r} does not take {unknown}; its keys are "
                        f"{list(LR_SCHEDULE_KEYS[kind])}")
    for key in ("decay", "gamma"):
        if key in out:
            value = _real(f"lr_schedule {key!r}", out[key], problems, minimum=0.0, inclusive=False)
            if isinstance(value, float) and value > 1:
                problems.append(f"lr_schedule {key!r} multiplies the learning rate and must be in (0, 1], got {value:g}")
            out[key] = value
    if "step" in out:
        out["step"] = _integer("lr_schedule 'step'", out["step"], problems, minimum=1)
    if "unit" in out:
        unit = out["unit"]
        if not isinstance(unit, str) or unit.lower() not in _SCHEDULE_UNITS:
            problems.append(f"lr_schedule 'unit' must be one of {_SCHEDULE_UNITS}, got {unit!r}")
        else:
            out["unit"] = unit.lower()
    return out
