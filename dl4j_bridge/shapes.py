"""Checks of the arrays a public call takes, before anything reaches Java.

Every check raises :class:`~dl4j_bridge.errors.ShapeError` (also a ``ValueError``) naming the argument,
the expected shape and the actual one, or the first bad value with its sample and step. DL4J would
otherwise fail deep inside the JVM (an ``ND4JIllegalStateException`` about NCW dimensions), or not at
all: NaN features train a network whose every output is NaN.

Layouts (Python side): sequences ``[batch, time, features]``; per-step arrays (labels, masks, ids,
weights) ``[batch, time]``; per-sequence arrays ``[batch]``.
"""

from __future__ import annotations

import warnings
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from .errors import ShapeError

__all__ = ["check_numeric", "check_sequences", "check_steps", "check_per_sequence", "check_integers", "check_xy",
           "check_count", "check_labelled"]


#: numpy < 1.24 makes ragged nested sequences an object array with a VisibleDeprecationWarning, where numpy >= 1.24
#: raises ValueError ("inhomogeneous shape"); None there (warnings.catch_warnings is process-wide: not used needlessly).
_RaggedWarning = (np.VisibleDeprecationWarning if np.lib.NumpyVersion(np.__version__) < "1.24.0" else None)


def _asarray_refusing_ragged(array) -> np.ndarray:
    """``np.asarray(array)``, raising ValueError for ragged nested sequences on every numpy the package supports.

    numpy 1.23 made ``[[1, 2], [3]]`` an array of dtype object with a VisibleDeprecationWarning (then "must hold
    numbers ... got dtype object (strings ...)", the wrong advice); numpy 1.24 and later raise ValueError.

    Parameters
    ----------
    array : array_like
        What the caller passed.

    Returns
    -------
    numpy.ndarray
        The array, as :func:`numpy.asarray` makes it.

    Raises
    ------
    ValueError
        The sequences are ragged (lengths differ at some depth), with numpy's words when it raises itself.
    """
    if _RaggedWarning is None:
        return np.asarray(array)
    with warnings.catch_warnings():
        warnings.simplefilter("error", _RaggedWarning)
        try:
            return np.asarray(array)
        except _RaggedWarning:
            raise ValueError("setting an array element with a sequence: the requested array has an inhomogeneous "
                             "shape (ragged nested sequences)") from None


def check_numeric(array, what: str) -> np.ndarray:
    """``array`` as a numpy array of numbers (float, int or bool), else :class:`ShapeError` naming ``what``."""
    try:
        a = _asarray_refusing_ragged(array)
    except (TypeError, ValueError) as error:  # ragged nested lists
        ragged = "inhomogeneous" in str(error) or "sequence" in str(error)
        raise ShapeError(f"{what} must be a numeric array; numpy cannot make one of it ({error})"
                         + ("; sequences of different lengths: pad each at the end to the longest and pass a mask "
                            "[batch, time] with 1 for real steps and 0 for padding (the ETL's SequenceBatch does "
                            "both)" if ragged else "")) from None
    if a.dtype == bool or np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating):
        return a
    if a.dtype == object and a.size:   # numbers held as Python objects (a pandas Series of dtype object)
        import pandas as pd

        kind = pd.api.types.infer_dtype(a.ravel(), skipna=False)
        missing = np.asarray(pd.isna(a), dtype=bool)
        present_kind = pd.api.types.infer_dtype(a[~missing], skipna=True) if missing.any() else kind
        if missing.any() and present_kind in ("integer", "boolean", "floating", "mixed-integer-float", "empty"):
            at = tuple(int(i) for i in np.argwhere(missing)[0])
            raise ShapeError(f"{what} holds a missing value ({a[at]!r}, e.g. pandas' pd.NA of a nullable Int64 or "
                             f"boolean column) at {list(at)}: fill or drop it first (numbers only)")
        target = {"integer": np.int64, "boolean": bool, "floating": np.float64,
                  "mixed-integer-float": np.float64}.get(kind)
        if target is not None:
            try:
                return a.astype(target)
            except (OverflowError, TypeError, ValueError):
                raise ShapeError(f"{what} holds integers beyond int64 (Python objects of dtype object): "
                                 "no id, label or count is that large") from None
    raise ShapeError(f"{what} must hold numbers (a numeric dtype: float, int or bool), got dtype {a.dtype}"
                     + (" (strings: convert them, e.g. with the ETL)" if a.dtype.kind in "USO" else ""))


#: The largest float32: every array crosses to DL4J as float32, where a larger float64 becomes infinity.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _unrepresentable(a: np.ndarray) -> Optional[np.ndarray]:
    """Where ``a`` holds NaN, an infinity, or a number beyond float32's range (None for integer and bool arrays)."""
    if not np.issubdtype(a.dtype, np.floating):
        return None
    bad = ~np.isfinite(a)
    if a.dtype.itemsize > 4:
        with np.errstate(invalid="ignore"):
            bad |= np.abs(a) > FLOAT32_MAX
    return bad


