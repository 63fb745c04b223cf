"""Ctrl-C (SIGINT; a notebook's "interrupt the kernel") during a long scoring or prediction call stops it before its
next chunk of sequences, not after the whole batch: Python runs its signal handler only in Python code, and these
calls are one Java call each (236,000 windows scored on for 15 s after a notebook's interrupt)."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from dl4j_bridge import javaerrors

CHUNK = 4096   # io.dl4jbridge.DetectorScoring.CHUNK, network.PREDICT_CHUNK


def _windows(n: int, seed: int = 0):
    from dl4j_bridge.detectors import sequence_batch

    rng = np.random.default_rng(seed)
    x = rng.random((n, 4, 3)).astype(np.float32)
    step_labels = (x[:, :, 0] > 0.9).astype(np.int32)
    return sequence_batch(x, step_labels=step_labels, labels=step_labels.max(axis=1))


def _sigint_at(monkeypatch, call: int) -> list:
    """Make the check before each chunk deliver a real SIGINT to this process when it is asked for the ``call``-th
    time; returns the list of calls seen."""
    calls = []

    def poll():
        calls.append(len(calls) + 1)
        if len(calls) == call:
            # as Jupyter interrupts a kernel: SIGINT to the process. The JVM's handler takes it (JPype's, in the
            # JVM's signal thread), interrupts the main Java thread and has Python's handler run soon after
            os.kill(os.getpid(), signal.SIGINT)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.01)
            raise AssertionError("SIGINT did not reach Python's handler within 10 s")

    monkeypatch.setattr(javaerrors, "_poll", poll)
    return calls


@pytest.fixture(scope="module")
def classifier(jvm):
    from dl4j_bridge.detectors import SequenceClassifier

    return SequenceClassifier(hidden_sizes=(4,), epochs=1, threshold="fixed", threshold_value=0.5,
                              validation_fraction=0.0, patience=0, seed=1).fit(_windows(64))


@pytest.fixture(scope="module")
def big_batch(jvm):
    from dl4j_bridge.detectors import take

    small = _windows(CHUNK // 4 + 1, seed=2)
    return take(small, np.tile(np.arange(len(small)), 12)[:3 * CHUNK + 1])   # 4 chunks


def test_ctrl_c_stops_a_detectors_scoring_before_its_next_chunk_and_leaves_it_usable(classifier, big_batch,
                                                                                      monkeypatch):
    small = _windows(10, seed=3)
    before = classifier.decision_function(small)
    calls = _sigint_at(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        classifier.decision_function(big_batch)
    assert calls == [1, 2]   # asked before chunks 1 and 2, stopped there: chunks 3 and 4 never ran
    import jpype

    # JPype's SIGINT handler interrupts the main Java thread too: left set, the next Java call that waits failed
    # with java.lang.InterruptedException ("sleep interrupted")
    assert not jpype.JClass("java.lang.Thread").currentThread().isInterrupted()
    monkeypatch.setattr(javaerrors, "_poll", lambda: None)
    np.testing.assert_array_equal(classifier.decision_function(small), before)   # the next call scores as before
    assert classifier.predict(big_batch).shape == (len(big_batch),)


def test_ctrl_c_stops_a_networks_prediction_before_its_next_chunk(classifier, big_batch, monkeypatch):
    net = classifier.network_
    calls = _sigint_at(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        net.predict_proba(big_batch.x)
    assert calls == [1, 2, 3]
    calls = _sigint_at(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        net.classify(big_batch.x)
    assert calls == [1]
    calls = _sigint_at(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        net.evaluate(big_batch.x, big_batch.step_labels)
    assert calls == [1, 2]
    monkeypatch.setattr(javaerrors, "_poll", lambda: None)
    assert net.classify(big_batch.x[:5]).shape == (5, 4)


def test_without_an_interrupt_scores_are_those_of_an_unchecked_call_and_other_threads_are_not_checked(classifier,
                                                                                                     big_batch):
    import threading

    import jpype

    from dl4j_bridge import arrays

    net = classifier.network_
    plain = jpype.JClass("io.dl4jbridge.Predictor").predict(net.java, net.normalizer,
                                                             arrays.sequences_to_indarray(big_batch.x), None, CHUNK)
    np.testing.assert_array_equal(net.predict_proba(big_batch.x), arrays.sequences_from_indarray(plain))
    seen = []

    def in_thread():
        with javaerrors.interruptible() as stop:
            seen.append(stop)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen == [None]   # no signal reaches another thread: no check, no call into Python per chunk


def test_ctrl_c_in_the_middle_of_a_detectors_fit_keeps_the_detector_and_the_next_fit_works(classifier):
    # what a notebook user does: interrupt a long fit cell, check the detector, run the fit cell again
    import threading

    small = _windows(10, seed=3)
    det = type(classifier)(**{**classifier.get_params(), "epochs": 1})
    det.fit(_windows(64))
    network, threshold, before = det.network_, det.threshold_, det.decision_function(small)
    det.set_params(epochs=1_000_000)
    timer = threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            det.fit(_windows(64))
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30   # stopped after its minibatch, not after a million epochs
    assert det.network_ is network and det.threshold_ == threshold
    np.testing.assert_array_equal(det.decision_function(small), before)
    det.set_params(epochs=1).fit(_windows(64))
    np.testing.assert_array_equal(det.decision_function(small), before)   # fit trains from scratch: the same model
