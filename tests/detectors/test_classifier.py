"""SequenceClassifier: per-step labels, class weights, thresholds, the detector file."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bursts(jvm):
    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.toydata import failed_login_bursts

    X, Y = failed_login_bursts(600, 12, seed=4)
    lines = np.arange(600 * 12).reshape(600, 12) + 1
    batch = sequence_batch(X, step_labels=Y, line_numbers=lines)
    return batch


@pytest.fixture(scope="module")
def classifier(bursts):
    from dl4j_bridge.detectors import SequenceClassifier, take

    det = SequenceClassifier(hidden_sizes=(16,), updater="adam", learning_rate=0.03, batch_size=128,
                             class_weight="balanced", threshold="best_f1", patience=0, seed=3, epochs=20)
    return det.fit(take(bursts, np.arange(450)))


def test_it_learns_the_per_step_labels(classifier, bursts):
    from dl4j_bridge.detectors import take
    from dl4j_bridge.detectors.evaluation import metrics

    test = take(bursts, np.arange(450, 600))
    m = metrics(test.labels, classifier.decision_function(test), classifier.threshold_)
    assert m["roc_auc"] > 0.95 and m["f1"] > 0.85
    steps = classifier.step_scores(test)
    assert steps.shape == (150, 12)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(test.step_labels.reshape(-1), steps.reshape(-1)) > 0.95


def test_balanced_class_weights_are_inverse_frequencies(classifier, bursts):
    weights = classifier.network_.config.class_weights
    y = bursts.step_labels[:450]
    # the validation share is held out before fitting: recompute on what was trained on
    assert weights[1] > weights[0] > 0
    share = y.mean()
    assert weights[1] / weights[0] == pytest.approx((1 - share) / share, rel=0.15)


def test_best_f1_threshold_and_explanations(classifier, bursts):
    from dl4j_bridge.detectors import take

    assert classifier.threshold_method_["name"] == "best_f1" and 0 < classifier.threshold_ < 1
    test = take(bursts, np.arange(450, 470))
    for row in classifier.explain(test):
        assert row["flagged"] and row["score"] > classifier.threshold_
        assert row["line_number"] == row["line_numbers"][row["step"]]
        assert row["predicted_class"] in (0, 1) and row["probability"] == pytest.approx(row["score"])


def test_save_and_load_give_the_same_scores(classifier, bursts, tmp_path):
    from dl4j_bridge.detectors import SequenceClassifier, load_detector, take

    test = take(bursts, np.arange(500, 540))
    loaded = load_detector(classifier.save(tmp_path / "c.zip"))
    assert isinstance(loaded, SequenceClassifier) and loaded.class_weight == "balanced"
    np.testing.assert_allclose(loaded.decision_function(test), classifier.decision_function(test), rtol=1e-6)
    np.testing.assert_array_equal(loaded.predict(test), classifier.predict(test))


def test_labels_outside_the_classes_are_refused(bursts, jvm):
    from dl4j_bridge.detectors import SequenceClassifier

    with pytest.raises(ValueError, match="n_classes"):
        SequenceClassifier(epochs=1).fit(bursts, y=bursts.step_labels * 2)


def test_set_params_after_fit_cannot_describe_another_network_than_the_one_saved(classifier, bursts, tmp_path):
    """positive_classes beyond the fitted network's classes were taken (and failed in Java at scoring), and
    training parameters changed for a next fit were saved as the params of the network trained with others."""
    from dl4j_bridge.detectors import SequenceClassifier, load_detector

    copy = classifier.with_params()
    copy.threshold_, copy.threshold_method_ = classifier.threshold_, classifier.threshold_method_
    with pytest.raises(ValueError, match=r"positive_classes \[2\] are not classes of the fitted network, which "
                                         r"has 2"):
        copy.set_params(n_classes=3, positive_classes=(2,))
    assert copy.n_classes == 2 and copy.positive_classes == (1,)   # nothing changed
    with pytest.raises(ValueError, match=r"positive_classes \[5\] are not classes of the fitted network"):
        classifier.with_params(n_classes=6, positive_classes=(5,))   # as set_params
    copy.set_params(hidden_sizes=(32, 32), layer_type="LSTM", epochs=3)   # for a next fit
    loaded = load_detector(copy.save(tmp_path / "c.zip"))
    assert isinstance(loaded, SequenceClassifier)
    assert (loaded.hidden_sizes, loaded.layer_type, loaded.epochs) == ((16,), "GravesLSTM", 20)
    assert copy.hidden_sizes == (32, 32)   # the object keeps what the user set, for its next fit


def test_the_threshold_is_chosen_on_the_positive_classes_not_on_every_attack_class():
    # train() fits without y: the validation truth was batch.labels > 0 (any attack class), so a detector of
    # classes 4 and 5 had its best-F1 threshold chosen on windows of another class (44% of test windows flagged)
    from dl4j_bridge.detectors import SequenceClassifier, sequence_batch
    from dl4j_bridge.detectors.run import chronological_validation

    steps = np.array([[0, 1], [3, 0], [0, 0], [0, 2], [3, 3], [0, 0]])
    batch = sequence_batch(np.zeros((6, 2, 1), np.float32), step_labels=steps)
    det = SequenceClassifier(n_classes=4, positive_classes=[3])
    assert det._sequence_labels(batch, None).tolist() == [0, 1, 0, 0, 1, 0]
    assert SequenceClassifier(n_classes=4, positive_classes=[1, 2, 3])._sequence_labels(batch, None).tolist() == \
        (batch.labels > 0).astype(int).tolist()
    # a batch with sequence labels only is judged by them
    only = sequence_batch(np.zeros((2, 2, 1), np.float32), labels=np.array([0, 1]))
    assert det._sequence_labels(only, None).tolist() == [0, 1]
    # the run's validation block holding both classes is searched by the same truth: the latest block holding
    # class 3, not the later one holding only class 1 (another attack) beside a normal window
    steps = np.array([[3, 0], [0, 0], [0, 0], [0, 0], [1, 0], [0, 0]])
    batch = sequence_batch(np.zeros((6, 2, 1), np.float32), step_labels=steps)
    _, val = chronological_validation(batch, 0.34, need_both_classes=True, labels=det._sequence_labels(batch, None))
    assert val.step_labels[:, 0].tolist() == [3, 0]
    _, val = chronological_validation(batch, 0.34, need_both_classes=True)   # by any class > 0, as before
    assert val.step_labels[:, 0].tolist() == [1, 0]


def test_update_trains_on_relabelled_windows_and_refuses_a_class_the_network_lacks(classifier, bursts):
    import copy

    from dl4j_bridge.detectors import take

    test = take(bursts, np.arange(450, 600))
    flagged = np.flatnonzero(classifier.predict(test))
    assert len(flagged) >= 10
    reported = take(test, flagged[:10])          # a user says: these are normal here
    det = copy.deepcopy(classifier)
    with pytest.raises(ValueError, match="class id 2"):
        det.update(reported, y=np.full(reported.step_labels.shape, 2))
    before = det.decision_function(reported)
    det.update(reported, y=np.zeros(reported.step_labels.shape, np.int64), epochs=30)
    after = det.decision_function(reported)
    assert after.mean() < before.mean() and det.updates_[0]["flagged_after"] < det.updates_[0]["flagged_before"]
    assert det.threshold_ == classifier.threshold_ and classifier.updates_ is None
