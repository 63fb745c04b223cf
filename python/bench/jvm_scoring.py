#!/usr/bin/env python
"""JVM-only scoring throughput beside the Python scoring path, on the same file in the same run.

    python python/bench/jvm_scoring.py [--lines 50000] [--train-lines 10000] [--repeats 3]
    python python/bench/jvm_scoring.py --baseline /tmp/old --lines 200000 --train-lines 5000 --repeats 3

1. Generates seeded syslog-style training and scoring logs into a temporary directory, trains a
   ``NextEventDetector`` (windows of 10, stride 1, one GravesLSTM layer of 32, threshold mean + 3
   sigma) and saves it with its pipeline (one zip).
2. Cold commands, each in a fresh process, interleaved: ``python -m dl4j_bridge score`` against
   ``bin/dl4j-bridge score`` (no Python), both printing the flagged windows as the same JSON rows;
   lines/s by wall time (interpreter/JVM start and model load included).
3. Warm paths (a service that has scored before; first run dropped): Python in one process,
   ``load_detector`` then ``pipeline_.iter_transform(file)`` -> ``decision_function`` / threshold;
   Java as ``bin/dl4j-bridge serve`` answering ``POST /score`` with the whole file.
4. Checks that both paths score every window alike (``--all``: flags identical, scores within 1e-5).
Every figure is the median of ``--repeats`` runs; ratios are Java / Python (above 1: Java faster).

With ``--baseline CHECKOUT`` (another checkout of the project with its launcher built, e.g. ``git worktree add
/tmp/old COMMIT && (cd /tmp/old && gradle --quiet installDist)``) steps 2-4 are replaced by a regression check of
the cold commands, this checkout against the baseline on the same model and file, run alternately (the order
swapped every repeat): ``python -m dl4j_bridge score`` with ``--all`` (one row per window) and without, ``--all``
from a pipe (``--input -``), and the launcher's ``score`` with ``--all`` and without; each prints the medians of
wall and CPU seconds (user + system of the command's process tree) and the ratio this / baseline (above 1:
slower than the baseline). Judge by CPU on a loaded machine: wall time moves with the other jobs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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


def python_cli(model: Path, log: Path, out: Path) -> float:
    """Wall seconds of ``python -m dl4j_bridge score`` (fresh process)."""
    start = time.perf_counter()
    with out.open("w", encoding="utf-8") as handle:
        proc = subprocess.run([sys.executable, "-m", "dl4j_bridge", "score", "--model", str(model), "--input", str(log)],
                              stdout=handle, stderr=subprocess.PIPE, text=True, cwd=str(REPO_ROOT))
    if proc.returncode not in (0, 1):   # 1: something was flagged
        raise RuntimeError(f"python -m dl4j_bridge score failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start


def java_service(model: Path, log: Path, repeats: int) -> list[float]:
    """Seconds of ``repeats`` POST /score requests of the whole file to ``dl4j-bridge serve`` (after one warm-up)."""
    import re
    import urllib.request

    proc = subprocess.Popen([str(DIST / "bin" / "dl4j-bridge"), "serve", "--model", str(model), "--port", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in proc.stderr:
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        if port is None:
            raise RuntimeError("dl4j-bridge serve did not start")
        body = log.read_bytes()
        times = []
        for _ in range(repeats + 1):
            start = time.perf_counter()
            with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/score", data=body),
                                        timeout=1800) as response:
                response.read()
            times.append(time.perf_counter() - start)
        return times[1:]
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def cold_command(argv: list, env: dict, stdin_file: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the command and its children) of one fresh command, its
    standard output discarded; ``stdin_file``: fed to it through a pipe."""
    with tempfile.TemporaryFile() as err:   # a file, not a pipe: the command never waits on this process
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_file else subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, env=env)
        if stdin_file is not None:   # from this process (not a child): its CPU is not the command's
            with stdin_file.open("rb") as source:
                try:
                    shutil.copyfileobj(source, proc.stdin, 1 << 16)
                finally:
                    proc.stdin.close()
        proc.wait()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 1):   # 1: something was flagged
            err.seek(0)
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                               f"{err.read().decode(errors='replace')[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def baseline_commands(checkout: Path, model: Path, log: Path) -> dict:
    """The cold commands compared against a baseline, of one checkout: name -> (argv, env, stdin file)."""
    python_env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    python = [sys.executable, "-m", "dl4j_bridge", "score", "--model", str(model)]
    launcher = [str(checkout / "build" / "install" / "dl4j-bridge" / "bin" / "dl4j-bridge"), "score",
                "--model", str(model)]
    to_null = ["--input", str(log), "--output", os.devnull]
    return {
        "python score --all": (python + to_null + ["--all"], python_env, None),
        "python score": (python + to_null, python_env, None),
        "python score --all --input - (pipe)": (python + ["--input", "-", "--all"], python_env, log),
        "launcher score --all": (launcher + to_null + ["--all"], python_env, None),
        "launcher score": (launcher + to_null, python_env, None),
    }


