"""Resident memory of ``score_batch`` on batches of ever new sizes (as the parts of a long ``score --input -``
stream have) against the same number of batches of one size.

    python python/bench/shape_memory.py [--calls 40] [--sequences 29000]

Each of two worker processes (its own JVM) fits a small next-event detector on generated syslog lines, then
scores ``--calls`` batches: ``distinct`` gives each call a new size (``--sequences`` minus 13 per call), ``same``
the size of the first every time. RSS is read after ``System.gc()`` and ``malloc_trim(0)`` (what is still in
use) after the first call and after the last; the ratio compares the two workers' growth in the same run. Measured
2026-12-04 (a loaded 2-core machine): ``--calls 25 --sequences 8000``: distinct +30.0 MiB (284 -> 314), same +7.2
MiB (281 -> 289), 4.1x; probe runs of 40 calls: +0.4 MiB a new size at ~1,000 sequences, +0.6-0.7 MiB at ~29,000. The JVM's heap and native memory (NMT), ND4J's allocation counter and Python's objects stay flat:
the memory is held natively by something below DL4J/ND4J per array shape (not identified).
Since 12-04 ``Predictor`` runs every forward pass at one of 24 batch sizes (padded; see its ``paddedSize``), so
``distinct`` no longer means new shapes for the network: the same command gave distinct -11.6 MiB (293 -> 281),
same +14.4 MiB (280 -> 295): noise, no growth of its own.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SCRIPT = Path(__file__).resolve()


def worker(mode: str, calls: int, sequences: int) -> dict:
    import jpype

    from dl4j_bridge.detectors import NextEventDetector, take
    from dl4j_bridge.etl import SYSLOG_FORMAT, LogGenerator, Pipeline, Template, TextReader, Windows

    common.start_worker_jvm()
    lines = LogGenerator(seed=5, anomaly_rate=0.0).syslog(sequences + 5000).lines
    pipeline = Pipeline(TextReader(SYSLOG_FORMAT, mode="lenient"), [Template("Content")],
                        Windows(10, stride=1, next_event=True)).fit(lines[:5000])
    detector = NextEventDetector(top_g=9, score="count", hidden_sizes=(16,), epochs=1).fit(
        pipeline.transform(lines[:5000]), pipeline=pipeline)
    batch = pipeline.transform(lines[5000:])
    system = jpype.JClass("java.lang.System")

    def settled_rss() -> float:
        gc.collect()
        system.gc()
        time.sleep(0.3)
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        return common.current_rss_mb()

    rss = []
    start = time.perf_counter()
    for call in range(calls):
        part = take(batch, slice(0, min(len(batch), sequences) - 13 * call))
        if mode == "same":
            part = take(batch, slice(0, min(len(batch), sequences)))
        detector.score_batch(part)
        if call in (0, calls - 1):
            rss.append(settled_rss())
    return {"mode": mode, "calls": calls, "sequences": sequences, "rss_first_mb": rss[0], "rss_last_mb": rss[-1],
            "growth_mb": rss[-1] - rss[0], "seconds": time.perf_counter() - start}


def run(calls: int, sequences: int) -> dict:
    out = {mode: common.run_worker(SCRIPT, ["--worker", mode, str(calls), str(sequences)], timeout=1800)
           for mode in ("same", "distinct")}
    out["ratio"] = common.ratio(out["distinct"]["growth_mb"], max(out["same"]["growth_mb"], 1.0))
    return out


def command(calls: int, sequences: int) -> str:
    return f"python python/bench/shape_memory.py --calls {calls} --sequences {sequences}"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--sequences", type=int, default=29000)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), int(args.worker[2]))))
        return {}
    r = run(args.calls, args.sequences)
    for mode in ("distinct", "same"):
        w = r[mode]
        print(f"{mode:8s}: {w['calls']} batches of ~{w['sequences']:,} sequences: RSS "
              f"{w['rss_first_mb']:.0f} -> {w['rss_last_mb']:.0f} MiB ({w['growth_mb']:+.1f} MiB, "
              f"{w['seconds']:.0f} s)")
    print(f"growth distinct sizes / one size: {r['ratio']:.1f}x (one size's growth floored at 1 MiB)")
    print(f"(command: {command(args.calls, args.sequences)})")
    return r


if __name__ == "__main__":
    main()
