"""Scoring through dl4j_bridge against ``net.output`` in a pure-Java main (the limit).

    python python/bench/inference.py [--batches 1 64 1024 4096] [--repeats 7] [--latency-calls 200]

The DeepLog-size network (windows of 10 one-hot log keys, two GravesLSTM layers of 64), built from
the same spec and seed on both sides (so the same weights), scores the same windows from the real
HDFS sessions: (a) ``Network.predict_proba`` from Python (the numpy -> INDArray copy, the forward
pass, the copy back), (b) ``io.dl4jbridge.bench.InferBench`` calling ``net.output`` on the same
jars, heap and nd4j-native build. Printed per batch size: windows/s of each side and the ratio of
their times (a)/(b) (goal <= 1.05 for batches >= 1024), then the p50 / p99 latency of one window.
In the Python process the bridge's own work in ``predict_proba`` (input checks, the conversion in
with its transpose, the output back) is also timed by itself, beside the bare forward pass on an
INDArray already in the JVM: its share is the bridge's cost, which load that hits one process and
not the other cannot skew (on a loaded machine the two-process ratio can swing by +-30%).
Both sides check they computed the same outputs (L2 norm of the largest batch's probabilities).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SCRIPT = Path(__file__).resolve()
WARMUP_CALLS = 3  # per batch size, before anything is timed (InferBench does the same)


def config():
    from dl4j_bridge import LSTMConfig

    return LSTMConfig(n_in=29, n_out=29, hidden_sizes=(64, 64))


def python_worker(data_path: str, spec_path: str, batches: List[int], repeats: int, latency_calls: int) -> dict:
    from dl4j_bridge import LSTMConfig, Network

    info = common.start_worker_jvm()
    X = np.load(data_path)
    net = Network(LSTMConfig.from_json(Path(spec_path).read_text()))
    import jpype

    from dl4j_bridge import arrays
    from dl4j_bridge.network import PREDICT_CHUNK

    predictor = jpype.JClass("io.dl4jbridge.Predictor")
    medians, direct, bridge, checksum = {}, {}, {}, 0.0
    for batch in batches:  # warm-up of every shape first: JIT and ND4J caches settle before any timing
        for _ in range(WARMUP_CALLS):
            net.predict_proba(X[:batch])
    for batch in batches:
        xb = np.ascontiguousarray(X[:batch])
        medians[str(batch)] = common.median_seconds(lambda: net.predict_proba(xb), repeats)
        # the bridge's own work in predict_proba, timed by itself (short, so many runs): input checks,
        # numpy -> INDArray with the transpose, and the output back; beside the bare forward pass
        ind = arrays.sequences_to_indarray(xb)
        out = predictor.predict(net.java, ind, None, PREDICT_CHUNK)
        bridge[str(batch)] = common.median_seconds(
            lambda: (net._check_xy(xb, None, None), arrays.sequences_to_indarray(xb), arrays.sequences_from_indarray(out)),
            max(repeats, 21))
        direct[str(batch)] = common.median_seconds(lambda: predictor.predict(net.java, ind, None, PREDICT_CHUNK), repeats)
        checksum = float(np.linalg.norm(net.predict_proba(xb).astype(np.float64).ravel()))
    one = np.ascontiguousarray(X[:1])
    for _ in range(latency_calls):
        net.predict_proba(one)
    millis = []
    for _ in range(latency_calls):
        start = time.perf_counter()
        net.predict_proba(one)
        millis.append((time.perf_counter() - start) * 1000)
    return {"median_seconds": medians, "direct_seconds": direct, "bridge_seconds": bridge, "latency_p50_ms": common.percentile(millis, 50),
            "latency_p99_ms": common.percentile(millis, 99), "checksum": checksum,
            "cpu_build": info["nd4j.cpu.build"]}


def run(batches: List[int], repeats: int, latency_calls: int) -> Dict[str, object]:
    """Both sides twice, alternating (a, b, b, a); per batch size the better median of each side's two
    processes is kept (a process that met a burst of load from elsewhere should not decide)."""
    with tempfile.TemporaryDirectory(prefix="dl4j_bridge_infer_bench_") as tmp:
        directory = Path(tmp)
        X, _, source = common.deeplog_windows(max(batches), seed=5)
        data_path = directory / "x.npy"
        np.save(data_path, X)
        spec_path = directory / "spec.json"
        spec_path.write_text(config().to_json())
        java_inputs = common.save_java_inputs(directory, "windows", X, None)
        batch_arg = ",".join(str(b) for b in batches)
        py_args = ["--worker", str(data_path), str(spec_path), batch_arg, str(repeats), str(latency_calls)]
        java_args = [str(spec_path), java_inputs["x_ncw"], batch_arg, str(repeats), str(latency_calls)]

        def py():
            return common.run_worker(SCRIPT, py_args)

        def java():
            return common.java_json("io.dl4jbridge.bench.InferBench", java_args)

        py1, java1 = py(), java()
        java2, py2 = java(), py()
    rows = []
    for batch in batches:
        key = str(batch)
        p = min(py1["median_seconds"][key], py2["median_seconds"][key])
        j = min(java1["median_seconds"][key], java2["median_seconds"][key])
        d = min(py1["direct_seconds"][key], py2["direct_seconds"][key])
        b = min(py1["bridge_seconds"][key], py2["bridge_seconds"][key])
        rows.append({"batch": batch, "python_s": p, "java_s": j, "python_windows_per_s": batch / p,
                     "java_windows_per_s": batch / j, "ratio": p / j, "bridge_ms": 1000 * b,
                     "hosted_forward_ratio": d / j,
                     "bridge_share": b / (b + d)})
    latency = {
        "python_p50_ms": min(py1["latency_p50_ms"], py2["latency_p50_ms"]),
        "python_p99_ms": min(py1["latency_p99_ms"], py2["latency_p99_ms"]),
        "java_p50_ms": min(java1["latency_p50_ms"], java2["latency_p50_ms"]),
        "java_p99_ms": min(java1["latency_p99_ms"], java2["latency_p99_ms"]),
    }
    same = abs(py1["checksum"] - java1["checksum"]) <= 1e-5 * abs(java1["checksum"])
    return {"rows": rows, "latency": latency, "same_outputs": same, "checksums": (py1["checksum"], java1["checksum"]),
            "cpu_build": py1["cpu_build"], "data": source}


def command(batches: List[int], repeats: int, latency_calls: int) -> str:
    return (f"python python/bench/inference.py --batches {' '.join(map(str, batches))} --repeats {repeats} "
            f"--latency-calls {latency_calls}")


def main(argv=None) -> Dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--latency-calls", type=int, default=200)
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        data, spec, batches, repeats, calls = args.worker
        print(json.dumps(python_worker(data, spec, [int(b) for b in batches.split(",")], int(repeats), int(calls))))
        return {}
    result = run(args.batches, args.repeats, args.latency_calls)
    print(f"{'batch':>6} {'python win/s':>13} {'java win/s':>11} {'ratio':>6} {'bridge ms':>10} {'bridge share':>13} "
          f"{'bare pass in Python process / java':>35}")
    for row in result["rows"]:
        print(f"{row['batch']:6d} {row['python_windows_per_s']:13,.0f} {row['java_windows_per_s']:11,.0f} "
              f"{row['ratio']:6.3f} {row['bridge_ms']:10.3f} {100 * row['bridge_share']:12.2f}% "
              f"{row['hosted_forward_ratio']:35.3f}")
    lat = result["latency"]
    print(f"one window: python p50 {lat['python_p50_ms']:.2f} ms p99 {lat['python_p99_ms']:.2f} ms; "
          f"java p50 {lat['java_p50_ms']:.2f} ms p99 {lat['java_p99_ms']:.2f} ms; "
          f"same outputs: {result['same_outputs']}; build {result['cpu_build']}")
    print(f"(command: {command(args.batches, args.repeats, args.latency_calls)})")
    return result


if __name__ == "__main__":
    main()
