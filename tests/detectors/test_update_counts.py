"""An update trains with Adam's bias correction started anew, as its updater state is: every step at its rate."""

from __future__ import annotations

import numpy as np

from conftest import N_EVENTS, cycle_windows


def _counts(network) -> tuple:
    conf = network.java.getLayerWiseConfigurations()
    return int(conf.getIterationCount()), int(conf.getEpochCount())


def test_an_updates_adam_steps_are_of_its_learning_rate_and_the_file_keeps_the_fits_counts(jvm, tmp_path):
    """The update's copy kept the fit's iteration count (40 here) with zeroed moments: Adam's bias correction,
    1 - beta2^41 instead of 1 - beta2^1, made its first step 0.64 times the learning rate (3.2 times after 5000
    iterations). Adam's first bias-corrected step moves every parameter with a gradient by the rate itself."""
    from dl4j_bridge.detectors import NextEventDetector, load_detector

    batch = cycle_windows(64, seed=1)
    det = NextEventDetector(top_g=2, hidden_sizes=(4,), epochs=5, batch_size=8, n_events=N_EVENTS, patience=0,
                            validation_fraction=0.0, seed=1, updater="adam", learning_rate=0.01, threshold="top_g")
    det.fit(batch)
    fitted = _counts(det.network_)
    assert fitted == (40, 5)   # 5 epochs of 8 minibatches
    before = det.network_.params()
    det.update(batch, epochs=1, batch_size=len(batch), learning_rate=0.02)   # one minibatch: one Adam step
    largest = float(np.abs(det.network_.params() - before).max())
    assert 0.02 * 0.99 <= largest <= 0.02 * 1.001, largest / 0.02
    # the network and the file keep the fit's counts (the update's own are in updates_), so a second update
    # starts the same way, and save/load/update gives the bytes of the update in memory
    assert _counts(det.network_) == fitted
    det.save(tmp_path / "updated.zip")
    assert _counts(load_detector(tmp_path / "updated.zip").network_) == fitted
    assert det.updates_[-1]["epochs"] == 1
