"""The numpy <-> INDArray boundary: exact round trips, DL4J's NCW layout, clear shape errors."""

from __future__ import annotations

import numpy as np
import pytest

from bridge_testing import random_sequences


@pytest.fixture(autouse=True)
def _jvm(jvm):
    return jvm


def test_sequences_round_trip_bit_exactly_including_special_values():
    from dl4j_bridge import arrays

    x = random_sequences(6, 11, 4)
    x[0, 0, 0], x[1, 2, 3], x[2, 3, 1] = np.nan, np.inf, -0.0
    x[3, 4, 2] = np.finfo(np.float32).tiny
    back = arrays.sequences_from_indarray(arrays.sequences_to_indarray(x))
    assert back.dtype == np.float32 and back.shape == x.shape
    assert back.tobytes() == x.tobytes()


def test_indarray_is_in_dl4j_ncw_layout():
    from dl4j_bridge import arrays

    x = random_sequences(2, 5, 3)
    ind = arrays.sequences_to_indarray(x)
    assert list(ind.shape()) == [2, 3, 5]
    import jpype

    for b, t, f in [(0, 0, 0), (1, 4, 2), (0, 3, 1), (1, 0, 2)]:
        assert float(ind.getFloat(jpype.JArray(jpype.JLong)([b, f, t]))) == x[b, t, f]


def test_masks_and_plain_arrays_round_trip_without_transpose():
    from dl4j_bridge import arrays

    mask = (np.random.default_rng(1).random((4, 9)) > 0.3).astype(np.float32)
    ind = arrays.steps_to_indarray(mask)
    assert list(ind.shape()) == [4, 9]
    assert np.array_equal(arrays.steps_from_indarray(ind), mask)
    cube = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert np.array_equal(arrays.to_numpy(arrays.to_indarray(cube)), cube)


def test_non_contiguous_readonly_and_float64_inputs_are_converted():
    from dl4j_bridge import arrays

    base = np.arange(2 * 6 * 8, dtype=np.float64).reshape(2, 6, 8)
    view = base[:, ::2, 1::2]              # non-contiguous float64 view
    back = arrays.sequences_from_indarray(arrays.sequences_to_indarray(view))
    assert np.array_equal(back, view.astype(np.float32))
    ro = random_sequences(2, 3, 2)
    ro.setflags(write=False)
    assert np.array_equal(arrays.sequences_from_indarray(arrays.sequences_to_indarray(ro)), ro)


def test_java_views_and_f_order_arrays_come_back_right():
    import jpype

    from dl4j_bridge import arrays

    x = random_sequences(3, 4, 5)
    ind = arrays.to_indarray(x)
    permuted = ind.permute(2, 0, 1)        # a view, not C-ordered
    assert np.array_equal(arrays.to_numpy(permuted), x.transpose(2, 0, 1))
    f_order = ind.dup(jpype.JChar("f"))
    assert np.array_equal(arrays.to_numpy(f_order), x)


def test_wrong_rank_and_empty_inputs_are_shape_errors():
    from dl4j_bridge import ShapeError, arrays

    with pytest.raises(ShapeError, match=r"\[batch, time, features\]"):
        arrays.sequences_to_indarray(np.zeros((3, 4), np.float32))
    with pytest.raises(ShapeError, match=r"\[batch, time\]"):
        arrays.steps_to_indarray(np.zeros((3, 4, 1), np.float32))
    with pytest.raises(ShapeError, match="empty"):
        arrays.to_indarray(np.zeros((0, 3), np.float32))
    with pytest.raises(ShapeError, match="numeric"):
        arrays.sequences_to_indarray(np.array([[["a"]]]))


def test_large_array_round_trip():
    from dl4j_bridge import arrays

    x = np.random.default_rng(2).normal(size=(512, 50, 64)).astype(np.float32)  # 6.5 MB
    assert np.array_equal(arrays.sequences_from_indarray(arrays.sequences_to_indarray(x)), x)


def test_an_array_too_large_for_one_buffer_is_refused_before_any_copy():
    """2 GiB and more of float32 overflowed an int in the bridge: an unclear IllegalArgumentException, after the
    JVM had allocated the array."""
    from dl4j_bridge import arrays
    from dl4j_bridge.errors import ShapeError

    big = np.broadcast_to(np.float32(0), (70_000, 100, 80))   # 2.09 GiB as float32, no memory used here
    with pytest.raises(ShapeError, match=r"is 2.09 GiB of float32; one array crosses into the JVM as one buffer of "
                                         r"at most 2 GiB: pass fewer sequences per call"):
        arrays.sequences_to_indarray(big)
    arrays._check_size((2**29 - 1, 1))     # just below: fine
    with pytest.raises(ShapeError):
        arrays._check_size((2**29, 1))


def test_one_hot_labels_beyond_a_java_array_are_refused_with_advice(jvm):
    import jpype

    from dl4j_bridge import arrays
    from dl4j_bridge.errors import JavaIllegalArgumentError
    from dl4j_bridge.javaerrors import java_errors

    ids = arrays.steps_to_indarray(np.zeros((3, 2), np.float32), "ids")
    with pytest.raises(JavaIllegalArgumentError, match=r"exceed a Java array \(2\^31 values\): pass fewer sequences"):
        with java_errors():
            jpype.JClass("io.dl4jbridge.ArrayBridge").oneHotLabels(ids, 2**30, None)



def test_a_missing_value_in_an_object_array_and_a_forgotten_y_are_named(jvm):
    import pandas as pd

    import dl4j_bridge as db

    net = db.Network(db.LSTMConfig(n_in=2, n_out=2))
    X = np.zeros((2, 3, 2), np.float32)
    with pytest.raises(ValueError, match="Y is required"):
        net.fit(X, None)   # was: TypeError '>=' not supported between 'NoneType' and 'int'
    Y = pd.DataFrame({"t0": pd.array([0, pd.NA], dtype="Int64"), "t1": pd.array([1, 1], dtype="Int64"),
                      "t2": pd.array([0, 1], dtype="Int64")}).to_numpy()
    # was: "must hold numbers ... got dtype object (strings: convert them ...)"
    with pytest.raises(db.ShapeError, match=r"Y holds a missing value \(<NA>.* at \[1, 0\]: fill or drop it"):
        net.fit(X, Y, epochs=1)
