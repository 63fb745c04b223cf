"""The reference network: DL4J configuration, training in Java, inference, evaluation, reproducibility."""

from __future__ import annotations

import json

import numpy as np
import pytest

import dl4j_bridge as db
from bridge_testing import random_sequences


@pytest.fixture(autouse=True)
def _jvm(jvm):
    return jvm


def _layers(config_json: str):
    conf = json.loads(config_json)
    return [c["layer"] for c in conf["confs"]], conf


def test_config_json_is_dl4j_json_of_the_reference_design():
    text = db.Network(db.LSTMConfig(n_in=3, n_out=2)).config_json()
    layers, conf = _layers(text)
    assert [next(iter(l)) if "@class" not in l else l["@class"].rsplit(".", 1)[-1] for l in layers] == [
        "GravesLSTM", "RnnOutputLayer"]
    lstm, out = layers
    assert lstm["nin"] == 3 and lstm["nout"] == 10 and "ActivationTanH" in json.dumps(lstm["activationFn"])
    assert out["nin"] == 10 and out["nout"] == 2
    assert "LossMCXENT" in json.dumps(out["lossFn"]) and "ActivationSoftmax" in json.dumps(out["activationFn"])
    for layer in layers:
        assert "Xavier" in json.dumps(layer["weightInitFn"])
        assert layer["iupdater"]["@class"].endswith("Nesterovs")
        assert layer["iupdater"]["learningRate"] == 0.005 and layer["iupdater"]["momentum"] == 0.9
        assert layer["gradientNormalization"] == "ClipElementWiseAbsoluteValue"
        assert layer["gradientNormalizationThreshold"] == 0.5
        assert layer["rnnDataFormat"] == "NCW"
    assert all(c["seed"] == 123 for c in conf["confs"])
    assert all(c["optimizationAlgo"] == "STOCHASTIC_GRADIENT_DESCENT" for c in conf["confs"])


def test_layer_type_lstm_builds_dl4j_lstm_layers_and_any_case_is_one_spelling():
    cfg = db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(8, 6), layer_type=" lstm ")
    assert cfg.layer_type == "LSTM" and db.LSTMConfig.from_json(cfg.to_json()) == cfg
    assert db.LSTMConfig(n_in=3, n_out=2).layer_type == "GravesLSTM"
    layers, _ = _layers(db.Network(cfg).config_json())
    assert [next(iter(l)) if "@class" not in l else l["@class"].rsplit(".", 1)[-1] for l in layers] == [
        "LSTM", "LSTM", "RnnOutputLayer"]
    assert all(l["rnnDataFormat"] == "NCW" for l in layers)


def test_every_setting_reaches_the_dl4j_configuration():
    cfg = db.LSTMConfig(n_in=4, n_out=5, hidden_sizes=(8, 6), seed=7, learning_rate=0.01, momentum=0.5,
                        l2=1e-4, dropout=0.25, tbptt_length=5)
    layers, conf = _layers(db.Network(cfg).config_json())
    assert len(layers) == 3
    assert [(l["nin"], l["nout"]) for l in layers] == [(4, 8), (8, 6), (6, 5)]
    assert layers[0]["iupdater"]["learningRate"] == 0.01 and layers[0]["iupdater"]["momentum"] == 0.5
    assert layers[0]["idropout"]["p"] == pytest.approx(0.75)          # DL4J keeps the retain probability
    assert any(r["@class"].endswith("L2Regularization") for r in layers[0]["regularization"])
    assert conf["backpropType"] == "TruncatedBPTT" and conf["tbpttFwdLength"] == 5
    assert all(c["seed"] == 7 for c in conf["confs"])


def test_invalid_config_is_rejected_before_the_jvm():
    with pytest.raises(ValueError, match="dropout"):
        db.LSTMConfig(n_in=3, n_out=2, dropout=1.5)
    with pytest.raises(ValueError, match="n_out"):
        db.LSTMConfig(n_in=3, n_out=0)
    with pytest.raises(ValueError, match="updater"):
        db.LSTMConfig(n_in=3, n_out=2, updater="rmsprop-ish")


def test_fit_runs_in_java_and_training_score_decreases(burst_data):
    X, Y = burst_data
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, learning_rate=0.05))
    history = net.fit(X, Y, epochs=4, batch_size=32, progress=False)
    assert history.epochs_completed == 4 and not history.cancelled
    assert len(history.iteration_scores) == 4 * 8
    assert history.epoch_scores[-1] < 0.7 * history.epoch_scores[0]
    assert np.all(np.isfinite(history.iteration_scores))


