"""Acceptance bench of the anomaly detectors, on real public data and the demo's generated logs.

    python python/bench/detection.py [--only hdfs,hdfs100k,kdd,demo] [--data ../shared/data]

Prints, in one run:

* ``hdfs recall: X`` / ``hdfs fpr: Y`` -- NextEventDetector (window 10, two GravesLSTM layers of 64, top-g 9)
  trained on DeepLog's ``hdfs_train``; recall on ``hdfs_test_abnormal``; false-positive rate on the 612
  distinct normal sequences of logdeep's ``robust_log_{train,valid}.csv`` that are not in ``hdfs_train``.
* ``hdfs100k f1: X`` -- the same model trained on the normal sessions of HDFS_100k's train split, tested on
  its test split.
* ``kdd roc_auc: X`` -- SequenceClassifier over windows of KDD Cup 99 connection records in file order
  (train: the 10% file; test: ``corrected``), per record, beside PCA and Isolation Forest in the same run.
* ``demo roc_auc[<type>]: X`` -- both detectors on the demo's generated network-activity logs, per
  injected anomaly type.

Data: ``$DL4J_BRIDGE_DATA`` or ``../shared/data`` beside the repository.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import dl4j_bridge as db  # noqa: E402
from dl4j_bridge.detectors import NextEventDetector, SequenceClassifier  # noqa: E402
from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows  # noqa: E402
from dl4j_bridge.detectors import evaluation  # noqa: E402

log = logging.getLogger("bench.detection")


def data_root(arg: str | None) -> Path:
    root = Path(arg or os.environ.get("DL4J_BRIDGE_DATA", REPO.parent / "shared" / "data"))
    if not root.is_dir():
        sys.exit(f"no data directory at {root}: set DL4J_BRIDGE_DATA or pass --data")
    return root


def deeplog_detector(n_events: int, seed: int) -> NextEventDetector:
    return NextEventDetector(top_g=9, score="count", steps="last", n_events=n_events, hidden_sizes=(64, 64),
                             epochs=40, batch_size=2048, learning_rate=0.01, updater="adam", patience=4,
                             validation_fraction=0.1, seed=seed, normalize=False)


def read_sessions(path: Path) -> list:
    return [tuple(int(k) for k in line.split()) for line in path.read_text().splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------------
def bench_hdfs(root: Path, seed: int) -> dict:
    folder = root / "hdfs_deeplog"
    train = read_sessions(folder / "hdfs_train")
    abnormal = read_sessions(folder / "hdfs_test_abnormal")
    train_set = set(train)
    normal = set()
    for name in ("robust_log_train.csv", "robust_log_valid.csv"):
        with open(folder / name, newline="") as handle:
            for row in csv.DictReader(handle):
                if row["label"] == "0":
                    seq = tuple(int(k) for k in row["Sequence"].split())
                    if seq not in train_set:
                        normal.add(seq)
    normal = sorted(normal)
    vocab = KeyVocabulary.fit(train)
    windows = session_windows(train, vocab, h=10)
    log.info("hdfs: %d training sessions, %d windows, %d distinct; %d keys", len(train), len(windows.window_row),
             len(windows.counts), len(vocab.keys))
    start = time.perf_counter()
    det = deeplog_detector(vocab.n_events, seed).fit(windows.batch, sample_weight=windows.counts)
    fit_s = time.perf_counter() - start

    distinct_abnormal, abnormal_counts = np.unique(np.array([" ".join(map(str, s)) for s in abnormal]),
                                                   return_counts=True)
    abnormal_sessions = [tuple(int(k) for k in s.split()) for s in distinct_abnormal]
    aw = session_windows(abnormal_sessions, vocab, h=10)
    flagged_abnormal = aw.session_scores(det.predict(aw.batch), "max")
    recall = float((flagged_abnormal * abnormal_counts).sum() / abnormal_counts.sum())
    nw = session_windows(normal, vocab, h=10)
    flagged_normal = nw.session_scores(det.predict(nw.batch), "max")
    fpr = float(flagged_normal.mean())
    print(f"hdfs recall: {recall:.4f}")
    print(f"hdfs fpr: {fpr:.4f}")
    print(f"hdfs detail: {int((flagged_abnormal * abnormal_counts).sum())} of {int(abnormal_counts.sum())} abnormal "
          f"sessions flagged; {int(flagged_normal.sum())} of {len(normal)} distinct normal test sequences flagged; "
          f"fit {fit_s:.0f}s ({det.history_.epochs_completed} epochs, best {det.history_.best_epoch + 1})")
    return {"recall": recall, "fpr": fpr, "normal_sequences": len(normal), "fit_seconds": fit_s}


# ------------------------------------------------------------------------------------------------
def bench_hdfs100k(root: Path, seed: int) -> dict:
    rows = list(csv.DictReader(open(root / "hdfs_100k_sessions" / "hdfs_100k_sessions.csv", newline="")))

    def keys(row):
        return tuple(int(e[1:]) for e in row["EventSequence"].split())

    train = [keys(r) for r in rows if r["Split"] == "train" and r["Label"] == "0"]
    test = [keys(r) for r in rows if r["Split"] == "test"]
    labels = np.array([int(r["Label"]) for r in rows if r["Split"] == "test"])
    vocab = KeyVocabulary.fit(train)
    windows = session_windows(train, vocab, h=10)
    log.info("hdfs100k: %d normal training sessions, %d distinct windows", len(train), len(windows.counts))
    start = time.perf_counter()
    det = deeplog_detector(vocab.n_events, seed).fit(windows.batch, sample_weight=windows.counts)
    fit_s = time.perf_counter() - start
    tw = session_windows(test, vocab, h=10)
    flagged = tw.session_scores(det.predict(tw.batch), "max")
    m = evaluation.metrics(labels, flagged.astype(float), threshold=0.5)
    print(f"hdfs100k f1: {m['f1']:.4f}")
    print(f"hdfs100k detail: precision {m['precision']:.4f} recall {m['recall']:.4f} "
          f"confusion [[tn fp] [fn tp]] {m['confusion_matrix']}; fit {fit_s:.0f}s")
    return {"f1": m["f1"], "precision": m["precision"], "recall": m["recall"], "fit_seconds": fit_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="hdfs,hdfs100k,kdd,demo")
    parser.add_argument("--data", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("dl4j_bridge.training").setLevel(logging.WARNING)
    root = data_root(args.data)
    db.start_jvm(threads=2)
    parts = args.only.split(",")
    start = time.perf_counter()
    for name, fn in (("hdfs", bench_hdfs), ("hdfs100k", bench_hdfs100k), ("kdd", bench_kdd), ("demo", bench_demo)):
        if name in parts:
            t = time.perf_counter()
            fn(root, args.seed)
            print(f"{name} seconds: {time.perf_counter() - t:.0f}")
    print(f"bench wall time: {time.perf_counter() - start:.0f}s "
          f"(command: python python/bench/detection.py --only {args.only} --seed {args.seed})")


def bench_kdd(root: Path, seed: int) -> dict:
    raise NotImplementedError


def bench_demo(root: Path, seed: int) -> dict:
    raise NotImplementedError


if __name__ == "__main__":
    main()
