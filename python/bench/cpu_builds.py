"""nd4j-native CPU builds compared on the training benchmark: generic, AVX2, AVX-512, oneDNN.

    gradle benchNatives        # once: the builds that are measured but not shipped -> build/bench-natives
    python python/bench/cpu_builds.py [--case deeplog-256] [--repeats 2]

Each build this CPU can run trains the same case in the pure-Java ``TrainBench`` (same jars, heap
and data; only ``-Dorg.bytedeco.javacpp.platform.extension`` and, for the unshipped builds, one jar
differ), in two rounds (forward, then reverse order) so that a change of load during the run
hits every build alike. The build each process really loaded is checked. Printed: median seconds
and the ratio to the generic build. The shipped default (``dl4j_bridge.cpubuild.PREFERENCE``) is the
fastest shipped build the CPU runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import List

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import training  # noqa: E402

CANDIDATES = ("generic", "avx2", "avx512", "onednn", "onednn-avx2", "onednn-avx512")


def available() -> List[str]:
    """Candidates this CPU runs whose jar is shipped or in build/bench-natives."""
    from dl4j_bridge import cpubuild

    flags = cpubuild.cpu_flags()
    builds = []
    for build in CANDIDATES:
        if not cpubuild.runnable(build, flags):
            continue
        if build == "generic" or any(j.endswith(f"-linux-x86_64-{build}.jar") for j in common.classpath(build)):
            builds.append(build)
    return builds


def run(case_name: str, repeats: int) -> List[dict]:
    case = training.CASES[case_name]
    builds = available()
    times = {b: [] for b in builds}
    with tempfile.TemporaryDirectory(prefix="dl4j_bridge_cpu_builds_") as tmp:
        paths = training.prepare(case, Path(tmp))
        for order in (builds, builds[::-1]):
            for build in order:
                result = training.run_java(case, paths, repeats, cpu_build=build)
                if result["cpu_build"] != build:
                    raise RuntimeError(f"asked for the {build} build, the JVM was started for {result['cpu_build']}")
                times[build] += result["seconds"]
    base = statistics.median(times["generic"])
    return [{"build": b, "seconds": statistics.median(times[b]), "ratio_to_generic": statistics.median(times[b]) / base,
             "runs": len(times[b])} for b in builds]


def command(case_name: str, repeats: int) -> str:
    return f"gradle benchNatives && python python/bench/cpu_builds.py --case {case_name} --repeats {repeats}"


def main(argv=None) -> List[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", default="deeplog-256", choices=list(training.CASES))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    rows = run(args.case, args.repeats)
    for row in rows:
        print(f"{row['build']:14s} {row['seconds']:7.2f}s  x{row['ratio_to_generic']:.3f} of generic  ({row['runs']} runs)")
    print(f"(command: {command(args.case, args.repeats)})")
    return rows


if __name__ == "__main__":
    main()
