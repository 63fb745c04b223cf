"""The whole benchmark suite (``make bench``): runs every benchmark and writes python/bench/RESULTS.md.

    python python/bench/suite.py [--output python/bench/RESULTS.md] [--only training inference ...]

Every comparison is made inside this one run (the baseline beside the measured path), timings are
medians of several runs, and each section gives the command that reproduces it alone. The load
average before and after is recorded: other processes on the machine slow both sides of a
comparison alike, but they widen the spread.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "RESULTS.md"
SECTIONS = ("training", "inference", "arrays", "etl", "json", "text", "scaling", "cpu_builds", "memory")

TRAINING = dict(cases=["reference", "deeplog-256", "deeplog-2048"], repeats=4)
INFERENCE = dict(batches=[1, 64, 1024, 4096], repeats=7, latency_calls=200)
ARRAYS = dict(sizes=[16, 128], repeats=5)
ETL = dict(lines=200_000, baseline_lines=50_000)
JSON = dict(lines=200_000, repeats=3)
TEXT = dict(lines=200_000, repeats=3)
SCALING = dict(train_windows=1024, etl_lines=25_000, repeats=2)
CPU_BUILDS = dict(case="deeplog-256", repeats=1)
MEMORY = dict(windows=8192, cycles=20)


def section_training() -> str:
    import training

    rows = training.run(TRAINING["cases"], TRAINING["repeats"])
    table = common.markdown_table(
        ["case", "examples", "batch", "epochs", "minibatches", "(a) Python s", "(b) pure Java s", "ratio (a)/(b)",
         "ms / minibatch (b)", "(a) outside Trainer.fit", "same final score"],
        [[r["case"], r["n"], r["batch"], r["epochs"], r["iterations"], r["python_s"], r["java_s"], f"{r['ratio']:.3f}",
          r["ms_per_minibatch_java"], f"{100 * r['python_outside_java_share']:.1f}%", "yes" if r["same_score"] else
          f"NO ({r['python_final_score']:.6f} vs {r['java_final_score']:.6f})"] for r in rows])
    worst = max(r["ratio"] for r in rows)
    return (f"Goal: ratio <= 1.05. Worst ratio in this run: **{worst:.3f}**. \"(a) outside Trainer.fit\" is the "
            f"share of the Python wall time not spent in the Java training loop (Trainer.fit's own clock): array "
            f"conversion, input checks, the crossing; the rest of any difference is the same Java loop running "
            f"slower or faster in the other process. Median of {rows[0]['runs_each']} timed "
            f"fits per side (two processes per side, alternating a, b, b, a; JIT warm-up excluded). nd4j-native build: "
            f"{rows[0]['cpu_build']}. Data: {'; '.join(sorted({r['data'] for r in rows}))}.\n\n{table}\n\n"
            f"`{training.command(TRAINING['cases'], TRAINING['repeats'])}`")


def section_inference() -> str:
    import inference

    r = inference.run(INFERENCE["batches"], INFERENCE["repeats"], INFERENCE["latency_calls"])
    table = common.markdown_table(
        ["batch (windows)", "(a) predict_proba windows/s", "(b) net.output windows/s", "ratio of times (a)/(b)",
         "bridge's own work ms", "its share of (a)", "bare forward pass in the Python process / (b)"],
        [[x["batch"], x["python_windows_per_s"], x["java_windows_per_s"], f"{x['ratio']:.3f}",
          f"{x['bridge_ms']:.3f}", f"{100 * x['bridge_share']:.2f}%", f"{x['hosted_forward_ratio']:.3f}"]
         for x in r["rows"]])
    lat = r["latency"]
    big = [x["ratio"] for x in r["rows"] if x["batch"] >= 1024]
    return (f"Goal: ratio <= 1.05 for batches >= 1024; worst in this run: **{max(big):.3f}**" if big else "") + (
        f". DeepLog-size network (2 x GravesLSTM 64, windows of 10 x 29 keys), same weights on both sides; "
        f"same outputs: {'yes' if r['same_outputs'] else 'NO ' + str(r['checksums'])}; build {r['cpu_build']}; "
        f"better median of two processes per side, {INFERENCE['repeats']} passes each. The bridge's own work "
        f"(input checks, conversion in with the transpose, output back) is timed by itself in the Python process, "
        f"beside the bare forward pass: its share is the bridge's cost, which load on other processes cannot skew.\n\n{table}\n\n"
        f"Latency of one window ({INFERENCE['latency_calls']} calls): (a) p50 {lat['python_p50_ms']:.2f} ms, "
        f"p99 {lat['python_p99_ms']:.2f} ms; (b) p50 {lat['java_p50_ms']:.2f} ms, p99 {lat['java_p99_ms']:.2f} ms.\n\n"
        f"`{inference.command(INFERENCE['batches'], INFERENCE['repeats'], INFERENCE['latency_calls'])}`")


def section_arrays() -> str:
    # its own process: the suite itself never starts a JVM
    command = [sys.executable, str(HERE / "arrays.py"), "--sizes-mb", *map(str, ARRAYS["sizes"]),
               "--repeats", str(ARRAYS["repeats"])]
    out = subprocess.run(command, cwd=str(common.REPO_ROOT), capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith("(")]
    return ("MB/s = MiB of float32 moved per second; the ratio is to a numpy `x.copy()` of the same bytes "
            "(a fresh allocation, as every conversion makes one).\n\n```\n" + "\n".join(lines) + "\n```\n\n"
            f"`python python/bench/arrays.py --sizes-mb {' '.join(map(str, ARRAYS['sizes']))} "
            f"--repeats {ARRAYS['repeats']}`")


def section_etl() -> str:
    command = [sys.executable, str(HERE / "etl.py"), "--lines", str(ETL["lines"]),
               "--baseline-lines", str(ETL["baseline_lines"])]
    out = subprocess.run(command, cwd=str(common.REPO_ROOT), capture_output=True, text=True, check=True).stdout
    return ("From the ETL benchmark (`python/bench/etl.py`, owned by the ETL work), output as printed:\n\n```\n"
            + out.strip() + "\n```\n\n"
            f"`python python/bench/etl.py --lines {ETL['lines']} --baseline-lines {ETL['baseline_lines']}`")


def section_json() -> str:
    import json_reader

    r = json_reader.run(JSON["lines"], JSON["repeats"])
    table = common.markdown_table(
        ["lines", "JsonLinesReader CPU s", "lines/s", "baseline CPU s", "lines/s", "ratio reader / baseline"],
        [[r["lines"], f"{r['reader_s']:.2f}", f"{r['reader_lines_per_s']:,.0f}", f"{r['baseline_s']:.2f}",
          f"{r['baseline_lines_per_s']:,.0f}", f"{r['ratio']:.2f}"]])
    return ("`JsonLinesReader` (six mapped fields, one dotted, one declared int: duplicate keys counted, bad lines "
            "handled per line, types checked, line numbers kept) against `pandas.DataFrame([json.loads(line) ...])` "
            "with no checks; the same values read by both; median of "
            f"{JSON['repeats']} runs each, process CPU time.\n\n{table}\n\n"
            f"`{json_reader.command(JSON['lines'], JSON['repeats'])}`")


def section_text() -> str:
    import format_regex

    r = format_regex.run(TEXT["lines"], TEXT["repeats"])
    table = common.markdown_table(
        ["side", "lines", "capture regex CPU s", "lines/s", "guard + regex CPU s", "lines/s",
         "ratio capture / guard + regex"],
        [[side, r["lines"], f"{r[p + 'capture_seconds']:.2f}", f"{r['lines'] / r[p + 'capture_seconds']:,.0f}",
          f"{r[p + 'baseline_seconds']:.2f}", f"{r['lines'] / r[p + 'baseline_seconds']:,.0f}",
          f"{r[p + 'ratio']:.2f}"] for side, p in (("Python `TextReader`", ""), ("JVM `TextRecordReader`", "jvm_"))])
    return ("`SYSLOG_FORMAT` read with the format's atomic capture regex (one linear scan per line or block) against "
            "the guard-then-regex path it replaced (two scans); the same frame read by both paths, the same record "
            f"count on the JVM; median of {TEXT['repeats']} runs each, process CPU time (the JVM: its thread's, "
            f"after a warm-up round).\n\n{table}\n\n`{format_regex.command(TEXT['lines'], TEXT['repeats'])}`")


def section_scaling() -> str:
    import scaling

    r = {"training": scaling.training_scaling(SCALING["train_windows"], SCALING["repeats"]),
         "etl": scaling.etl_scaling(SCALING["etl_lines"]), "threads": scaling.thread_comparison(SCALING["repeats"])}
    t, e = r["training"], r["etl"]
    table = common.markdown_table(
        ["data", "training windows", "training s", "ETL lines", "ETL s (fit + transform)", "ETL peak RSS MiB"],
        [[f"{f}x", tw, ts, el, es, rss] for f, tw, ts, el, es, rss in
         zip(scaling.FACTORS, t["sizes"], t["seconds"], e["sizes"], e["seconds"], e["peak_rss_mb"])])
    threads = common.markdown_table(
        ["OMP_NUM_THREADS", "OMP_WAIT_POLICY", "fit s (2048 windows, batch 256)", "x of 1 thread"],
        [[x["threads"], x["wait_policy"], x["seconds"], f"{x['ratio_to_1_thread']:.2f}"] for x in r["threads"]])
    return (f"Growth exponent (slope of log time on log size; 1.0 = linear): training **{t['exponent']:.2f}**, "
            f"ETL **{e['exponent']:.2f}**.\n\n{table}\n\nThreads (Python `Network.fit`, DeepLog size, 2048 windows; "
            f"dl4j_bridge sets `OMP_WAIT_POLICY=PASSIVE` unless the environment sets it):\n\n{threads}\n\n"
            f"`{scaling.command(SCALING['train_windows'], SCALING['etl_lines'], SCALING['repeats'])}`")


def section_cpu_builds() -> str:
    import cpu_builds

    from dl4j_bridge import cpubuild

    rows = cpu_builds.run(CPU_BUILDS["case"], CPU_BUILDS["repeats"])
    table = common.markdown_table(["nd4j-native build", "TrainBench s", "x of generic", "runs"],
                                  [[r["build"], r["seconds"], f"{r['ratio_to_generic']:.3f}", r["runs"]] for r in rows])
    default = cpubuild.choose("auto", common.classpath())
    return (f"Case {CPU_BUILDS['case']} in the pure-Java TrainBench; builds this CPU runs whose jar is shipped or "
            f"in build/bench-natives. Default chosen here by `dl4j_bridge.cpubuild` (cpu_build='auto'): "
            f"**{default}**.\n\n{table}\n\n`{cpu_builds.command(CPU_BUILDS['case'], CPU_BUILDS['repeats'])}`")


def section_memory() -> str:
    import memory

    r = memory.run(MEMORY["windows"], MEMORY["cycles"])
    rows = []
    for name, label in (("rss", "process RSS"), ("offheap", "ND4J off-heap counters")):
        g = r[f"{name}_growth"]
        verdict = "no growth beyond noise" if g["growth"] <= max(2 * g["noise"], 1.0) else "GROWS"
        rows.append([label, g["early"], g["late"], f"{g['growth']:+.1f}", g["noise"], verdict])
    table = common.markdown_table(["after each cycle", "cycles 3-7 MiB", "last 5 MiB", "growth MiB",
                                   "noise (std) MiB", "verdict"], rows)
    return (f"Training the DeepLog-size network on {r['windows']:,} windows ({r['x_mb']:.1f} MiB of features): peak RSS "
            f"**{r['peak_rss_mb']:.0f} MiB** (JVM up: {r['baseline_rss_mb']:.0f} MiB), peak ND4J off-heap "
            f"**{r['peak_offheap_mb']:.1f} MiB** (JVM up: {r['baseline_offheap_mb']:.1f} MiB; ND4J's counters miss some "
            f"allocations, RSS is the figure to trust), DL4J workspaces after the fit {r['workspaces_mb']:.1f} MiB.\n\n"
            f"{MEMORY['cycles']} fit + predict_proba cycles on fresh networks:\n\n{table}\n\n"
            f"`{memory.command(MEMORY['windows'], MEMORY['cycles'])}`")


TITLES = {
    "training": "1. Training: Python (dl4j_bridge) vs pure-Java DL4J",
    "inference": "2. Inference: predict_proba vs net.output",
    "arrays": "3. Array transfer numpy <-> INDArray",
    "etl": "4. ETL throughput and peak RSS",
    "json": "5. JSON-lines reading",
    "text": "6. Text-log parsing",
    "scaling": "7. Scaling with data and threads",
    "cpu_builds": "8. nd4j-native CPU builds",
    "memory": "9. Memory",
}
RUNNERS: Dict[str, Callable[[], str]] = {
    "training": section_training, "inference": section_inference, "arrays": section_arrays, "etl": section_etl,
    "json": section_json, "text": section_text, "scaling": section_scaling, "cpu_builds": section_cpu_builds,
    "memory": section_memory,
}


def run(sections: List[str], output: Path) -> str:
    started = time.time()
    load_before = common.load_average()
    machine = common.machine_summary()
    parts = []
    for name in sections:
        print(f"== {TITLES[name]}", flush=True)
        start = time.time()
        try:
            body = RUNNERS[name]()
        except Exception as exc:  # one failing benchmark must not hide the others; it is reported
            body = f"**FAILED**: {type(exc).__name__}: {exc}"
        took = time.time() - start
        print(body + f"\n({took:.0f}s)\n", flush=True)
        parts.append(f"## {TITLES[name]}\n\n{body}\n\n_{took:.0f} s_\n")
    machine["load average (1/5/15 min) before"] = load_before
    machine["load average after"] = common.load_average()
    machine["suite wall time"] = f"{(time.time() - started) / 60:.1f} min"
    header = ("# Benchmark results\n\nWritten by `make bench` (`python python/bench/suite.py`). Every comparison "
              "was made inside this run; timings are medians of several runs.\n\n"
              + common.markdown_table(["", ""], [[k, v] for k, v in machine.items()]) + "\n")
    text = header + "\n" + "\n".join(parts)
    from dl4j_bridge.etl.pipeline import atomic_write_text

    atomic_write_text(output, text)   # a temporary name of its own: two runs never share one
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args(argv)
    text = run(args.only, args.output)
    print(f"wrote {args.output}")
    return 1 if "**FAILED**" in text else 0


if __name__ == "__main__":
    sys.exit(main())
