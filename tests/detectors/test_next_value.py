"""NextValueDetector: trained on normal numeric sequences, it flags values it did not expect (small data, few
epochs)."""

from __future__ import annotations

import numpy as np
import pytest

T = 12


def waves(n: int, *, seed: int, spike: bool = False, names=("value", "flag"), mask=None):
    """Noisy sine waves (feature 0) beside a 0/1 indicator (feature 1); with ``spike`` one step per sequence, from
    step 3 on, is raised by 3 (its step label 1)."""
    from dl4j_bridge.detectors import sequence_batch

    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, n)
    t = np.arange(T)
    v = np.sin(phase[:, None] + 0.6 * t[None, :]) + 0.05 * rng.normal(size=(n, T))
    labels = np.zeros((n, T), np.int32)
    if spike:
        pos = rng.integers(3, T, n)
        v[np.arange(n), pos] += 3.0
        labels[np.arange(n), pos] = 1
    flag = (rng.random((n, T)) < 0.5).astype(np.float32)
    x = np.stack([v.astype(np.float32), flag], axis=2)
    return sequence_batch(x, mask, step_labels=labels, feature_names=list(names),
                          line_numbers=100 * np.arange(n)[:, None] + t[None, :] + 1)


@pytest.fixture(scope="module")
def fitted(jvm):
    from dl4j_bridge.detectors import NextValueDetector

    return NextValueDetector(hidden_sizes=(16,), epochs=12, batch_size=64, patience=0, seed=3).fit(waves(300, seed=1))


def test_fit_returns_self_learns_the_numeric_targets_and_flags_unexpected_values(fitted):
    from dl4j_bridge.detectors import NextValueDetector

    assert isinstance(fitted, NextValueDetector) and fitted.kind == "next_value"
    # default targets without a pipeline: every feature that is not an indicator (0/1 only)
    assert fitted.target_columns_ == ("value",) and fitted.target_indices_ == (0,)
    assert len(fitted.residual_variances_) == 1 and 0 < fitted.residual_variances_[0] < 1
    assert fitted.threshold_method_["name"] == "k_sigma" and fitted.threshold_method_["k"] == 3.0
    normal, spiked = waves(100, seed=2), waves(100, seed=3, spike=True)
    s_normal, s_spiked = fitted.decision_function(normal), fitted.decision_function(spiked)
    assert s_normal.dtype == np.float64 and s_normal.shape == (100,)
    assert s_spiked.min() > np.median(s_normal) and s_spiked.mean() > 5 * s_normal.mean()
    assert fitted.predict(spiked).mean() > 0.9 and fitted.predict(normal).mean() < 0.1
    assert set(np.unique(fitted.predict(normal))) <= {0, 1}


def test_unfitted_scoring_is_refused(jvm):
    from dl4j_bridge.detectors import NextValueDetector
    from dl4j_bridge.errors import NotFittedError

    with pytest.raises(NotFittedError):
        NextValueDetector().decision_function(waves(3, seed=0))


def test_the_score_is_the_squared_error_in_residual_variances_of_the_next_steps_values(jvm):
    """Without normalization the targets are the raw features: the step scores, the residual variances and the
    explanation follow from the network's own outputs (mask: the last real step has no target; padding none)."""
    from dl4j_bridge.detectors import NextValueDetector

    train, validation = waves(120, seed=4), waves(40, seed=5)
    det = NextValueDetector(hidden_sizes=(8,), epochs=3, batch_size=64, patience=0, normalize=False,
                            aggregation="mean", seed=2).fit(train, validation=validation)
    out = det.network_.predict_proba(validation.x, validation.mask)[..., 0].astype(np.float64)
    error = out[:, :-1] - validation.x[:, 1:, 0]
    assert det.residual_variances_[0] == pytest.approx(float((error ** 2).mean()), rel=1e-5)
    np.testing.assert_allclose(det.residual_variances(validation), det.residual_variances_, rtol=1e-9)
    from dl4j_bridge.errors import ShapeError
    with pytest.raises(ShapeError, match="feature 0 is 'other' where the fit had 'value'"):
        det.residual_variances(waves(5, seed=1, names=("other", "flag")))
    mask = np.ones((30, T), np.float32)
    mask[:5, 9:] = 0   # five shorter sequences (padded)
    test = waves(30, seed=6, spike=True, mask=mask)
    out = det.network_.predict_proba(test.x, test.mask)[..., 0].astype(np.float64)
    z2 = (out[:, :-1] - test.x[:, 1:, 0]) ** 2 / det.residual_variances_[0]
    scored = (mask[:, :-1] > 0) & (mask[:, 1:] > 0)
    expected = np.array([z2[i][scored[i]].mean() for i in range(30)])
    s = det.score_batch(test, with_steps=True)
    np.testing.assert_allclose(s.scores, expected, rtol=1e-5)
    assert (s.scored_steps == scored.sum(axis=1)).all()
    assert np.isnan(s.step_scores[:5, 8:]).all() and np.isnan(s.step_scores[:, -1]).all()
    np.testing.assert_allclose(np.nan_to_num(s.step_scores[:, :-1]), np.where(scored, z2, 0), rtol=1e-4, atol=1e-6)
    assert (s.unexpected_steps == ((z2 > 9) & scored).sum(axis=1)).all()
    rows = det.explain(test, flagged_only=False, scores=s)
    for i, row in enumerate(rows):
        step = row["step"]
        assert step == int(np.argmax(np.where(scored[i], z2[i], -1)))
        assert row["line_number"] == int(test.line_numbers[i, step])
        assert row["actual_line"] == int(test.line_numbers[i, step + 1]) and row["feature"] == "value"
        assert row["actual_value"] == pytest.approx(float(test.x[i, step + 1, 0]), abs=1e-6)
        assert row["predicted_value"] == pytest.approx(out[i, step], abs=1e-6)
        assert row["deviation"] == pytest.approx((row["actual_value"] - row["predicted_value"])
                                                 / np.sqrt(det.residual_variances_[0]), rel=1e-9)


