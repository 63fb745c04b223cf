"""Train the reference LSTM on a generated task, then show what it learned.

The task: a stream of login events (ok / fail / other); a step is an alert once 3 of the last 5
events were failures. The network sees one event per step, so it must remember recent steps.

    python python/examples/sequence_demo.py [--sequences 3000] [--epochs 12] [--out models/demo.zip]
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np

import dl4j_bridge as db
from dl4j_bridge.toydata import EVENT_NAMES, failed_login_bursts

log = logging.getLogger("demo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", type=int, default=3000)
    parser.add_argument("--length", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", default="models/sequence_demo.zip")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    db.start_jvm()
    X, Y = failed_login_bursts(args.sequences, args.length, seed=1)
    n_train = int(0.8 * len(X))
    X_train, Y_train, X_test, Y_test = X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]
    log.info("task: %d training and %d held-out sequences of %d events; %.1f%% of steps are alerts",
             len(X_train), len(X_test), args.length, 100 * Y.mean())

    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))  # the reference design
    log.info("network: GravesLSTM(10, tanh) -> RnnOutputLayer(MCXENT, softmax), %d parameters", net.n_params)
    start = time.perf_counter()
    history = net.fit(X_train, Y_train, epochs=args.epochs, batch_size=args.batch_size,
                      validation=(X_test, Y_test), shuffle=True)
    log.info("fit: %d epochs in %.1fs", history.epochs_completed, time.perf_counter() - start)
    log.info("training score per epoch: %s", " ".join(f"{s:.3f}" for s in history.epoch_scores))

    report = net.evaluate(X_test, Y_test)
    majority = max(Y_test.mean(), 1 - Y_test.mean())
    log.info("held-out accuracy: %.4f (always answering the majority class: %.4f)", report["accuracy"], majority)
    log.info("held-out alert precision %.3f recall %.3f F1 %.3f",
             report["per_class"][1]["precision"], report["per_class"][1]["recall"], report["per_class"][1]["f1"])
    log.info("confusion matrix [actual][predicted]: %s", report["confusion_matrix"])

    # What it learned: the alert probability along one held-out sequence.
    seq = int(np.argmax(Y_test.sum(axis=1) > 0))
    proba = net.predict_proba(X_test[seq:seq + 1])[0, :, 1]
    log.info("one held-out sequence (F = login_fail, * = true alert, number = predicted alert probability):")
    for t in range(args.length):
        event = EVENT_NAMES[int(X_test[seq, t].argmax())]
        log.info("  step %2d %-10s %s %.2f", t, event, "*" if Y_test[seq, t] else " ", proba[t])

    path = net.save(args.out)
    reloaded = db.Network.load(path)
    same = np.allclose(reloaded.predict_proba(X_test[:8]), net.predict_proba(X_test[:8]), atol=1e-6)
    log.info("saved to %s (reloaded model gives the same outputs: %s)", path, same)


if __name__ == "__main__":
    main()
