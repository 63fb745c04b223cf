"""Peak memory and time of the data path of one detector-style fit: the two-call path
(``Network.fit_normalizer`` then ``Network.fit``, two conversions and checks of X) against the one-call path
(``Network.fit(..., fit_normalizer=True)``), and, with ``--baseline-checkout``, against another checkout's code.

    python python/bench/fit_memory.py [--windows 200000] [--rounds 3] [--baseline-checkout /path/to/older/clone]

Each measurement is its own worker process (its own JVM, 2 GB heap): X is [windows, 10, 20] float32 (153 MiB at
200,000), labels 2 classes, a mask, shuffling on as the detectors train; training is cancelled after its first
minibatch, so what is measured is the conversion, normalisation and the copies the Java loop makes, not the
epochs. A thread samples the process RSS every 10 ms; the figure is the peak above the RSS before the fit. The
kinds run alternately, ``--rounds`` times each (the machine's load moves single runs by tens of percent): the
medians and their ratios to the two-call path's are printed. A baseline checkout (built: ``gradle installDist``)
runs the two-call path with its own code, e.g. the commit before a change.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parents[2]


def worker(kind: str, n: int) -> dict:
    import numpy as np

    import dl4j_bridge as db

    db.start_jvm(heap="2g", threads=2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 10, 20), dtype=np.float32)
    y = (rng.random((n, 10)) < 0.05).astype(np.int64)
    mask = np.ones((n, 10), np.float32)

    def fit(net, x, y, mask, one_call):
        options = dict(epochs=1, batch_size=256, shuffle=True, progress=False, callback=lambda e: False,
                       report_every=0)
        if one_call:
            net.fit(x, y, mask, fit_normalizer=True, **options)
        else:
            net.fit_normalizer(x, mask)
            net.fit(x, y, mask, **options)

    fit(db.Network(db.LSTMConfig(n_in=20, n_out=2)), x[:2000], y[:2000], mask[:2000], kind == "one_call")  # warm-up
    import jpype

    jpype.JClass("java.lang.System").gc()
    time.sleep(1)

    def rss_mb():
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    base = rss_mb()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    fit(db.Network(db.LSTMConfig(n_in=20, n_out=2)), x, y, mask, kind == "one_call")
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return {"kind": kind, "seconds": seconds, "peak_mb": peak[0] - base}


def measure(kind: str, n: int, checkout: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(checkout), DL4J_BRIDGE_HOME=str(checkout / "build" / "install" / "dl4j-bridge"))
    out = subprocess.run([sys.executable, str(SCRIPT), "--worker", kind, str(n)], env=env, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-checkout", type=Path, default=None)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    runs = [("two_call", REPO), ("one_call", REPO)]
    if args.baseline_checkout is not None:
        runs.insert(0, ("baseline_two_call", args.baseline_checkout.resolve()))
    results: dict = {name: [] for name, _ in runs}
    for _ in range(args.rounds):
        for name, checkout in runs:
            kind = "two_call" if name.endswith("two_call") else "one_call"
            results[name].append(measure(kind, args.windows, checkout))
    reference = statistics.median(r["peak_mb"] for r in results["two_call"])
    reference_s = statistics.median(r["seconds"] for r in results["two_call"])
    for name, rows in results.items():
        peak = statistics.median(r["peak_mb"] for r in rows)
        seconds = statistics.median(r["seconds"] for r in rows)
        print(f"fit_memory {name}: peak +{peak:.0f} MiB ({peak / reference:.2f} x two_call), {seconds:.2f} s "
              f"({seconds / reference_s:.2f} x); runs {[round(r['peak_mb']) for r in rows]}", flush=True)
    print(f"command: python python/bench/fit_memory.py --windows {args.windows} --rounds {args.rounds}"
          + (f" --baseline-checkout {args.baseline_checkout}" if args.baseline_checkout else ""))


if __name__ == "__main__":
    main()