def _all_representable(a: np.ndarray) -> bool:
    """No NaN, infinity or number beyond float32 in ``a``, found without a temporary array of ``a``'s size: the
    smallest and the largest value are finite and within float32 (a NaN makes both NaN)."""
    if not np.issubdtype(a.dtype, np.floating) or a.size == 0:
        return True
    low, high = float(np.min(a)), float(np.max(a))
    return -FLOAT32_MAX <= low and high <= FLOAT32_MAX   # False for NaN


def _first_non_finite(a: np.ndarray) -> Optional[Tuple[int, ...]]:
    if _all_representable(a):   # the common case, in two passes and no allocation; else where the first one is
        return None
    bad = _unrepresentable(a)
    if bad is not None and bad.any():
        return tuple(int(i) for i in np.argwhere(bad)[0])
    return None


def _value(v) -> str:
    """A value :func:`_first_non_finite` found, and why it cannot cross."""
    if np.isfinite(v):
        return (f"{float(v)!r}, beyond float32's range (±{FLOAT32_MAX:.4g}: DL4J computes in float32, where it "
                "would be infinite; scale it first, e.g. log1p or the ETL's normalization),")
    return str(v)


def _where(index: Tuple[int, ...], axes: Sequence[str]) -> str:
    return ", ".join(f"{axis} {i}" for axis, i in zip(axes, index))


def check_sequences(x, *, n_in: Optional[int] = None, what: str = "X") -> np.ndarray:
    """Sequences ``[batch, time, features]``: numeric, at least one sequence of at least one step, finite.

    Parameters
    ----------
    x : array-like
    n_in : int, optional
        The number of features per step the network takes.
    what : str
        The argument's name, for messages.

    Returns
    -------
    numpy.ndarray
        ``x`` as an array (not copied when it already is one).
    """
    a = check_numeric(x, what)
    expected = f"[batch, time, {n_in if n_in is not None else 'features'}]"
    if a.ndim != 3:
        hint = f"; one sequence of shape {a.shape}? pass {what}[None]" if a.ndim == 2 else ""
        raise ShapeError(f"{what} must be {expected} (rank 3), got shape {a.shape} (rank {a.ndim}){hint}")
    if a.shape[0] == 0:
        raise ShapeError(f"{what} holds no sequence: expected {expected} with batch >= 1, got shape {a.shape}")
    if a.shape[1] == 0:
        raise ShapeError(f"{what} has time length 0: expected {expected} with time >= 1, got shape {a.shape}")
    if n_in is not None and a.shape[2] != n_in:
        raise ShapeError(f"{what} has {a.shape[2]} features per step but the network takes n_in={n_in}: "
                         f"expected {expected}, got shape {a.shape}")
    bad = _first_non_finite(a)
    if bad is not None:
        count = int(_unrepresentable(a).sum())
        raise ShapeError(f"{what} holds {_value(a[bad])} at [{_where(bad, ('batch', 'step', 'feature'))}] ({count} "
                         "NaN, infinite or out-of-range values in all): impute, scale or drop them first")
    return a


def check_steps(values, batch_time: Tuple[int, int], *, what: str, classes: Optional[int] = None,
                binary: bool = False, non_negative: bool = False, owner: str = "the network has n_out",
                advice: Optional[Callable[[int], str]] = None) -> np.ndarray:
    """A per-step array ``[batch, time]`` that belongs to sequences of ``batch_time = (batch, time)``.

    Parameters
    ----------
    classes : int, optional
        The values are class ids: integers below ``classes`` (a negative id marks an unlabelled step).
    owner : str
        Who has ``classes`` classes, for the message (e.g. ``"the detector has n_classes"``).
    advice : callable, optional
        ``advice(largest_class_id)``: what to do, appended to the message of a class id beyond ``classes``.
    binary : bool
        Only 0 and 1 (masks: 1 = real step, 0 = padding), the padding after the real steps of each sequence.
    non_negative : bool
        Finite and >= 0 (weights).
    """
    a = check_numeric(values, what)
    batch_time = tuple(int(n) for n in batch_time)
    if a.shape != batch_time:
        detail = ""
        if a.ndim == 2 and a.shape[0] != batch_time[0]:
            detail = f": {a.shape[0]} sequences where X has {batch_time[0]}"
        elif a.ndim == 2:
            detail = f": time length {a.shape[1]} where X has {batch_time[1]}"
        elif a.ndim == 3 and classes is not None and a.shape[:2] == batch_time:
            detail = " (one-hot labels? pass the class ids, e.g. Y.argmax(-1))"
        raise ShapeError(f"{what} must be [batch, time] = {batch_time}, got shape {a.shape}{detail}")
    bad = _first_non_finite(a)
    if bad is not None:
        raise ShapeError(f"{what} holds {_value(a[bad])} at [{_where(bad, ('batch', 'step'))}]")
    if classes is not None:
        if np.issubdtype(a.dtype, np.floating):
            fractional = a != np.round(a)
            if fractional.any():
                at = tuple(int(i) for i in np.argwhere(fractional)[0])
                raise ShapeError(f"{what} must hold class ids (integers), got {a[at]} at "
                                 f"[{_where(at, ('batch', 'step'))}]")
        too_large = a >= classes
        if too_large.any():
            at = tuple(int(i) for i in np.argwhere(too_large)[0])
            raise ShapeError(f"{what} holds class id {int(a[at])} at [{_where(at, ('batch', 'step'))}] but "
                             f"{owner}={classes} classes (ids 0..{classes - 1}; negative = unlabelled)"
                             + (advice(int(a.max())) if advice is not None else ""))
    if binary:
        other = (a != 0) & (a != 1)
        if other.any():
            at = tuple(int(i) for i in np.argwhere(other)[0])
            raise ShapeError(f"{what} must hold 0 (padding) or 1 (real step), got {a[at]} at "
                             f"[{_where(at, ('batch', 'step'))}]")
        front = a[:, 1:] > a[:, :-1]   # a real step after padding (not np.diff: XOR on bool, wraps on uint8)
        if front.any():
            at = tuple(int(i) for i in np.argwhere(front)[0])
            raise ShapeError(f"{what} has padding before a real step (0 at [{_where(at, ('batch', 'step'))}], 1 "
                             f"after it): pad at the end of each sequence, real steps first (Keras: pad_sequences("
                             "..., padding='post')); DL4J's LSTM carries its state through masked steps, so "
                             "padding in front would change the real steps' outputs")
    if non_negative and a.size and a.min() < 0:
        at = tuple(int(i) for i in np.argwhere(a < 0)[0])
        raise ShapeError(f"{what} must be >= 0, got {a[at]} at [{_where(at, ('batch', 'step'))}]")
    return a


