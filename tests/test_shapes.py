"""ShapeError before Java: every public entry point that takes arrays checks them first (dl4j_bridge.shapes).

Each case names the argument and says what was expected and what came. "Before Java" is proved by
replacing the one numpy -> INDArray boundary (dl4j_bridge.arrays) with a function that fails the test.
"""

from __future__ import annotations

import numpy as np
import pytest

import dl4j_bridge as db
from dl4j_bridge import shapes
from dl4j_bridge.errors import ShapeError

B, T, N_IN, N_OUT = 4, 5, 3, 2


def good():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(B, T, N_IN)).astype(np.float32), rng.integers(0, N_OUT, size=(B, T)),
            np.ones((B, T), np.float32))


def with_nan(x, at=(2, 3, 1), value=np.nan):
    x = x.copy()
    x[at] = value
    return x


X, Y, M = good()
#: (case, X, Y, mask, message pattern) -- the pattern names the argument, the expected and the actual shape
CASES = [
    ("rank 2", X[0], Y, None, r"X must be \[batch, time, 3\] \(rank 3\), got shape \(5, 3\) \(rank 2\).*X\[None\]"),
    ("rank 4", X[None], Y, None, r"X must be \[batch, time, 3\] \(rank 3\), got shape \(1, 4, 5, 3\)"),
    ("features vs n_in", X[:, :, :2], Y, None, r"X has 2 features per step but the network takes n_in=3: "
                                               r"expected \[batch, time, 3\], got shape \(4, 5, 2\)"),
    ("strings", X.astype(str), Y, None, r"X must hold numbers .*got dtype <U"),
    # numbers held as Python objects are numbers (a pandas Series of dtype object); anything else is not
    ("objects", with_nan(X.astype(object), value="a"), Y, None, r"X must hold numbers .*got dtype object"),
    ("complex", X.astype(np.complex64), Y, None, r"X must hold numbers .*got dtype complex64"),
    ("ragged", [[[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]], None, None, r"X must be a numeric array"),
    ("empty batch", X[:0], Y[:0], None, r"X holds no sequence: expected \[batch, time, 3\] with batch >= 1, got "
                                        r"shape \(0, 5, 3\)"),
    ("time length 0", X[:, :0], Y[:, :0], None, r"X has time length 0: .*got shape \(4, 0, 3\)"),
    ("NaN", with_nan(X), Y, None, r"X holds nan at \[batch 2, step 3, feature 1\] \(1 NaN, infinite or "
                                  r"out-of-range"),
    ("beyond float32", with_nan(X.astype(np.float64), (1, 2, 0), 1e39), Y, None, r"X holds 1e\+39, beyond float32's range "
                                                             r"\(±3.403e\+38.* at \[batch 1, step 2, feature 0\]"),
    ("infinity", with_nan(X, (0, 4, 2), np.inf), Y, None, r"X holds inf at \[batch 0, step 4, feature 2\]"),
    ("labels rank", X, Y[:, :, None], None, r"Y must be \[batch, time\] = \(4, 5\), got shape \(4, 5, 1\)"),
    ("labels one-hot", X, np.eye(N_OUT)[Y], None, r"Y must be .*got shape \(4, 5, 2\) \(one-hot labels\? pass the "
                                                  r"class ids"),
    ("labels batch", X, Y[:3], None, r"Y must be \[batch, time\] = \(4, 5\), got shape \(3, 5\): 3 sequences "
                                     r"where X has 4"),
    ("labels time", X, Y[:, :4], None, r"Y must be .*got shape \(4, 4\): time length 4 where X has 5"),
    ("labels class count", X, np.full((B, T), N_OUT), None, r"Y holds class id 2 at \[batch 0, step 0\] but the "
                                                            r"network has n_out=2"),
    ("labels fractional", X, Y + 0.5, None, r"Y must hold class ids \(integers\), got 1.5 at \[batch 0, step 0\]"),
    ("labels NaN", X, np.where(Y == Y, np.nan, 0), None, r"Y holds nan at \[batch 0, step 0\]"),
    ("labels strings", X, Y.astype(str), None, r"Y must hold numbers .*got dtype <U"),
    ("mask shape", X, Y, M[:, :3], r"mask must be \[batch, time\] = \(4, 5\), got shape \(4, 3\)"),
    ("mask batch", X, Y, M[:2], r"mask must be .*got shape \(2, 5\): 2 sequences where X has 4"),
    ("mask values", X, Y, M * 0.5, r"mask must hold 0 \(padding\) or 1 \(real step\), got 0.5"),
    ("mask padding in front", X, Y, np.concatenate([np.zeros((B, 1)), np.ones((B, T - 1))], axis=1),
     r"mask has padding before a real step \(0 at \[batch 0, step 0\], 1 after it\): pad at the end"),
]


@pytest.fixture(scope="module")
def net(jvm):
    return db.Network(db.LSTMConfig(n_in=N_IN, n_out=N_OUT))


CALLS = [(call, *case) for call in ("fit", "evaluate", "predict_proba", "classify", "fit_normalizer")
         for case in CASES if call in ("fit", "evaluate") or not case[0].startswith("labels")]


@pytest.mark.parametrize("call, case, x, y, mask, message", CALLS, ids=[f"{c[0]}-{c[1]}" for c in CALLS])
def test_every_network_entry_point_raises_shape_error_before_java(net, no_java, call, case, x, y, mask, message):
    args = (x, y, mask) if call in ("fit", "evaluate") else (x, mask)
    with pytest.raises(ShapeError, match=message) as error:
        getattr(net, call)(*args, **({"progress": False} if call == "fit" else {}))
    assert isinstance(error.value, ValueError)  # a ShapeError is also a ValueError


@pytest.mark.parametrize("which", ["X", "Y", "mask"])
def test_validation_data_is_checked_and_named(net, no_java, which):
    vx, vy, vm = good()
    bad = {"X": (vx[:, :, :1], vy, vm), "Y": (vx, vy[:, :2], vm), "mask": (vx, vy, vm[:1])}[which]
    with pytest.raises(ShapeError, match=rf"^validation {which} "):
        net.fit(X, Y, M, validation=bad, progress=False)


@pytest.mark.parametrize("weights, message", [
    (np.ones(3), r"sample_weight must be \[batch\] = \(4,\), got shape \(3,\)"),
    (np.ones((B, T + 1)), r"sample_weight must be \[batch, time\] = \(4, 5\), got shape \(4, 6\)"),
    (-np.ones(B), r"sample_weight must be >= 0, got -1.0 at \[batch 0\]"),
    (np.full(B, np.inf), r"sample_weight holds inf at \[batch 0\]"),
])
def test_sample_weights_are_checked(jvm, no_java, weights, message):
    weighted = db.Network(db.LSTMConfig(n_in=N_IN, n_out=N_OUT, class_weights=(1.0, 1.0)))
    with pytest.raises(ShapeError, match=message):
        weighted.fit(X, Y, M, sample_weight=weights, progress=False)


def test_good_arrays_pass_unchanged_and_uncopied():
    x, y, mask = good()
    checked = shapes.check_xy(x, y, mask, n_in=N_IN, n_out=N_OUT)
    assert checked[0] is x and checked[1] is y and checked[2] is mask
    assert shapes.check_xy(x.astype(np.float64), y.astype(np.float32), mask.astype(bool), n_in=N_IN)[0].dtype \
        == np.float64
    assert shapes.check_steps(-np.ones((B, T)), (B, T), what="Y", classes=N_OUT).min() == -1  # unlabelled steps


@pytest.mark.parametrize("array", [np.array([["a", "b"]]), np.array([[1 + 2j]]), np.array([None, 1.0])])
def test_the_array_boundary_refuses_what_is_not_numbers(jvm, array):
    from dl4j_bridge import arrays

    with pytest.raises(ShapeError, match=r"the array (must hold numbers|holds a missing value \(None)"):
        arrays.to_indarray(array)
    with pytest.raises(ShapeError, match=r"sequence features (must hold numbers|holds a missing value \(None)"):
        arrays.sequences_to_indarray(array.reshape(1, 1, -1))


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.int8, np.float32, np.float64])
def test_end_padded_masks_of_every_dtype_pass_and_front_padding_is_refused(dtype):
    lengths = np.array([5, 3, 1, 4])
    mask = (lengths[:, None] > np.arange(T)).astype(dtype)      # real steps first, then padding
    _, _, checked = shapes.check_xy(X, Y, mask, n_in=N_IN, n_out=N_OUT)
    assert checked.dtype == np.dtype(dtype)
    with pytest.raises(db.ShapeError, match=r"mask has padding before a real step \(0 at \[batch 1, step 1\]"):
        shapes.check_xy(X, Y, mask[:, ::-1], n_in=N_IN, n_out=N_OUT)



def test_numbers_held_as_python_objects_are_taken_as_numbers():
    """A pandas Series of dtype object holding ints (labels read by hand) was refused as 'strings'."""
    import pandas as pd

    from dl4j_bridge.shapes import check_numeric

    assert check_numeric(pd.Series([1, 0], dtype=object), "y").dtype == np.int64
    assert check_numeric(X.astype(object), "X").dtype == np.float64
    assert check_numeric(np.array([True, False], dtype=object), "m").dtype == bool
    with pytest.raises(ShapeError, match=r"y holds integers beyond int64"):
        check_numeric(np.array([2**70, 1], dtype=object), "y")
