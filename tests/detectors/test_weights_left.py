"""Sample weights that leave a part of a fit weighing nothing are refused before the training, not after it."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from conftest import N_EVENTS, cycle_windows


def _next_event(**changes):
    from dl4j_bridge.detectors import NextEventDetector

    return NextEventDetector(**{**dict(top_g=2, hidden_sizes=(4,), epochs=2, batch_size=512, n_events=N_EVENTS,
                                       patience=0, validation_fraction=0.2, seed=1, score="nll",
                                       threshold="k_sigma"), **changes})


def _classifier(**changes):
    from dl4j_bridge.detectors import SequenceClassifier

    return SequenceClassifier(**{**dict(hidden_sizes=(4,), epochs=2, patience=0, validation_fraction=0.2, seed=1,
                                        threshold="contamination"), **changes})


def _bursts(n=30):
    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.toydata import failed_login_bursts

    x, y = failed_login_bursts(n, 8, seed=2)
    return sequence_batch(x, step_labels=y)


@pytest.mark.parametrize("make, data", [(_next_event, lambda: cycle_windows(30, seed=1)),
                                        (_classifier, _bursts)])
def test_an_automatic_validation_split_of_weights_0_is_refused_before_training(jvm, no_java, make, data):
    """It failed after the whole training, choosing the threshold: "sample_weight must be non-negative, shape (6,),
    with a positive sum"."""
    det, batch = make(), data()
    val_idx, _ = det._validation_split(batch, det._sequence_labels(batch, None))
    weights = np.ones(len(batch))
    weights[val_idx] = 0
    shown = ", ".join(str(int(i)) for i in val_idx)
    with pytest.raises(ValueError, match=rf"fit: the automatic validation split \(validation_fraction=0\.2: "
                                         rf"{len(val_idx)} of the 30 sequences, drawn with seed=1: batch indices "
                                         rf"{shown}\) holds only sequences of sample_weight 0.*validation_fraction=0"):
        det.fit(batch, sample_weight=weights)
    assert det.network_ is None
    with pytest.raises(ValueError, match="every one of the .* training sequences left after the automatic validation "
                                         "split.*validation_fraction=0"):
        det.fit(batch, sample_weight=np.where(np.isin(np.arange(len(batch)), val_idx), 1.0, 0.0))


@pytest.mark.parametrize("make, data", [(_next_event, lambda: cycle_windows(30, seed=1)),
                                        (_classifier, _bursts)])
def test_a_given_validation_weight_of_0_everywhere_is_refused_before_training(jvm, no_java, make, data):
    from dl4j_bridge.errors import ShapeError

    det, batch = make(), data()
    with pytest.raises(ShapeError, match=r"validation_weight gives weight 0 to every validation sequence \(30\).*"
                                         r"leave validation_weight out"):
        det.fit(batch, validation=batch, validation_weight=np.zeros(30))
    with pytest.raises(ShapeError, match=r"validation_weight must be >= 0, got -1\.0 at \[batch 2\]"):
        det.fit(batch, validation=batch, validation_weight=np.where(np.arange(30) == 2, -1.0, 1.0))
    with pytest.raises(ShapeError, match=r"sample_weight gives weight 0 to every training sequence \(30\)"):
        det.fit(batch, sample_weight=np.zeros(30), validation=batch)


def test_a_class_the_threshold_needs_weighing_0_is_refused_before_training(jvm, no_java):
    """k_sigma weighs the normal validation sequences only, best_f1 needs both classes: weights of 0 on all of them
    failed (k_sigma) or gave a threshold of F1 0 (best_f1) after the training."""
    batch = _bursts(40)
    labels = batch.labels > 0
    assert labels.any() and not labels.all()
    with pytest.raises(ValueError, match=r"threshold='k_sigma' takes the mean and standard deviation of the normal "
                                         r"ones' scores, but validation_weight gives weight 0 to every normal validation "
                                         rf"sequence \({int((~labels).sum())}\)"):
        _classifier(threshold="k_sigma").fit(batch, validation=batch, validation_weight=labels.astype(float))
    with pytest.raises(ValueError, match=r"threshold='best_f1' takes the F1 of both classes, but sample_weight gives "
                                         rf"weight 0 to every anomalous training sequence \({int(labels.sum())}\)"):
        _classifier(threshold="best_f1", validation_fraction=0.0).fit(batch, sample_weight=(~labels).astype(float))


def test_a_validation_that_decides_nothing_may_weigh_0_with_a_warning(jvm, caplog):
    """patience=0 and the top-g rule read nothing from the validation sequences: the fit goes on."""
    batch = cycle_windows(30, seed=1)
    det = _next_event(threshold="top_g", score="count")
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.detectors.base"):
        det.fit(batch, sample_weight=np.ones(30), validation=batch, validation_weight=np.zeros(30))
    assert det.threshold_ == 0.0
    assert "the validation loss in history_ is 0 at every epoch" in caplog.text
    with pytest.raises(ValueError, match="validation_weight gives weight 0 to every validation sequence"):
        det.with_params(patience=2).fit(batch, validation=batch, validation_weight=np.zeros(30))


