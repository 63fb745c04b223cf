"""The numpy <-> INDArray boundary. Every array crosses here, in bulk, as one memory copy.

numpy copies directly between its arrays and ND4J's native memory, seen as a numpy view; dtype
conversion and the transpose below happen inside that one copy (no intermediate array).

Python-side layout is ``[batch, time, features]``; DL4J's RNN layout (NCW) is
``[batch, features, time]``. This module is the only place that transposes between them.
Masks and per-step labels are ``[batch, time]`` on both sides.
"""

from __future__ import annotations

import numpy as np

from . import shapes
from .errors import ShapeError
from .javaerrors import java_call
from . import session
from .session import require_jvm

_bridge = None


def _java():
    global _bridge
    require_jvm()  # every time: the JVM may have been shut down, or this may be a forked child
    if _bridge is None:
        import jpype

        _bridge = jpype.JClass("io.dl4jbridge.ArrayBridge")
        session.nd4j_in_use()
    return _bridge


@java_call
def _fill(shape, source: np.ndarray):
    """A new C-ordered float32 INDArray of ``shape`` holding ``source`` (a numpy array or view of that
    shape, any dtype and strides): numpy copies it straight into ND4J's memory, converting the dtype
    and following the strides (e.g. a transpose) in the same pass."""
    if source.size == 0:
        raise ShapeError(f"cannot convert an empty array of shape {source.shape}")
    _check_size(shape)
    import jpype

    bridge = _java()
    indarray = bridge.allocate(jpype.JArray(jpype.JLong)([int(n) for n in shape]))
    np.copyto(_view(bridge, indarray, shape), source, casting="unsafe")
    return indarray


#: The most bytes one array crosses in: a Java buffer holds at most 2^31 - 1 bytes.
MAX_ARRAY_BYTES = 2**31 - 1


def _check_size(shape) -> None:
    """A ShapeError before any copy for an array too large to cross as one buffer."""
    size = 4 * int(np.prod([int(n) for n in shape], dtype=object))
    if size > MAX_ARRAY_BYTES:
        raise ShapeError(f"an array of shape {tuple(int(n) for n in shape)} is {size / 2**30:.2f} GiB of float32; one "
                         f"array crosses into the JVM as one buffer of at most 2 GiB: pass fewer sequences per call "
                         "(smaller batches, or score in parts)")


def _view(bridge, plain_indarray, shape) -> np.ndarray:
    """A numpy view (no copy) of a plain C-ordered float32 INDArray's memory; valid while it lives."""
    return np.frombuffer(memoryview(bridge.bytes(plain_indarray)), dtype=np.float32).reshape(shape)


@java_call
def _read(indarray, to_numpy_order=None) -> np.ndarray:
    """A new numpy array of the INDArray's values, axes reordered by ``to_numpy_order`` in the copy."""
    bridge = _java()
    shape = tuple(int(s) for s in indarray.shape())
    _check_size(shape)
    plain = bridge.plainC(indarray)  # RNN outputs and views are not plain buffers: ND4J copies them
    shape = tuple(int(s) for s in plain.shape())
    if 0 in shape:
        return np.empty(shape if to_numpy_order is None else tuple(shape[i] for i in to_numpy_order), np.float32)
    view = _view(bridge, plain, shape)
    if to_numpy_order is not None:
        view = view.transpose(to_numpy_order)
    out = np.empty(view.shape, dtype=np.float32)
    np.copyto(out, view)
    return out


def to_indarray(array: np.ndarray):
    """A C-ordered float32 INDArray with the same shape and values as ``array`` (no transpose).

    Parameters
    ----------
    array : numpy.ndarray
        Any shape, dtype and strides; converted to float32 while it is copied.

    Returns
    -------
    org.nd4j.linalg.api.ndarray.INDArray
    """
    a = shapes.check_numeric(array, "the array")
    return _fill(a.shape, a)


def to_numpy(indarray) -> np.ndarray:
    """A new float32 numpy array with the INDArray's shape and values (no transpose).

    The INDArray is copied once into numpy-owned memory (ND4J makes a C-ordered copy first when it
    is a view or F-ordered, as RNN outputs are).
    """
    return _read(indarray)


def _check_float_array(array, rank: int, what: str, layout: str) -> np.ndarray:
    a = shapes.check_numeric(array, what)
    if a.ndim != rank:
        raise ShapeError(f"{what} must be {layout} (rank {rank}), got shape {a.shape}")
    return a


def sequences_to_indarray(x) -> object:
    """``[batch, time, features]`` numpy -> INDArray ``[batch, features, time]`` (DL4J NCW)."""
    a = _check_float_array(x, 3, "sequence features", "[batch, time, features]")
    ncw = a.transpose(0, 2, 1)  # a view: the transpose happens inside the one copy into ND4J's memory
    return _fill(ncw.shape, ncw)


@java_call
def sequences_from_indarray(indarray) -> np.ndarray:
    """INDArray ``[batch, channels, time]`` (DL4J NCW) -> numpy ``[batch, time, channels]``."""
    if indarray.rank() != 3:
        raise ShapeError(f"expected an NCW INDArray [batch, channels, time], got shape {list(indarray.shape())}")
    return _read(indarray, (0, 2, 1))


def steps_to_indarray(values, what: str = "mask"):
    """``[batch, time]`` numpy (masks, per-step class ids) -> INDArray ``[batch, time]``."""
    return to_indarray(_check_float_array(values, 2, what, "[batch, time]"))


def steps_from_indarray(indarray) -> np.ndarray:
    """INDArray ``[batch, time]`` -> numpy float32 ``[batch, time]``."""
    return to_numpy(indarray)