def test_predict_classify_and_evaluate_agree(burst_data):
    X, Y = burst_data
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, learning_rate=0.05))
    net.fit(X, Y, epochs=3, batch_size=32, progress=False)
    proba = net.predict_proba(X)
    assert proba.shape == (256, 12, 2) and proba.dtype == np.float32
    assert np.allclose(proba.sum(axis=-1), 1.0, atol=1e-5)
    labels = net.classify(X)
    assert labels.shape == (256, 12) and np.array_equal(labels, proba.argmax(-1))
    report = net.evaluate(X, Y)
    assert report["n_evaluated"] == Y.size
    assert report["accuracy"] == pytest.approx((labels == Y).mean(), abs=1e-9)
    cm = np.array(report["confusion_matrix"])
    assert cm.sum() == Y.size and cm[1].sum() == (Y == 1).sum() and cm[1, 1] == ((labels == 1) & (Y == 1)).sum()
    assert set(report) >= {"accuracy", "precision", "recall", "f1", "per_class", "confusion_matrix"}


def test_masks_exclude_padding_from_outputs_loss_and_evaluation(burst_data):
    X, Y = burst_data
    mask = np.ones(Y.shape, np.float32)
    mask[:, 9:] = 0
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    labels = net.classify(X, mask)
    assert np.all(labels[:, 9:] == -1) and np.all(labels[:, :9] >= 0)
    assert net.evaluate(X, Y, mask)["n_evaluated"] == 256 * 9
    # Garbage in padded steps must not change the training result.
    X2, Y2 = X.copy(), Y.copy()
    X2[:, 9:] = 7.0
    Y2[:, 9:] = 1 - Y2[:, 9:]
    a, b = db.Network(db.LSTMConfig(n_in=3, n_out=2)), db.Network(db.LSTMConfig(n_in=3, n_out=2))
    ha = a.fit(X, Y, mask, epochs=1, batch_size=64, progress=False)
    hb = b.fit(X2, Y2, mask, epochs=1, batch_size=64, progress=False)
    assert np.allclose(ha.iteration_scores, hb.iteration_scores, rtol=1e-5)
    assert np.allclose(a.params(), b.params(), atol=1e-6)


def test_negative_label_ids_are_unlabelled_steps(burst_data):
    X, Y = burst_data
    Y2 = Y.copy()
    Y2[:, :4] = -1
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    assert net.evaluate(X, Y2)["n_evaluated"] == 256 * 8


def test_same_seed_and_data_give_the_same_weights_and_scores(burst_data):
    X, Y = burst_data
    runs = []
    for _ in range(2):
        net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
        h = net.fit(X, Y, epochs=2, batch_size=32, shuffle=True, progress=False)
        runs.append((net.params(), h.iteration_scores, net.predict_proba(X[:10])))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert np.array_equal(runs[0][1], runs[1][1])
    assert np.array_equal(runs[0][2], runs[1][2])
    other = db.Network(db.LSTMConfig(n_in=3, n_out=2, seed=124))
    assert not np.array_equal(other.params(), db.Network(db.LSTMConfig(n_in=3, n_out=2)).params())


def test_callback_sees_progress_and_can_cancel(burst_data):
    X, Y = burst_data
    events = []

    def stop_after_first_epoch(event):
        events.append(event)
        return not event.epoch_end

    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    history = net.fit(X, Y, epochs=5, batch_size=32, callback=stop_after_first_epoch, report_every=0, progress=False)
    assert history.cancelled and history.epochs_completed == 1
    assert [e.epoch_end for e in events].count(True) == 1
    assert sum(not e.epoch_end for e in events) == 8            # report_every=0: every minibatch
    assert len(history.iteration_scores) == 8
    assert events[-1].score == pytest.approx(history.epoch_scores[0])


def test_callback_exception_stops_training_and_is_raised(burst_data):
    X, Y = burst_data

    def broken(event):
        raise KeyError("from the callback")

    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    with pytest.raises(KeyError, match="from the callback"):
        net.fit(X, Y, epochs=3, batch_size=32, callback=broken, report_every=0, progress=False)


