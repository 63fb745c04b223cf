#!/usr/bin/env python
"""ETL throughput and memory benchmark on generated syslog-style logs.

    python python/bench/etl.py [--lines 1000000] [--baseline-lines 100000]

1. Generates N and 2N syslog lines (seeded) into a temporary directory.
2. For each size, in a fresh subprocess: fits the pipeline (one counting-free
   pass: parse + template mining + statistics), then streams the file through
   ``Pipeline.iter_transform`` (parse, template ids, features, windows of 10
   steps, stride 10), and reports lines/s and peak RSS (``getrusage``).
3. Runs a naive per-line Python baseline doing the same work (regex parse,
   masking rules applied line by line, template lookup, one-hot features,
   timestamp features, windows) with the same fitted spec, checks that its
   arrays equal the pipeline's, and prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from dl4j_bridge.etl import (SYSLOG_FORMAT, Categorical, LogGenerator, Pipeline, Template,  # noqa: E402
                             TextReader, Timestamp, Windows)
from dl4j_bridge.etl.templates import _ZERO_DIGITS  # noqa: E402

WINDOW = 10
STRIDE = 10
TIME_FORMAT = "%b %d %H:%M:%S"
YEAR = 2024


def build_pipeline() -> Pipeline:
    return Pipeline(
        reader=TextReader(SYSLOG_FORMAT),
        transforms=[Template("Content"), Categorical("Service"), Categorical("Host"),
                    Timestamp(["Month", "Day", "Time"], format=TIME_FORMAT, year=YEAR)],
        sequence=Windows(length=WINDOW, stride=STRIDE))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ----------------------------------------------------------------------
def worker(path: str, spec_out: str | None) -> dict:
    """Fit + streaming transform of one file; returns measurements."""
    pipeline = build_pipeline()
    start = time.perf_counter()
    pipeline.fit(path)
    fit_seconds = time.perf_counter() - start
    lines = pipeline.report.lines
    start = time.perf_counter()
    cpu_start = time.process_time()
    windows = 0
    checksum = 0.0
    for batch in pipeline.iter_transform(path):
        windows += len(batch)
        checksum += float(batch.x[:, :, -5:].sum())
    transform_seconds = time.perf_counter() - start
    transform_cpu_seconds = time.process_time() - cpu_start
    if spec_out:
        pipeline.save(spec_out)
    return {"lines": lines, "windows": windows, "features": len(pipeline.feature_names),
            "templates": pipeline.n_template_ids, "fit_seconds": fit_seconds,
            "transform_seconds": transform_seconds, "transform_cpu_seconds": transform_cpu_seconds,
            "threads": threading.active_count(), "checksum": checksum, "peak_rss_mb": peak_rss_mb()}


def naive_baseline(path: str, spec_path: str, n_lines: int) -> dict:
    """Per-line Python loop doing the pipeline's transform work with the same spec."""
    spec = json.loads(Path(spec_path).read_text())
    reader_spec = spec["reader"]
    template_spec, service_spec, host_spec = spec["transforms"][:3]
    line_regex = re.compile(reader_spec["regex"].replace("(?<", "(?P<"))
    fields = reader_spec["fields"]
    miner_spec = template_spec["miner"]
    rules = [(re.compile(r["pattern"]), r["replacement"]) for r in miner_spec["masking"]]
    from dl4j_bridge.etl.templates import TemplateMiner
    miner = TemplateMiner.from_dict(miner_spec)
    vocabulary = miner.vocabulary_size
    services = {v: i + 1 for i, v in enumerate(service_spec["categories"])}
    hosts = {v: i + 1 for i, v in enumerate(host_spec["categories"])}
    n_features = len(spec["feature_names"])
    cache: dict[str, int] = {}
    rows: list[list[float]] = []
    ids: list[int] = []
    windows = []
    previous_time = None
    cpu_start = time.process_time()
    start = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if number > n_lines:
                break
            match = line_regex.match(line.rstrip("\n"))
            record = dict(zip(fields, (match.group(f) for f in fields)))
            masked = record["Content"].translate(_ZERO_DIGITS)
            for regex, replacement in rules:
                masked = regex.sub(replacement, masked)
            masked = masked.strip()
            template_id = cache.get(masked)
            if template_id is None:
                template_id = miner.match_tokens(miner.tokens(masked))
                cache[masked] = template_id
            row = [0.0] * n_features
            row[template_id] = 1.0
            offset = vocabulary
            row[offset + services.get(record["Service"], 0)] = 1.0
            offset += len(services) + 1
            row[offset + hosts.get(record["Host"], 0)] = 1.0
            offset += len(hosts) + 1
            moment = datetime.strptime(f"{YEAR} {record['Month']} {record['Day']} {record['Time']}",
                                       f"%Y {TIME_FORMAT}")
            seconds = (moment - datetime(1970, 1, 1)).total_seconds()
            delta = 0.0 if previous_time is None else seconds - previous_time
            previous_time = seconds
            hours = (seconds % 86400.0) / 3600.0
            weekday = (math.floor(seconds / 86400.0) + 3.0) % 7.0
            row[offset:offset + 5] = [math.log1p(max(delta, 0.0)), math.sin(2 * math.pi * hours / 24.0),
                                      math.cos(2 * math.pi * hours / 24.0), math.sin(2 * math.pi * weekday / 7.0),
                                      math.cos(2 * math.pi * weekday / 7.0)]
            rows.append(row)
            ids.append(template_id)
            if len(rows) == WINDOW:
                windows.append(np.array(rows, dtype=np.float32))
                rows = rows[STRIDE:] if STRIDE < WINDOW else []
    seconds = time.perf_counter() - start
    return {"lines": min(n_lines, number), "seconds": seconds, "cpu_seconds": time.process_time() - cpu_start,
            "windows": windows}