def test_weights_that_can_overflow_the_loss_are_named_and_normalising_them_advised(jvm):
    """Weights of 1e37 made a fit diverge (its float32 loss infinite) with advice naming only the learning rate,
    which cannot help: clipping caps the gradients, not the loss."""
    import dl4j_bridge as db

    batch = cycle_windows(40, seed=1)
    weights = np.full(40, 1e37)
    weights[:20] = 1e35
    det = _next_event(threshold="fixed", validation_fraction=0.0, updater="adam", batch_size=16)
    # 16 sequences x 10 steps x up to -ln(1e-10) = 23.03 per step: float32's 3.4e38 is reachable from 9.24e34 on
    with pytest.raises(db.TrainingDivergedError, match=r"the loss is Infinity.*; sample weights: largest 1e\+37, "
                                                       r"mean 5\.05e\+36 -- at weights of 9\.24e\+34 or more a "
                                                       r"minibatch's loss \(16 sequences x 10 steps.*normalise the "
                                                       r"weights to mean 1 \(w / w\.mean\(\)"):
        det.fit(batch, sample_weight=weights)
    assert det.network_ is None
    det.fit(batch, sample_weight=weights / weights.mean())   # as advised: it trains
    assert np.all(np.isfinite(det.network_.params()))


def test_a_divergence_with_ordinary_weights_names_them_but_keeps_the_learning_rate_advice(jvm):
    import dl4j_bridge as db
    from bridge_testing import random_sequences

    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(8,), learning_rate=1e38, updater="sgd",
                                   gradient_normalization="None", class_weights=(1.0, 1.0)))
    x = random_sequences(64, 10, 3) * 1e6
    y = np.random.default_rng(0).integers(0, 2, size=(64, 10))
    with pytest.raises(db.TrainingDivergedError, match="lower the learning rate") as raised:
        net.fit(x, y, epochs=5, batch_size=16, progress=False, sample_weight=np.full(64, 2.0))
    assert "; sample weights: largest 2, mean 2" in str(raised.value) and "normalise" not in str(raised.value)
    assert net.diverged and "sample weights: largest 2" in str(net._diverged)


def test_an_update_whose_weights_are_all_0_is_refused_before_training(next_event_detector, no_java):
    """It trained nothing (a loss of 0) and then advised to update again with more epochs."""
    import copy

    det = copy.copy(next_event_detector)
    with pytest.raises(ValueError, match=r"update: sample_weight gives weight 0 to every sequence \(12\), so the update "
                                         r"would learn nothing"):
        det.update(cycle_windows(12, seed=5), sample_weight=np.zeros(12), epochs=1)
    assert det.network_ is next_event_detector.network_ and det.updates_ == next_event_detector.updates_


def test_weights_of_0_everywhere_are_not_blamed_on_the_split(jvm, no_java):
    with pytest.raises(ValueError, match=r"sample_weight gives weight 0 to every training sequence \(30\), so training "
                                         r"would have nothing to learn"):
        _next_event().fit(cycle_windows(30, seed=1), sample_weight=np.zeros(30))


def test_a_next_value_fit_that_reads_nothing_from_a_weightless_split_trains_with_a_warning(jvm, caplog):
    """patience=0 and a fixed threshold read nothing from the automatic split's sequences, and a next-value
    detector measures its residual variances on the training sequences when no validation one weighs more than 0:
    such a fit trained before the weights-left check, which then refused it (a ShapeError blaming early stopping
    and the threshold, neither of which it had)."""
    from dl4j_bridge.detectors import NextValueDetector, take
    from reproducible_fits import batch as value_batch

    batch = value_batch(40, 1)
    det = NextValueDetector(hidden_sizes=(4,), epochs=1, batch_size=64, patience=0, validation_fraction=0.2, seed=3,
                            threshold="fixed", threshold_value=5.0)
    val_idx, train_idx = det._validation_split(batch, det._sequence_labels(batch, None))
    weights = np.linspace(0.5, 2.0, 40)
    weights[val_idx] = 0
    with caplog.at_level(logging.WARNING, logger="dl4j_bridge.detectors.base"):
        det.fit(batch, sample_weight=weights)
    assert det.threshold_ == 5.0
    measured = det.residual_variances(take(batch, train_idx), sample_weight=weights[train_idx])
    np.testing.assert_allclose(det.residual_variances_, np.maximum(measured, 1e-6), rtol=1e-6)
    assert ("sample_weight, in the automatic validation split, gives weight 0 to every validation sequence (8)"
            in caplog.text and "the residual variances are measured on the training sequences instead" in caplog.text)
    with pytest.raises(ValueError, match="the automatic validation split .* holds only sequences of sample_weight 0"):
        det.with_params(threshold="k_sigma").fit(batch, sample_weight=weights)   # its threshold reads them