def test_validation_scores_and_early_stopping_keep_the_best_epoch(burst_data):
    X, Y = burst_data
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, learning_rate=0.05))
    h = net.fit(X[:200], Y[:200], epochs=3, batch_size=32, validation=(X[200:], Y[200:]), progress=False)
    assert len(h.validation_scores) == 3 and h.validation_scores[-1] < h.validation_scores[0]
    # Unclipped at this learning rate the validation loss is best after epoch 1 and then worsens
    # (seeded, so always): early stopping must stop and restore the best weights.
    wild = db.Network(db.LSTMConfig(n_in=3, n_out=2, learning_rate=0.3, gradient_normalization="None"))
    h = wild.fit(X[:200], Y[:200], epochs=30, batch_size=8, validation=(X[200:], Y[200:]), patience=2,
                 progress=False)
    assert h.stopped_early and h.epochs_completed < 30
    assert h.best_epoch == int(np.argmin(h.validation_scores))
    # The network holds the best epoch's weights: its validation loss (MCXENT summed over steps,
    # averaged over sequences, as DL4J scores it) is the best one recorded.
    p = wild.predict_proba(X[200:]).astype(np.float64)
    picked = np.take_along_axis(p, Y[200:, :, None], axis=2)[..., 0]
    loss = -np.log(np.clip(picked, 1e-10, 1)).sum(axis=1).mean()
    assert loss == pytest.approx(h.validation_scores.min(), rel=1e-3)
    assert h.validation_scores.min() < h.validation_scores[-1]


def test_shape_errors_say_what_is_expected():
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    X = random_sequences(4, 5, 3)
    with pytest.raises(db.ShapeError, match="n_in=3"):
        net.predict_proba(random_sequences(4, 5, 2))
    with pytest.raises(db.ShapeError, match=r"\[batch, time\]"):
        net.fit(X, np.zeros((4, 6), np.int64), progress=False)
    with pytest.raises(db.ShapeError, match="n_out=2"):
        net.fit(X, np.full((4, 5), 2), progress=False)
    X[1, 2, 0] = np.nan
    with pytest.raises(db.ShapeError, match=r"batch 1, step 2, feature 0"):
        net.predict_proba(X)


def test_java_exceptions_are_converted_with_class_and_message():
    import jpype

    from dl4j_bridge.errors import JavaIllegalArgumentError
    from dl4j_bridge.javaerrors import java_errors

    with pytest.raises(JavaIllegalArgumentError) as info:
        with java_errors():
            jpype.JClass("io.dl4jbridge.NetworkFactory").build('{"n_in": 3}')
    assert info.value.java_class == "java.lang.IllegalArgumentException"
    assert "n_out" in str(info.value) and "NetworkFactory" in info.value.java_stacktrace
    assert isinstance(info.value, ValueError)


def test_numpy_numbers_become_plain_json_numbers():
    cfg = db.LSTMConfig(n_in=np.int32(3), n_out=np.int64(3), hidden_sizes=np.int64(8), learning_rate=np.float32(0.01),
                        momentum=np.float64(0.5), seed=np.uint16(7), class_weights=np.ones(3, np.float32),
                        lr_schedule={"type": "step", "decay": np.float32(0.5), "step": np.int64(4)})
    spec = json.loads(cfg.to_json())
    assert spec["n_out"] == 3 and type(cfg.n_out) is int and cfg.hidden_sizes == (8,)
    assert spec["learning_rate"] == 0.01          # float32 0.01 is taken as the 0.01 it stands for
    assert spec["lr_schedule"] == {"type": "step", "decay": 0.5, "step": 4}
    assert db.LSTMConfig.from_json(cfg.to_json()) == cfg
    assert db.LSTMConfig(n_in=3.0, n_out=2).n_in == 3   # a whole number as a float is fine


@pytest.mark.parametrize("setting, message", [
    ({"n_in": 3.7}, r"n_in must be an integer >= 1, got 3.7 \(a size cannot be fractional\)"),
    ({"n_out": 0}, r"n_out must be an integer >= 1, got 0"),
    ({"hidden_sizes": (8, 2.5)}, r"hidden_sizes must be an integer >= 1, got 2.5"),
    ({"hidden_sizes": "8"}, r"hidden_sizes must be an integer >= 1, got '8'"),
    ({"hidden_sizes": ()}, r"hidden_sizes must hold at least one layer size"),
    ({"n_in": True}, r"n_in must be an integer >= 1, got True"),
    ({"tbptt_length": 0}, r"tbptt_length must be an integer >= 1 or None, got 0"),
    ({"seed": -1}, r"seed must be an integer >= 0"),
    ({"learning_rate": 0}, r"learning_rate must be > 0, got 0"),
    ({"learning_rate": float("nan")}, r"learning_rate must be a finite number > 0, got nan"),
    ({"momentum": -0.1}, r"momentum must be >= 0, got -0.1"),
    ({"l2": -1e-4}, r"l2 must be >= 0"),
    ({"gradient_normalization_threshold": -0.5}, r"gradient_normalization_threshold must be >= 0"),
    ({"dropout": 1.0}, r"dropout \(the probability of dropping an activation\) must be in \[0, 1\), got 1.0"),
    ({"dropout": -0.2}, r"dropout must be >= 0"),
    ({"updater": "rmsprop"}, r"updater must be one of \('nesterovs', 'sgd', 'adam'\)"),
    ({"weight_init": None}, r"weight_init must be a name"),
    ({"class_weights": (1.0, -1.0)}, r"class_weights must be >= 0"),
    ({"layer_type": "GRU"}, r"layer_type must be one of \('GravesLSTM', 'LSTM'\) \(any case\), got 'GRU'"),
    ({"layer_type": None}, r"layer_type must be one of"),
])
def test_a_setting_out_of_range_is_a_value_error_naming_it(setting, message):
    with pytest.raises(ValueError, match=r"invalid LSTMConfig: .*" + message):
        db.LSTMConfig(**{"n_in": 3, "n_out": 2, **setting})


