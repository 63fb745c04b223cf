"""A probability floor for the HDFS next-event detector's keys, chosen by split-conformal calibration on
``hdfs_train`` alone (tried 2026-12-03, not adopted).

    python python/bench/hdfs_conformal.py [--alpha 0.01] [--seed 7] [--data DIR]

DeepLog's rule flags a key outside the model's top 9. Here a key is unexpected only when it is outside the top 9
*and* the model gives it less than a floor; the end of a session is judged as in ``detection.py``. The floor comes
from the sequences occurring once in ``hdfs_train`` (``hdfs_holdout.singleton_folds``): each fold's model, trained
without them, scores its held-out half, and the floor is the largest for which at most ``alpha`` of the 548
held-out sequences are flagged (alpha 0.01, half the issue's 2% budget, fixed before the run: the held-out
estimate is about +-4 sequences loose). The bench's model, trained on all of ``hdfs_train``, is then judged with
that floor on the test files, as ``detection.py`` judges it with g = 9 alone. Three fits, about 20 min here.
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


def session_parts(det, ended, windows, end_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Per session: the largest NLL of a key outside the top 9 (0 when none), and whether its end is below the
    end floor. ``windows``: ``deeplog.SessionWindows``; ``ended``: ``det`` with the end floor."""
    steps = det.with_params(score="max_nll").score_batch(windows.batch, with_steps=True)
    nll = np.nanmax(np.where(np.isnan(steps.step_scores), -np.inf, steps.step_scores), axis=1)
    rank = steps.step_ranks.max(axis=1)
    is_end = np.asarray(windows.batch.next_ids) == end_id
    key = np.where((rank >= det.top_g) & ~is_end, nll, 0.0)
    end_flag = (ended.predict(windows.batch).astype(bool) & is_end).astype(float)
    return windows.session_scores(key, "max"), windows.session_scores(end_flag, "max") > 0


def calibrate(key: np.ndarray, end: np.ndarray, alpha: float) -> float:
    """The smallest NLL threshold flagging at most ``alpha`` of the held-out sessions (end flags count first)."""
    room = int(np.floor(alpha * len(key))) - int(end.sum())
    free = np.sort(key[~end])[::-1]
    if room <= 0:
        return float(free[0])
    return float(free[room]) if room < len(free) else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("dl4j_bridge.training").setLevel(logging.WARNING)
    from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows

    start = time.perf_counter()
    folder = bench.data_root(args.data) / "hdfs_deeplog"
    bench.start_private_jvm()
    train = bench.read_sessions(folder / "hdfs_train")
    vocab = KeyVocabulary.fit(train)
    keys, ends = [], []
    for fold, held in enumerate(hdfs_holdout.singleton_folds(train, args.seed)):
        held_set = set(held)
        windows = session_windows([s for s in train if s not in held_set], vocab, h=10)
        det = bench.deeplog_detector(vocab, args.seed).fit(windows.batch, sample_weight=windows.counts)
        key, end = session_parts(det, bench.end_floor_detector(det, windows), session_windows(held, vocab, h=10),
                                 vocab.end_id)
        print(f"fold {fold}: {int(((key > 0) | end).sum())} of {len(held)} held-out sequences flagged at g = 9",
              flush=True)
        keys.append(key)
        ends.append(end)
    key, end = np.concatenate(keys), np.concatenate(ends)
    threshold = calibrate(key, end, args.alpha)
    print(f"alpha {args.alpha}: key probability floor {np.exp(-threshold):.3g}; held-out flagged "
          f"{int((end | (key > threshold)).sum())} of {len(key)}", flush=True)

    windows = session_windows(train, vocab, h=10)
    det = bench.deeplog_detector(vocab, args.seed).fit(windows.batch, sample_weight=windows.counts)
    ended = bench.end_floor_detector(det, windows)
    abnormal = bench.read_sessions(folder / "hdfs_test_abnormal")
    distinct, counts = np.unique(np.array([" ".join(map(str, s)) for s in abnormal]), return_counts=True)
    abnormal_windows = session_windows([tuple(int(k) for k in s.split()) for s in distinct], vocab, h=10)
    normal_windows = session_windows(bench.normal_test_sequences(folder, set(train)), vocab, h=10)
    key_a, end_a = session_parts(det, ended, abnormal_windows, vocab.end_id)
    key_n, end_n = session_parts(det, ended, normal_windows, vocab.end_id)
    for name, cut in (("g = 9", 0.0), (f"g = 9 and floor {np.exp(-threshold):.3g}", threshold)):
        flagged_a, flagged_n = end_a | (key_a > cut), end_n | (key_n > cut)
        print(f"hdfs conformal {name}: recall {(flagged_a * counts).sum() / counts.sum():.4f} fpr "
              f"{flagged_n.mean():.4f} ({int(flagged_n.sum())} of {len(flagged_n)})", flush=True)
    print(f"wall time {time.perf_counter() - start:.0f}s (command: python python/bench/hdfs_conformal.py "
          f"--alpha {args.alpha} --seed {args.seed})")


if __name__ == "__main__":
    main()
