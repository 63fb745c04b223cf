"""Detector settings are checked before any training; scikit-learn / PyOD conventions (clone, get_params,
NotFittedError, decision_scores_); calibrate's own parameters; small batches; a diverged fit."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from conftest import N_EVENTS, cycle_windows
from dl4j_bridge.detectors import NextEventDetector, SequenceClassifier, thresholds

BATCH = cycle_windows(12, seed=5)


@pytest.mark.parametrize("kind, settings, message", [
    (SequenceClassifier, {"threshold": "top_g"}, r"SequenceClassifier has no top-g rule .* use threshold='fixed'"),
    (NextEventDetector, {"threshold": "contamination", "contamination": 0.7}, r"contamination .* must be in \(0, 0.5\)"),
    (NextEventDetector, {"threshold": "contamination", "contamination": 0.5}, r"must be in \(0, 0.5\), got 0.5"),
    (SequenceClassifier, {"contamination": 0.0}, r"must be in \(0, 0.5\), got 0.0"),
    (SequenceClassifier, {"contamination": -0.1}, r"must be in \(0, 0.5\), got -0.1"),
    (NextEventDetector, {"threshold": "k_sigma", "k": -1}, r"k \(k_sigma: mean \+ k standard deviations\) must be a "
                                                           r"finite number >= 0, got -1"),
    (SequenceClassifier, {"k": float("nan")}, r"k .* must be a finite number >= 0"),
    (SequenceClassifier, {"threshold_value": float("inf")}, r"threshold_value .* must be a finite number"),
    (SequenceClassifier, {"epochs": 0}, r"epochs must be an integer >= 1, got 0"),
    (SequenceClassifier, {"batch_size": 2.5}, r"batch_size must be an integer >= 1, got 2.5"),
    (SequenceClassifier, {"patience": -1}, r"patience must be an integer >= 0"),
    (SequenceClassifier, {"learning_rate": -0.01}, r"learning_rate must be > 0"),
    (NextEventDetector, {"lr_schedule": {"type": "step", "decay_rate": 0.1}}, r"does not take \['decay_rate'\]"),
    (NextEventDetector, {"hidden_sizes": (8, 0)}, r"hidden_sizes must be an integer >= 1, got 0"),
    (SequenceClassifier, {"class_weight": "balance"}, r"class_weight must be None, 'balanced'"),
    (SequenceClassifier, {"class_weight": (1.0, -2.0)}, r"class_weight must be None, 'balanced' or n_classes=2"),
])
def test_a_bad_setting_is_refused_by_the_constructor(kind, settings, message):
    with pytest.raises(ValueError, match=message):
        kind(**settings)


def test_the_top_g_rule_with_an_nll_score_is_refused_before_training(jvm, no_java):
    # no_java: an array reaching Java (training, or the next-event targets) fails the test
    with pytest.raises(ValueError, match=r"the top-g rule needs the 'count' or 'share' score, not 'nll'; for NLL "
                                         r"scores set threshold='k_sigma'"):
        NextEventDetector(score="nll").fit(BATCH)
    detector = NextEventDetector(score="nll", threshold="k_sigma")   # the pair that works is accepted
    assert detector.with_params(score="max_nll").score == "max_nll"   # so is another score for a top-g detector


def test_calibrate_checks_its_method_and_parameters_before_scoring(next_event_detector, no_java):
    nll = next_event_detector.with_params(score="nll")
    for kwargs, message in [({"method": "top_g"}, "not 'nll'"), ({"method": "k_sigma", "k": -2}, "k "),
                            ({"method": "contamination", "contamination": 0.6}, r"\(0, 0.5\)"),
                            ({"method": "median"}, "threshold method must be one of")]:
        with pytest.raises(ValueError, match=message):
            nll.calibrate(BATCH, **kwargs)
    with pytest.raises(ValueError, match="both classes"):
        nll.calibrate(BATCH, method="best_f1")   # BATCH is all normal
    assert nll.threshold_ is None


def test_calibrate_takes_its_own_k_and_contamination(next_event_detector):
    det = next_event_detector.with_params(score="nll", threshold="k_sigma")
    batch = cycle_windows(200, seed=51)
    scores = det.decision_function(batch)
    det.calibrate(batch, k=1.0)
    assert det.threshold_ == pytest.approx(thresholds.k_sigma(scores, 1.0).value)
    assert det.threshold_method_["k"] == 1.0 and det.k == 3.0          # the parameter itself is unchanged
    det.calibrate(batch, method="contamination", contamination=0.2)
    assert det.threshold_method_ == {"name": "contamination", "contamination": 0.2, "n": 200,
                                     "flagged_share": float((scores > det.threshold_).mean())}
    assert det.threshold_ == thresholds.contamination(scores, 0.2).value and det.contamination == 0.01
    det.calibrate(batch, method="fixed", threshold_value=1.5)
    assert det.threshold_ == 1.5 and det.threshold_value is None


def test_sklearn_clone_get_params_and_set_params(jvm):
    from sklearn.base import clone

    for original in (SequenceClassifier(hidden_sizes=[8, 4], positive_classes=[1], class_weight=[1, 5]),
                     NextEventDetector(hidden_sizes=6, never_expected=[5, 0], lr_schedule={"type": "step"})):
        copy = clone(original)   # raises when the constructor does not store what get_params gave it
        assert type(copy) is type(original) and copy is not original
        assert copy.get_params(deep=True) == original.get_params(deep=False) == original.get_params()
        assert copy.network_ is None and copy.threshold_ is None
    assert clone(SequenceClassifier(hidden_sizes=8)).hidden_sizes == (8,)
    clf = SequenceClassifier()
    assert clf.set_params(k=2.0, hidden_sizes=(5,)) is clf and clf.k == 2.0 and clf.hidden_sizes == (5,)
    with pytest.raises(ValueError, match=r"contamination"):
        clf.set_params(contamination=0.9)
    with pytest.raises(ValueError, match=r"has no parameters \['hiden_sizes'\]"):
        clf.set_params(hiden_sizes=(4,))
    assert clf.contamination == 0.01


def test_set_params_unsets_a_threshold_the_change_makes_stale(next_event_detector, jvm, tmp_path, caplog):
    from dl4j_bridge import NotFittedError

    batch = cycle_windows(100, seed=81)
    det = next_event_detector.with_params(score="nll", threshold="k_sigma", never_expected=[0])
    det.calibrate(batch)
    threshold, flags = det.threshold_, det.predict(batch)
    det.set_params(epochs=3, learning_rate=0.1, score="nll")   # training only, or no change: the threshold fits
    assert det.threshold_ == threshold and (det.predict(batch) == flags).all()
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.detectors.base"):
        det.set_params(score="count", never_expected=None)
    assert "changed ['never_expected', 'score'], so the threshold" in caplog.text and "call calibrate" in caplog.text
    assert det.threshold_ is None and det.threshold_method_ is None and det.never_expected_ == ()
    for use in (lambda: det.predict(batch), lambda: det.save(tmp_path / "stale.zip")):
        with pytest.raises(NotFittedError, match="has no threshold: call calibrate"):
            use()
    assert not (tmp_path / "stale.zip").exists()
    det.calibrate(batch, method="fixed", threshold_value=0.5)
    assert det.predict(batch).shape == (100,)
    n_out = det.network_.config.n_out
    with pytest.raises(ValueError, match=f"never_expected id {n_out} is not one of the network's {n_out} event ids"):
        det.set_params(never_expected=[0, n_out])
    assert det.never_expected is None and det.threshold_ == 0.5            # refused before anything changed
    det.set_params(never_expected="untrained")                              # back to what fit found
    assert det.never_expected_ == next_event_detector.never_expected_ and det.threshold_ is None


def test_sklearn_check_is_fitted_and_outlier_detector_tags(next_event_detector, jvm):
    import sklearn
    from sklearn.base import is_outlier_detector
    from sklearn.exceptions import NotFittedError as SklearnNotFitted
    from sklearn.utils.validation import check_is_fitted

    for det in (SequenceClassifier(), NextEventDetector(n_events=N_EVENTS)):
        with pytest.raises(SklearnNotFitted, match="is not fitted yet"):
            check_is_fitted(det)
        assert is_outlier_detector(det), sklearn.__version__
    check_is_fitted(next_event_detector)   # fitted: no error


def test_not_fitted_error_is_caught_as_sklearn_code_catches_it(jvm):
    from dl4j_bridge import Dl4jBridgeError, NotFittedError

    det = SequenceClassifier()
    for caught in (ValueError, AttributeError, RuntimeError, Dl4jBridgeError, NotFittedError):
        with pytest.raises(caught, match="is not fitted: call fit"):
            det.predict(BATCH)
    assert NotFittedError.__mro__[1:4] == (Dl4jBridgeError, RuntimeError, ValueError)


def test_training_scores_and_labels_when_the_threshold_was_chosen_on_them(next_event_detector, jvm):
    train = cycle_windows(40, seed=61)
    det = NextEventDetector(score="nll", threshold="k_sigma", n_events=N_EVENTS, hidden_sizes=(6,), epochs=2,
                            patience=0, validation_fraction=0.0, seed=2).fit(train)
    np.testing.assert_allclose(det.decision_scores_, det.decision_function(train))
    assert det.threshold_ == pytest.approx(thresholds.k_sigma(det.decision_scores_).value)
    np.testing.assert_array_equal(det.labels_, det.predict(train))
    assert det.labels_.sum() < len(train)
    # held-out validation scores or no scores at all (top_g): not the training scores, so none
    assert next_event_detector.decision_scores_ is None and next_event_detector.labels_ is None


def test_fewer_than_10_sequences_train_without_validation_and_say_so(jvm, caplog):
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.detectors.base"):
        det = SequenceClassifier(hidden_sizes=3, epochs=1, patience=2).fit(cycle_windows(8, anomalous=True, seed=3))
    assert "only 8 training sequences, so no validation_fraction=0.1 is held out" in caplog.text
    assert "patience=2 is ignored" in caplog.text
    assert len(det.history_.validation_scores) == 0 and det.network_.config.hidden_sizes == (3,)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.detectors.base"):
        SequenceClassifier(hidden_sizes=3, epochs=1, validation_fraction=0.0).fit(cycle_windows(8, seed=3))
    assert caplog.text == ""   # no split asked for: nothing to warn about


def test_a_diverged_fit_leaves_the_detector_as_it_was(jvm):
    from dl4j_bridge import TrainingDivergedError

    batch = cycle_windows(40, anomalous=True, seed=71)
    det = NextEventDetector(n_events=N_EVENTS, hidden_sizes=(6,), epochs=2, patience=0, validation_fraction=0.0,
                            never_expected=None)
    with pytest.raises(TrainingDivergedError):
        det.with_params(updater="sgd", learning_rate=1e38, batch_size=8, epochs=3).fit(batch)
    det.fit(batch)
    before = det.decision_function(batch)
    det.set_params(updater="sgd", learning_rate=1e38, batch_size=8, epochs=3)   # training parameters only
    det.never_expected = "untrained"   # plain assignment: a fit would find (0, 5, 6), set_params would too
    with pytest.raises(TrainingDivergedError, match="lower the learning rate"):
        det.fit(batch)
    assert det.never_expected_ == ()                  # not what the failed fit found (0, 5, 6)
    np.testing.assert_array_equal(det.decision_function(batch), before)   # the previous network, still usable
    diverged = det.network_
    diverged._diverged = TrainingDivergedError("io.dl4jbridge.TrainingDivergedException", "loss is NaN")
    with pytest.raises(TrainingDivergedError, match="this network cannot score"):
        det.decision_function(batch)


def test_fit_says_when_a_threshold_setting_is_not_read_by_the_chosen_method(jvm, caplog):
    """SequenceClassifier(threshold="best_f1", threshold_value=0.3) trained with the best-F1 threshold silently."""
    batch = cycle_windows(60, seed=2)
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.base"):
        NextEventDetector(threshold="contamination", k=2.0, hidden_sizes=(4,), epochs=1, patience=0,
                          validation_fraction=0.2).fit(batch)
    assert ("NextEventDetector: k=2.0 is used only by threshold='k_sigma' (or calibrate(method='k_sigma')); fit "
            "chooses the threshold by 'contamination'") in caplog.messages
    caplog.clear()
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.base"):
        NextEventDetector(threshold="k_sigma", k=2.0, hidden_sizes=(4,), epochs=1, patience=0,
                          validation_fraction=0.2).fit(batch)
    assert not [m for m in caplog.messages if "is used only by" in m]


def test_reprs_are_short_a_detector_shows_its_changed_parameters():
    import numpy as np

    from dl4j_bridge.detectors import NextEventDetector, SequenceClassifier, sequence_batch

    assert repr(NextEventDetector(top_g=5, epochs=3)) == "NextEventDetector(top_g=5, epochs=3)" or \
        repr(NextEventDetector(top_g=5, epochs=3)) == "NextEventDetector(epochs=3, top_g=5)"
    assert repr(SequenceClassifier()) == "SequenceClassifier()"
    batch = sequence_batch(np.zeros((300, 50, 20)), labels=np.arange(300) % 2)
    text = repr(batch)   # the dataclass repr printed every array (kilobytes inside scikit-learn's errors)
    assert len(text) < 200 and "[300, 50, 20]" in text and "150 labelled anomalous" in text, text
