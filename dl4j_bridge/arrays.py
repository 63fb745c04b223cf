"""The numpy <-> INDArray boundary. Every array crosses here, in bulk, as one memory copy.

Python-side layout is ``[batch, time, features]``; DL4J's RNN layout (NCW) is
``[batch, features, time]``. This module is the only place that transposes between them.
Masks and per-step labels are ``[batch, time]`` on both sides.
"""

from __future__ import annotations

import numpy as np

from .errors import ShapeError
from .session import require_jvm

_bridge = None


def _java():
    global _bridge
    if _bridge is None:
        require_jvm()
        import jpype

        _bridge = jpype.JClass("io.dl4jbridge.ArrayBridge")
    return _bridge


def to_indarray(array: np.ndarray):
    """A C-ordered float32 INDArray with the same shape and values as ``array`` (no transpose).

    Parameters
    ----------
    array : numpy.ndarray
        Any shape; converted to C-contiguous float32 first if it is not.

    Returns
    -------
    org.nd4j.linalg.api.ndarray.INDArray
    """
    import jpype
    import jpype.nio

    a = np.ascontiguousarray(array, dtype=np.float32)
    if not a.flags.writeable:  # convertToDirectBuffer needs writable memory
        a = a.copy()
    if a.size == 0:
        raise ShapeError(f"cannot convert an empty array of shape {a.shape}")
    shape = jpype.JArray(jpype.JLong)(list(a.shape))
    return _java().fromBuffer(jpype.nio.convertToDirectBuffer(a), shape)


def to_numpy(indarray) -> np.ndarray:
    """A new float32 numpy array with the INDArray's shape and values (no transpose).

    The INDArray is copied once into numpy-owned memory (made C-ordered first when it is a view or
    F-ordered, as RNN outputs are).
    """
    import jpype.nio

    shape = tuple(int(s) for s in indarray.shape())
    out = np.empty(shape, dtype=np.float32)
    if out.size:
        _java().copyTo(indarray, jpype.nio.convertToDirectBuffer(out))
    return out


def _check_float_array(array, rank: int, what: str, layout: str) -> np.ndarray:
    a = np.asarray(array)
    if a.ndim != rank:
        raise ShapeError(f"{what} must be {layout} (rank {rank}), got shape {a.shape}")
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer) or a.dtype == bool):
        raise ShapeError(f"{what} must be numeric, got dtype {a.dtype}")
    return a


def sequences_to_indarray(x) -> object:
    """``[batch, time, features]`` numpy -> INDArray ``[batch, features, time]`` (DL4J NCW)."""
    a = _check_float_array(x, 3, "sequence features", "[batch, time, features]")
    return to_indarray(np.ascontiguousarray(a.transpose(0, 2, 1), dtype=np.float32))


def sequences_from_indarray(indarray) -> np.ndarray:
    """INDArray ``[batch, channels, time]`` (DL4J NCW) -> numpy ``[batch, time, channels]``."""
    return np.ascontiguousarray(to_numpy(indarray).transpose(0, 2, 1))


def steps_to_indarray(values, what: str = "mask"):
    """``[batch, time]`` numpy (masks, per-step class ids) -> INDArray ``[batch, time]``."""
    return to_indarray(_check_float_array(values, 2, what, "[batch, time]"))


def steps_from_indarray(indarray) -> np.ndarray:
    """INDArray ``[batch, time]`` -> numpy float32 ``[batch, time]``."""
    return to_numpy(indarray)
