"""Dropout draws from ND4J's random generator (one per thread), which DL4J seeds only when it initialises a network:
the generator's state is part of a network's training state (``io.dl4jbridge.RandomStates``), so what ran in between
and the thread that fits do not change training."""

from __future__ import annotations

import copy
import pickle
import threading

import numpy as np
import pytest

import dl4j_bridge as db


@pytest.fixture(autouse=True)
def _jvm(jvm):
    return jvm


def _net(seed=123, dropout=0.3):
    return db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(8,), seed=seed, dropout=dropout))


def _fit(net, data, epochs=2):
    X, Y = data
    return net.fit(X, Y, epochs=epochs, batch_size=64, progress=False).epoch_scores


def _in_thread(fn):
    out, errors = [], []

    def run():
        try:
            out.append(fn())
        except BaseException as error:   # re-raised in the test's thread
            errors.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return out[0]


def test_another_network_built_and_trained_in_between_does_not_change_training(burst_data):
    alone = _net()
    reference = _fit(alone, burst_data)
    first = _net()
    _fit(_net(seed=7), burst_data)   # builds reseed the thread's generator, dropout draws from it
    assert np.array_equal(_fit(first, burst_data), reference)
    assert np.array_equal(first.params(), alone.params())


def test_the_thread_that_fits_does_not_change_training(burst_data):
    in_main = _net()
    reference = _fit(in_main, burst_data)
    built_here = _net()
    assert np.array_equal(_in_thread(lambda: _fit(built_here, burst_data)), reference)
    assert np.array_equal(built_here.params(), in_main.params())
    # and a fit in the main thread after a worker's goes on where the worker's ended
    once_more = _fit(in_main, burst_data, epochs=1)
    assert np.array_equal(_fit(built_here, burst_data, epochs=1), once_more)


def test_fit_twice_equals_one_longer_fit_whatever_ran_in_between(burst_data):
    whole = _net()
    four = _fit(whole, burst_data, epochs=4)
    halves = _net()
    first = _fit(halves, burst_data, epochs=2)
    _net(seed=5)                                      # a build in between
    _fit(_net(seed=9), burst_data, epochs=1)          # and another network's training
    second = _fit(halves, burst_data, epochs=2)
    assert np.array_equal(np.concatenate([first, second]), four)
    assert np.array_equal(halves.params(), whole.params())


@pytest.mark.parametrize("make_copy", [copy.deepcopy, copy.copy, lambda net: pickle.loads(pickle.dumps(net))],
                         ids=["deepcopy", "copy", "pickle"])
def test_a_copy_trains_on_as_the_original_with_dropout(burst_data, make_copy):
    net = _net()
    _fit(net, burst_data, epochs=1)
    twin = make_copy(net)
    assert np.array_equal(_fit(net, burst_data, epochs=1), _fit(twin, burst_data, epochs=1))
    assert np.array_equal(net.params(), twin.params())


def test_a_network_saved_untrained_and_loaded_trains_as_the_one_built(burst_data, tmp_path):
    """A file holds no generator state: a loaded network starts from the state after a build of its config."""
    reference = _fit(_net(), burst_data)
    path = _net().save(tmp_path / "untrained.zip")
    _fit(_net(seed=7), burst_data, epochs=1)
    loaded = db.Network.load(path)
    assert np.array_equal(_fit(loaded, burst_data), reference)
    again = db.Network.load(path)
    assert np.array_equal(_in_thread(lambda: _fit(again, burst_data)), reference)


def test_predictions_leave_the_generator_alone(burst_data):
    """Inference runs without dropout: it draws nothing, so it cannot matter where it runs."""
    import jpype

    X, Y = burst_data
    net = _net()
    _fit(net, burst_data, epochs=1)
    states = jpype.JClass("io.dl4jbridge.RandomStates")
    before = list(states.current())
    net.predict_proba(X[:16])
    net.classify(X[:16])
    net.evaluate(X[:16], Y[:16])
    assert list(states.current()) == before


def test_a_fit_undone_by_a_failure_also_restores_the_random_state(burst_data, monkeypatch):
    import dl4j_bridge.network as network

    X, Y = burst_data
    net = _net()
    state = net._training_random_state()
    real = network._java

    class Failing:
        @staticmethod
        def fit(*args):
            args[-1][0] += 1   # Trainer writes the end state back, also when it fails
            raise ValueError("refused")

    monkeypatch.setattr(network, "_java", lambda name: Failing if name == "Trainer" else real(name))
    with pytest.raises(ValueError, match="refused"):
        net.fit(X, Y, epochs=1, progress=False, fit_normalizer=True)   # all or nothing
    assert net._training_random_state() == state
    with pytest.raises(ValueError, match="refused"):
        net.fit(X, Y, epochs=1, progress=False)                         # keeps what it trained
    assert net._training_random_state() == (state[0] + 1, state[1])
