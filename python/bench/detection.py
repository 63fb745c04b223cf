"""Acceptance bench of the anomaly detectors, on real public data and the demo's generated logs.

    python python/bench/detection.py [--only hdfs,hdfs100k,kdd,demo,nab] [--data ../shared/data]

Prints, in one run:

* ``hdfs recall: X`` / ``hdfs fpr: Y`` -- NextEventDetector (window 10, two GravesLSTM layers of 64) trained
  on DeepLog's ``hdfs_train`` (every key and the end of every session predicted; see
  ``dl4j_bridge.detectors.deeplog``); recall on ``hdfs_test_abnormal``; false-positive rate on the 612
  distinct normal sequences of logdeep's ``robust_log_{train,valid}.csv`` that are not in ``hdfs_train``.
  The headline rule (``HDFS_RULE``) is DeepLog's g = 9 for the keys, and for the end of a session a
  probability floor chosen on the training data alone (the smallest probability the model gives the end of
  any training session): with only 14 key kinds, the end of a session cut short ranks within the top 9
  while the model gives it almost no probability. The detail line gives plain g = 9, g chosen on the
  training data (the smallest g leaving at most 0.1% of training steps unexpected) and a max-NLL rule with
  a mean + 3 sigma threshold from training sessions. ``python/bench/hdfs_holdout.py`` estimates the
  false-positive rate on unseen normal sequences from ``hdfs_train`` alone (``DEEPLOG_DROPOUT``).
* ``hdfs100k f1: X`` -- the same model trained on the normal sessions of HDFS_100k's train split, tested on
  its test split (same three rules).
* ``kdd roc_auc: X`` -- SequenceClassifier over windows of KDD Cup 99 connection records in file order
  (train: blocks of 10 consecutive records of the 10% file, each distinct block once; test: ``corrected``, every
  record scored at the end of the window of 10 records ending at it), per record, beside PCA and Isolation
  Forest in the same run.
* ``demo roc_auc[<type>]: X`` -- the demo's detectors on its generated network-activity logs, per
  injected anomaly type.
* ``nab roc_auc[<series>] <model>: X`` -- NextValueDetector on NAB realKnownCause metrics (``NAB_SERIES``), beside
  PCA and Isolation Forest on the same windows: trained on the normal windows of the first half of a series (no
  point of a labelled anomaly window in them), every point of the second half scored at the end of the window of
  ``NAB_WINDOW`` points ending at it, against NAB's labelled windows (a point inside one is anomalous).

Data: ``$DL4J_BRIDGE_DATA`` or ``../shared/data`` beside the repository.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import dl4j_bridge as db  # noqa: E402
from dl4j_bridge.detectors import NextEventDetector, NextValueDetector, SequenceClassifier  # noqa: E402
from dl4j_bridge.detectors.deeplog import KeyVocabulary, session_windows  # noqa: E402
from dl4j_bridge.detectors import evaluation, thresholds  # noqa: E402

log = logging.getLogger("bench.detection")


def data_root(arg: str | None) -> Path:
    root = Path(arg or os.environ.get("DL4J_BRIDGE_DATA", REPO.parent / "shared" / "data"))
    if not root.is_dir():
        sys.exit(f"no data directory at {root}: set DL4J_BRIDGE_DATA or pass --data")
    return root


#: What "hdfs recall" / "hdfs fpr" and "hdfs100k f1" report: "top_g_end" (g = 9, end floor from training data),
#: "top_g" (g = 9), "chosen_g" (g from training data), "k_sigma".
HDFS_RULE = "top_g_end"


#: Dropout of the HDFS detectors. ``python/bench/hdfs_holdout.py`` compares dropouts on hdfs_train alone: 0.2,
#: 0.3, 0.4 flag 14, 14, 12 of 548 held-out sequences (within noise; 0.5 flags 19), so 0.2 stays.
DEEPLOG_DROPOUT = 0.2


def deeplog_detector(vocabulary: KeyVocabulary, seed: int, dropout: float = DEEPLOG_DROPOUT,
                     l2: float = 0.0, layer_type: str = "GravesLSTM", batch_size: int = 512,
                     lr_schedule: dict | None = None) -> NextEventDetector:
    return NextEventDetector(top_g=9, score="count", steps="last", n_events=vocabulary.n_events,
                             end_id=vocabulary.end_id, hidden_sizes=(64, 64), layer_type=layer_type,
                             dropout=dropout, l2=l2, lr_schedule=lr_schedule,
                             epochs=120, batch_size=batch_size, learning_rate=0.01, updater="adam", patience=0,
                             validation_fraction=0.0, seed=seed, normalize=False)


#: Training sessions of the HDFS detectors: "none" (as read) or "swaps" (plus commuting_swaps of them).
AUGMENT = "none"


def commuting_swaps(sessions: list) -> list:
    """Sessions with one adjacent pair of events swapped, for every pair the sessions show in both orders (events
    that are concurrent, such as the three datanodes' ``addStoredBlock``); each new distinct session once."""
    seen = set(sessions)
    bigrams = {(a, b) for s in seen for a, b in zip(s, s[1:]) if a != b}
    pairs = {(a, b) for a, b in bigrams if (b, a) in bigrams}
    out = set()
    for s in seen:
        for i in range(len(s) - 1):
            if (s[i], s[i + 1]) in pairs:
                out.add(s[:i] + (s[i + 1], s[i]) + s[i + 2:])
    return sorted(out - seen)


def training_sessions(train: list) -> list:
    """The sessions the HDFS detectors train on (see AUGMENT)."""
    return train + commuting_swaps(train) if AUGMENT == "swaps" else train


def read_sessions(path: Path) -> list:
    return [tuple(int(k) for k in line.split()) for line in path.read_text().splitlines() if line.strip()]


def end_floor_detector(det: NextEventDetector, windows) -> NextEventDetector:
    """``det`` with the end of a session judged by a probability floor chosen on its training sessions."""
    ended = det.with_params()
    ended.threshold_, ended.threshold_method_ = det.threshold_, det.threshold_method_
    ended.choose_end_probability(windows.batch, sample_weight=windows.counts)
    return ended


def normal_test_sequences(folder: Path, train_set: set) -> list:
    """The distinct normal sequences of ``robust_log_{train,valid}.csv`` not in ``hdfs_train`` (612), sorted."""
    normal = set()
    for name in ("robust_log_train.csv", "robust_log_valid.csv"):
        with open(folder / name, newline="") as handle:
            for row in csv.DictReader(handle):
                if row["label"] == "0":
                    seq = tuple(int(k) for k in row["Sequence"].split())
                    if seq not in train_set:
                        normal.add(seq)
    return sorted(normal)


# ------------------------------------------------------------------------------------------------
def bench_hdfs(root: Path, seed: int) -> dict:
    folder = root / "hdfs_deeplog"
    train = read_sessions(folder / "hdfs_train")
    abnormal = read_sessions(folder / "hdfs_test_abnormal")
    normal = normal_test_sequences(folder, set(train))
    vocab = KeyVocabulary.fit(train)
    windows = session_windows(training_sessions(train), vocab, h=10)
    log.info("hdfs: %d training sessions, %d windows, %d distinct; %d keys", len(train), len(windows.window_row),
             len(windows.counts), len(vocab.keys))
    start = time.perf_counter()
    det = deeplog_detector(vocab, seed).fit(windows.batch, sample_weight=windows.counts)
    fit_s = time.perf_counter() - start

    distinct_abnormal, abnormal_counts = np.unique(np.array([" ".join(map(str, s)) for s in abnormal]),
                                                   return_counts=True)
    abnormal_sessions = [tuple(int(k) for k in s.split()) for s in distinct_abnormal]
    aw = session_windows(abnormal_sessions, vocab, h=10)
    nw = session_windows(normal, vocab, h=10)

    # (a) DeepLog's rule: a session is anomalous when one of its keys (or its end) is outside the top 9.
    top_abnormal = aw.session_scores(det.predict(aw.batch), "max")
    top_normal = nw.session_scores(det.predict(nw.batch), "max")
    # (a') the same for the keys; the end is unexpected below the smallest probability the model gives the real
    # end of a training session.
    ended = end_floor_detector(det, windows)
    end_abnormal = aw.session_scores(ended.predict(aw.batch), "max")
    end_normal = nw.session_scores(ended.predict(nw.batch), "max")
    # (b) a threshold from the training data alone: a session's score is the largest negative log-likelihood
    # of its keys (and its end); threshold mean + 3 sigma of the training sessions' scores.
    nll = det.with_params(score="max_nll")
    train_scores = windows.session_scores(nll.decision_function(windows.batch), "max")
    chosen = thresholds.k_sigma(train_scores, k=3.0)
    nll_abnormal = aw.session_scores(nll.decision_function(aw.batch), "max") > chosen.value
    nll_normal = nw.session_scores(nll.decision_function(nw.batch), "max") > chosen.value

    # (c) g chosen on the training data alone: the smallest g leaving at most 0.1% of training keys unexpected.
    chosen_g = det.with_params()
    chosen_g.threshold_, chosen_g.threshold_method_ = det.threshold_, det.threshold_method_
    g = chosen_g.choose_top_g(windows.batch, sample_weight=windows.counts, max_share=0.001)
    g_abnormal = aw.session_scores(chosen_g.predict(aw.batch), "max")
    g_normal = nw.session_scores(chosen_g.predict(nw.batch), "max")

    def rates(flag_abnormal, flag_normal):
        return float((flag_abnormal * abnormal_counts).sum() / abnormal_counts.sum()), float(flag_normal.mean())

    top_recall, top_fpr = rates(top_abnormal, top_normal)
    end_recall, end_fpr = rates(end_abnormal, end_normal)
    nll_recall, nll_fpr = rates(nll_abnormal, nll_normal)
    g_recall, g_fpr = rates(g_abnormal, g_normal)
    recall, fpr = {"k_sigma": (nll_recall, nll_fpr), "top_g": (top_recall, top_fpr),
                   "chosen_g": (g_recall, g_fpr), "top_g_end": (end_recall, end_fpr)}[HDFS_RULE]
    print(f"hdfs recall: {recall:.4f}")
    print(f"hdfs fpr: {fpr:.4f}")
    print(f"hdfs detail: rule {HDFS_RULE}; top-9 keys and end probability >= {ended.end_min_probability:.3g}: "
          f"recall {end_recall:.4f} fpr {end_fpr:.4f}; top-9 rule: recall {top_recall:.4f} fpr {top_fpr:.4f}; "
          f"top-g with g = {g} "
          f"chosen on training data: recall {g_recall:.4f} fpr {g_fpr:.4f}; max-NLL > "
          f"mean + 3 sigma of training sessions ({chosen.value:.3f}): recall {nll_recall:.4f} fpr {nll_fpr:.4f}; "
          f"{len(normal)} distinct normal test sequences, {int(abnormal_counts.sum())} abnormal sessions; "
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
    windows = session_windows(training_sessions(train), vocab, h=10)
    log.info("hdfs100k: %d normal training sessions, %d distinct windows", len(train), len(windows.counts))
    start = time.perf_counter()
    det = deeplog_detector(vocab, seed).fit(windows.batch, sample_weight=windows.counts)
    fit_s = time.perf_counter() - start
    tw = session_windows(test, vocab, h=10)
    ended = end_floor_detector(det, windows)
    nll = det.with_params(score="max_nll")
    cut = thresholds.k_sigma(windows.session_scores(nll.decision_function(windows.batch), "max"), k=3.0).value
    chosen = det.with_params()
    chosen.threshold_ = det.threshold_
    g = chosen.choose_top_g(windows.batch, sample_weight=windows.counts, max_share=0.001)
    flags = {"top_g_end": tw.session_scores(ended.predict(tw.batch), "max"),
             "top_g": tw.session_scores(det.predict(tw.batch), "max"),
             "chosen_g": tw.session_scores(chosen.predict(tw.batch), "max"),
             "k_sigma": (tw.session_scores(nll.decision_function(tw.batch), "max") > cut).astype(np.int64)}
    results = {rule: evaluation.metrics(labels, f.astype(float), threshold=0.5) for rule, f in flags.items()}
    m = results[HDFS_RULE]
    print(f"hdfs100k f1: {m['f1']:.4f}")
    print(f"hdfs100k detail: rule {HDFS_RULE}; " + "; ".join(
        f"{rule}{' (g = %d)' % g if rule == 'chosen_g' else ''}: f1 {r['f1']:.4f} precision {r['precision']:.4f} "
        f"recall {r['recall']:.4f} confusion {r['confusion_matrix']}" for rule, r in results.items())
        + f"; fit {fit_s:.0f}s")
    return {"f1": m["f1"], "precision": m["precision"], "recall": m["recall"], "fit_seconds": fit_s}


def start_private_jvm() -> None:
    """Start the JVM on a private copy of the build: a rebuild (gradle installDist) in the checkout during a
    long run must not swap the jars under the running JVM."""
    import shutil
    import tempfile

    private = Path(tempfile.mkdtemp(prefix="dl4j-bridge-bench-")) / "dl4j-bridge"
    shutil.copytree(REPO / "build" / "install" / "dl4j-bridge", private)
    db.start_jvm(home=private, threads=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="hdfs,hdfs100k,kdd,demo")
    parser.add_argument("--data", default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--augment", choices=("none", "swaps"), default="none",
                        help="HDFS training sessions plus one-swap variants of the event pairs they show in both orders")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("dl4j_bridge.training").setLevel(logging.WARNING)
    root = data_root(args.data)
    start_private_jvm()
    global AUGMENT
    AUGMENT = args.augment
    parts = args.only.split(",")
    start = time.perf_counter()
    for name, fn in (("hdfs", bench_hdfs), ("hdfs100k", bench_hdfs100k), ("kdd", bench_kdd), ("demo", bench_demo),
                     ("nab", bench_nab)):
        if name in parts:
            t = time.perf_counter()
            fn(root, args.seed)
            print(f"{name} seconds: {time.perf_counter() - t:.0f}")
    print(f"bench wall time: {time.perf_counter() - start:.0f}s "
          f"(command: python python/bench/detection.py --only {args.only} --seed {args.seed}"
          + (f" --augment {args.augment}" if args.augment != "none" else "") + ")")


KDD_SYMBOLIC = (1, 2, 3)   # protocol_type, service, flag
KDD_WINDOW = 10            # records per window
DEEPAD_BEST_ROC_AUC = 0.958  # OCSVM, deepad's README table (8020 split, 18 numeric features)


def read_kdd(path: Path):
    import pandas as pd

    frame = pd.read_csv(path, header=None, compression="gzip")
    labels = frame[41].str.rstrip(".")
    return frame.drop(columns=[41]), labels.to_numpy()


def kdd_features(frame, categories=None):
    """One-hot symbolic fields (training categories + unknown) and log1p of the 38 numeric fields."""
    numeric = [c for c in frame.columns if c not in KDD_SYMBOLIC]
    parts = [np.log1p(frame[numeric].to_numpy(dtype=np.float64).clip(min=0))]
    if categories is None:
        categories = {c: sorted(frame[c].unique()) for c in KDD_SYMBOLIC}
    for c in KDD_SYMBOLIC:
        index = {v: i + 1 for i, v in enumerate(categories[c])}
        codes = frame[c].map(index).fillna(0).to_numpy(dtype=np.int64)
        parts.append(np.eye(len(categories[c]) + 1)[codes])
    return np.concatenate(parts, axis=1).astype(np.float32), categories


def kdd_windows(features: np.ndarray, labels: np.ndarray, length: int):
    """Consecutive records in file order, ``length`` per window (the tail is padded and masked)."""
    from dl4j_bridge.detectors import sequence_batch

    n = len(features)
    n_windows = -(-n // length)
    pad = n_windows * length - n
    x = np.concatenate([features, np.zeros((pad, features.shape[1]), np.float32)]).reshape(n_windows, length, -1)
    mask = np.concatenate([np.ones(n, np.float32), np.zeros(pad, np.float32)]).reshape(n_windows, length)
    y = np.concatenate([labels, np.zeros(pad, labels.dtype)]).reshape(n_windows, length)
    lines = np.concatenate([np.arange(1, n + 1), np.full(pad, -1)]).reshape(n_windows, length)
    return sequence_batch(x, mask, step_labels=y, line_numbers=lines)


def record_scores(det, features: np.ndarray, length: int, chunk: int = 50_000, at=None) -> np.ndarray:
    """P(attack) of every record (or of the records ``at``), from the window of ``length`` records that ends at
    it (the records before it in file order; the first ones see fewer: their window starts at the first record,
    the steps after the record masked, and the record's own step is read). ``[n_records]`` (or ``[len(at)]``):
    each record is judged with a full context, as a stream scorer would judge it on arrival, not only where a
    fixed block of ``length`` happens to start."""
    from dl4j_bridge.detectors import sequence_batch

    n = len(features)
    ends = np.arange(n) if at is None else np.asarray(at, np.int64)
    out = np.empty(len(ends), np.float64)
    steps = np.arange(length)
    for start in range(0, len(ends), chunk):  # one scoring call (one JVM crossing) per chunk of windows
        stop = min(len(ends), start + chunk)
        end = ends[start:stop]
        first = np.maximum(end - length + 1, 0)
        position = end - first                    # the record's step: the last, but for the first records
        index = np.minimum(first[:, None] + steps[None, :], n - 1)
        mask = (steps[None, :] <= position[:, None]).astype(np.float32)   # padding after the record only
        scores = det.step_scores(sequence_batch(features[index], mask))
        out[start:stop] = scores[np.arange(len(end)), position]
    return out


def distinct_windows(batch):
    """Identical windows once, with their counts (KDD's DoS floods repeat the same records)."""
    from dl4j_bridge.detectors import take

    flat = np.ascontiguousarray(np.concatenate([batch.x.reshape(len(batch), -1),
                                                batch.step_labels.astype(np.float32)], axis=1))
    rows = flat.view(np.dtype((np.void, flat.dtype.itemsize * flat.shape[1]))).reshape(-1)
    _, first, counts = np.unique(rows, return_index=True, return_counts=True)
    order = np.argsort(first)
    return take(batch, first[order]), counts[order].astype(np.float64)


def bench_kdd(root: Path, seed: int) -> dict:
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest



    folder = root / "kddcup99"
    train_frame, train_names = read_kdd(folder / "kddcup.data_10_percent.gz")
    test_frame, test_names = read_kdd(folder / "corrected.gz")
    train_x, categories = kdd_features(train_frame)
    test_x, _ = kdd_features(test_frame, categories)
    train_y = (train_names != "normal").astype(np.int32)
    test_y = (test_names != "normal").astype(np.int32)
    train = kdd_windows(train_x, train_y, KDD_WINDOW)
    distinct, _ = distinct_windows(train)  # each distinct window once, unweighted (below)
    log.info("kdd: %d training records in %d windows (%d distinct), %d test records; %d features",
             len(train_x), len(train), len(distinct), len(test_x), train_x.shape[1])
    start = time.perf_counter()
    det = SequenceClassifier(hidden_sizes=(64,), updater="adam", learning_rate=0.01, epochs=60, batch_size=2048,
                             class_weight="balanced", threshold="best_f1", patience=5, validation_fraction=0.1,
                             seed=seed)
    # Each distinct window once, not weighted by its count: DoS floods repeat the same records hundreds of
    # thousands of times and would drown the rare attack types (the remedy NSL-KDD applies to this data).
    det.fit(distinct)
    fit_s = time.perf_counter() - start
    # Every threshold below (the LSTM's and the baselines') is the best F1 on the same 50,000 labelled training
    # records, each scored the way the test records are.
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(train_x), size=min(50_000, len(train_x)), replace=False)
    lstm_threshold = thresholds.best_f1(record_scores(det, train_x, KDD_WINDOW, at=sample), train_y[sample]).value
    lstm = evaluation.metrics(test_y, record_scores(det, test_x, KDD_WINDOW), lstm_threshold)

    # Baselines on the same records (standardised with training statistics), fitted on normal training records.
    mean, std = train_x.mean(axis=0), train_x.std(axis=0)
    std[std < 1e-9] = 1.0
    z_train, z_test = (train_x - mean) / std, (test_x - mean) / std
    normal_train = z_train[train_y == 0]
    pca = PCA(n_components=0.95, svd_solver="full", random_state=seed).fit(normal_train)

    def pca_score(z):
        return ((z - pca.inverse_transform(pca.transform(z))) ** 2).sum(axis=1)

    forest = IsolationForest(n_estimators=200, max_samples=256, random_state=seed, n_jobs=1).fit(normal_train)
    results = {"LSTM SequenceClassifier": lstm}
    for name, fn in (("PCA reconstruction", pca_score), ("Isolation Forest", lambda z: -forest.score_samples(z))):
        t = thresholds.best_f1(fn(z_train[sample]), train_y[sample]).value
        results[name] = evaluation.metrics(test_y, fn(z_test), t)
    print(f"kdd roc_auc: {lstm['roc_auc']:.4f}")
    print(f"kdd f1: {lstm['f1']:.4f}")
    for name, m in results.items():
        print(f"kdd {name}: {evaluation.format_metrics(m)}")
    print(f"kdd reference: deepad's best published ROC AUC {DEEPAD_BEST_ROC_AUC} (OCSVM; its own 8020 split, "
          f"18 numeric features, new attack types labelled normal) -- not the same protocol")
    print(f"kdd detail: {len(test_x)} test records ({int(test_y.sum())} attacks), each scored at the end of the "
          f"window of {KDD_WINDOW} records ending at it; fit {fit_s:.0f}s "
          f"({det.history_.epochs_completed} epochs, best {det.history_.best_epoch + 1}); threshold "
          f"{lstm_threshold:.4f} (best F1 on training records; the model's own, on its validation windows: "
          f"{det.threshold_:.4f})")
    return {name: {"roc_auc": m["roc_auc"], "f1": m["f1"]} for name, m in results.items()}


def bench_demo(root: Path, seed: int) -> dict:
    sys.path.insert(0, str(REPO / "python" / "examples"))
    import detection_demo
    from dl4j_bridge.detectors.run import load_config, train

    config = load_config(detection_demo.CONFIG)
    config["output"]["seed"] = seed
    config["output"]["report"] = str(REPO / "reports" / "bench_demo")
    config["output"]["models"] = str(REPO / "models" / "bench_demo")
    data_dir = REPO / "reports" / "bench_demo" / "data"
    detection_demo.generate(data_dir, 20000, 8000, seed)
    config["data"]["train"], config["data"]["test"] = str(data_dir / "train.jsonl"), str(data_dir / "test.jsonl")
    summary = train(config)
    for name, result in summary["results"].items():
        for kind, auc in sorted((result["per_type"] or {}).items()):
            print(f"demo roc_auc[{kind}] {name}: {'n/a' if auc is None else f'{auc:.4f}'}")   # None: no negative
        print(f"demo {name}: {evaluation.format_metrics(result['metrics'])}")
    first = Path(summary["report"]).read_bytes()
    print(f"demo report: {summary['report']}")
    return {"report": summary["report"], "report_bytes": len(first)}


#: NAB series of the ``nab`` part (realKnownCause: anomalies with a known cause) and the window of points a
#: record is scored at the end of.
NAB_SERIES = ("realKnownCause/machine_temperature_system_failure.csv", "realKnownCause/nyc_taxi.csv")
NAB_WINDOW = 24


def read_nab(folder: Path, key: str):
    """``(minutes since the epoch int64 [n], values float64 [n], labels int32 [n])`` of a NAB series: a point is
    anomalous (1) when it lies in one of its labelled windows (``labels/combined_windows.json``)."""
    import json

    with open(folder / "data" / key, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    times = np.array([np.datetime64(r[0].replace(" ", "T"), "m") for r in rows]).astype(np.int64)
    values = np.array([float(r[1]) for r in rows])
    windows = json.loads((folder / "labels" / "combined_windows.json").read_text(encoding="utf-8"))[key]
    labels = np.zeros(len(rows), np.int32)
    for start, end in windows:
        first, last = (np.datetime64(t.replace(" ", "T")[:19], "m").astype(np.int64) for t in (start, end))
        labels[(times >= first) & (times <= last)] = 1
    return times, values, labels


def nab_batch(features: np.ndarray, ends: np.ndarray, length: int):
    """The windows of ``length`` points ending at ``ends`` (``features [n, f]``), their points' indices as line
    numbers."""
    from dl4j_bridge.detectors import sequence_batch

    index = ends[:, None] - length + 1 + np.arange(length)[None, :]
    return sequence_batch(features[index].astype(np.float32), line_numbers=index + 1, keys=list(ends),
                          feature_names=["value", "day_sin", "day_cos"])


def bench_nab(root: Path, seed: int) -> dict:
    from dl4j_bridge.detectors.baselines import IsolationForestBaseline, PCABaseline

    folder = root / "nab"
    out = {}
    for key in NAB_SERIES:
        name = Path(key).stem
        minutes, values, labels = read_nab(folder, key)
        day = 2 * np.pi * (minutes % 1440) / 1440   # time of day beside the value: both series follow the day
        features = np.stack([values, np.sin(day), np.cos(day)], axis=1)
        n, length = len(values), NAB_WINDOW
        ends = np.arange(length - 1, n)
        half = n // 2
        clean = np.array([not labels[e - length + 1:e + 1].any() for e in ends])
        train = nab_batch(features, ends[(ends < half) & clean], length)
        test_ends = ends[ends >= half]
        test = nab_batch(features, test_ends, length)
        truth = labels[test_ends]
        start = time.perf_counter()
        # "last": a window's score is the error of predicting its last point, the point it is scored for
        det = NextValueDetector(target_columns=["value"], aggregation="last", hidden_sizes=(32,), epochs=20,
                                batch_size=256, patience=3, seed=seed).fit(train)
        fit_s = time.perf_counter() - start
        results = {"NextValueDetector": evaluation.metrics(truth, det.decision_function(test), det.threshold_)}
        for cls in (PCABaseline, IsolationForestBaseline):
            model = cls(seed=seed, representation="flat").fit(train)
            threshold = float(np.quantile(model.decision_function(train), 0.99))
            results[cls.name] = evaluation.metrics(truth, model.decision_function(test), threshold)
        for model_name, m in results.items():
            print(f"nab roc_auc[{name}] {model_name}: {m['roc_auc']:.4f}")
            print(f"nab {name} {model_name}: {evaluation.format_metrics(m)}")
        print(f"nab detail[{name}]: {n} points, {len(train)} clean training windows of {length} from the first "
              f"half, {len(test)} test points ({int(truth.sum())} in labelled windows); fit {fit_s:.0f}s "
              f"({det.history_.epochs_completed} epochs, best {det.history_.best_epoch + 1}); threshold "
              f"{det.threshold_:.4g} (k_sigma on the validation windows); baselines at the 99th percentile of "
              "their training scores")
        out[name] = {model_name: m["roc_auc"] for model_name, m in results.items()}
    return out


if __name__ == "__main__":
    main()
