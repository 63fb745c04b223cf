"""Classic baselines on the same windows, so a run shows whether the LSTM earns its keep.

Both are unsupervised and see a window as one flat vector (``[time * features]``, standardised with
training statistics): PCA reconstruction error and scikit-learn's Isolation Forest.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..errors import NotFittedError, ShapeError
from ..etl import SequenceBatch
from .batches import check_batch


def flatten(batch: SequenceBatch) -> np.ndarray:
    """``[batch, time * features]`` float64, padded steps zeroed."""
    x = batch.x * (batch.mask[:, :, None] > 0)
    return x.reshape(len(x), -1).astype(np.float64)


class _FlatBaseline:
    name = "baseline"

    def __init__(self, seed: int = 0):
        self.seed = int(seed)
        self.mean_: Optional[np.ndarray] = None
        self.std_: Optional[np.ndarray] = None

    def _standardise(self, batch: SequenceBatch, fit: bool = False) -> np.ndarray:
        x = flatten(check_batch(batch))
        if fit:
            self.mean_ = x.mean(axis=0)
            std = x.std(axis=0)
            self.std_ = np.where(std > 1e-9, std, 1.0)
        if self.mean_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(batch) first")
        if x.shape[1] != self.mean_.shape[0]:
            raise ShapeError(f"batch windows have {x.shape[1]} values (time x features), the baseline was fitted on "
                             f"{self.mean_.shape[0]}: expected [batch, time, features] of the training batch's shape")
        return (x - self.mean_) / self.std_


class PCABaseline(_FlatBaseline):
    """Squared reconstruction error from the principal components that explain ``variance`` of the data."""

    name = "PCA"

    def __init__(self, variance: float = 0.95, seed: int = 0):
        super().__init__(seed)
        self.variance = float(variance)
        self.model_ = None

    def fit(self, batch: SequenceBatch) -> "PCABaseline":
        from sklearn.decomposition import PCA

        self.model_ = PCA(n_components=self.variance, svd_solver="full", random_state=self.seed)
        self.model_.fit(self._standardise(batch, fit=True))
        return self

    def decision_function(self, batch: SequenceBatch) -> np.ndarray:
        z = self._standardise(batch)
        if self.model_ is None:
            raise NotFittedError("PCABaseline is not fitted: call fit(batch) first")
        reconstructed = self.model_.inverse_transform(self.model_.transform(z))
        return ((z - reconstructed) ** 2).sum(axis=1)


class IsolationForestBaseline(_FlatBaseline):
    """scikit-learn's Isolation Forest; score = the negated ``score_samples`` (higher = more anomalous)."""

    name = "IsolationForest"

    def __init__(self, n_estimators: int = 200, max_samples=256, seed: int = 0):
        super().__init__(seed)
        self.n_estimators = int(n_estimators)
        self.max_samples = max_samples
        self.model_ = None

    def fit(self, batch: SequenceBatch, sample_weight=None) -> "IsolationForestBaseline":
        from sklearn.ensemble import IsolationForest

        z = self._standardise(batch, fit=True)
        max_samples = self.max_samples
        if isinstance(max_samples, (int, np.integer)) and max_samples > len(z):
            max_samples = len(z)  # what scikit-learn uses then, without its warning
        self.model_ = IsolationForest(n_estimators=self.n_estimators, max_samples=max_samples,
                                      random_state=self.seed, n_jobs=1)
        self.model_.fit(z, sample_weight=sample_weight)
        return self

    def decision_function(self, batch: SequenceBatch) -> np.ndarray:
        z = self._standardise(batch)
        if self.model_ is None:
            raise NotFittedError("IsolationForestBaseline is not fitted: call fit(batch) first")
        return -self.model_.score_samples(z)
