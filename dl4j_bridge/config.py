"""The network's configuration: the reference design by default, every part changeable."""

from __future__ import annotations

import dataclasses
import json
from typing import Optional, Tuple

_UPDATERS = ("nesterovs", "sgd", "adam")


@dataclasses.dataclass(frozen=True)
class LSTMConfig:
    """A stacked GravesLSTM + RnnOutputLayer network.

    The defaults are the reference design: seed 123, stochastic gradient descent, Xavier init,
    ``Nesterovs(0.005, 0.9)``, gradient normalization ``ClipElementWiseAbsoluteValue`` at 0.5, one
    GravesLSTM layer (tanh, 10 units), then an RnnOutputLayer (MCXENT loss, softmax).

    Parameters
    ----------
    n_in : int
        Features per time step.
    n_out : int
        Classes per time step.
    hidden_sizes : tuple of int
        Units of each stacked GravesLSTM layer.
    seed : int
        Seed of weight initialisation (and of shuffling, when asked for).
    learning_rate, momentum : float
        Of the updater (momentum is used by Nesterovs only).
    updater : {"nesterovs", "sgd", "adam"}
    l2 : float
        L2 regularisation coefficient; 0 disables it.
    dropout : float
        Probability of *dropping* an LSTM layer's input activation during training (0 disables it).
        DL4J's own ``dropOut`` takes the retain probability, ``1 - dropout``.
    tbptt_length : int or None
        Truncated back-propagation through time, forward and backward length; None for full BPTT.
    lr_schedule : dict or None
        ``{"type": "step", "decay": 0.5, "step": 10, "unit": "epoch"}`` or
        ``{"type": "exponential", "gamma": 0.95, "unit": "iteration"}``.
    class_weights : tuple of float or None
        Loss weight of each class (MCXENT only: ``new LossMCXENT(weights)``). Set it (ones for none) to
        train with per-example or per-step weights: DL4J's weighted MCXENT gradient is exact for them.
    """

    n_in: int
    n_out: int
    hidden_sizes: Tuple[int, ...] = (10,)
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
        if isinstance(self.hidden_sizes, int):
            object.__setattr__(self, "hidden_sizes", (self.hidden_sizes,))
        object.__setattr__(self, "hidden_sizes", tuple(int(h) for h in self.hidden_sizes))
        if self.class_weights is not None:
            object.__setattr__(self, "class_weights", tuple(float(w) for w in self.class_weights))
        problems = []
        if self.n_in < 1:
            problems.append(f"n_in must be >= 1, got {self.n_in}")
        if self.n_out < 1:
            problems.append(f"n_out must be >= 1, got {self.n_out}")
        if not self.hidden_sizes or min(self.hidden_sizes) < 1:
            problems.append(f"hidden_sizes must be positive, got {self.hidden_sizes}")
        if self.learning_rate <= 0:
            problems.append(f"learning_rate must be > 0, got {self.learning_rate}")
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout must be in [0, 1), got {self.dropout}")
        if self.l2 < 0:
            problems.append(f"l2 must be >= 0, got {self.l2}")
        if self.updater.lower() not in _UPDATERS:
            problems.append(f"updater must be one of {_UPDATERS}, got {self.updater!r}")
        if self.tbptt_length is not None and self.tbptt_length < 1:
            problems.append(f"tbptt_length must be >= 1 or None, got {self.tbptt_length}")
        if self.class_weights is not None:
            if len(self.class_weights) != self.n_out or min(self.class_weights) < 0:
                problems.append(f"class_weights must be n_out={self.n_out} numbers >= 0, got {self.class_weights}")
            if self.loss.upper() != "MCXENT":
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