def test_save_and_load_keep_the_whole_state(fitted, tmp_path):
    from dl4j_bridge.detectors import NextValueDetector, load_detector, read_document

    path = fitted.save(tmp_path / "nv.zip")
    back = NextValueDetector.load(path)
    assert type(back) is NextValueDetector and load_detector(path).kind == "next_value"
    for name in ("threshold_", "threshold_method_", "feature_names_", "target_columns_", "target_indices_",
                 "residual_variances_"):
        assert getattr(back, name) == getattr(fitted, name), name
    assert back.get_params() == fitted.get_params() and back.scoring() == fitted.scoring()
    assert np.array_equal(back.network_.params(), fitted.network_.params())
    spiked = waves(40, seed=7, spike=True)
    assert np.array_equal(back.decision_function(spiked), fitted.decision_function(spiked))
    assert back.explain(spiked) == fitted.explain(spiked)
    doc = read_document(path)
    assert doc["kind"] == "next_value" and doc["scoring"]["residual_variances"] == list(fitted.residual_variances_)
    assert doc["scoring"]["target_names"] == ["value"] and doc["scoring"]["targets"] == [0]


def test_a_file_of_another_kind_is_refused_by_the_class_load(fitted, next_event_detector, tmp_path):
    from dl4j_bridge.detectors import DetectorFileError, NextEventDetector, NextValueDetector

    with pytest.raises(DetectorFileError, match=r"holds a NextValueDetector \(kind 'next_value'\)"):
        NextEventDetector.load(fitted.save(tmp_path / "nv.zip"))
    with pytest.raises(DetectorFileError, match=r"holds a NextEventDetector"):
        NextValueDetector.load(next_event_detector.save(tmp_path / "ne.zip"))


def test_target_columns_pick_features_by_name_and_unknown_names_are_refused(jvm):
    from dl4j_bridge.detectors import NextValueDetector

    batch = waves(40, seed=8, names=("a", "b"))
    det = NextValueDetector(target_columns=["b", "a"], hidden_sizes=(4,), epochs=1, patience=0,
                            validation_fraction=0.0).fit(batch)
    assert det.target_columns_ == ("b", "a") and det.target_indices_ == (1, 0) and det.network_.config.n_out == 2
    assert det.scoring()["targets"] == [1, 0] and len(det.residual_variances_) == 2
    with pytest.raises(ValueError, match=r"target_columns \['c'\] are not features of the batch; its features are "
                                         r"\['a', 'b'\]"):
        NextValueDetector(target_columns=["c"], epochs=1).fit(batch)
    for bad in ("a", [], ["a", "a"], [3]):
        with pytest.raises(ValueError, match="target_columns"):
            NextValueDetector(target_columns=bad)


def test_data_it_cannot_learn_from_and_y_are_refused_before_training(jvm):
    from dl4j_bridge.detectors import NextValueDetector, sequence_batch

    det = NextValueDetector(epochs=1)
    indicators = sequence_batch((np.random.default_rng(0).random((20, 5, 2)) < 0.5).astype(np.float32))
    with pytest.raises(ValueError, match=r"every feature of the batch is an indicator \(0/1 only\)"):
        det.fit(indicators)
    one_step = sequence_batch(np.random.default_rng(0).normal(size=(20, 1, 2)).astype(np.float32))
    with pytest.raises(ValueError, match="no training sequence holds two steps"):
        det.fit(one_step)
    with pytest.raises(ValueError, match="takes no y"):
        det.fit(waves(20, seed=0), y=np.zeros((20, T)))
    from dl4j_bridge.errors import ShapeError
    with pytest.raises(ShapeError, match=r"sample_weight must be >= 0, got -1.0 at \[batch 3\]"):
        det.fit(waves(20, seed=0), sample_weight=np.where(np.arange(20) == 3, -1.0, 1.0))
    assert det.network_ is None
    with pytest.raises(ValueError, match="aggregation"):
        NextValueDetector(aggregation="median")
    with pytest.raises(ValueError, match="no top-g rule"):
        NextValueDetector(threshold="top_g")


