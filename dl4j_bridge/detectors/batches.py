"""The detectors' input: :class:`~dl4j_bridge.etl.SequenceBatch`, from the ETL or from arrays."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .. import shapes
from ..errors import ShapeError
from ..etl import SequenceBatch


def sequence_batch(x: np.ndarray, mask: Optional[np.ndarray] = None, *, step_ids: Optional[np.ndarray] = None,
                   next_ids: Optional[np.ndarray] = None, labels: Optional[np.ndarray] = None,
                   step_labels: Optional[np.ndarray] = None, line_numbers: Optional[np.ndarray] = None,
                   keys: Optional[Sequence] = None, feature_names: Optional[Sequence[str]] = None,
                   next_lines: Optional[np.ndarray] = None) -> SequenceBatch:
    """A :class:`SequenceBatch` from plain arrays (what the ETL would have produced).

    Parameters
    ----------
    x : numpy.ndarray
        ``[batch, time, features]``.
    mask : numpy.ndarray, optional
        ``[batch, time]``, 1 for real steps (default: all real).
    step_ids : numpy.ndarray, optional
        ``[batch, time]`` event (template) ids; negative = no event to predict (e.g. start padding).
    next_ids : numpy.ndarray, optional
        ``[batch]`` id of the event after each sequence, -1 when unknown.
    labels : numpy.ndarray, optional
        ``[batch]`` sequence labels, 0 = normal, 1 (or a class id > 0) = anomalous (default: the max of
        ``step_labels``); a ``[batch, 1]`` column is taken too. Negative values are refused (scikit-learn's -1 =
        outlier would read as normal and its +1 = inlier as anomalous).
    step_labels : numpy.ndarray, optional
        ``[batch, time]`` class per step.
    line_numbers : numpy.ndarray, optional
        ``[batch, time]`` raw line numbers (-1 = none).
    keys : sequence, optional
        ``[batch]`` session keys or window starts (default: the index).
    feature_names : sequence of str, optional
        One name per feature (default ``f0``, ``f1``, ...); a detector compares named features when scoring.
    next_lines : numpy.ndarray, optional
        ``[batch]`` raw line number of the event after each sequence (the one ``next_ids`` names), -1 when
        unknown (the default): the ``actual_line`` of an explanation whose deciding step is the last one.

    Raises
    ------
    ShapeError
        An array of another shape, a mask other than 0/1, NaN or infinity, ids, labels or line numbers that are
        not whole numbers in range (2.5 is refused, not truncated), ``keys`` or ``feature_names`` of another
        length.
    """
    x = shapes.check_sequences(x, what="x").astype(np.float32, copy=False)
    n, t = x.shape[:2]

    def steps(a, default, dtype, what):
        if a is None:
            return np.full((n, t), default, dtype)
        a = shapes.check_steps(a, (n, t), what=what, binary=what == "mask")
        if what == "mask":
            return a.astype(dtype, copy=False)
        return shapes.check_integers(a, what=what, axes=("batch", "step"), dtype=dtype)   # ids: never 2.5 -> 2

    def per_sequence(a, what, dtype=np.int32):
        a = shapes.check_numeric(a, what)
        if a.ndim == 2 and a.shape[1] == 1:   # a column vector
            a = a[:, 0]
        return shapes.check_integers(shapes.check_per_sequence(a, n, what=what), what=what, axes=("batch",),
                                     dtype=dtype)

    mask_a = steps(mask, 1.0, np.float32, "mask")
    step_labels_a = steps(step_labels, 0, np.int32, "step_labels")
    if labels is None:
        labels_a = (step_labels_a * (mask_a > 0)).max(axis=1).astype(np.int32) if t else np.zeros(n, np.int32)
    else:
        labels_a = per_sequence(labels, "labels")
        if (labels_a < 0).any():   # read as "> 0": scikit-learn's -1 = outlier made every *normal* one anomalous
            at = int(np.flatnonzero(labels_a < 0)[0])
            raise ShapeError(
                f"labels holds {int(labels_a[at])} at [batch {at}]: sequence labels are 0 (normal) and 1 or a class id "
                "> 0 (anomalous). scikit-learn's outlier convention (-1 = outlier, +1 = inlier) is the other way "
                "round: pass (y == -1).astype(int)")
    next_a = np.full(n, -1, np.int32) if next_ids is None else per_sequence(next_ids, "next_ids")
    next_lines_a = np.full(n, -1, np.int64) if next_lines is None else per_sequence(next_lines, "next_lines", np.int64)
    keys_a = np.arange(n).astype(object) if keys is None else np.asarray(list(keys), dtype=object)
    if len(keys_a) != n:
        raise ShapeError(f"keys must be [batch] = ({n},), got {len(keys_a)} keys")
    names = [f"f{i}" for i in range(x.shape[2])] if feature_names is None else [str(f) for f in feature_names]
    if len(names) != x.shape[2]:
        raise ShapeError(f"feature_names names {len(names)} features but x has {x.shape[2]} per step "
                         f"(x is [batch, time, features] = {x.shape})")
    return SequenceBatch(x=x, mask=mask_a, labels=labels_a, step_labels=step_labels_a,
                         step_ids=steps(step_ids, -1, np.int32, "step_ids"), next_ids=next_a,
                         line_numbers=steps(line_numbers, -1, np.int64, "line_numbers"), keys=keys_a,
                         feature_names=names, next_lines=next_lines_a)


def take(batch: SequenceBatch, index) -> SequenceBatch:
    """The sequences ``index`` of ``batch``.

    Parameters
    ----------
    batch : SequenceBatch
    index : slice, or array-like of int or bool
        A slice (the batch's arrays are then views, not copies), indices (an empty list gives an empty batch)
        or a boolean mask ``[batch]``.

    Returns
    -------
    SequenceBatch

    Raises
    ------
    TypeError
        Indices that are neither integers nor booleans (e.g. floats).
    """
    if not isinstance(index, slice):
        index = _take_index(index)
    return SequenceBatch(batch.x[index], batch.mask[index], batch.labels[index], batch.step_labels[index],
                         batch.step_ids[index], batch.next_ids[index], batch.line_numbers[index], batch.keys[index],
                         list(batch.feature_names), None if batch.parts is None else batch.parts[index],
                         batch.next_lines[index], None if batch.sessions is None else batch.sessions[index])


def _take_index(index) -> np.ndarray:
    index = np.asarray(index)
    if index.size == 0 and index.dtype.kind not in "bui":
        index = index.astype(np.intp)   # np.asarray([]) is float64, which numpy refuses as an index
    if index.dtype.kind not in "bui":
        raise TypeError(f"take needs a slice, integer indices or a boolean mask, got an array of {index.dtype}")
    return index


def check_batch(batch, n_in: Optional[int] = None, name: str = "batch") -> SequenceBatch:
    """A batch a detector can take: its arrays agree with each other (and with ``n_in`` features per step)."""
    if not isinstance(batch, SequenceBatch):
        raise TypeError("detectors take a dl4j_bridge.etl.SequenceBatch (from Pipeline.transform, or "
                        f"dl4j_bridge.detectors.sequence_batch(x, mask, ...)); got {type(batch).__name__}")
    if np.ndim(batch.x) == 3 and len(batch) == 0:
        raise ShapeError(f"the {name} holds no sequence ({name}.x has shape {np.shape(batch.x)}): nothing to fit "
                         "or score")
    x = shapes.check_sequences(batch.x, n_in=n_in, what=f"{name}.x")
    n, t = x.shape[:2]
    shapes.check_steps(batch.mask, (n, t), what=f"{name}.mask", binary=True)
    for field in ("step_ids", "step_labels", "line_numbers"):   # whole numbers: 2.5 was scored as 2, 2**32 wrapped
        shapes.check_integers(shapes.check_steps(getattr(batch, field), (n, t), what=f"{name}.{field}"),
                              what=f"{name}.{field}", axes=("batch", "step"),
                              dtype=np.int64 if field == "line_numbers" else np.int32)
    for field in ("labels", "next_ids", "next_lines"):
        shapes.check_integers(shapes.check_per_sequence(getattr(batch, field), n, what=f"{name}.{field}"),
                              what=f"{name}.{field}", axes=("batch",),
                              **({"dtype": np.int64} if field == "next_lines" else {}))
    if len(batch.keys) != n:
        raise ShapeError(f"{name}.keys must be [batch] = ({n},), got {len(batch.keys)} keys")
    if batch.feature_names and len(batch.feature_names) != x.shape[2]:   # none given ([]) is not checked
        raise ShapeError(f"{name}.feature_names names {len(batch.feature_names)} features but {name}.x has "
                         f"{x.shape[2]} per step: a model saved with them could not be loaded again")
    return batch