def check_per_sequence(values, batch: int, *, what: str, non_negative: bool = False) -> np.ndarray:
    """A per-sequence array ``[batch]`` (sequence weights, labels, next ids)."""
    a = check_numeric(values, what)
    if a.shape != (batch,):
        raise ShapeError(f"{what} must be [batch] = ({batch},), got shape {a.shape}")
    bad = _first_non_finite(a)
    if bad is not None:
        raise ShapeError(f"{what} holds {_value(a[bad])} at [batch {bad[0]}]")
    if non_negative and a.size and a.min() < 0:
        raise ShapeError(f"{what} must be >= 0, got {a.min()} at [batch {int(np.argmin(a))}]")
    return a


def check_integers(a: np.ndarray, *, what: str, axes: Sequence[str], dtype=np.int32) -> np.ndarray:
    """``a`` (checked finite) as ``dtype``: whole numbers within its range, never truncated (2.5 -> 2) or wrapped
    (2**40 -> 0); else :class:`ShapeError` naming the first other value and where it is (``axes``: the names of
    its dimensions, e.g. ``("batch", "step")``)."""
    if a.dtype == bool:
        return a.astype(dtype)
    limits = np.iinfo(dtype)
    if a.dtype.kind in "iu" and np.can_cast(a.dtype, dtype):   # the common case: nothing to check
        return a.astype(dtype, copy=False)
    with np.errstate(invalid="ignore"):
        if np.issubdtype(a.dtype, np.floating):   # max + 1 is exact in float (2**63 for int64), max may not be
            bad = (a < limits.min) | (a >= float(limits.max) + 1) | (a != np.round(a))
        else:
            bad = (a < limits.min) | (a > limits.max)
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ShapeError(f"{what} must hold whole numbers from {limits.min} to {limits.max}, got {a[at].item()!r} at "
                         f"[{_where(at, axes)}]")
    return a.astype(dtype, copy=False)


def check_count(value, name: str, minimum: int = 1) -> int:
    """A whole number >= ``minimum`` (numpy integers and integral floats such as ``2.0`` included) as an int;
    else ``ValueError`` naming ``name`` (``1.5`` epochs is refused, not truncated)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value != int(value) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_labelled(Y: np.ndarray, mask: Optional[np.ndarray], *, what: str, purpose: str) -> None:
    """At least one step of ``Y`` is labelled (id >= 0) and real (mask 1), else :class:`ShapeError`."""
    labelled = Y >= 0
    if mask is not None:
        labelled &= mask > 0
    if not labelled.any():
        raise ShapeError(f"{what} has no labelled real step (every label is negative, i.e. unlabelled, or its step is "
                         f"padding): there is nothing to {purpose}")


def check_xy(X, Y=None, mask=None, *, n_in: int, n_out: Optional[int] = None, prefix: str = ""):
    """Features, labels and mask of one call, checked against each other and the network.

    Returns
    -------
    tuple
        ``(X, Y, mask)`` as arrays (``Y`` and ``mask`` stay None when not given).
    """
    X = check_sequences(X, n_in=n_in, what=f"{prefix}X")
    batch_time = X.shape[:2]
    if Y is not None:
        Y = check_steps(Y, batch_time, what=f"{prefix}Y", classes=n_out)
    if mask is not None:
        mask = check_steps(mask, batch_time, what=f"{prefix}mask", binary=True)
    return X, Y, mask