def against_baseline(baseline: Path, model: Path, log: Path, repeats: int) -> list:
    """Alternate runs of each cold command in this checkout and in ``baseline``; per command: its name, the
    medians (wall, CPU) of this checkout and of the baseline, and the ratios this / baseline."""
    ours, theirs = baseline_commands(REPO_ROOT, model, log), baseline_commands(baseline, model, log)
    runs = {name: {"this": [], "baseline": []} for name in ours}
    for repeat in range(repeats):
        for name in ours:
            order = (("this", ours), ("baseline", theirs))
            for side, commands in (order if repeat % 2 == 0 else order[::-1]):   # who goes first, swapped
                argv, env, stdin_file = commands[name]
                runs[name][side].append(cold_command(argv, env, stdin_file))
    median = statistics.median
    rows = []
    for name, sides in runs.items():
        this = (median(w for w, _ in sides["this"]), median(c for _, c in sides["this"]))
        base = (median(w for w, _ in sides["baseline"]), median(c for _, c in sides["baseline"]))
        rows.append((name, this, base, (this[0] / base[0], this[1] / base[1])))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=50_000, help="lines in the scored file")
    parser.add_argument("--train-lines", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a checkout (its launcher built) to compare the cold "
                                                      "commands against, in place of steps 2-4")
    args = parser.parse_args()
    if args.baseline is not None and not (args.baseline / "build" / "install" / "dl4j-bridge" / "bin"
                                          / "dl4j-bridge").is_file():
        sys.exit(f"no launcher in the baseline {args.baseline}: run gradle --quiet installDist there")

    import dl4j_bridge as db
    from dl4j_bridge.etl import LogGenerator

    if not (DIST / "bin" / "dl4j-bridge").is_file():
        sys.exit(f"no launcher at {DIST}: run make build")
    db.start_jvm(threads=2)
    median = statistics.median
    with tempfile.TemporaryDirectory(prefix="jvm_scoring_") as tmp:
        directory = Path(tmp)
        log = directory / "score.log"
        LogGenerator(seed=32).write(log, args.lines)
        n = sum(1 for _ in log.open(encoding="utf-8"))
        model = train_detector(directory, args.train_lines)
        if args.baseline is not None:
            rows = against_baseline(args.baseline, model, log, args.repeats)
            print(f"command: python python/bench/jvm_scoring.py --baseline {args.baseline} --lines {args.lines} "
                  f"--train-lines {args.train_lines} --repeats {args.repeats}")
            print(f"file: {n} syslog lines; medians of {args.repeats} alternate runs, this checkout vs the baseline; "
                  "ratio this / baseline (above 1: slower)")
            for name, this, base, ratio in rows:
                print(f"{name}: wall {this[0]:.2f} s vs {base[0]:.2f} s ({ratio[0]:.3f}), "
                      f"CPU {this[1]:.2f} s vs {base[1]:.2f} s ({ratio[1]:.3f})")
            print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
            return

        # same answers: every window, both paths
        _, py_scores, py_flags = python_pass(model, log)
        _, _, jv_scores, jv_flags = java_pass(model, log, directory / "all.jsonl", "--all")
        if len(py_scores) != len(jv_scores) or not np.array_equal(py_flags, jv_flags):
            sys.exit(f"MISMATCH: python {len(py_scores)} windows / {int(py_flags.sum())} flagged, "
                     f"java {len(jv_scores)} / {int(jv_flags.sum())}")
        max_diff = float(np.abs(py_scores - jv_scores).max()) if len(py_scores) else 0.0
        if max_diff > 1e-5:
            sys.exit(f"MISMATCH: scores differ by up to {max_diff}")

        cold_python, cold_java, java_pass_seconds = [], [], []
        for _ in range(args.repeats):  # interleaved, so load changes hit both paths alike
            cold_python.append(python_cli(model, log, directory / "python.jsonl"))
            scoring, wall, _, _ = java_pass(model, log, directory / "java.jsonl")
            cold_java.append(wall)
            java_pass_seconds.append(scoring)
        same_output = ((directory / "python.jsonl").read_text(encoding="utf-8").count("\n")
                       == (directory / "java.jsonl").read_text(encoding="utf-8").count("\n"))
        warm_python = [python_pass(model, log)[0] for _ in range(args.repeats)]  # the JVM is warm by now
        warm_java = java_service(model, log, args.repeats)

    rate = lambda seconds: n / median(seconds)  # noqa: E731
    print(f"command: python python/bench/jvm_scoring.py --lines {args.lines} --train-lines {args.train_lines} "
          f"--repeats {args.repeats}")
    print(f"file: {n} syslog lines -> {len(py_scores)} windows of 10, {int(py_flags.sum())} flagged; every window "
          f"scored alike on both paths (identical flags, max score difference {max_diff:.1e}); "
          f"same number of rows printed by both commands: {same_output}")
    print(f"cold command, python -m dl4j_bridge score: {rate(cold_python):,.0f} lines/s "
          f"(median {median(cold_python):.2f} s)")
    print(f"cold command, bin/dl4j-bridge score (JVM only): {rate(cold_java):,.0f} lines/s "
          f"(median {median(cold_java):.2f} s; its scoring pass alone {rate(java_pass_seconds):,.0f} lines/s)")
    print(f"warm, python load_detector + iter_transform + decision_function: {rate(warm_python):,.0f} lines/s "
          f"(median {median(warm_python):.2f} s)")
    print(f"warm, dl4j-bridge serve POST /score (JVM only): {rate(warm_java):,.0f} lines/s "
          f"(median {median(warm_java):.2f} s)")
    print(f"ratio java/python: cold command {median(cold_python) / median(cold_java):.2f}, "
          f"warm {median(warm_python) / median(warm_java):.2f}")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
