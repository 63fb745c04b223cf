"""What metrics, curves and the threshold methods accept as labels and thresholds: exactly 0/1 labels, one per
score, and a finite threshold; pure Python, no JVM."""

from __future__ import annotations

import numpy as np
import pytest

from dl4j_bridge.detectors import thresholds
from dl4j_bridge.detectors.evaluation import check_labels, curves, metrics

SCORES = np.array([0.1, 0.9, 0.4, 0.8])


@pytest.mark.parametrize("labels", [[0, 1, 0, 1], [0.0, 1.0, 0.0, 1.0], [False, True, False, True],
                                    np.array([0, 1, 0, 1], np.int8), np.array([0, 1, 0, 1], dtype=object)])
def test_zero_one_labels_of_any_numeric_kind_are_accepted(labels):
    m = metrics(labels, SCORES, 0.5)
    assert m["positives"] == 2 and m["confusion_matrix"] == [[2, 0], [0, 2]]
    assert curves(labels, SCORES) is not None


@pytest.mark.parametrize("labels, words", [
    ([-1, 1, -1, 1], r"2 of 4 are not \(-1\)"),           # -1 was anomalous in metrics, normal in k_sigma
    ([1, 2, 1, 2], r"4 of 4 are not \(1, 2\)|2 of 4 are not \(2\)"),
    ([0, 1, np.nan, 1], r"1 of 4 are not \(nan\)"),
    ([0, 0.3, 0, 1], r"1 of 4 are not \(0.3\)"),
    (["0", "1", "0", "1"], r"got dtype <U1 \(values '0', '1'\)"),
    ([0, 1, None, 1], r"got dtype object"),
])
def test_labels_other_than_zero_one_are_refused_naming_what_was_found(labels, words):
    for call in (lambda: metrics(labels, SCORES, 0.5), lambda: curves(labels, SCORES),
                 lambda: thresholds.best_f1(SCORES, labels), lambda: thresholds.k_sigma(SCORES, labels=labels)):
        with pytest.raises(ValueError, match=words):
            call()


def test_class_id_labels_are_refused_with_what_to_pass_instead():
    with pytest.raises(ValueError, match=r"pass \(labels > 0\) for class ids"):
        metrics([1, 2, 1, 2], SCORES, 0.5)


def test_labels_of_another_shape_are_refused_not_flattened():
    with pytest.raises(ValueError, match=r"labels must be 1-D, one 0/1 label per sequence, got shape \(2, 2\)"):
        metrics([[0, 1], [0, 1]], SCORES, 0.5)
    with pytest.raises(ValueError, match=r"scores must be 1-D"):
        metrics([0, 1, 0, 1], SCORES.reshape(2, 2), 0.5)
    with pytest.raises(ValueError, match=r"3 labels for 4 scores"):
        metrics([0, 1, 0], SCORES, 0.5)
    with pytest.raises(ValueError, match=r"3 labels for 4 scores"):
        curves([0, 1, 0], SCORES)


def test_k_sigma_and_metrics_agree_on_what_is_anomalous():
    """-1 counted as normal in k_sigma (y <= 0) and as anomalous in metrics; now only 0/1 exist for both."""
    y = check_labels([0, 1, 0, 1])
    assert y.tolist() == [False, True, False, True]
    t = thresholds.k_sigma(SCORES, k=0, labels=[0, 1, 0, 1])
    assert t.value == pytest.approx(SCORES[~y].mean()) and t.method["anomalous_left_out"] == 2


@pytest.mark.parametrize("threshold", [float("nan"), float("inf"), None, "0.5", True])
def test_a_threshold_that_is_no_finite_number_is_refused(threshold):
    with pytest.raises(ValueError, match=r"threshold must be a finite number .* got "):
        metrics([0, 1, 0, 1], SCORES, threshold)


def test_f1_and_f2_are_undefined_whenever_there_are_no_positives_whatever_the_threshold():
    for threshold in (0.0, 0.5, 1.0):   # flags all, some, none: F was 0.0, 0.0 and None
        m = metrics([0, 0, 0, 0], SCORES, threshold)
        assert m["f1"] is None and m["f2"] is None and m["recall"] is None
    weighted = metrics([0, 1, 0, 1], SCORES, 0.5, sample_weight=[1, 0, 1, 0])   # positives of weight 0
    assert weighted["positives"] == 0 and weighted["f1"] is None
    assert metrics([0, 1, 0, 1], SCORES, 0.95)["f1"] == 0.0   # positives, none found: 0, defined


def test_curves_use_the_weights_and_average_precision_is_named_so():
    y, s, w = [0, 1, 0, 1], SCORES, [1, 0, 1, 0]
    assert curves(y, s, w) is None   # the weighted positives are none: no curve (it divided by 0)
    m = metrics([0, 1, 0, 1, 1], [0.1, 0.9, 0.4, 0.3, 0.8], 0.5, sample_weight=[1, 1, 1, 5, 1])
    assert m["average_precision"] == m["pr_auc"]
    c = curves([0, 1, 0, 1, 1], [0.1, 0.9, 0.4, 0.3, 0.8], [1, 1, 1, 5, 1])
    # after the two top scores: 2 of 7 weighted positives found (2 of 3 unweighted)
    assert np.isclose(c["tpr"], 2 / 7).any() and not np.isclose(c["tpr"], 2 / 3).any()
