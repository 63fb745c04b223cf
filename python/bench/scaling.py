"""How cost grows with data (training and ETL at 1x, 2x, 4x, 8x) and with ND4J's thread count.

    python python/bench/scaling.py [--train-windows 1024] [--etl-lines 25000] [--repeats 2]

Training: the DeepLog-size network (two GravesLSTM of 64, windows of 10, batch 256, 1 epoch) on
1x..8x windows, all sizes in one worker process after a warm-up, median of ``--repeats`` fits each.
ETL: the ETL benchmark's pipeline (``python/bench/etl.py``: parse, template mining, features,
windows) on 1x..8x generated syslog lines, one fresh process per size (so its peak RSS is its own).
The growth exponent is the least-squares slope of log(time) on log(size): 1.0 is linear.

Threads: a quarter of the deeplog-256 training case (2048 windows) with ``OMP_NUM_THREADS`` 1 and 2 (with dl4j_bridge's default
``OMP_WAIT_POLICY=PASSIVE``), and 2 with ``OMP_WAIT_POLICY=ACTIVE`` (OpenMP's spinning waits), each
in its own process, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SCRIPT = Path(__file__).resolve()
ETL_SCRIPT = SCRIPT.parent / "etl.py"
FACTORS = (1, 2, 4, 8)


def train_worker(base_windows: int, repeats: int) -> dict:
    from dl4j_bridge import LSTMConfig, Network

    info = common.start_worker_jvm()
    X, Y, _ = common.deeplog_windows(base_windows * FACTORS[-1], seed=3)
    config = LSTMConfig(n_in=29, n_out=29, hidden_sizes=(64, 64))
    Network(config).fit(X[:512], Y[:512], epochs=1, batch_size=256, progress=False)  # warm-up
    seconds = {}
    for factor in FACTORS:
        n = base_windows * factor
        times = []
        for _ in range(repeats):
            net = Network(config)
            start = time.perf_counter()
            net.fit(X[:n], Y[:n], epochs=1, batch_size=256, progress=False)
            times.append(time.perf_counter() - start)
        seconds[str(n)] = statistics.median(times)
    return {"seconds": seconds, "cpu_build": info["nd4j.cpu.build"]}


def training_scaling(base_windows: int, repeats: int) -> dict:
    result = common.run_worker(SCRIPT, ["--train-worker", str(base_windows), str(repeats)])
    sizes = [int(k) for k in result["seconds"]]
    times = list(result["seconds"].values())
    return {"sizes": sizes, "seconds": times, "exponent": common.growth_exponent(sizes, times)}


def etl_scaling(base_lines: int) -> dict:
    from dl4j_bridge.etl import LogGenerator

    sizes, times, rss = [], [], []
    with tempfile.TemporaryDirectory(prefix="dl4j_bridge_scaling_") as tmp:
        lines = list(LogGenerator(seed=7).iter_syslog(base_lines * FACTORS[-1]))
        for factor in FACTORS:
            path = os.path.join(tmp, f"syslog_{factor}.log")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines[: base_lines * factor]) + "\n")
            result = common.run_worker(ETL_SCRIPT, ["--worker", path])
            sizes.append(result["lines"])
            times.append(result["fit_seconds"] + result["transform_seconds"])
            rss.append(result["peak_rss_mb"])
    return {"sizes": sizes, "seconds": times, "peak_rss_mb": rss, "exponent": common.growth_exponent(sizes, times)}


def thread_comparison(repeats: int) -> List[dict]:
    import training

    # a quarter of the deeplog-256 case: spinning OpenMP waits (ACTIVE) on a loaded machine take minutes
    case = training.CASES["deeplog-256"].scaled(0.25)
    rows = []
    with tempfile.TemporaryDirectory(prefix="dl4j_bridge_threads_") as tmp:
        paths = training.prepare(case, Path(tmp))
        for threads, policy in (("1", "PASSIVE"), ("2", "PASSIVE"), ("2", "ACTIVE")):
            result = training.run_python(case, paths, repeats, env={"OMP_NUM_THREADS": threads, "OMP_WAIT_POLICY": policy})
            rows.append({"threads": int(threads), "wait_policy": policy, "seconds": statistics.median(result["seconds"])})
    base = rows[0]["seconds"]
    for row in rows:
        row["ratio_to_1_thread"] = row["seconds"] / base
    return rows


def command(train_windows: int, etl_lines: int, repeats: int) -> str:
    return (f"python python/bench/scaling.py --train-windows {train_windows} --etl-lines {etl_lines} "
            f"--repeats {repeats}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-windows", type=int, default=1024)
    parser.add_argument("--etl-lines", type=int, default=25_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--train-worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.train_worker:
        print(json.dumps(train_worker(*args.train_worker)))
        return {}
    result = {"training": training_scaling(args.train_windows, args.repeats), "etl": etl_scaling(args.etl_lines),
              "threads": thread_comparison(args.repeats)}
    for name, unit in (("training", "windows"), ("etl", "lines")):
        r = result[name]
        cells = ", ".join(f"{s:,} {unit}: {t:.2f}s" for s, t in zip(r["sizes"], r["seconds"]))
        print(f"{name}: {cells}; growth exponent {r['exponent']:.2f}")
    for row in result["threads"]:
        print(f"OMP_NUM_THREADS={row['threads']} OMP_WAIT_POLICY={row['wait_policy']}: {row['seconds']:.2f}s "
              f"(x{row['ratio_to_1_thread']:.2f} of 1 thread)")
    print(f"(command: {command(args.train_windows, args.etl_lines, args.repeats)})")
    return result


if __name__ == "__main__":
    main()
