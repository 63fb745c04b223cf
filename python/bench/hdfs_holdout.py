"""Estimate the HDFS next-event detector's false-positive rate on unseen normal sequences from DeepLog's
training data alone, per dropout (and L2 penalty).

    python python/bench/hdfs_holdout.py [--dropouts 0.2,0.3,0.4,0.5] [--l2s 0] [--layers GravesLSTM] [--folds 0,1]
                                        [--batch-sizes 512] [--lr-steps none]
                                        [--seed 7] [--weights raw]

The acceptance protocol counts false positives on normal sequences that never occur in ``hdfs_train``. The
training data's own stand-in for those are the sequences that occur there exactly once: 548 of its 839
distinct sequences (Good-Turing: what is seen once is the best sample of what is not seen at all). For each
fold, half of them (seeded) are held out; the detector of ``detection.py`` is trained on the rest of
``hdfs_train`` with the given dropout and judged by the share of held-out sequences its headline rule flags
(g = 9 for the keys, the end floor from its own training sessions). The test files are never read.
``--weights mean1`` trains on the window counts scaled to mean 1 (same relative weights; DL4J scales each update
by the minibatch's mean weight, before gradient clipping) instead of the raw counts. ``--l2s`` adds an L2
penalty on the weights (each value with each dropout); ``--layers`` the recurrent layers tried (GravesLSTM, the
reference design's, or DL4J's LSTM without peepholes; each with each dropout and penalty). ``--augment swaps``
adds to the training sessions every one-swap variant of an adjacent event pair they show in both orders
(``detection.commuting_swaps``: concurrent events, from the training sessions alone). ``--batch-sizes`` the
minibatch sizes tried (each with each of the above; 512 is the bench's); ``--lr-steps`` learning-rate schedules
(``none``, the bench's, or ``<epochs>x<decay>``: the rate times ``decay`` every ``epochs`` epochs, e.g. ``90x0.1``).

Prints one line per (dropout, fold) and ``holdout dropout <d>: flagged <share>`` summed over the folds.
"""

from __future__ import annotations

import argparse
import collections
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import detection as bench  # noqa: E402  (same detector, data root and JVM set-up)


def singleton_folds(train: list, seed: int) -> list:
    """The sequences occurring once in ``train``, split in two seeded halves: ``[held_0, held_1]``."""
    counts = collections.Counter(train)
    singles = sorted(s for s, c in counts.items() if c == 1)
    pick = set(np.random.default_rng(seed).choice(len(singles), size=len(singles) // 2, replace=False).tolist())
    return [[s for i, s in enumerate(singles) if i in pick], [s for i, s in enumerate(singles) if i not in pick]]


def lr_schedule(text: str) -> dict | None:
    """``"none"``, or ``"<epochs>x<decay>"``: the learning rate times ``decay`` every ``epochs`` epochs."""
    if text == "none":
        return None
    every, decay = text.split("x")
    return {"type": "step", "step": int(every), "decay": float(decay), "unit": "epoch"}


def held_out_flagged(train: list, held: list, dropout: float, seed: int, weights: str = "raw",
                     l2: float = 0.0, layer_type: str = "GravesLSTM", augment: str = "none",
                     batch_size: int = 512, lr_step: str = "none") -> tuple:
    """Train without ``held``; return (flagged held-out sequences, held-out sequences). ``weights``: ``raw``
    (each distinct window weighted by its count) or ``mean1`` (the counts scaled to mean 1)."""
    from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows

    held_set = set(held)
    fit_sessions = [s for s in train if s not in held_set]
    if augment == "swaps":
        fit_sessions = fit_sessions + bench.commuting_swaps(fit_sessions)
    vocab = KeyVocabulary.fit(train)  # the final model's ids; a key only in held-out sessions is then OOV
    windows = session_windows(fit_sessions, vocab, h=10)
    held_windows = session_windows(held, vocab, h=10)
    det = bench.deeplog_detector(vocab, seed, dropout=dropout, l2=l2, layer_type=layer_type, batch_size=batch_size,
                                 lr_schedule=lr_schedule(lr_step))
    w = windows.counts if weights == "raw" else windows.counts * (len(windows.counts) / windows.counts.sum())
    det.fit(windows.batch, sample_weight=w)
    ended = bench.end_floor_detector(det, windows)
    flagged = held_windows.session_scores(ended.predict(held_windows.batch), "max")
    return int(flagged.sum()), len(held)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dropouts", default="0.2,0.3,0.4,0.5")
    parser.add_argument("--l2s", default="0")
    parser.add_argument("--layers", default="GravesLSTM")
    parser.add_argument("--batch-sizes", default="512")
    parser.add_argument("--lr-steps", default="none")
    parser.add_argument("--folds", default="0,1")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weights", choices=("raw", "mean1"), default="raw")
    parser.add_argument("--augment", choices=("none", "swaps"), default="none")
    parser.add_argument("--data", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("dl4j_bridge.training").setLevel(logging.WARNING)
    root = bench.data_root(args.data)
    bench.start_private_jvm()
    train = bench.read_sessions(root / "hdfs_deeplog" / "hdfs_train")
    folds = singleton_folds(train, args.seed)
    start = time.perf_counter()
    for layer, dropout, l2, batch, step in ((layer, float(d), float(r), int(b), t) for layer in args.layers.split(",")
                                            for d in args.dropouts.split(",") for r in args.l2s.split(",")
                                            for b in args.batch_sizes.split(",") for t in args.lr_steps.split(",")):
        flagged = total = 0
        name = (f"dropout {dropout}" + (f" l2 {l2:g}" if l2 else "") + (f" {layer}" if layer != "GravesLSTM" else "")
                + (f" batch {batch}" if batch != 512 else "") + (f" lr step {step}" if step != "none" else ""))
        for fold in (int(f) for f in args.folds.split(",")):
            t = time.perf_counter()
            f, n = held_out_flagged(train, folds[fold], dropout, args.seed, args.weights, l2, layer, args.augment,
                                    batch, step)
            flagged, total = flagged + f, total + n
            print(f"{name} fold {fold}: {f} of {n} held-out sequences flagged "
                  f"({time.perf_counter() - t:.0f}s)", flush=True)
        print(f"holdout {name}: flagged {flagged / total:.4f} ({flagged} of {total})", flush=True)
    print(f"holdout wall time: {time.perf_counter() - start:.0f}s (command: python python/bench/hdfs_holdout.py "
          f"--dropouts {args.dropouts} --l2s {args.l2s} --layers {args.layers} --batch-sizes {args.batch_sizes} --lr-steps {args.lr_steps} --folds {args.folds} --seed {args.seed} --weights {args.weights} --augment {args.augment})")


if __name__ == "__main__":
    main()