@pytest.mark.parametrize("schedule, message", [
    ({"type": "step", "decay_rate": 0.1, "steps": 10},
     r"lr_schedule of type 'step' does not take \['decay_rate', 'steps'\]; its keys are \['type', 'decay', 'step', "
     r"'unit'\]"),
    ({"type": "exponential", "gamma": 0.9, "step": 3}, r"does not take \['step'\]; its keys are \['type', 'gamma', 'unit'\]"),
    (0.9, r"lr_schedule must be None or a dict .* \(keys by type: step: type, decay, step, unit; exponential: type, "
          r"gamma, unit\), got 0.9"),
    ({"decay": 0.5, "step": 2}, r"lr_schedule needs 'type': 'step' or 'exponential', got None"),
    ({"type": "step", "decay": 1.5}, r"lr_schedule 'decay' multiplies the learning rate and must be in \(0, 1\]"),
    ({"type": "step", "decay": "0.5"}, r"lr_schedule 'decay' must be a finite number > 0"),
    ({"type": "exponential", "gamma": 0}, r"lr_schedule 'gamma' must be > 0"),
    ({"type": "step", "step": 0.5}, r"lr_schedule 'step' must be an integer >= 1"),
    ({"type": "step", "unit": "day"}, r"lr_schedule 'unit' must be one of \('epoch', 'iteration'\), got 'day'"),
])
def test_an_lr_schedule_with_unknown_keys_or_bad_values_is_refused(schedule, message):
    with pytest.raises(ValueError, match=message):
        db.LSTMConfig(n_in=3, n_out=2, lr_schedule=schedule)


def test_an_lr_schedule_reaches_dl4j_in_any_case():
    cfg = db.LSTMConfig(n_in=3, n_out=2, lr_schedule={"type": "Step", "decay": 0.1, "step": 10, "unit": "EPOCH"})
    assert cfg.lr_schedule == {"type": "step", "decay": 0.1, "step": 10, "unit": "epoch"}
    layers, _ = _layers(db.Network(cfg).config_json())
    schedule = layers[0]["iupdater"]["learningRateSchedule"]
    assert schedule["@class"].endswith("StepSchedule") and schedule["decayRate"] == 0.1 and schedule["step"] == 10.0


def test_dl4j_setting_names_are_case_insensitive():
    # needs the Java build of this source (NetworkFactory.choice matches names in any case)
    upper = db.Network(db.LSTMConfig(n_in=3, n_out=2)).config_json()
    lower = db.Network(db.LSTMConfig(n_in=3, n_out=2, weight_init="xavier", loss="mcxent", activation="TANH",
                                     gradient_normalization="clipelementwiseabsolutevalue", updater="Nesterovs",
                                     optimization_algo="stochastic_gradient_descent")).config_json()
    assert lower == upper


def test_a_diverged_network_refuses_every_use_of_its_parameters(tmp_path):
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(8,), learning_rate=1e38, updater="sgd",
                                   gradient_normalization="None"))
    x = random_sequences(64, 10, 3) * 1e6
    y = np.random.default_rng(0).integers(0, 2, size=(64, 10))
    assert not net.diverged
    with pytest.raises(db.TrainingDivergedError, match="lower the learning rate"):
        net.fit(x, y, epochs=5, batch_size=16, progress=False)
    assert net.diverged and not np.all(np.isfinite(net.params()))   # it is what training left: not usable
    calls = {"predict": lambda: net.predict_proba(x), "classify": lambda: net.classify(x),
             "evaluate": lambda: net.evaluate(x, y), "be saved": lambda: net.save(tmp_path / "nan.zip"),
             "be trained further": lambda: net.fit(x, y, progress=False)}
    for action, call in calls.items():
        with pytest.raises(db.TrainingDivergedError, match=f"this network cannot {action}: its training diverged "
                                                           r"\(training diverged in epoch 1.*smaller learning_rate"):
            call()
    assert not (tmp_path / "nan.zip").exists()


