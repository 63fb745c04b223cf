"""Memory while training and over repeated fit/score cycles: peak RSS and ND4J's off-heap bytes.

    python python/bench/memory.py [--windows 8192] [--cycles 20]

In one worker process (its own JVM): the DeepLog-size network is trained for one epoch on N
windows (batch 256) while a thread samples the process RSS and ND4J's off-heap counters every 20 ms
(``Nd4j.getMemoryManager().allocatedMemory(0)`` plus JavaCPP's ``Pointer.totalBytes()``; ND4J
1.0.0-M2.1 does not count every allocation, e.g. detached arrays, so RSS is the figure to trust).
DL4J's workspaces (reused activation/gradient memory of the training thread) are read after the fit. Then ``--cycles`` fit (1 epoch on N/4 windows) + ``predict_proba`` cycles run on
fresh networks, and RSS and off-heap bytes are read after each. Growth is the median of the last
five cycles minus the median of cycles 3-7 (the first cycles warm up the JIT and ND4J's caches);
"no growth beyond noise" means that growth is below the spread seen between cycles.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import List

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SCRIPT = Path(__file__).resolve()
MB = 2**20


def worker(n_windows: int, cycles: int) -> dict:
    import jpype

    from dl4j_bridge import LSTMConfig, Network

    info = common.start_worker_jvm()
    pointer = jpype.JClass("org.bytedeco.javacpp.Pointer")
    nd4j = jpype.JClass("org.nd4j.linalg.factory.Nd4j")
    system = jpype.JClass("java.lang.System")
    device = jpype.JClass("java.lang.Integer")(0)

    def offheap_mb() -> float:
        return (nd4j.getMemoryManager().allocatedMemory(device) + pointer.totalBytes()) / MB

    X, Y, _ = common.deeplog_windows(n_windows, seed=11)
    config = LSTMConfig(n_in=29, n_out=29, hidden_sizes=(64, 64))
    base_rss, base_offheap = common.current_rss_mb(), offheap_mb()
    peak = {"rss": base_rss, "offheap": base_offheap}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["rss"] = max(peak["rss"], common.current_rss_mb())
            peak["offheap"] = max(peak["offheap"], offheap_mb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    Network(config).fit(X, Y, epochs=1, batch_size=256, progress=False)
    train_seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    workspaces = sum(int(w.getCurrentSize()) for w in nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread())

    quarter = max(256, n_windows // 4)
    rss, offheap = [], []
    for _ in range(cycles):
        net = Network(config)
        net.fit(X[:quarter], Y[:quarter], epochs=1, batch_size=256, progress=False)
        net.predict_proba(X[:quarter])
        del net
        system.gc()
        rss.append(common.current_rss_mb())
        offheap.append(offheap_mb())
    return {"windows": n_windows, "train_seconds": train_seconds, "baseline_rss_mb": base_rss,
            "peak_rss_mb": peak["rss"], "baseline_offheap_mb": base_offheap, "peak_offheap_mb": peak["offheap"],
            "x_mb": X.nbytes / MB, "workspaces_mb": workspaces / MB, "cycle_rss_mb": rss, "cycle_offheap_mb": offheap,
            "cpu_build": info["nd4j.cpu.build"]}


def growth(values: List[float]) -> dict:
    """Growth from the settled early cycles to the last five, and the noise between cycles."""
    early = values[2:7] if len(values) >= 12 else values[: max(1, len(values) // 2)]
    late = values[-5:]
    noise = statistics.pstdev(values[2:]) if len(values) > 3 else 0.0
    return {"early": statistics.median(early), "late": statistics.median(late),
            "growth": statistics.median(late) - statistics.median(early), "noise": noise}


def run(n_windows: int, cycles: int) -> dict:
    result = common.run_worker(SCRIPT, ["--worker", str(n_windows), str(cycles)])
    result["rss_growth"] = growth(result["cycle_rss_mb"])
    result["offheap_growth"] = growth(result["cycle_offheap_mb"])
    return result


def command(n_windows: int, cycles: int) -> str:
    return f"python python/bench/memory.py --windows {n_windows} --cycles {cycles}"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=8192)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return {}
    r = run(args.windows, args.cycles)
    print(f"training on {r['windows']:,} windows ({r['x_mb']:.1f} MiB of features): peak RSS {r['peak_rss_mb']:.0f} MiB "
          f"(from {r['baseline_rss_mb']:.0f} MiB with the JVM up), peak ND4J off-heap {r['peak_offheap_mb']:.1f} MiB "
          f"(from {r['baseline_offheap_mb']:.1f} MiB); DL4J workspaces after the fit {r['workspaces_mb']:.1f} MiB")
    for name in ("rss", "offheap"):
        g = r[f"{name}_growth"]
        print(f"{args.cycles} fit/score cycles, {name}: {g['early']:.1f} -> {g['late']:.1f} MiB, growth {g['growth']:+.1f} MiB "
              f"(noise, std of cycles: {g['noise']:.1f} MiB)")
    print(f"(command: {command(args.windows, args.cycles)})")
    return r


if __name__ == "__main__":
    main()
