"""Training through dl4j_bridge against the same training in a pure-Java main (the limit).

    python python/bench/training.py [--repeats 3] [--cases reference deeplog-256 deeplog-2048]

For each case the same network (same spec, same seed, so the same initial weights) is trained on the
same data for the same epochs (a) from Python with ``Network.fit`` and (b) by
``io.dl4jbridge.bench.TrainBench`` on the same jars, heap and nd4j-native build, each in its own
process, twice, alternating (a, b, b, a). Every process first trains an untimed network on
``WARMUP_BATCHES`` minibatches (JIT warm-up), then ``repeats`` fresh networks, timed. Printed: median wall seconds of each side, the ratio (a)/(b) (goal <= 1.05) and whether
both reached the same final score.

Cases
-----
reference     the reference network (one GravesLSTM of 10, Nesterovs) on 2400 sequences x 30 steps
              of the failed-login task, batch 32, 2 epochs
deeplog-256   DeepLog's size: 8192 windows of 10 log keys (29, one-hot) from the real HDFS
              sessions, two GravesLSTM layers of 64, next-key labels, batch 256, 1 epoch
deeplog-2048  the same with batch 2048
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SCRIPT = Path(__file__).resolve()
WARMUP_BATCHES = 3


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    kind: str            # "reference" or "deeplog"
    n: int               # sequences / windows
    batch: int
    epochs: int

    def config(self):
        from dl4j_bridge import LSTMConfig

        if self.kind == "reference":
            return LSTMConfig(n_in=3, n_out=2)
        return LSTMConfig(n_in=29, n_out=29, hidden_sizes=(64, 64))

    def data(self):
        """X ``[n, time, features]``, Y ``[n, time]`` and where they came from."""
        if self.kind == "reference":
            from dl4j_bridge.toydata import failed_login_bursts

            X, Y = failed_login_bursts(self.n, 30, seed=1)
            return X, Y, "dl4j_bridge.toydata.failed_login_bursts(seed=1)"
        return common.deeplog_windows(self.n)

    def scaled(self, factor: float) -> "Case":
        return dataclasses.replace(self, name=f"{self.name} x{factor:g}", n=max(self.batch, int(self.n * factor)))


CASES = {
    "reference": Case("reference", "reference", 2400, 32, 2),
    "deeplog-256": Case("deeplog-256", "deeplog", 8192, 256, 1),
    "deeplog-2048": Case("deeplog-2048", "deeplog", 8192, 2048, 1),
}


# ---------------------------------------------------------------------------------------------
# worker: the Python side, in its own process
def python_worker(data_path: str, spec_path: str, epochs: int, batch: int, repeats: int,
                  cpu_build: Optional[str]) -> dict:
    from dl4j_bridge import LSTMConfig, Network

    info = common.start_worker_jvm(cpu_build)
    data = np.load(data_path)
    X, Y = data["X"], data["Y"]
    config = LSTMConfig.from_json(Path(spec_path).read_text())
    warm = min(len(X), WARMUP_BATCHES * batch)
    Network(config).fit(X[:warm], Y[:warm], epochs=1, batch_size=batch, progress=False)
    seconds, java_seconds, history = [], [], None
    for _ in range(repeats):
        net = Network(config)
        start = time.perf_counter()
        history = net.fit(X, Y, epochs=epochs, batch_size=batch, progress=False)
        seconds.append(time.perf_counter() - start)
        java_seconds.append(history.seconds)  # Trainer.fit's own clock: the part spent inside Java
    return {"seconds": seconds, "java_loop_seconds": java_seconds, "iterations": len(history.iteration_scores),
            "final_score": float(history.epoch_scores[-1]), "cpu_build": info["nd4j.cpu.build"],
            "peak_rss_mb": common.peak_rss_mb()}


# ---------------------------------------------------------------------------------------------
# orchestration
def prepare(case: Case, directory: Path) -> Dict[str, str]:
    """Write the case's data (both layouts) and spec; returns the paths and the data source."""
    X, Y, source = case.data()
    stem = case.name.replace(" ", "_")
    paths = common.save_java_inputs(directory, stem, X, Y)
    paths["npz"] = str(directory / f"{stem}.npz")
    np.savez(paths["npz"], X=X, Y=Y)
    paths["spec"] = str(directory / f"{stem}.json")
    Path(paths["spec"]).write_text(case.config().to_json())
    paths["source"] = source
    return paths


