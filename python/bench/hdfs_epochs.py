"""Learning curve of the HDFS next-event detector: what the number of epochs (or early stopping) does to its
false positives.

    python python/bench/hdfs_epochs.py [--parts holdout,test] [--epochs 200] [--every 10] [--seed 7]

The detector of ``detection.py`` (dropout ``DEEPLOG_DROPOUT``, Adam 0.01, each distinct window weighted by its
count) is trained ``--every`` epochs at a time, up to ``--epochs``; after each block it is judged by the headline
rule (g = 9 for the keys, the end floor chosen on its own training sessions at that epoch):

* ``holdout`` (training data alone, as ``hdfs_holdout.py``): for each of the two folds, trained without half of the
  sequences that occur once in ``hdfs_train``; prints how many of those held-out sequences are flagged and their
  mean negative log-likelihood per key (the loss early stopping on them would watch).
* ``test``: trained on all of ``hdfs_train``; prints recall on ``hdfs_test_abnormal`` and the false positives
  among the 612 distinct normal test sequences (the acceptance protocol), at every block. Exploratory: it shows the
  spread of the figures from epoch to epoch, and is not used to choose anything.

Training in blocks keeps the weights and the updater state between blocks, but each block's shuffling restarts
from the seed, so the figure at epoch 120 is not bit for bit the bench's single 120-epoch fit.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import detection as bench  # noqa: E402  (same detector, data root and JVM set-up)
import hdfs_holdout  # noqa: E402


def curve(name: str, fit_sessions: list, judged: dict, vocab, seed: int, epochs: int, every: int) -> None:
    """Train on ``fit_sessions`` ``every`` epochs at a time; after each block print, for each ``judged`` part
    (name -> (sessions, session counts or None)), the flagged count (or the count-weighted recall) and the mean
    per-key negative log-likelihood."""
    from dl4j_bridge.detectors.deeplog import session_windows

    windows = session_windows(fit_sessions, vocab, h=10)
    parts = {k: (session_windows(s, vocab, h=10), c) for k, (s, c) in judged.items()}
    det = bench.deeplog_detector(vocab, seed).set_params(epochs=every)
    start = time.perf_counter()
    det.fit(windows.batch, sample_weight=windows.counts)
    targets = det._training_targets(windows.batch, None)
    step_w = np.repeat(windows.counts[:, None], windows.batch.x.shape[1], axis=1)
    done = every
    while True:
        ended = bench.end_floor_detector(det, windows)
        line = [f"{name} epoch {done}"]
        for part, (w, counts) in parts.items():
            flagged = w.session_scores(ended.predict(w.batch), "max")
            p = det.network_.predict_proba(w.batch.x, w.batch.mask)[:, -1, :]
            nll = -np.log(np.maximum(p[np.arange(len(p)), w.batch.next_ids], 1e-12))
            mean_nll = float(nll[w.window_row].mean())
            if counts is None:
                line.append(f"{part} flagged {int(flagged.sum())} of {len(flagged)}, nll {mean_nll:.4f}")
            else:
                line.append(f"{part} recall {(flagged * counts).sum() / counts.sum():.4f}, nll {mean_nll:.4f}")
        print("; ".join(line) + f" ({time.perf_counter() - start:.0f}s)", flush=True)
        if done >= epochs:
            return
        det.network_.fit(windows.batch.x, targets, windows.batch.mask, epochs=every, batch_size=det.batch_size,
                         shuffle=True, sample_weight=step_w)
        done += every


def main() -> None:
    from dl4j_bridge.detectors.deeplog import KeyVocabulary

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="holdout,test")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    folder = bench.data_root(args.data) / "hdfs_deeplog"
    bench.start_private_jvm()
    train = bench.read_sessions(folder / "hdfs_train")
    vocab = KeyVocabulary.fit(train)
    parts = args.parts.split(",")
    if "holdout" in parts:
        for fold, held in enumerate(hdfs_holdout.singleton_folds(train, args.seed)):
            held_set = set(held)
            curve(f"holdout fold {fold}", [s for s in train if s not in held_set], {"held-out": (held, None)},
                  vocab, args.seed, args.epochs, args.every)
    if "test" in parts:
        abnormal = bench.read_sessions(folder / "hdfs_test_abnormal")
        distinct, counts = np.unique(np.array([" ".join(map(str, s)) for s in abnormal]), return_counts=True)
        curve("test", train, {"abnormal": ([tuple(int(k) for k in s.split()) for s in distinct], counts),
                              "normal": (bench.normal_test_sequences(folder, set(train)), None)},
              vocab, args.seed, args.epochs, args.every)


if __name__ == "__main__":
    main()
