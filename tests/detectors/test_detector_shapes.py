"""The detectors' public entry points raise ShapeError, naming the argument, before anything reaches Java."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import cycle_windows
from dl4j_bridge.detectors import NextEventDetector, SequenceClassifier, sequence_batch
from dl4j_bridge.errors import ShapeError

BATCH = cycle_windows(12, seed=5)  # x [12, 10, 7]


def broken(**changes):
    return dataclasses.replace(BATCH, **changes)


def nan_at(array, index):
    out = array.astype(np.float32)
    out[index] = np.nan
    return out


#: (case, batch, message) -- bad batches for every entry point
BAD_BATCHES = [
    ("features", broken(x=BATCH.x[:, :, :5], feature_names=BATCH.feature_names[:5]),
     r"batch.x has 5 features per step but the network takes n_in=7"),
    ("rank", broken(x=BATCH.x[0]), r"batch.x must be \[batch, time, 7\] \(rank 3\), got shape \(10, 7\)"),
    ("NaN", broken(x=nan_at(BATCH.x, (3, 4, 0))), r"batch.x holds nan at \[batch 3, step 4, feature 0\]"),
    ("empty", broken(x=BATCH.x[:0], mask=BATCH.mask[:0]), r"the batch holds no sequence"),
    ("time 0", broken(x=BATCH.x[:, :0]), r"batch.x has time length 0"),
    ("strings", broken(x=BATCH.x.astype(str)), r"batch.x must hold numbers"),
    ("mask shape", broken(mask=BATCH.mask[:, :9]), r"batch.mask must be \[batch, time\] = \(12, 10\), got shape "
                                                   r"\(12, 9\): time length 9 where X has 10"),
    ("mask values", broken(mask=BATCH.mask * 2), r"batch.mask must hold 0 \(padding\) or 1 \(real step\), got 2.0"),
    ("step ids", broken(step_ids=BATCH.step_ids[:6]), r"batch.step_ids must be \[batch, time\] = \(12, 10\), got "
                                                      r"shape \(6, 10\): 6 sequences where X has 12"),
    ("next ids", broken(next_ids=BATCH.next_ids[:, None]), r"batch.next_ids must be \[batch\] = \(12,\)"),
    ("next lines", broken(next_lines=BATCH.next_lines[:5]), r"batch.next_lines must be \[batch\] = \(12,\)"),
    ("fractional next lines", broken(next_lines=BATCH.next_lines + 0.5), r"batch.next_lines must hold whole numbers"),
    ("keys", broken(keys=BATCH.keys[:3]), r"batch.keys must be \[batch\] = \(12,\), got 3 keys"),
    # a model fitted on it saved, then could not be loaded again ("names 1 features but the network takes 7")
    ("feature names", broken(feature_names=["a"]), r"batch.feature_names names 1 features but batch.x has 7 per step"),
    # a batch made without sequence_batch: ids were truncated (2.5 scored as 2) or wrapped (2**32 + 1 as 1)
    ("fractional next ids", broken(next_ids=BATCH.next_ids + 0.5), r"batch.next_ids must hold whole numbers .*got "
                                                                     r"\d\.5 at \[batch 0\]"),
    ("wrapped step ids", broken(step_ids=BATCH.step_ids.astype(np.int64) + 2**32),
     r"batch.step_ids must hold whole numbers from -2147483648 to 2147483647, got 429496729\d at \[batch 0, step 0\]"),
]


CALLS = ["decision_function", "predict", "step_scores", "explain", "calibrate"]


@pytest.mark.parametrize("case, batch, message", BAD_BATCHES, ids=[c[0] for c in BAD_BATCHES])
@pytest.mark.parametrize("call", CALLS)
def test_scoring_a_bad_batch_raises_shape_error_before_java(next_event_detector, no_java, call, case, batch,
                                                            message):
    with pytest.raises(ShapeError, match=message):
        getattr(next_event_detector, call)(batch)


@pytest.mark.parametrize("case, batch, message", BAD_BATCHES, ids=[c[0] for c in BAD_BATCHES])
@pytest.mark.parametrize("kind", [NextEventDetector, SequenceClassifier])
def test_fitting_a_bad_batch_raises_shape_error_before_java(jvm, no_java, kind, case, batch, message):
    message = message.replace(r"\[batch, time, 7\]", r"\[batch, time, features\]")  # an unfitted detector

    if case == "features":
        pytest.raises(AssertionError, kind(epochs=1).fit, batch)  # a valid batch for an unfitted detector
        return
    with pytest.raises(ShapeError, match=message):
        kind(epochs=1).fit(batch)


@pytest.mark.parametrize("kwargs, message", [
    ({"y": np.zeros((12, 9))}, r"y must be \[batch, time\] = \(12, 10\), got shape \(12, 9\)"),
    ({"y": np.full((12, 10), 2)}, r"y holds class id 2 at \[batch 0, step 0\] but the detector has n_classes=2"),
    ({"sample_weight": np.ones(11)}, r"sample_weight must be \[batch\] = \(12,\), got shape \(11,\)"),
    ({"sample_weight": -np.ones(12)}, r"sample_weight must be >= 0"),
    ({"validation": broken(mask=BATCH.mask[:1])}, r"validation.mask must be \[batch, time\] = \(12, 10\)"),
    ({"validation": broken(x=BATCH.x[:, :, :3])}, r"validation.x has 3 features per step but the network takes n_in=7"),
])
def test_fit_arguments_are_checked(jvm, no_java, kwargs, message):
    with pytest.raises(ShapeError, match=message):
        SequenceClassifier(epochs=1).fit(BATCH, **kwargs)


def test_more_label_classes_than_the_classifier_has_says_what_to_build(jvm, no_java):
    # a pipeline's Label(classes=["-", "KERNDTLB", "APPREAD", "KERNSTOR"]) (BGL alert categories) gives step labels
    # 0..3; the default SequenceClassifier has 2 classes, and the error said so without saying what to build
    labels = np.zeros((12, 10), np.int64)
    labels[4, 6] = 3
    with pytest.raises(ShapeError, match=r"holds class id 3 at \[batch 4, step 6\] but the detector has n_classes=2 "
                       r".*: build the detector with as many classes as the labels have, e\.g\. "
                       r"SequenceClassifier\(n_classes=4, positive_classes=\[1, 2, 3\]\)"):
        SequenceClassifier(epochs=1).fit(broken(step_labels=labels))


@pytest.mark.parametrize("kwargs, message", [
    ({"x": np.zeros((2, 3))}, r"x must be \[batch, time, features\] \(rank 3\), got shape \(2, 3\)"),
    ({"x": np.zeros((2, 3, 1)), "mask": np.ones((2, 4))}, r"mask must be \[batch, time\] = \(2, 3\)"),
    ({"x": np.zeros((2, 3, 1)), "mask": np.full((2, 3), 0.5)}, r"mask must hold 0 \(padding\) or 1"),
    ({"x": np.array([[["a"]]])}, r"x must hold numbers"),
    ({"x": np.zeros((2, 3, 1)), "step_ids": np.zeros((3, 3))}, r"step_ids must be \[batch, time\] = \(2, 3\)"),
    # ids, labels and line numbers were truncated (2.5 -> 2, 0.7 -> 0) or wrapped (2**40 -> 0, the unknown id)
    ({"x": np.zeros((2, 3, 1)), "step_ids": np.full((2, 3), 2**40)},
     r"step_ids must hold whole numbers from -2147483648 to 2147483647, got 1099511627776 at \[batch 0, step 0\]"),
    ({"x": np.zeros((2, 3, 1)), "step_ids": np.full((2, 3), 2.5)}, r"step_ids must hold whole numbers .*got 2.5"),
    ({"x": np.zeros((2, 3, 1)), "step_labels": np.full((2, 3), 1.7)}, r"step_labels must hold whole numbers"),
    ({"x": np.zeros((2, 3, 1)), "labels": [0, 0.7]}, r"labels must hold whole numbers .*got 0.7 at \[batch 1\]"),
    ({"x": np.zeros((2, 3, 1)), "next_ids": [1, np.nan]}, r"next_ids holds nan at \[batch 1\]"),
    ({"x": np.zeros((2, 3, 1)), "next_ids": [2**40, 1]}, r"next_ids must hold whole numbers"),
    ({"x": np.zeros((2, 3, 1)), "line_numbers": np.full((2, 3), 1.5)}, r"line_numbers must hold whole numbers"),
    ({"x": np.zeros((2, 3, 1)), "next_lines": [3, 4.5]}, r"next_lines must hold whole numbers .*got 4.5 at \[batch 1\]"),
    ({"x": np.zeros((2, 3, 1)), "next_lines": [3]}, r"next_lines must be \[batch\] = \(2,\)"),
    ({"x": np.zeros((2, 3, 1)), "labels": [0, 1, 1]}, r"labels must be \[batch\] = \(2,\), got shape \(3,\)"),
    # scikit-learn's -1 = outlier / +1 = inlier was read as "> 0": every normal sequence anomalous, silently
    ({"x": np.zeros((2, 3, 1)), "labels": [1, -1]}, r"labels holds -1 at \[batch 1\].*\(y == -1\).astype\(int\)"),
    ({"x": np.zeros((2, 3, 1)), "keys": ["a"]}, r"keys must be \[batch\] = \(2,\), got 1 keys"),
    ({"x": np.zeros((2, 3, 2)), "feature_names": ["a"]}, r"feature_names names 1 features but x has 2 per step"),
    ({"x": np.zeros((2, 3, 1)), "line_numbers": np.full((2, 3), 2.0**63)},   # wrapped to -2**63 (max rounds up)
     r"line_numbers must hold whole numbers from -9223372036854775808"),
])
def test_sequence_batch_checks_its_arrays(kwargs, message):
    with pytest.raises(ShapeError, match=message):
        sequence_batch(**kwargs)


@pytest.mark.parametrize("name", ["PCABaseline", "IsolationForestBaseline"])
def test_the_baselines_check_their_batches_too(name):
    from dl4j_bridge.detectors import baselines

    baseline = getattr(baselines, name)().fit(BATCH)
    with pytest.raises(ShapeError, match=r"batch.x holds nan at \[batch 3, step 4, feature 0\]"):
        baseline.decision_function(broken(x=nan_at(BATCH.x, (3, 4, 0))))
    with pytest.raises(ShapeError, match=r"batch windows have 50 values \(time x features\), the baseline was fitted "
                                         r"on 70"):
        baseline.decision_function(broken(x=BATCH.x[:, :, :5], feature_names=BATCH.feature_names[:5]))


def test_isolation_forest_on_fewer_rows_than_max_samples_uses_them_all_without_a_warning():
    import warnings

    from dl4j_bridge.detectors import baselines

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = baselines.IsolationForestBaseline(max_samples=256).fit(BATCH)
    assert len(BATCH.x) < 256
    exact = baselines.IsolationForestBaseline(max_samples=len(BATCH.x)).fit(BATCH)
    np.testing.assert_array_equal(small.decision_function(BATCH), exact.decision_function(BATCH))


def test_take_of_no_index_is_an_empty_batch_and_of_floats_a_clear_error():
    from dl4j_bridge.detectors import take

    empty = take(BATCH, [])
    assert len(empty) == 0 and empty.x.shape == (0, 10, 7) and len(empty.keys) == 0
    assert len(take(BATCH, np.arange(12) % 3 == 0)) == 4 and take(BATCH, [3, 1]).keys.tolist() == [3, 1]
    with pytest.raises(TypeError, match="integer indices or a boolean mask"):
        take(BATCH, [0.0, 1.0])
    tail = take(BATCH, slice(9, None))   # a slice: views of the batch's arrays, as the CLI's score cuts its blocks
    assert tail.keys.tolist() == [9, 10, 11] and np.shares_memory(tail.x, BATCH.x)
    np.testing.assert_array_equal(tail.x, take(BATCH, [9, 10, 11]).x)


def test_named_features_other_than_the_fits_are_refused_when_scoring(jvm):
    """The same width with other (or reordered) features was scored without a word; names left at f0, f1, ...
    are not compared."""
    named = [f"event_{i}" for i in range(7)]
    det = NextEventDetector(top_g=2, hidden_sizes=(4,), epochs=1, n_events=7, patience=0, validation_fraction=0.0)
    det.fit(broken(feature_names=named))
    swapped = named[:]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    with pytest.raises(ShapeError, match=r"feature 0 is 'event_1' where the fit had 'event_0'"):
        det.decision_function(broken(feature_names=swapped))
    default = det.decision_function(BATCH)   # f0, f1, ...: not compared
    np.testing.assert_array_equal(default, det.decision_function(broken(feature_names=named)))


def test_a_batch_with_no_feature_names_is_taken_and_object_numbers_are_numbers(jvm, no_java):
    """SequenceBatch's feature_names default to []: the width check refused such a batch, which fitted and saved
    before; labels held as Python objects (a pandas Series of dtype object) were refused as 'strings'."""
    import pandas as pd

    with pytest.raises(AssertionError):   # reaches Java (no_java): no ShapeError on the way
        NextEventDetector(epochs=1).fit(broken(feature_names=[]))
    assert sequence_batch(np.zeros((2, 3, 1)), labels=pd.Series([1, 0], dtype=object)).labels.tolist() == [1, 0]


def test_validation_features_other_than_the_batchs_are_refused_before_training(jvm, no_java):
    named = broken(feature_names=[f"event_{i}" for i in range(7)])
    reordered = broken(feature_names=[f"event_{i}" for i in reversed(range(7))])
    with pytest.raises(ShapeError, match=r"the validation's features are not those the detector was fitted on: "
                                         r"feature 0 is 'event_6' where the fit had 'event_0'"):
        NextEventDetector(epochs=1).fit(named, validation=reordered)


def test_a_pipeline_of_other_features_is_refused_at_save_and_the_own_pipelines_batch_is_scored(jvm, tmp_path):
    """A pipeline refitted on other data (same width, other categories) was saved with the detector: Python then
    refused to score what the JVM scored."""
    import types

    named = broken(feature_names=[f"event_{i}" for i in range(7)])
    det = NextEventDetector(top_g=2, hidden_sizes=(4,), epochs=1, n_events=7, patience=0, validation_fraction=0.0)
    det.fit(named)
    other = types.SimpleNamespace(feature_names=[f"level={i}" for i in range(7)])
    with pytest.raises(ValueError, match=r"the pipeline's feature 0 is 'level=0' where the detector was trained on "
                                         r"'event_0': save the detector with the pipeline it was trained on"):
        det.save(tmp_path / "d.zip", pipeline=other)
    det.pipeline_, det._pipeline_names_ = other, list(other.feature_names)   # a file saved so before (as loaded):
    np.testing.assert_array_equal(det.decision_function(broken(feature_names=other.feature_names)),   # as the JVM
                                  det.decision_function(named))
    det._pipeline_names_ = list(named.feature_names)   # fitted with its pipeline, which was then refitted
    with pytest.raises(ShapeError, match=r"feature 0 is 'level=0' where the fit had 'event_0'"):
        det.decision_function(broken(feature_names=other.feature_names))