def test_sample_weights_scale_the_sgd_step_by_their_mean_as_documented(burst_data):
    X, Y = burst_data
    cfg = db.LSTMConfig(n_in=3, n_out=2, updater="sgd", learning_rate=0.05, gradient_normalization="None",
                        class_weights=(1.0, 1.0))
    steps = {}
    for w in (1.0, 3.0):   # one minibatch of every sequence: one update each
        net = db.Network(cfg)
        start = net.params()
        net.fit(X, Y, epochs=1, batch_size=len(X), progress=False, sample_weight=np.full(len(X), w))
        steps[w] = net.params() - start
    # DL4J averages over the sequences of a minibatch, not over their weights: weight 3 everywhere is a step 3 times
    # as long (repeating every sequence 3 times would leave the mean loss, and so the step, as it was)
    np.testing.assert_allclose(steps[3.0], 3 * steps[1.0], rtol=1e-3, atol=1e-7)
    assert np.abs(steps[1.0]).max() > 1e-4


def test_nothing_labelled_to_train_or_evaluate_and_fractional_epochs_are_clear_errors(burst_data):
    X, Y = burst_data
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    before = net.params()
    unlabelled = np.full(Y.shape, -1)
    for call, args in (("fit", (X, unlabelled)), ("evaluate", (X, unlabelled)),
                       ("fit", (X, Y, np.zeros(Y.shape))), ("evaluate", (X, Y, np.zeros(Y.shape)))):
        with pytest.raises(db.ShapeError, match=r"Y has no labelled real step .*nothing to (train on|evaluate)"):
            getattr(net, call)(*args)
    with pytest.raises(db.ShapeError, match=r"validation Y has no labelled real step"):
        net.fit(X, Y, validation=(X, unlabelled), progress=False)
    for bad in (1.5, 0, "2", True):
        with pytest.raises(ValueError, match=r"epochs must be an integer >= 1, got"):
            net.fit(X, Y, epochs=bad, progress=False)
    with pytest.raises(ValueError, match=r"batch_size must be an integer >= 1, got 2.5"):
        net.fit(X, Y, batch_size=2.5, progress=False)
    assert np.array_equal(net.params(), before)      # nothing was trained
    assert net.fit(X[:8], Y[:8], epochs=np.int64(1), batch_size=4.0, progress=False).epochs_completed == 1


@pytest.mark.parametrize("bad", [-1, -0.5, float("nan"), float("inf"), "1", True])
def test_report_every_must_be_seconds_at_least_zero(burst_data, bad):
    """A negative report_every made the JVM call back into Python after every minibatch, unasked."""
    X, Y = burst_data
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    with pytest.raises(ValueError, match=r"report_every must be a number of seconds >= 0"):
        net.fit(X, Y, epochs=1, batch_size=32, callback=lambda e: True, report_every=bad, progress=False)


def test_fit_with_fit_normalizer_equals_fitting_the_normalizer_first(burst_data, tmp_path):
    """One conversion of X for both (the detectors' path) gives the normalizer and the weights of two calls."""
    X, Y = burst_data
    X = X * np.array([1.0, 100.0, 0.01], np.float32) + np.array([0.0, 5e3, -2.0], np.float32)
    mask = np.ones(Y.shape, np.float32)
    mask[::3, 20:] = 0
    config = db.LSTMConfig(n_in=3, n_out=2, learning_rate=0.05)
    first = db.Network(config).fit_normalizer(X, mask)
    first.fit(X, Y, mask, epochs=2, batch_size=32, shuffle=True, progress=False)
    one = db.Network(config)
    one.fit(X, Y, mask, epochs=2, batch_size=32, shuffle=True, progress=False, fit_normalizer=True)
    np.testing.assert_array_equal(one.params(), first.params())
    np.testing.assert_array_equal(one.predict_proba(X[:5]), first.predict_proba(X[:5]))
    assert one.normalizer is not None


def test_a_fit_that_fails_keeps_the_previous_normalizer(burst_data, monkeypatch):
    """fit(fit_normalizer=True) set the new normalizer before training: a fit that then failed left it beside
    weights it never trained."""
    import dl4j_bridge.network as network

    X, Y = burst_data
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    real = network._java

    class Refusing:
        @staticmethod
        def fit(*args):
            raise ValueError("refused")

    monkeypatch.setattr(network, "_java", lambda name: Refusing if name == "Trainer" else real(name))
    with pytest.raises(ValueError, match="refused"):
        net.fit(X, Y, epochs=1, progress=False, fit_normalizer=True)
    assert net.normalizer is None