def run_python(case: Case, paths: Dict[str, str], repeats: int, cpu_build: Optional[str] = None,
               env: Optional[Dict[str, str]] = None) -> dict:
    """Train in a Python worker process; ``{"seconds": [...], "iterations", "final_score", ...}``."""
    args = ["--worker", paths["npz"], paths["spec"], str(case.epochs), str(case.batch), str(repeats)]
    if cpu_build:
        args += ["--cpu-build", cpu_build]
    return common.run_worker(SCRIPT, args, env=env)


def run_java(case: Case, paths: Dict[str, str], repeats: int, cpu_build: Optional[str] = None,
             env: Optional[Dict[str, str]] = None) -> dict:
    """Train in the pure-Java main; same result keys as :func:`run_python`."""
    return common.java_json("io.dl4jbridge.bench.TrainBench",
                            [paths["spec"], paths["x_ncw"], paths["y"], str(case.epochs), str(case.batch),
                             str(repeats), str(WARMUP_BATCHES)], cpu_build=cpu_build, env=env)


def compare(case: Case, directory: Path, repeats: int) -> dict:
    """(a) Python and (b) pure Java on one case, alternating (a, b, b, a) so that a change of load
    during the run hits both sides alike; the medians pool both rounds."""
    paths = prepare(case, directory)
    half = max(1, (repeats + 1) // 2)
    py1, java1 = run_python(case, paths, half), run_java(case, paths, half)
    java2, py2 = run_java(case, paths, half), run_python(case, paths, half)
    py_times = py1["seconds"] + py2["seconds"]
    java_times = java1["seconds"] + java2["seconds"]
    py, java = statistics.median(py_times), statistics.median(java_times)
    return {
        "case": case.name, "n": case.n, "batch": case.batch, "epochs": case.epochs,
        "iterations": py1["iterations"], "python_s": py, "java_s": java, "ratio": py / java,
        "ms_per_minibatch_java": 1000 * java / java1["iterations"],
        # of (a)'s time, the share outside Trainer.fit (conversions, checks, the crossing itself)
        "python_outside_java_share": 1 - statistics.median(py1["java_loop_seconds"] + py2["java_loop_seconds"]) / py,
        "same_score": abs(py1["final_score"] - java1["final_score"]) <= 1e-6 * max(1.0, abs(java1["final_score"])),
        "python_final_score": py1["final_score"], "java_final_score": java1["final_score"],
        "runs_each": len(py_times), "cpu_build": py1["cpu_build"], "data": paths["source"],
    }


def run(case_names: List[str], repeats: int) -> List[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="dl4j_bridge_train_bench_") as tmp:
        for name in case_names:
            row = compare(CASES[name], Path(tmp), repeats)
            rows.append(row)
            print(f"{row['case']:14s} python {row['python_s']:7.2f}s  java {row['java_s']:7.2f}s  "
                  f"ratio {row['ratio']:.3f}  ({row['iterations']} minibatches, "
                  f"{row['ms_per_minibatch_java']:.1f} ms each in Java; "
                  f"{100 * row['python_outside_java_share']:.1f}% of (a) outside Trainer.fit; same final score: {row['same_score']}; "
                  f"build {row['cpu_build']})", flush=True)
    return rows


def command(case_names: List[str], repeats: int) -> str:
    return f"python python/bench/training.py --repeats {repeats} --cases {' '.join(case_names)}"


def main(argv=None) -> List[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=4, help="timed runs per side, split in two rounds")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--cpu-build", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        data, spec, epochs, batch, repeats = args.worker
        print(json.dumps(python_worker(data, spec, int(epochs), int(batch), int(repeats), args.cpu_build)))
        return []
    rows = run(args.cases, args.repeats)
    print(f"(median of {rows[0]['runs_each'] if rows else 0} runs per side; command: {command(args.cases, args.repeats)})")
    return rows


if __name__ == "__main__":
    main()
