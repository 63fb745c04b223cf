"""Classic baselines on the same windows or sessions, so a run shows whether the LSTM earns its keep.

Both are unsupervised and see a sequence as one vector, standardised with training statistics: PCA
reconstruction error and scikit-learn's Isolation Forest. The vector is, by ``representation``:

* ``"flat"`` (the default, for fixed-length windows): the window's steps one after the other,
  ``[time * features]``, padding steps zeroed. A batch padded to another time length than the training
  batch's is padded with zero steps (exactly what padding is) or cut where only padding is cut; a batch
  holding longer sequences than any training one is refused: use ``"counts"`` for such data.
* ``"counts"`` (for sessions, whose lengths vary): each feature summed over the sequence's real steps,
  ``[features]`` whatever the length -- for one-hot template features, the event count vector of
  Xu et al.'s PCA detector (loglizer's input for PCA and Isolation Forest on HDFS sessions). It sees every
  step of every session, but not their order.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..errors import NotFittedError, ShapeError
from ..etl import SequenceBatch
from .batches import check_batch

REPRESENTATIONS = ("flat", "counts")


def flatten(batch: SequenceBatch) -> np.ndarray:
    """``[batch, time * features]`` float64, padded steps zeroed."""
    x = batch.x * (batch.mask[:, :, None] > 0)
    return x.reshape(len(x), -1).astype(np.float64)


def counts(batch: SequenceBatch) -> np.ndarray:
    """``[batch, features]`` float64: each feature summed over the real steps (one-hot features: event counts)."""
    x = batch.x.astype(np.float64) * (batch.mask[:, :, None] > 0)
    return x.sum(axis=1)


class _FlatBaseline:
    name = "baseline"

    def __init__(self, seed: int = 0, representation: str = "flat"):
        if representation not in REPRESENTATIONS:
            raise ValueError(f"representation must be one of {list(REPRESENTATIONS)}, got {representation!r}")
        self.seed = int(seed)
        self.representation = representation
        self.mean_: Optional[np.ndarray] = None
        self.std_: Optional[np.ndarray] = None
        self.time_: Optional[int] = None   # the training batch's time length ("flat")

    def _vectors(self, batch: SequenceBatch, fit: bool) -> np.ndarray:
        batch = check_batch(batch)
        if self.representation == "counts":
            return counts(batch)
        x, mask = batch.x, batch.mask
        if fit:
            self.time_ = int(x.shape[1])
        elif self.time_ is not None and x.shape[1] != self.time_ and x.shape[2] * self.time_ == len(self.mean_):
            if x.shape[1] < self.time_:   # zero steps with mask 0: what padding to the training length gives
                grow = self.time_ - x.shape[1]
                x = np.pad(x, ((0, 0), (0, grow), (0, 0)))
                mask = np.pad(mask, ((0, 0), (0, grow)))
            else:
                longest = int((np.asarray(mask) > 0).sum(axis=1).max())
                if np.any(np.asarray(mask)[:, self.time_:] > 0):
                    raise ShapeError(
                        f"the batch holds sequences of up to {longest} steps, the baseline was fitted on sequences "
                        f"of at most {self.time_} (representation=\"flat\", one value per step and feature): use "
                        "representation=\"counts\" for sequences of varying length (sessions)")
                x, mask = x[:, :self.time_], mask[:, :self.time_]
        x = x * (mask[:, :, None] > 0)
        return x.reshape(len(x), -1).astype(np.float64)

    def _standardise(self, batch: SequenceBatch, fit: bool = False) -> np.ndarray:
        if not fit and self.mean_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(batch) first")
        x = self._vectors(batch, fit)   # a new float64 array (astype copies): standardised in place below
        if fit:
            self.mean_ = x.mean(axis=0)
            std = x.std(axis=0)
            self.std_ = np.where(std > 1e-9, std, 1.0)   # a constant column stays 0 after centring
        if x.shape[1] != self.mean_.shape[0]:
            what = "features" if self.representation == "counts" else "values (time x features)"
            raise ShapeError(f"batch windows have {x.shape[1]} {what}, the baseline was fitted on "
                             f"{self.mean_.shape[0]}: expected [batch, time, features] with the training batch's "
                             "features")
        # the same operations element by element as (x - mean_) / std_, without its two temporaries of x's size
        x -= self.mean_
        x /= self.std_
        return x


class PCABaseline(_FlatBaseline):
    """Squared reconstruction error from the principal components that explain ``variance`` of the data.

    When every training vector is the same (no variance to explain: e.g. training sessions all alike), there is
    no component and the score is the squared distance from that vector, instead of scikit-learn's 0/0
    ``explained_variance_ratio_`` (a ``RuntimeWarning`` and an arbitrary direction)."""

    name = "PCA"

    def __init__(self, variance: float = 0.95, seed: int = 0, representation: str = "flat"):
        super().__init__(seed, representation)
        self.variance = float(variance)
        self.centre_: Optional[np.ndarray] = None       # the standardised training vectors' mean (about 0)
        self.components_: Optional[np.ndarray] = None   # [components, values], orthonormal rows
        self.n_components_: Optional[int] = None

    def fit(self, batch: SequenceBatch) -> "PCABaseline":
        """Fit the components on ``batch`` (``[batch, time, features]``), standardised with its own statistics."""
        z = self._standardise(batch, fit=True)
        self.centre_ = z.mean(axis=0)
        centred = z - self.centre_
        if not np.any(centred.var(axis=0) > 0):   # nothing to explain: no component, the squared distance
            self.components_, self.n_components_ = None, 0
            return self
        if centred.shape[1] <= centred.shape[0]:
            # eigen-decomposition of the [features, features] scatter matrix: the right singular vectors of the
            # data with squared singular values as eigenvalues, for n·f² + f³ work where the full SVD of the
            # [n, f] data takes several times that (18,000 x 680: 0.2 s CPU against 1.9 s, and 14 s of wall time
            # with two BLAS threads on a loaded 2-core machine); reconstruction errors within 1e-12 relative
            eigenvalues, vectors = np.linalg.eigh(centred.T @ centred)
            order = np.argsort(eigenvalues)[::-1]
            explained, vectors = np.clip(eigenvalues[order], 0.0, None), vectors[:, order]
        else:   # fewer vectors than values per vector: the SVD of the data is the smaller problem
            _, singular, rows = np.linalg.svd(centred, full_matrices=False)
            explained, vectors = singular ** 2, rows.T
        ratio = np.cumsum(explained / explained.sum())
        # scikit-learn's rule for a variance share: the fewest components whose cumulative share exceeds it
        keep = min(int(np.searchsorted(ratio, self.variance, side="right")) + 1, len(explained))
        self.components_ = np.ascontiguousarray(vectors[:, :keep].T)   # [components, values]
        self.n_components_ = keep
        return self

    def decision_function(self, batch: SequenceBatch) -> np.ndarray:
        """Squared reconstruction error per sequence, ``[batch]`` float64 (higher = more anomalous)."""
        z = self._standardise(batch)   # NotFittedError before fit
        z -= self.centre_
        if self.components_ is None:
            return (z ** 2).sum(axis=1)
        residual = z - (z @ self.components_.T) @ self.components_
        return (residual ** 2).sum(axis=1)


class IsolationForestBaseline(_FlatBaseline):
    """scikit-learn's Isolation Forest; score = the negated ``score_samples`` (higher = more anomalous)."""

    name = "IsolationForest"

    def __init__(self, n_estimators: int = 200, max_samples=256, seed: int = 0, representation: str = "flat"):
        super().__init__(seed, representation)
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
