"""Found in user trials: k_sigma over clean validation scores only, thresholds that flag nothing, duplicate
positive classes, fit(batch, y) reading y's labels, pickling and copies of fitted detectors and networks, and
a subclass's load refusing the other kind of file."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest

from bridge_testing import REPO

PARITY_CLASSIFIER = REPO / "java" / "src" / "test" / "resources" / "parity" / "detector_classifier.zip"
PARITY_NEXT_EVENT = PARITY_CLASSIFIER.with_name("detector_next_event.zip")


@pytest.fixture(scope="module")
def bursts(jvm):
    from dl4j_bridge.detectors import sequence_batch
    from dl4j_bridge.toydata import failed_login_bursts

    X, Y = failed_login_bursts(300, 12, seed=4)              # 38% of the sequences hold an anomalous step
    return sequence_batch(X, step_labels=Y)


def small(**settings):
    from dl4j_bridge.detectors import SequenceClassifier

    return SequenceClassifier(**{"hidden_sizes": (8,), "updater": "adam", "learning_rate": 0.03, "epochs": 3,
                                 "batch_size": 128, "patience": 0, "seed": 3, **settings})


@pytest.fixture(scope="module")
def fitted(bursts):
    return small(threshold="k_sigma", validation_fraction=0.2, epochs=20, class_weight="balanced").fit(bursts)


def test_k_sigma_on_a_classifier_uses_the_normal_validation_sequences_only(fitted, bursts):
    from dl4j_bridge.detectors import take

    method = fitted.threshold_method_
    val_idx, _ = fitted._validation_split(bursts, bursts.labels)
    val = take(bursts, val_idx)
    normal = val.labels == 0
    assert method["anomalous_left_out"] == int((~normal).sum()) > 0 and method["n"] == int(normal.sum())
    scores = fitted.decision_function(val)
    assert fitted.threshold_ == pytest.approx(scores[normal].mean() + 3 * scores[normal].std())
    assert fitted.threshold_ < 1 and fitted.predict(bursts)[bursts.labels > 0].mean() > 0.5


def test_k_sigma_with_every_validation_sequence_anomalous_is_refused_before_training(bursts, no_java):
    from dl4j_bridge.detectors import take

    anomalous = take(bursts, np.flatnonzero(bursts.labels > 0))
    with pytest.raises(ValueError, match=r"all \d+ are labelled anomalous \(from validation.labels\)"):
        small(threshold="k_sigma").fit(bursts, validation=anomalous)


def test_calibrate_k_sigma_takes_labels_and_refuses_only_anomalous_ones(fitted, bursts):
    from dl4j_bridge.detectors import take

    det = copy.copy(fitted)
    det.calibrate(bursts, method="k_sigma")
    scores = det.decision_function(bursts)
    normal = bursts.labels == 0
    assert det.threshold_ == pytest.approx(scores[normal].mean() + 3 * scores[normal].std())
    det.calibrate(bursts, method="k_sigma", labels=np.zeros(len(bursts), bool))   # given labels win
    assert det.threshold_ == pytest.approx(scores.mean() + 3 * scores.std())
    with pytest.raises(ValueError, match=r"all \d+ sequences are labelled anomalous"):
        det.calibrate(take(bursts, np.flatnonzero(~normal)), method="k_sigma")


def test_a_threshold_that_flags_nothing_is_kept_with_a_warning(fitted, bursts, caplog):
    det = copy.copy(fitted)
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.base"):
        det.calibrate(bursts, method="fixed", threshold_value=1.0)
    assert "at or above 1, the largest score this detector can give" in caplog.text
    assert "predict will flag nothing" in caplog.text
    caplog.clear()
    scores = det.decision_function(bursts)
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.base"):
        det.calibrate(bursts, method="k_sigma", labels=np.arange(len(bursts)) != np.argmax(scores))
    assert det.threshold_ == scores.max()   # the one "normal" sequence is the top-scoring one: std 0
    if scores.max() < 1:
        assert "above every one of the 300 validation scores" in caplog.text and "recall 0" in caplog.text
    else:
        assert "predict will flag nothing" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.base"):
        det.calibrate(bursts, method="k_sigma", labels=np.zeros(len(bursts)))   # all scores, anomalies included
    assert det.threshold_ >= 1 and "is at or above 1, the largest score" in caplog.text   # the trial's D1
    caplog.clear()
    with caplog.at_level("WARNING", logger="dl4j_bridge.detectors.base"):
        det.calibrate(bursts, method="k_sigma")                # clean statistics: flags the anomalies
    assert "flag" not in caplog.text


def test_duplicate_positive_classes_count_once():
    from sklearn.base import clone

    det = small(n_classes=4, positive_classes=(1, 1, 2))
    assert det.positive_classes == (1, 2) and det.scoring()["positive_classes"] == [1, 2]
    assert clone(det).positive_classes == (1, 2)
    assert small(n_classes=4, positive_classes=(2, 1, 2)).positive_classes == (2, 1)


def test_duplicate_positive_classes_keep_scores_probabilities(jvm):
    from dl4j_bridge.detectors import sequence_batch

    rng = np.random.default_rng(0)
    y = rng.choice(4, size=(120, 8), p=[0.7, 0.1, 0.1, 0.1]).astype(np.int32)
    x = np.eye(4, dtype=np.float32)[y] + rng.normal(0, 0.3, (120, 8, 4)).astype(np.float32)
    det = small(n_classes=4, positive_classes=(1, 1, 2), epochs=2).fit(sequence_batch(x, step_labels=y))
    assert det.decision_function(sequence_batch(x)).max() <= 1.0


def test_fit_with_y_reads_its_sequence_labels_not_the_batch_labels(bursts):
    from dl4j_bridge.detectors import sequence_batch

    y = bursts.step_labels
    unlabelled = sequence_batch(bursts.x, bursts.mask)           # batch.labels all 0
    det = small(threshold="best_f1", epochs=2).fit(unlabelled, y)   # refused before: "batch.labels 0 and 1"
    assert det.threshold_method_["name"] == "best_f1" and det.threshold_method_["positives"] > 0
    det = small(threshold="k_sigma", epochs=2).fit(unlabelled, y)
    assert det.threshold_method_["anomalous_left_out"] > 0
    # only positive_classes make a sequence anomalous: with class 1 not anomalous, y has no anomaly
    with pytest.raises(ValueError, match=r"both classes \(sequence labels 0 and 1, from y\)"):
        small(n_classes=3, positive_classes=(2,), threshold="best_f1").fit(bursts, y)


def test_pickle_and_deepcopy_give_an_independent_equal_detector(fitted, bursts):
    import joblib

    for other in (pickle.loads(pickle.dumps(fitted)), copy.deepcopy(fitted)):
        assert other.network_ is not fitted.network_ and other.network_.lock is not fitted.network_.lock
        assert other.get_params() == fitted.get_params()
        assert other.threshold_ == fitted.threshold_ and other.threshold_method_ == fitted.threshold_method_
        np.testing.assert_array_equal(other.network_.params(), fitted.network_.params())
        np.testing.assert_array_equal(other.decision_function(bursts), fitted.decision_function(bursts))
        np.testing.assert_array_equal(other.predict(bursts), fitted.predict(bursts))
        np.testing.assert_array_equal(other.history_.epoch_scores, fitted.history_.epoch_scores)
    import io

    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).decision_function(bursts), fitted.decision_function(bursts))
    shallow = copy.copy(fitted)                                   # documented: shares the trained network
    assert shallow.network_ is fitted.network_


def test_a_pickled_network_keeps_its_updater_state_and_trains_on_alone(jvm):
    import dl4j_bridge as db

    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 6, 3)).astype(np.float32)
    Y = (X[..., 0] > 0).astype(np.int64)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    net.fit(X, Y, epochs=1, progress=False)
    twin = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(twin.params(), net.params())
    net.fit(X, Y, epochs=1, progress=False)                       # the momentum was pickled too
    before = twin.params()
    twin.fit(X, Y, epochs=1, progress=False)
    np.testing.assert_array_equal(twin.params(), net.params())
    assert not np.array_equal(before, twin.params())
    deep = copy.deepcopy(net)
    np.testing.assert_array_equal(deep.predict_proba(X), net.predict_proba(X))


def test_unpickling_without_the_jvm_says_to_start_it(fitted, tmp_path):
    (tmp_path / "det.pkl").write_bytes(pickle.dumps(fitted))
    code = ("import pickle, sys\n"
            "from dl4j_bridge.errors import JVMNotStartedError\n"
            "try:\n"
            f"    pickle.loads(open({str(tmp_path / 'det.pkl')!r}, 'rb').read())\n"
            "except JVMNotStartedError as e:\n"
            "    print('refused:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=str(REPO), env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert "refused: unpickling a dl4j_bridge Network (or a fitted detector) needs this process's JVM" in out.stdout, \
        out.stderr
    assert "start_jvm()" in out.stdout
    # a worker process unpickles before any user code runs there: the message says how to start it in workers
    assert "initializer=dl4j_bridge.start_jvm" in out.stdout and "load it in the worker" in out.stdout


def test_a_subclass_load_refuses_the_other_kind(jvm):
    from dl4j_bridge.detectors import (BaseDetector, DetectorFileError, NextEventDetector, SequenceClassifier,
                                       load_detector)

    with pytest.raises(DetectorFileError, match=r"holds a SequenceClassifier .* not a NextEventDetector: load it "
                                                r"with SequenceClassifier.load or"):
        NextEventDetector.load(PARITY_CLASSIFIER)
    assert type(SequenceClassifier.load(PARITY_CLASSIFIER)) is SequenceClassifier
    assert type(BaseDetector.load(PARITY_CLASSIFIER)) is SequenceClassifier
    assert type(load_detector(PARITY_CLASSIFIER)) is SequenceClassifier


def test_a_users_subclass_loads_files_of_its_kind(jvm):
    """``MyDetector(NextEventDetector).load(file)`` was refused for the subclass's own file (the check ran the
    wrong way round: the file's class had to be a subclass of the caller)."""
    from dl4j_bridge.detectors import DetectorFileError, NextEventDetector, SequenceClassifier

    class MyClassifier(SequenceClassifier):
        pass

    class MyNextEvent(NextEventDetector):
        pass

    loaded = MyClassifier.load(PARITY_CLASSIFIER)
    assert type(loaded) is MyClassifier and loaded.threshold_ == SequenceClassifier.load(PARITY_CLASSIFIER).threshold_
    with pytest.raises(DetectorFileError, match=r"holds a SequenceClassifier .* not a MyNextEvent"):
        MyNextEvent.load(PARITY_CLASSIFIER)
    with pytest.raises(DetectorFileError, match=r"holds a NextEventDetector .* not a MyClassifier"):
        MyClassifier.load(PARITY_NEXT_EVENT)


def test_with_dropout_a_detector_copy_updates_as_the_original_and_the_fitting_thread_does_not_matter(bursts):
    """Dropout draws from ND4J's per-thread generator; each network keeps its generator state (see
    tests/test_random_state.py), so update() of a copy and a fit in a worker thread train as in the main thread."""
    import threading

    from dl4j_bridge.detectors import take

    det = small(threshold="best_f1", validation_fraction=0.2, dropout=0.3).fit(bursts)
    twin = copy.deepcopy(det)
    part = take(bursts, np.arange(64))
    small(seed=11, dropout=0.3).fit(bursts)            # another network built and trained in between
    det.update(part, epochs=2)
    twin.update(part, epochs=2)
    np.testing.assert_array_equal(twin.network_.params(), det.network_.params())
    out = []
    worker = threading.Thread(target=lambda: out.append(
        small(threshold="best_f1", validation_fraction=0.2, dropout=0.3).fit(bursts)))
    worker.start()
    worker.join()
    np.testing.assert_array_equal(out[0].history_.epoch_scores, twin.history_.epoch_scores)