def compare_with_pipeline(path: str, spec_path: str, baseline_windows: list[np.ndarray], n_lines: int) -> float:
    """Largest absolute difference between baseline and pipeline windows."""
    pipeline = Pipeline.load(spec_path)
    with open(path, encoding="utf-8") as handle:
        head = [next(handle) for _ in range(n_lines)]
    batch = pipeline.transform(head)
    count = min(len(batch), len(baseline_windows))
    if count == 0:
        return math.inf
    return float(np.abs(batch.x[:count] - np.stack(baseline_windows[:count])).max())


# ----------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--baseline-lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--spec-out", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.spec_out)))
        return 0
    if args.baseline:
        path, spec_path = args.baseline.split(os.pathsep)
        result = naive_baseline(path, spec_path, args.baseline_lines)
        difference = compare_with_pipeline(path, spec_path, result["windows"], args.baseline_lines)
        print(json.dumps({"lines": result["lines"], "seconds": result["seconds"], "cpu_seconds": result["cpu_seconds"],
                          "windows": len(result["windows"]), "max_abs_difference": difference}))
        return 0

    with tempfile.TemporaryDirectory(prefix="dl4j_bridge_etl_bench_") as directory:
        sizes = [args.lines, 2 * args.lines]
        paths = []
        for size in sizes:
            path = os.path.join(directory, f"syslog_{size}.log")
            start = time.perf_counter()
            with open(path, "w", encoding="utf-8") as handle:
                for line in LogGenerator(seed=args.seed).iter_syslog(size):
                    handle.write(line + "\n")
            print(f"generated {size:,} lines in {time.perf_counter() - start:.1f}s "
                  f"({os.path.getsize(path) / 2**20:.0f} MiB)", flush=True)
            paths.append(path)
        spec_path = os.path.join(directory, "spec.json")
        results = []
        for size, path in zip(sizes, paths):
            command = [sys.executable, __file__, "--worker", path]
            if size == sizes[0]:
                command += ["--spec-out", spec_path]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            result = json.loads(output.strip().splitlines()[-1])
            results.append(result)
            rate = result["lines"] / result["transform_seconds"]
            total_rate = result["lines"] / (result["fit_seconds"] + result["transform_seconds"])
            cpu_rate = result["lines"] / result["transform_cpu_seconds"]
            print(f"pipeline {result['lines']:>10,} lines: transform {result['transform_seconds']:.2f}s "
                  f"= {rate:,.0f} lines/s wall, {cpu_rate:,.0f} lines per CPU-second; fit {result['fit_seconds']:.2f}s; fit+transform {total_rate:,.0f} lines/s; "
                  f"{result['windows']:,} windows x {WINDOW} x {result['features']} features; "
                  f"{result['templates']} template ids; peak RSS {result['peak_rss_mb']:.0f} MiB", flush=True)
        command = [sys.executable, __file__, "--baseline", paths[0] + os.pathsep + spec_path,
                   "--baseline-lines", str(args.baseline_lines)]
        baseline = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()
                              .splitlines()[-1])
        baseline_rate = baseline["lines"] / baseline["seconds"]
        baseline_cpu_rate = baseline["lines"] / baseline["cpu_seconds"]
        rate = results[0]["lines"] / results[0]["transform_seconds"]
        cpu_rate = results[0]["lines"] / results[0]["transform_cpu_seconds"]
        print(f"naive per-line baseline {baseline['lines']:,} lines: {baseline['seconds']:.2f}s = "
              f"{baseline_rate:,.0f} lines/s; same arrays as the pipeline: max |diff| = "
              f"{baseline['max_abs_difference']:.2e}")
        print(f"lines/s (transform: parse + template ids + features + windows): {rate:,.0f}  "
              f"baseline: {baseline_rate:,.0f}  speed-up: {rate / baseline_rate:.1f}x")
        # One core: the worker is single-threaded, so its CPU time is one core's time even when
        # other processes share the machine (wall-clock rates then drop with the load).
        print(f"lines per CPU-second (one core; load average {os.getloadavg()[0]:.1f}): {cpu_rate:,.0f}  "
              f"baseline: {baseline_cpu_rate:,.0f}  speed-up: {cpu_rate / baseline_cpu_rate:.1f}x  "
              f"(worker threads: {results[0]['threads']})")
        growth = results[1]["peak_rss_mb"] / results[0]["peak_rss_mb"]
        print(f"peak RSS: {results[0]['peak_rss_mb']:.0f} MiB at {sizes[0]:,} lines, "
              f"{results[1]['peak_rss_mb']:.0f} MiB at {sizes[1]:,} lines (x{growth:.2f} for x2 input)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