def test_update_trains_further_and_keeps_the_threshold_and_residual_variances(fitted):
    import copy

    det = copy.deepcopy(fitted)
    before = det.network_.params()
    det.update(waves(30, seed=9), epochs=2)
    assert not np.array_equal(before, det.network_.params())
    assert det.threshold_ == fitted.threshold_ and det.residual_variances_ == fitted.residual_variances_
    assert len(det.updates_) == 1 and det.updates_[0]["sequences"] == 30


def test_with_params_shares_the_network_and_scores_with_another_aggregation(fitted):
    other = fitted.with_params(aggregation="last")
    assert other.network_ is fitted.network_ and other.residual_variances_ == fitted.residual_variances_
    batch = waves(20, seed=10, spike=True)
    s = fitted.score_batch(batch, with_steps=True)
    last = np.array([row[~np.isnan(row)][-1] for row in s.step_scores.astype(np.float64)])
    np.testing.assert_allclose(other.decision_function(batch), last, rtol=1e-6)


def test_sklearn_clone_and_get_params_round_trip(jvm):
    from sklearn.base import clone

    from dl4j_bridge.detectors import NextValueDetector

    original = NextValueDetector(target_columns=["value"], aggregation="mean", hidden_sizes=[8, 4], k=2.5)
    copy = clone(original)
    assert copy.get_params() == original.get_params() and copy.target_columns == ("value",)
    assert repr(original).startswith("NextValueDetector(target_columns=('value',), aggregation='mean'")


def test_the_report_lists_a_flagged_value_once_with_the_feature_and_its_values():
    """Rows of overlapping windows flagged for the same line's value are listed once, in next-value words (they
    read "0 steps with P(anomalous) >= 0.5" and nothing else)."""
    from dl4j_bridge.detectors.report import explanations_markdown

    row = {"index": 0, "key": 5, "score": 42.0, "flagged": True, "line_numbers": [5, 6, 7, 8], "unexpected_steps": 1,
           "step": 1, "line_number": 6, "actual_line": 7, "feature": "bytes", "actual_value": 9.5,
           "predicted_value": 0.25, "deviation": 6.5}
    text = explanations_markdown([row, {**row, "index": 1, "key": 6, "line_numbers": [6, 7, 8, 9], "step": 0}])
    assert text.count("\n") == 1, text
    assert ("score 42, key `5`, lines 5-8 (1 steps more than 3 residual sigma off); `bytes` at line 7 was 9.5 where "
            "0.25 was predicted (normalised units: +6.5 residual sigma) (the unexpected line of 1 more flagged "
            "sequence(s), not listed again)") in text


def test_network_fit_with_next_values_checks_its_arguments_before_java(jvm):
    import dl4j_bridge as db

    x = np.random.default_rng(0).normal(size=(6, 5, 3)).astype(np.float32)
    softmax = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    with pytest.raises(ValueError, match=r"needs n_out = 2 \(one output per target\), loss='MSE' and "
                                         r"output_activation='identity'; this one has n_out=2, loss='MCXENT'"):
        softmax.fit(x, None, next_values=[0, 1])
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, loss="MSE", output_activation="identity"))
    for kwargs, words in (({"next_values": [0, 3]}, r"next_values must be feature indices in \[0, 3\)"),
                          ({"next_values": [0, 1], "sample_weight": -np.ones(6)}, "sample_weight must be >= 0"),
                          ({"next_values": [0, 1], "validation": (x, np.zeros((6, 5)), None)}, r"\(X, None, mask\)")):
        with pytest.raises(ValueError, match=words):
            net.fit(x, None, **kwargs)
    with pytest.raises(ValueError, match="takes no Y"):
        net.fit(x, np.zeros((6, 5)), next_values=[0, 1])
    history = net.fit(x, None, next_values=[2, 0], epochs=2, batch_size=3, validation=(x, None, None))
    assert history.epochs_completed == 2 and len(history.validation_scores) == 2


