#!/usr/bin/env python
"""JVM-only scoring throughput beside the Python scoring path, on the same file in the same run.

    python python/bench/jvm_scoring.py [--lines 100000] [--train-lines 20000] [--repeats 3]

1. Generates seeded syslog-style training and scoring logs into a temporary directory, trains a
   ``NextEventDetector`` (windows of 10, stride 1, one GravesLSTM layer of 32) and saves it with its
   pipeline (one zip).
2. Python path (this process, one JVM): ``load_detector`` then, chunk by chunk,
   ``pipeline_.iter_transform(file)`` -> ``decision_function`` / threshold -- raw lines to scores
   and flags, one JVM call per chunk.
3. Java path: ``bin/dl4j-bridge score --model m.zip --input file --output out.jsonl`` (no Python;
   the flagged windows written as JSON lines): its own timing of the scoring pass (``seconds`` in
   its summary; model already loaded) and the wall time of the whole command (JVM start and model
   load included).
4. Checks, with one more ``--all`` run, that both paths score every window alike (flags identical,
   scores within 1e-5), then prints the median lines/s of each path over ``--repeats`` runs and the
   ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

DIST = REPO_ROOT / "build" / "install" / "dl4j-bridge"


def train_detector(directory: Path, train_lines: int) -> Path:
    from dl4j_bridge.detectors import NextEventDetector
    from dl4j_bridge.etl import (SYSLOG_FORMAT, SYSLOG_TIME_FORMAT, Categorical, LogGenerator, Pipeline, Template,
                                 TextReader, Timestamp, Windows)

    lines = LogGenerator(seed=31).syslog(train_lines).lines
    pipeline = Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"),
                        [Template("Content"), Categorical("Service"),
                         Timestamp(["Month", "Day", "Time"], format=SYSLOG_TIME_FORMAT, year=2024)],
                        Windows(10, stride=1, next_event=True))
    pipeline.fit(lines)
    detector = NextEventDetector(top_g=5, score="count", n_events=pipeline.n_template_ids, hidden_sizes=(32,),
                                 epochs=12, batch_size=1024, learning_rate=0.02, patience=0,
                                 validation_fraction=0.1, threshold="k_sigma", seed=2)
    detector.fit(pipeline.transform(lines))
    return detector.save(directory / "detector.zip", pipeline=pipeline)


def python_pass(model: Path, log: Path) -> tuple[float, np.ndarray, np.ndarray]:
    """(seconds, scores, flags) of the Python scoring path, model loaded inside the timing."""
    from dl4j_bridge.detectors import load_detector

    start = time.perf_counter()
    detector = load_detector(model)
    scores = []
    for batch in detector.pipeline_.iter_transform(str(log)):
        scores.append(detector.decision_function(batch))
    seconds = time.perf_counter() - start
    values = np.concatenate(scores) if scores else np.zeros(0)
    return seconds, values, values > detector.threshold_


def java_pass(model: Path, log: Path, out: Path, *extra: str) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(scoring seconds as the launcher reports them, wall seconds of the command, scores, flags)."""
    start = time.perf_counter()
    proc = subprocess.run([str(DIST / "bin" / "dl4j-bridge"), "score", "--model", str(model), "--input", str(log),
                           "--output", str(out), *extra], capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2")))
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"dl4j-bridge score failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    summary = json.loads(proc.stderr.strip().splitlines()[-1])
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return (float(summary["seconds"]), wall, np.array([r["score"] for r in results]),
            np.array([r["flagged"] for r in results], dtype=bool))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000, help="lines in the scored file")
    parser.add_argument("--train-lines", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import dl4j_bridge as db
    from dl4j_bridge.etl import LogGenerator

    if not (DIST / "bin" / "dl4j-bridge").is_file():
        sys.exit(f"no launcher at {DIST}: run make build")
    db.start_jvm(threads=2)
    with tempfile.TemporaryDirectory(prefix="jvm_scoring_") as tmp:
        directory = Path(tmp)
        log = directory / "score.log"
        LogGenerator(seed=32).write(log, args.lines)
        n_lines = sum(1 for _ in log.open(encoding="utf-8"))
        model = train_detector(directory, args.train_lines)

        python_seconds, java_seconds, java_walls = [], [], []
        for _ in range(args.repeats):  # interleaved, so load changes hit both paths alike
            seconds, py_scores, py_flags = python_pass(model, log)
            python_seconds.append(seconds)
            scoring, wall, _, _ = java_pass(model, log, directory / "out.jsonl")
            java_seconds.append(scoring)
            java_walls.append(wall)
        _, _, jv_scores, jv_flags = java_pass(model, log, directory / "all.jsonl", "--all")
        if len(py_scores) != len(jv_scores) or not np.array_equal(py_flags, jv_flags):
            sys.exit(f"MISMATCH: python {len(py_scores)} windows / {int(py_flags.sum())} flagged, "
                     f"java {len(jv_scores)} / {int(jv_flags.sum())}")
        max_diff = float(np.abs(py_scores - jv_scores).max()) if len(py_scores) else 0.0
        if max_diff > 1e-5:
            sys.exit(f"MISMATCH: scores differ by up to {max_diff}")

    py_rate = n_lines / statistics.median(python_seconds)
    java_rate = n_lines / statistics.median(java_seconds)
    java_wall_rate = n_lines / statistics.median(java_walls)
    print(f"command: python python/bench/jvm_scoring.py --lines {args.lines} --train-lines {args.train_lines} "
          f"--repeats {args.repeats}")
    print(f"file: {n_lines} syslog lines -> {len(py_scores)} windows of 10, {int(py_flags.sum())} flagged "
          f"(identical flags on both paths; max score difference {max_diff:.1e})")
    print(f"python scoring path (load_detector + iter_transform + decision_function): {py_rate:,.0f} lines/s "
          f"(median of {args.repeats}: {statistics.median(python_seconds):.2f} s)")
    print(f"java scorer (bin/dl4j-bridge score, scoring pass): {java_rate:,.0f} lines/s "
          f"(median {statistics.median(java_seconds):.2f} s)")
    print(f"java scorer, whole command incl. JVM start and model load: {java_wall_rate:,.0f} lines/s "
          f"(median {statistics.median(java_walls):.2f} s)")
    print(f"ratio java/python: {java_rate / py_rate:.2f} (scoring pass), {java_wall_rate / py_rate:.2f} (whole command)")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
