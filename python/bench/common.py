"""Shared pieces of the benchmark suite: timing, workers in subprocesses, the pure-Java side, data.

Every benchmark runs its measured code in fresh worker processes (one JVM per process, so the
build, the thread count and the heap can differ between cases) and compares cases measured in the
same run. Workers print one JSON object as their last stdout line.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DIST = REPO_ROOT / "build" / "install" / "dl4j-bridge"
BENCH_NATIVES = REPO_ROOT / "build" / "bench-natives"
DATA_ROOT = Path(os.environ.get("DL4J_BRIDGE_DATA", REPO_ROOT.parent / "shared" / "data"))
HEAP = "2g"


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ``values``, linear interpolation."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def growth_exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float:
    """Least-squares slope of log(seconds) against log(size): 1.0 is linear growth."""
    if len(sizes) < 2 or min(sizes) <= 0 or min(seconds) <= 0:
        raise ValueError("growth_exponent needs at least two positive sizes and times")
    slope, _ = np.polyfit(np.log(np.asarray(sizes, float)), np.log(np.asarray(seconds, float)), 1)
    return float(slope)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """Resident set size of this process now, MiB (from /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# ---------------------------------------------------------------------------------------------
# worker processes
def run_worker(script: Path, args: Sequence[str], env: Optional[Dict[str, str]] = None, timeout: int = 900) -> dict:
    """Run ``python script args`` and return the JSON object it printed last.

    Raises
    ------
    RuntimeError
        When the worker fails; the message holds the end of its stderr.
    """
    return _run_json([sys.executable, str(script), *args], env, timeout)


def _run_json(command: List[str], env: Optional[Dict[str, str]], timeout: int) -> dict:
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(command, cwd=str(REPO_ROOT), env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker failed (exit {proc.returncode}): {' '.join(command)}\n"
                           f"{proc.stderr[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"benchmark worker printed no JSON: {' '.join(command)}\n{proc.stdout[-2000:]}")
    return json.loads(lines[-1])


def start_worker_jvm(cpu_build: Optional[str] = None, threads: Optional[int] = None) -> dict:
    """In a worker: start the JVM like a user would and return ``jvm_info()``."""
    import dl4j_bridge as db

    db.start_jvm(heap=HEAP, cpu_build=cpu_build, threads=threads)
    return db.jvm_info()


def classpath(cpu_build: Optional[str] = None) -> List[str]:
    """The dist's jars; for a build measured but not shipped (``build/bench-natives``), its jar is added."""
    jars = sorted(str(p) for p in (DIST / "lib").glob("*.jar"))
    if not jars:
        raise RuntimeError(f"no Java build at {DIST}: run `make build`")
    if cpu_build and cpu_build not in ("auto", "generic"):
        extra = sorted(BENCH_NATIVES.glob(f"nd4j-native-*-linux-x86_64-{cpu_build}.jar"))
        shipped = [j for j in jars if j.endswith(f"-linux-x86_64-{cpu_build}.jar")]
        if not shipped and extra:
            jars.append(str(extra[0]))
    return jars


def java_json(main_class: str, args: Sequence[str], cpu_build: Optional[str] = None,
              env: Optional[Dict[str, str]] = None, timeout: int = 900) -> dict:
    """Run a pure-Java benchmark main on the same jars, heap and nd4j-native build as the Python side.

    The environment gets ``start_jvm``'s native defaults (``OMP_WAIT_POLICY``) too. The main prints
    one JSON object as its last stdout line. The build is chosen by :func:`dl4j_bridge.cpubuild.choose`
    exactly as ``start_jvm`` chooses it; the one really loaded (from the main's ``native_library``)
    is added as ``cpu_build``.
    """
    from dl4j_bridge import cpubuild

    jars = classpath(cpu_build)
    build = cpubuild.choose(cpu_build, jars)
    from dl4j_bridge.session import NATIVE_ENV_DEFAULTS

    env = {**{k: os.environ.get(k, v) for k, v in NATIVE_ENV_DEFAULTS.items()}, **(env or {})}
    command = ["java", f"-Xmx{HEAP}", f"-D{cpubuild.EXTENSION_PROPERTY}={cpubuild.BUILDS[build][0]}",
               "-cp", os.pathsep.join(jars), main_class, *args]
    result = _run_json(command, env, timeout)
    result["cpu_build"] = cpubuild.loaded_build(result["native_library"]) if result.get("native_library") else build
    return result


# ---------------------------------------------------------------------------------------------
# data
def deeplog_windows(n_windows: int, window: int = 10, n_keys: int = 29, seed: int = 0):
    """DeepLog-style next-key windows from the real HDFS sessions (``hdfs_deeplog/hdfs_train``).

    Returns
    -------
    X : numpy.ndarray
        float32 ``[n_windows, window, n_keys]``, one-hot log keys.
    Y : numpy.ndarray
        int64 ``[n_windows, window]``, the key that follows each step.
    source : str
        Where the keys came from. Without the shared data (``DL4J_BRIDGE_DATA``) the keys are
        drawn from a seeded generator instead, which times the same but is said in the results.
    """
    path = DATA_ROOT / "hdfs_deeplog" / "hdfs_train"
    sequences = []
    if path.is_file():
        for line in path.read_text().splitlines():
            keys = [int(k) for k in line.split()]
            if len(keys) > window:
                sequences.append(np.asarray(keys, dtype=np.int64))
        source = f"{path} ({len(sequences)} sessions)"
    if not sequences:
        rng = np.random.default_rng(seed)
        sequences = [rng.integers(1, n_keys, size=40) for _ in range(max(1, n_windows // 20))]
        source = f"synthetic keys (no {path})"
    starts = [(s, i) for s, seq in enumerate(sequences) for i in range(len(seq) - window)]
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(starts), size=n_windows, replace=len(starts) < n_windows)
    keys = np.stack([sequences[starts[p][0]][starts[p][1]:starts[p][1] + window + 1] for p in picks])
    keys = np.clip(keys, 0, n_keys - 1)
    X = np.eye(n_keys, dtype=np.float32)[keys[:, :-1]]
    Y = keys[:, 1:].astype(np.int64)
    return X, Y, source


def save_java_inputs(directory: Path, name: str, X: np.ndarray, Y: Optional[np.ndarray]) -> Dict[str, str]:
    """Write ``X`` in DL4J's NCW layout ``[batch, features, time]`` (and ``Y`` as float32 ``[batch, time]``)
    as .npy files for the pure-Java mains; returns their paths."""
    paths = {"x_ncw": str(directory / f"{name}_x_ncw.npy")}
    np.save(paths["x_ncw"], np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float32))
    if Y is not None:
        paths["y"] = str(directory / f"{name}_y.npy")
        np.save(paths["y"], Y.astype(np.float32))
    return paths


# ---------------------------------------------------------------------------------------------
# reporting
def machine_summary() -> Dict[str, str]:
    """Facts about this machine and run, for RESULTS.md."""
    flags = set()
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model in ("unknown", "", platform.processor()):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.strip().splitlines()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=str(REPO_ROOT), capture_output=True,
                            text=True).stdout.strip()
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": f"{model}, {os.cpu_count()} logical cores, "
               f"{'/'.join(f for f in ('avx2', 'avx512f') if f in flags) or 'no avx2'}",
        "memory": f"{mem_gb:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_version()}, numpy {np.__version__}",
        "java": java[0] if java else "unknown",
        "git commit": commit or "unknown",
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "unset"),
    }


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    def cell(value):
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(a: float, b: float) -> float:
    return a / b if b else math.inf