def test_a_next_value_fits_sample_weight_counts_a_sequence_as_its_copies(jvm):
    """One full-batch SGD epoch without gradient clipping (it clips the sum before DL4J divides it by the number of
    sequences): weight 2 on sequence 0 trains as sequence 0 twice (DL4J divides by the number of
    sequences, 6 against 7: the weights are scaled by 6/7). A label mask of 2 alone did not (it scales the output's
    pre-activations too: Trainer.weighNextValueLabels)."""
    import dl4j_bridge as db

    x = np.random.default_rng(4).normal(size=(6, 5, 3)).astype(np.float32)
    twice = np.concatenate([x[:1], x])
    config = db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(4,), loss="MSE", output_activation="identity",
                           updater="sgd", learning_rate=0.5, seed=11, gradient_normalization="None")
    weighted, repeated = db.Network(config), db.Network(config)
    np.testing.assert_array_equal(weighted.params(), repeated.params())
    w = np.array([2, 1, 1, 1, 1, 1], np.float64) * 6 / 7
    a = weighted.fit(x, None, next_values=[0, 2], epochs=1, batch_size=8, sample_weight=w, progress=False)
    b = repeated.fit(twice, None, next_values=[0, 2], epochs=1, batch_size=8, progress=False)
    assert a.epoch_scores[0] == pytest.approx(b.epoch_scores[0], rel=1e-5)
    np.testing.assert_allclose(weighted.params(), repeated.params(), rtol=0, atol=1e-6)
    assert not np.allclose(weighted.params(), db.Network(config).params())   # it did train


def test_sample_weight_weighs_the_loss_residual_variances_and_threshold(jvm):
    from dl4j_bridge.detectors import NextValueDetector, take

    train, validation = waves(60, seed=4), waves(20, seed=5)
    w, vw = np.linspace(0.5, 2, 60), np.arange(20) % 3 + 0.0   # a third of the validation sequences weigh 0
    det = NextValueDetector(hidden_sizes=(8,), epochs=2, batch_size=32, patience=0, seed=2).fit(
        train, sample_weight=w, validation=validation, validation_weight=vw)
    # the residual variances of the validation sequences as if each were there w times
    counts = vw.astype(int)
    repeated = take(validation, np.repeat(np.arange(20), counts))
    np.testing.assert_allclose(det.residual_variances_, det.residual_variances(repeated), rtol=1e-6)
    assert not np.allclose(det.residual_variances_, det.residual_variances(validation), rtol=1e-6)
    scores = det.decision_function(repeated)
    assert det.threshold_ == pytest.approx(scores.mean() + 3 * scores.std(), rel=1e-5)
    before = det.network_.params()
    det.update(waves(10, seed=9), sample_weight=np.full(10, 3.0), epochs=1)
    assert not np.array_equal(before, det.network_.params())


def test_sample_weight_with_a_given_validation_and_weights_of_zero(jvm):
    """A weighted fit with a validation batch but no validation_weight trains (its validation weighs 1 each; it
    failed on the next-value detector's missing targets array), and weights that leave no step with a next one to
    learn from are refused before training in words (they gave NaN residual variances and a Java JSON error)."""
    from dl4j_bridge.detectors import NextValueDetector

    train, validation = waves(30, seed=1), waves(10, seed=2)
    small = dict(hidden_sizes=(4,), epochs=2, batch_size=32, patience=1, seed=2)
    det = NextValueDetector(**small).fit(train, sample_weight=np.linspace(0.5, 2, 30), validation=validation)
    np.testing.assert_allclose(det.residual_variances_, np.maximum(det.residual_variances(validation), 1e-6),
                               rtol=1e-6)
    assert det.threshold_ > 0
    with pytest.raises(ValueError, match=r"sample_weight gives weight 0 to every training sequence of two steps or "
                                         r"more \(30\).*weight > 0"):
        NextValueDetector(**small).fit(train, sample_weight=np.zeros(30))
    with pytest.raises(ValueError, match="validation_weight gives weight 0 to every validation sequence"):
        NextValueDetector(**small).fit(train, sample_weight=np.ones(30), validation=validation,
                                       validation_weight=np.zeros(10))
    one_step_weighted = np.where((np.asarray(train.mask) > 0).sum(axis=1) >= 2, 0.0, 1.0)
    fresh = NextValueDetector(**small)
    with pytest.raises(ValueError, match="weight 0"):
        fresh.fit(train, sample_weight=one_step_weighted)
    assert fresh.network_ is None


def test_validation_sequences_of_one_step_are_refused_before_training(jvm):
    from dl4j_bridge.detectors import NextValueDetector

    # each scores 0 (no step to judge): k_sigma's threshold was 0, flagging every sequence with a judged step
    one_step = waves(16, seed=4, mask=np.eye(1, T, dtype=np.float32).repeat(16, axis=0))
    det = NextValueDetector(hidden_sizes=(4,), epochs=1, patience=0, seed=3)
    with pytest.raises(ValueError, match=r"none of the 16 validation sequences holds two steps.*pass validation="):
        det.fit(waves(40, seed=1), validation=one_step)
    assert det.network_ is None
